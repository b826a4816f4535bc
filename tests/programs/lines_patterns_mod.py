def helper(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


class Acc:
    def __init__(self):
        self.v = 0

    def add(self, x):
        self.v += x
        return self.v
