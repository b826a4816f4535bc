"""A pool of 4 workers over 40 tasks with known calls: task 40 times,
leaf 40 x 100 times, work 40 times.  argv[1]: the start method, or
"futures" for concurrent.futures' ProcessPoolExecutor (fork)."""
import multiprocessing as mp
import sys
from concurrent.futures import ProcessPoolExecutor


def leaf(x):
    return x + 1


def work(n):
    return sum(i * i for i in range(n))


def task(n):
    for i in range(100):
        leaf(i)
    return work(n)


if __name__ == "__main__":
    how = sys.argv[1]
    if how == "futures":
        with ProcessPoolExecutor(4, mp_context=mp.get_context("fork")) as ex:
            print(sum(ex.map(task, [2000] * 40)))
    else:
        with mp.get_context(how).Pool(4) as p:
            print(sum(p.map(task, [2000] * 40)))
