"""Run under `lento run --lines` and `kernprof -l`: @profile is a builtin."""
import sys
import threading


@profile  # noqa: F821 (a builtin under both tools)
def work(n):
    total = 0
    for i in range(n):
        if i % 5 == 0:
            total += i
        else:
            total -= 1
    return total


@profile  # noqa: F821
def gen(n):
    for i in range(n):
        yield i * 2


@profile  # noqa: F821
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


@profile  # noqa: F821
def main(scale):
    t = threading.Thread(target=work, args=(1000 * scale,))
    t.start()
    s = work(2000 * scale) + sum(gen(300 * scale))
    try:
        fact(-1) / 0
    except ZeroDivisionError:
        s += fact(30)
    t.join()
    return s


if __name__ == "__main__":
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
