"""Programs for the line-timing tests: each case is a function to run and
the functions whose lines are compared with line_profiler's."""
import threading
import time


def loops(n):
    total = 0
    i = 0
    while i < n:
        for j in range(i % 4):
            if j == 2:
                continue
            total += j
            if total > 10 ** 9:
                break
        else:
            total += 1
        i += 1
    return total


def branches(n):
    out = []
    for i in range(n):
        if i % 3 == 0:
            out.append("a")
        elif i % 3 == 1:
            out.append("b")
        else:
            out.append("c")
    return len(out)


def raiser(i):
    if i % 3 == 0:
        raise ValueError(i)
    return i


def catcher(n):
    total = 0
    for i in range(n):
        try:
            total += raiser(i)
        except ValueError:
            total -= 1
        finally:
            total += 1
    try:
        raiser(0)
    except ValueError as e:
        total += len(str(e))
    return total


def gen(n):
    for i in range(n):
        if i % 2:
            yield i
        else:
            x = i * 2
            yield x
    return


def consume(n):
    total = 0
    g = gen(n)
    for v in g:
        total += v
    total += sum(gen(n // 2))
    return total


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def even(n):
    if n == 0:
        return True
    return odd(n - 1)


def odd(n):
    if n == 0:
        return False
    return even(n - 1)


def recursion(n):
    return fib(n) + even(n) + odd(n)


def comprehensions(n):
    sq = [i * i for i in range(n)]
    f = lambda x: x + 1
    d = {i: f(i) for i in range(n) if i % 2}
    s = sum(x for x in sq if x % 3)
    return sum(map(f, sq)) + len(d) + s


def thread_work(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total += i
    return total


def sleepy():
    x = 1
    time.sleep(0.05)
    x += 1
    return x


CASES = {
    "loops": (lambda: loops(200), [loops]),
    "branches": (lambda: branches(300), [branches]),
    "exceptions": (lambda: catcher(100), [catcher, raiser]),
    "generators": (lambda: consume(500), [consume, gen]),
    "recursion": (lambda: recursion(12), [fib, even, odd, recursion]),
    "comprehensions": (lambda: comprehensions(50), [comprehensions]),
}
