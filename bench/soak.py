#!/usr/bin/env python3
"""Soak: does lento's memory stay flat over a long run?

Runs a server-like workload (below) for a long time under `lento run`, in
the default mode and the fast mode (`--no-builtins`), and, for reference,
bare.  Every few seconds it reads the RSS of the process that runs the
program (the Python child of `lento run`, where the tracer lives) from
/proc.  At the end it records the profile's size, writes every sample to a
CSV and prints one row per mode.

"Flat" means: after the warm-up (the first --warmup seconds), the RSS grew
by less than 1 MiB + 1% of its value at the end of the warm-up, comparing
the median of the samples in the first minute after the warm-up with the
median of the samples in the last minute (a quarter of the time after the
warm-up each, for runs shorter than 8 minutes).  The slope of a least-squares
line through the samples after warm-up is shown too (KiB per minute).

The workload, a stand-in for a long-running server: "requests" handled by
a pool of two threads and, every second, by a short-lived thread of its own
(as a thread-per-connection server does); each request recurses, calls
small functions and builtins, runs a generator and a lambda, and compiles
one of 50 source templates anew (new code objects all the time, with
labels that recur) in one request of a hundred (--compile-every).  Its own memory is
bounded: a bare run is flat.

    python3 bench/soak.py [--seconds 600] [--modes default,fast,bare]
                          [--interval 5] [--warmup 60] [--csv soak.csv]
                          [--compile-every 100]

Not in CI: it takes --seconds per mode.  Exits 1 if a mode is not flat.
"""
import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CHILD_FLAG = "--soak-child"
TEMPLATES = 50


# --- the workload (runs in the profiled process) ------------------------------

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def squares(n):
    for i in range(n):
        yield i * i


def render(i):
    """A template compiled anew, as some servers do (two new code objects,
    the module's and the function's, with one of TEMPLATES labels)."""
    k = i % TEMPLATES
    src = "def render_%d(x):\n    return [x + %d for _ in range(3)]\n" % (k, k)
    ns = {}
    exec(compile(src, "<template %d>" % k, "exec"), ns)
    return ns["render_%d" % k](i)


COMPILE_EVERY = 100  # set from the command line


def handle(i):
    """One request: about a millisecond of mixed work; one in
    COMPILE_EVERY compiles a template."""
    out = render(i) if COMPILE_EVERY and i % COMPILE_EVERY == 0 else [i]
    total = fib(12) + sum(squares(50)) + len(out)
    words = sorted(str(j) for j in range(40))
    key = (lambda w: w[-1])
    return total + len(max(words, key=key))


def serve(seconds):
    deadline = time.monotonic() + seconds
    stop = threading.Event()

    def worker(offset):
        i = offset
        while not stop.is_set():
            handle(i)
            i += 2

    pool = [threading.Thread(target=worker, args=(j,), name="pool-%d" % j)
            for j in range(2)]
    for t in pool:
        t.start()
    n = 0
    while time.monotonic() < deadline:
        # a connection's own thread, gone once it is served
        t = threading.Thread(target=lambda: [handle(j) for j in range(50)],
                             name="conn-%d" % n)
        t.start()
        t.join()
        n += 1
        time.sleep(max(0.0, min(1.0, deadline - time.monotonic())))
    stop.set()
    for t in pool:
        t.join()


# --- the driver --------------------------------------------------------------

def find_lento():
    beside = Path(sys.executable).parent / "lento"
    return str(beside) if beside.exists() else shutil.which("lento")


