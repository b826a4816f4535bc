#!/usr/bin/env python3
"""What supervising costs the program: the bare program vs `lento stat` on it.

`lento stat` runs the program as a child and samples /proc from the parent
every 50 ms; the program itself runs unchanged.  This measures the wall
time of each workload bare and under `lento stat`, alternating (the order
flips every round so slow drift on the shared machine hits both alike),
and reports the median of the per-round ratios stat/bare, with the spread
of the bare runs for scale.

    python3 bench/stat_overhead.py [--runs N] [--workloads calls,io_bound] [--json out.json]
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

# Scale per workload so a bare run takes about 1 s on the 2-core dev box
# (the same as bench/overhead.py).
DEFAULT_SCALES = {"calls": 13, "loops": 5, "io_bound": 3, "memory_bound": 2.2, "threads": 7}
TIMEOUT = 300


def run(cmd):
    """Seconds for cmd, or raises if it fails."""
    # No subprocess timeout=: with one, wait() polls in sleeps of up to
    # 50 ms, which quantizes the measured time.  A timer kills a hung run.
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    killer = threading.Timer(TIMEOUT, p.kill)
    killer.start()
    p.wait()
    dt = time.perf_counter() - t0
    killer.cancel()
    if p.returncode != 0:
        raise RuntimeError("exit %d: %s" % (p.returncode, " ".join(cmd)))
    return dt


def find_lento(py):
    beside = Path(py).parent / "lento"
    return str(beside) if beside.exists() else shutil.which("lento")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="timed rounds (at least 5)")
    ap.add_argument("--workloads", default="calls,loops,io_bound,threads")
    ap.add_argument("--workloads-dir", default=str(Path(__file__).resolve().parents[1]
                                                   / "workloads"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--json", help="write raw times and ratios here")
    a = ap.parse_args()
    if a.runs < 5:
        ap.error("--runs must be at least 5")
    lento = find_lento(a.python)
    if not lento:
        sys.exit("no `lento` executable beside %s or on PATH (pip install .)" % a.python)
    wdir = Path(a.workloads_dir)
    results = {}
    for name in a.workloads.split(","):
        script = wdir / (name + ".py")
        scale = str(DEFAULT_SCALES.get(name, 1))
        bare_cmd = [a.python, str(script), scale]
        variants = {"bare": bare_cmd,
                    "lento stat": [lento, "stat", "-o", "/dev/null", "--"] + bare_cmd}
        for cmd in variants.values():  # warm-up: page cache, .pyc files
            run(cmd)
        times = {k: [] for k in variants}
        for i in range(a.runs):
            order = list(variants) if i % 2 == 0 else list(reversed(variants))
            for k in order:
                times[k].append(run(variants[k]))
            print("  %s round %d/%d: bare %.3fs, lento stat %.3fs"
                  % (name, i + 1, a.runs, times["bare"][-1], times["lento stat"][-1]),
                  file=sys.stderr)
        ratios = [s / b for s, b in zip(times["lento stat"], times["bare"])]
        bare = times["bare"]
        results[name] = {
            "scale": scale, "times": times, "ratios": ratios,
            "ratio": statistics.median(ratios),
            "bare_median": statistics.median(bare),
            "bare_spread": (max(bare) - min(bare)) / statistics.median(bare),
        }
    print("\n| workload | bare (median) | lento stat / bare (median of %d rounds) "
          "| ratio range | bare spread |" % a.runs)
    print("| --- | --- | --- | --- | --- |")
    for name, r in results.items():
        print("| %s (scale %s) | %.2f s | %.3f | %.3f–%.3f | %.0f%% |"
              % (name, r["scale"], r["bare_median"], r["ratio"], min(r["ratios"]),
                 max(r["ratios"]), 100 * r["bare_spread"]))
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
