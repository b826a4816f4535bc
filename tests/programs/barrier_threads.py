"""Three worker threads alive at the same time, each calling crunch()."""
import threading


def crunch(n):
    s = 0
    for i in range(n):
        s += i * i % 13
    return s


def worker(barrier, n):
    barrier.wait()          # all three are alive together: distinct threads
    crunch(n)
    barrier.wait()


def main():
    barrier = threading.Barrier(3)
    ts = [threading.Thread(target=worker, args=(barrier, 20000), name="w%d" % i)
          for i in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    crunch(1000)
    print("done")


main()