def children(pid):
    """pids whose parent is pid."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                text = f.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(name))
    return out


def program_pid(top):
    """The process running the workload: top itself (bare), or the Python
    child of `lento run` (whose own command line names the flag too: the
    deepest process that does is the program)."""
    found, todo = None, [(top, 0)]
    while todo:
        pid, depth = todo.pop()
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if CHILD_FLAG.encode() in f.read().split(b"\0"):
                    if found is None or depth > found[1]:
                        found = (pid, depth)
        except OSError:
            pass
        todo.extend((c, depth + 1) for c in children(pid))
    return found[0] if found else None


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def soak(mode, seconds, interval, workdir, compile_every):
    profile = Path(workdir) / ("soak-%s.lento" % mode)
    script = [str(Path(__file__).resolve()), CHILD_FLAG, str(seconds), str(compile_every)]
    if mode == "bare":
        cmd = [sys.executable] + script
    else:
        lento = find_lento()
        if not lento:
            sys.exit("lento: no `lento` executable beside %s nor on PATH" % sys.executable)
        extra = ["--no-builtins"] if mode == "fast" else []
        cmd = [lento, "run", "-o", str(profile)] + extra + script
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, cwd=workdir)
    samples = []
    pid = None
    while p.poll() is None:
        time.sleep(interval)
        pid = pid or program_pid(p.pid)
        kib = rss_kib(pid) if pid else None
        if kib is not None and p.poll() is None:
            samples.append((time.monotonic() - t0, kib))
    if p.returncode != 0:
        sys.exit("lento: the %s run exited %d: %s" % (mode, p.returncode, " ".join(cmd)))
    size = profile.stat().st_size if profile.exists() else None
    return samples, size


def judge(samples, warmup):
    """(start KiB, end KiB, growth KiB, slope KiB/min, flat) after warm-up."""
    after = [(t, k) for t, k in samples if t >= warmup]
    if len(after) < 4:
        return None
    t_first, t_last = after[0][0], after[-1][0]
    window = min(60.0, (t_last - t_first) / 4)
    first = [k for t, k in after if t <= t_first + window]
    last = [k for t, k in after if t >= t_last - window]
    start, end = statistics.median(first), statistics.median(last)
    ts, ks = [t for t, _ in after], [k for _, k in after]
    mt, mk = statistics.fmean(ts), statistics.fmean(ks)
    var = sum((t - mt) ** 2 for t in ts)
    slope = sum((t - mt) * (k - mk) for t, k in after) / var * 60 if var else 0.0
    growth = end - start
    return start, end, growth, slope, growth < 1024 + 0.01 * start


def main():
    global COMPILE_EVERY
    if len(sys.argv) == 4 and sys.argv[1] == CHILD_FLAG:
        COMPILE_EVERY = int(sys.argv[3])
        serve(float(sys.argv[2]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=600, help="per mode (default 600)")
    ap.add_argument("--modes", default="default,fast,bare")
    ap.add_argument("--interval", type=float, default=5, help="seconds between RSS samples")
    ap.add_argument("--warmup", type=float, default=60, help="seconds not judged")
    ap.add_argument("--csv", default="soak.csv", help="every sample (default soak.csv)")
    ap.add_argument("--compile-every", type=int, default=100, metavar="N",
                    help="one request in N compiles a template (default 100; 0: none)")
    a = ap.parse_args()
    modes = a.modes.split(",")
    for m in modes:
        if m not in ("default", "fast", "bare"):
            ap.error("unknown mode %r (default, fast, bare)" % m)
    rows, all_ok = [], True
    with tempfile.TemporaryDirectory() as work, open(a.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["mode", "seconds", "rss_kib"])
        for m in modes:
            samples, size = soak(m, a.seconds, a.interval, work, a.compile_every)
            for t, k in samples:
                w.writerow([m, "%.1f" % t, k])
            f.flush()
            v = judge(samples, a.warmup)
            if v is None:
                print("%s: too few samples after the warm-up" % m, file=sys.stderr)
                all_ok = False
                continue
            start, end, growth, slope, flat = v
            all_ok &= flat
            rows.append((m, len(samples), start, end, growth, slope, size, flat))
    print("| mode | samples | RSS after warm-up | RSS at the end | growth | slope | profile | flat |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for m, n, start, end, growth, slope, size, flat in rows:
        print("| %s | %d | %.1f MiB | %.1f MiB | %+.0f KiB | %+.1f KiB/min | %s | %s |" % (
            m, n, start / 1024, end / 1024, growth, slope,
            "%.0f KiB" % (size / 1024) if size else "-", "yes" if flat else "NO"))
    print("samples in %s" % a.csv)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
