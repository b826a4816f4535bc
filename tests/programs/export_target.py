"""A program whose profile has a bit of everything the exports map:
recursion, methods, builtins, a second thread, and names with characters
that need escaping in some formats (renamed code objects: a name with
';', quotes and markup, and non-ASCII names)."""
import threading


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Box:
    def __init__(self, v):
        self.v = v

    def grow(self):
        return Box(self.v + len(str(self.v)))


def naïve_函数(k):
    return sum(i * i for i in range(k))


def hostile(k):
    return sorted(range(k), key=lambda x: -x)[0]


# A name no `def` can spell: ';' splits folded frames, quotes and markup
# break careless JSON/DOT/HTML writers.
hostile.__code__ = hostile.__code__.replace(
    co_name="<script>alert(1)</script>;\"q\"'s&")


def worker():
    for _ in range(30):
        fib(12)


def main():
    t = threading.Thread(target=worker, name="worker-1")
    t.start()
    b = Box(1)
    for _ in range(2000):
        b = b.grow()
    fib(16)
    naïve_函数(5000)
    hostile(3000)
    t.join()
    print("ok")


main()
