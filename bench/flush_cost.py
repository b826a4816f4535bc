"""What lento run's periodic save costs a program with a large profile.

Under `lento run` every process rewrites its profile every second (so a
crash loses at most a second; README, "Crashes").  The save copies the
profile with the GIL held, so it costs most when the profile is large.
This runs a program that calls FUNCS distinct functions for SECONDS
seconds, alternately under `python -m lento -o` (the same tracer, no
periodic save) and `lento run -o` (with it), ROUNDS times each, and prints
the median wall time of each, their ratio, and the profile's size.  The
program also reports the calls it made, so that both do the same work.

    python3 bench/flush_cost.py [--funcs 5000] [--seconds 5] [--rounds 5]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PROGRAM = """
import sys, time
N = {funcs}
ns = {{}}
src = "\\n".join("def f%d(x):\\n    return x + %d\\n" % (i, i) for i in range(N))
exec(compile(src, "gen.py", "exec"), ns)
fs = [ns["f%d" % i] for i in range(N)]
end = time.perf_counter() + {seconds}
calls = 0
while time.perf_counter() < end:
    for f in fs:
        f(1)
    calls += N
print(calls)
"""


def timed(cmd, cwd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (cmd, p.stderr[-2000:]))
    return t, int(p.stdout.split()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--funcs", type=int, default=5000)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    lento = shutil.which("lento", path=os.path.dirname(sys.executable)) or "lento"
    with tempfile.TemporaryDirectory() as d:
        prog = os.path.join(d, "prog.py")
        with open(prog, "w") as f:
            f.write(PROGRAM.format(funcs=a.funcs, seconds=a.seconds))
        plain = [sys.executable, "-m", "lento", "-o", "m.lento", prog]
        run = [lento, "run", "-o", "r.lento", prog]
        tm, tr, rate_m, rate_r = [], [], [], []
        for _ in range(a.rounds):
            t, n = timed(plain, d)
            tm.append(t)
            rate_m.append(n / t)
            t, n = timed(run, d)
            tr.append(t)
            rate_r.append(n / t)
        size = os.path.getsize(os.path.join(d, "r.lento"))
    # the program runs for a fixed time: compare the work done per second
    m, r = statistics.median(rate_m), statistics.median(rate_r)
    print("functions %d, %.0f s each, %d rounds alternating, medians" %
          (a.funcs, a.seconds, a.rounds))
    print("  python -m lento -o  %12.0f calls/s  (wall %.2f s)" % (m, statistics.median(tm)))
    print("  lento run -o        %12.0f calls/s  (wall %.2f s)" % (r, statistics.median(tr)))
    print("  lento run's rate / python -m lento's: %.3f" % (r / m))
    print("  profile size %.0f KiB" % (size / 1024))


if __name__ == "__main__":
    main()
