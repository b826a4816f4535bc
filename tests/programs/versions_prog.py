"""A small program whose profile is kept in tests/data for each Python
version lento serves, to check that any build reads any version's file."""


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def main():
    return [fib(12) for _ in range(3)], sorted(range(10), key=lambda x: -x)


main()
