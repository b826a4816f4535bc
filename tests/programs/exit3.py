import sys


def finish(code):
    sys.exit(code)


def work():
    return sum(range(10))


work()
finish(3)
