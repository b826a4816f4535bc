#!/usr/bin/env python3
"""How long lento takes to make each report from a profile of 10,000
functions: `lento export` in every format, `lento graph -o x.dot`, and
`lento html` (with and without Graphviz drawing the graph), and, when
chromium is installed, how long the browser takes to render the report.

The profile is synthetic (tests/lento_file.py writes the .lento format
directly): 10,000 Python functions on a tree about 12 calls deep, once
with one call path per function (10,000 nodes) and once with ten
(100,000 nodes).  Each command runs 5 times (after one warm-up run), and
the median wall time of the whole process is reported.

    python3 bench/report_speed.py [--runs 5] [--funcs 10000] [--json out.json]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import lento_file  # noqa: E402

JOBS = [
    ("export pstats", ["export", "{p}", "-o", "{d}/x.pstats"]),
    ("export callgrind", ["export", "{p}", "-o", "{d}/x.callgrind"]),
    ("export folded", ["export", "{p}", "-o", "{d}/x.folded"]),
    ("export speedscope", ["export", "{p}", "-o", "{d}/x.speedscope.json"]),
    ("export chrome", ["export", "{p}", "-o", "{d}/x.trace.json"]),
    ("export pprof", ["export", "{p}", "-o", "{d}/x.pb.gz"]),
    ("export json", ["export", "{p}", "-o", "{d}/x.json"]),
    ("graph -o x.dot", ["graph", "{p}", "-o", "{d}/x.dot"]),
    ("flame -o x.svg", ["flame", "{p}", "-o", "{d}/x.svg"]),
    ("html --no-graph", ["html", "{p}", "-o", "{d}/x.html", "--no-graph"]),
    ("html (dot draws the graph)", ["html", "{p}", "-o", "{d}/x.html"]),
]


def find_lento():
    here = Path(sys.executable).parent
    return shutil.which("lento", path=str(here)) or shutil.which("lento")


def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def browser_load(html, runs):
    """Median time for headless chromium to load and render the report
    (navigate to data-ready), when chromium and websocket-client exist."""
    try:
        import cdp
        b = cdp.Browser()
    except Exception as e:  # no browser here: say so, do not fail
        print("  (browser load not measured: %s)" % e)
        return None
    try:
        b.load(html)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            b.load(html)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        print("  %-28s %8.1f ms %8.1f ms" % ("chromium renders the report", med * 1e3, min(times) * 1e3))
        return {"median_s": med, "min_s": min(times), "runs": times}
    finally:
        b.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--funcs", type=int, default=10_000)
    ap.add_argument("--json")
    args = ap.parse_args()
    lento = find_lento()
    if not lento:
        sys.exit("lento is not installed (pip install .)")
    has_dot = shutil.which("dot") is not None
    results = {}
    with tempfile.TemporaryDirectory() as d:
        for paths in (1, 10):
            prof = lento_file.synthetic(args.funcs, n_nodes=args.funcs * paths)
            path = os.path.join(d, "p%d.lento" % paths)
            prof.write(path)
            label = "%d functions, %d nodes" % (args.funcs, args.funcs * paths)
            print("\n%s (%.1f MB .lento)" % (label, os.path.getsize(path) / 1e6))
            print("  %-28s %10s %10s %12s" % ("command", "median", "min", "output"))
            results[label] = {}
            for name, argv in JOBS:
                if "dot draws" in name and not has_dot:
                    continue
                cmd = [lento] + [a.format(p=path, d=d) for a in argv]
                timed(cmd)  # warm-up: page cache, dynamic loader
                times = [timed(cmd) for _ in range(args.runs)]
                out = cmd[cmd.index("-o") + 1]
                size = os.path.getsize(out)
                med = statistics.median(times)
                results[label][name] = {"median_s": med, "min_s": min(times),
                                        "runs": times, "bytes": size}
                print("  %-28s %8.1f ms %8.1f ms %9.1f MB" % (name, med * 1e3, min(times) * 1e3,
                                                              size / 1e6))
            results[label]["browser"] = browser_load(os.path.join(d, "x.html"), args.runs)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
