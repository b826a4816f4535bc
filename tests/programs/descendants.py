"""Processes that leave their parent's wait4 accounting: for
tests/test_stat_children.py.  Each worker burns CPU and reports what it
used by its own account (os.times, itself only); the program writes the
sum to the file named by its second argument.

    descendants.py forkserver|spawn|fork OUT   a Pool(2) of that start method
    descendants.py daemon OUT          a double-forked grandchild that
                                       works, then ends during the run
    descendants.py lingering OUT       the same, but it is still asleep
                                       when the program ends (its pid in OUT)
"""
import json
import multiprocessing
import os
import sys
import time


def burn(seconds):
    """CPU work for about `seconds` of CPU time; returns (pid, own CPU)."""
    t0 = time.process_time()
    x = 0
    while time.process_time() - t0 < seconds:
        for i in range(10_000):
            x += i * i
    t = os.times()
    return os.getpid(), t.user + t.system


def pool(method, out):
    with multiprocessing.get_context(method).Pool(2) as p:
        results = p.map(burn, [0.25] * 4, chunksize=1)
    own = {}
    for pid, cpu in results:  # a worker's figure is cumulative
        own[pid] = max(own.get(pid, 0.0), cpu)
    with open(out, "w") as f:
        json.dump({"worker_cpu": sum(own.values()), "workers": len(own)}, f)


def double_fork(out, linger):
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        if os.fork() != 0:
            os._exit(0)  # the middle process: its child is orphaned
        os.close(r)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        pid, cpu = burn(0.5)
        os.write(w, json.dumps({"worker_cpu": cpu, "pid": pid}).encode())
        os.close(w)
        if linger:
            time.sleep(60)  # the test kills it
        os._exit(0)
    os.close(w)
    os.waitpid(child, 0)
    data = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        data += chunk
        if linger and data.endswith(b"}"):
            break
    with open(out, "w") as f:
        f.write(data.decode())


if __name__ == "__main__":
    what, out = sys.argv[1], sys.argv[2]
    if what in ("daemon", "lingering"):
        double_fork(out, linger=what == "lingering")
    else:
        pool(what, out)
