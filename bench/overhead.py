#!/usr/bin/env python3
"""Wall-time overhead of lento vs cProfile on the shared workloads.

Every round runs each variant once, in an order rotated per round, so slow
drift on the (shared, noisy) machine hits all variants alike.  Per round we
take each profiler's time divided by that round's bare time; the figure
reported is the median of those per-round ratios.

    python3 bench/overhead.py [--runs N] [--workloads calls,loops] [--scale-calls 12] [--json out.json]
"""
import argparse
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Scale per workload so a bare run takes about 1 s on the 2-core dev box.
DEFAULT_SCALES = {"calls": 13, "loops": 5, "io_bound": 3, "memory_bound": 2.2, "threads": 7}
PROFILERS = ["cProfile", "lento", "lento run", "cProfile-nb", "lento-nb"]
# -nb: builtins not timed apart (cProfile.Profile(builtins=False); lento's
# fast mode, `--no-builtins`)
TIMEOUT = 300  # seconds per run
MIN_EXCESS = 0.10  # below this cProfile excess, lento/cProfile excess is not reported

# Function keys that belong to the profilers or the script runner, not the workload.
RUNNER_MARKERS = ("_lsprof", "lento", "cProfile", "runpy", "profile.py", "builtins.exec")


def run(cmd, stderr=subprocess.DEVNULL):
    """Run cmd; return (seconds, returncode, stderr bytes or None)."""
    # No subprocess timeout=: with one, wait() polls in sleeps of up to 50 ms, which
    # quantizes the measured time. A timer thread kills a hung run instead.
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
    killer = threading.Timer(TIMEOUT, p.kill)
    killer.start()
    err = p.communicate()[1]
    dt = time.perf_counter() - t0
    killer.cancel()
    return dt, p.returncode, err


def works(cmd):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def find_lento_exe(py):
    # Prefer the script next to the interpreter: a pyenv shim would add its own start-up time.
    beside = Path(py).parent / "lento"
    return str(beside) if beside.exists() else shutil.which("lento")


def make_variants(py):
    """Map variant name -> function(script, scale, out_stem) -> argv, or a reason it is skipped."""
    v = {"bare": lambda s, x, o: [py, s, x],
         "cProfile": lambda s, x, o: [py, "-m", "cProfile", "-o", o + ".cprof.pstats", s, x]}
    if works([py, "-c", "import lento"]):
        v["lento"] = lambda s, x, o: [py, "-m", "lento", "-o", o + ".lento.pstats", s, x]
    else:
        v["lento"] = f"skipped: `{py} -c 'import lento'` fails (pip install . from the repo root)"
    # cProfile's command line has no builtins switch: drive it like cProfile.main() does
    v["cProfile-nb"] = lambda s, x, o: [py, "-c", CPROFILE_NB, s, x, o + ".cprof-nb.pstats"]
    if callable(v["lento"]):
        v["lento-nb"] = lambda s, x, o: [py, "-m", "lento", "--no-builtins", "-o",
                                         o + ".lento-nb.pstats", s, x]
    else:
        v["lento-nb"] = v["lento"]
    exe = find_lento_exe(py)
    if exe:
        v["lento run"] = lambda s, x, o: [exe, "run", "-o", o + ".lento", s, x]
    else:
        v["lento run"] = "skipped: no `lento` executable on PATH"
    return v


CPROFILE_NB = """
import cProfile, os, sys
script, scale, out = sys.argv[1:]
sys.argv = [script, scale]
sys.path.insert(0, os.path.dirname(script))
with open(script, "rb") as f:
    code = compile(f.read(), script, "exec")
g = {"__name__": "__main__", "__file__": script, "__builtins__": __builtins__}
# builtins=False given to enable() too: on 3.14 and 3.15 the constructor's
# is ignored (C functions would be timed apart anyway)
p = cProfile.Profile(builtins=False)
p.enable(builtins=False)
try:
    exec(code, g)
finally:
    p.disable()
    p.dump_stats(out)
"""


def ncalls(path):
    """{'file:line(func)': 'nc/cc'} for a pstats file, minus profiler/runner entries."""
    st = pstats.Stats(str(path)).stats
    out = {}
    for (fn, line, func), (cc, nc, *_rest) in st.items():
        key = re.sub(r" at 0x[0-9a-f]+", "", f"{fn}:{line}({func})")  # reprs carry addresses
        if not any(m in key for m in RUNNER_MARKERS):
            n, c = out.get(key, (0, 0))
            out[key] = (n + nc, c + cc)
    return {k: f"{n}/{c}" if n != c else str(n) for k, (n, c) in out.items()}


def shared_labels(script):
    """'file:line(name)' labels that several code objects of script share (two
    comprehensions on one line): lento adds them up, cProfile keeps one."""
    seen = {}

    def walk(code):
        key = f"{script}:{code.co_firstlineno}({code.co_name})"
        seen[key] = seen.get(key, 0) + 1
        for c in code.co_consts:
            if hasattr(c, "co_code"):
                walk(c)
    try:
        walk(compile(Path(script).read_text(), str(script), "exec"))
    except (OSError, SyntaxError):
        return set()
    return {k for k, n in seen.items() if n > 1}


def compare_counts(a_path, b_path, script):
    """Compare cProfile's (a) and lento's (b) call counts; the workload's own functions first."""
    try:
        a, b = ncalls(a_path), ncalls(b_path)
    except Exception as e:  # missing or unreadable output
        return f"call counts: could not compare ({type(e).__name__}: {e})"
    keys = a.keys() | b.keys()
    diff = sorted(k for k in keys if a.get(k) != b.get(k))
    shared = sorted(set(diff) & shared_labels(script))
    diff = [k for k in diff if k not in shared]
    note = "".join(f"; {k} is shared by several code objects (lento adds them up, cProfile "
                   f"keeps one: README, Exactness)" for k in shared)
    if not diff:
        return f"call counts: identical ({len(keys) - len(shared)} functions){note}"
    own = [k for k in diff if k.startswith(f"{script}:")]
    other = [k for k in diff if k not in own]
    n_own = sum(k.startswith(f"{script}:") for k in keys)
    lines = [f"call counts differ (cProfile vs lento): {len(own)} of {n_own} functions in {script.name}, "
             f"{len(other)} of {len(keys) - n_own} elsewhere"]
    lines += [f"    {k}: {a.get(k, '-')} vs {b.get(k, '-')}" for k in own + other[:10]]
    if len(other) > 10:
        lines.append(f"    ... {len(other) - 10} more elsewhere")
    return "\n".join(lines)


def bench_workload(name, script, scale, variants, runs, tmp):
    active = {k: f for k, f in variants.items() if callable(f)}
    out = str(Path(tmp) / name)
    times = {k: [] for k in active}
    failed = {}

    def once(k, record):
        dt, rc, _ = run(active[k](str(script), str(scale), out))
        if rc != 0:
            _, _, err = run(active[k](str(script), str(scale), out), stderr=subprocess.PIPE)
            tail = (err or b"").decode(errors="replace").strip().splitlines()[-5:]
            failed[k] = f"exit {rc}" + "".join(f"\n      | {l}" for l in tail)
            del active[k]
        elif record:
            times[k].append(dt)

    # Untimed warm-up round (page cache, .pyc files); its pstats files feed the call-count check.
    for k in list(active):
        once(k, record=False)
    check = None
    if "cProfile" in active and "lento" in active:
        check = compare_counts(out + ".cprof.pstats", out + ".lento.pstats", script)
    if "cProfile-nb" in active and "lento-nb" in active:
        check = (check + "\n" if check else "") + "without builtins, " + compare_counts(
            out + ".cprof-nb.pstats", out + ".lento-nb.pstats", script)

    names = list(active)
    for i in range(runs):
        order = names[i % len(names):] + names[:i % len(names)]
        for k in order:
            if k in active:
                once(k, record=True)
        print(f"  {name} round {i + 1}/{runs}: " +
              ", ".join(f"{k} {times[k][-1]:.2f}s" for k in order if k in active), file=sys.stderr)

    bare = times.get("bare", [])
    res = {"scale": scale, "times": times, "failed": failed, "callcounts": check,
           "median": {k: statistics.median(t) for k, t in times.items() if t},
           "ratios_per_round": {}, "ratio": {}}
    if bare:  # bare's spread shows how noisy the machine was for this workload
        res["bare_spread"] = (max(bare) - min(bare)) / statistics.median(bare)
    for k in PROFILERS:
        t = times.get(k, [])
        if bare and len(t) == len(bare):  # paired rounds only
            res["ratios_per_round"][k] = [p / b for p, b in zip(t, bare)]
            res["ratio"][k] = statistics.median(res["ratios_per_round"][k])
    r = res["ratio"]
    # Too small a cProfile excess would make the quotient mostly noise.
    if "lento" in r and "cProfile" in r and r["cProfile"] - 1 >= MIN_EXCESS:
        res["lento_excess_over_cprofile_excess"] = (r["lento"] - 1) / (r["cProfile"] - 1)
    if "lento-nb" in r and "cProfile" in r and r["cProfile"] - 1 >= MIN_EXCESS:
        res["lento_nb_excess_over_cprofile_excess"] = (r["lento-nb"] - 1) / (r["cProfile"] - 1)
    if "lento-nb" in r and "cProfile-nb" in r and r["cProfile-nb"] - 1 >= MIN_EXCESS:
        res["lento_nb_excess_over_cprofile_nb_excess"] = (r["lento-nb"] - 1) / (r["cProfile-nb"] - 1)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="timed rounds per workload (default 5, min 5)")
    ap.add_argument("--workloads", default=",".join(DEFAULT_SCALES), help="comma-separated names")
    ap.add_argument("--workloads-dir", type=Path,
                    default=Path(__file__).resolve().parents[1] / "workloads")
    ap.add_argument("--python", default=sys.executable, help="interpreter to run (default: this one)")
    ap.add_argument("--json", type=Path, help="write raw times, medians and ratios here")
    for w, s in DEFAULT_SCALES.items():
        ap.add_argument(f"--scale-{w.replace('_', '-')}", type=float, default=s, dest=f"scale_{w}",
                        help=f"scale for {w}.py (default {s})")
    args = ap.parse_args()
    if args.runs < 5:
        ap.error("--runs must be at least 5")

    with tempfile.TemporaryDirectory(prefix="lento-bench-") as tmp:
        variants = make_variants(args.python)
        for k, f in variants.items():
            if not callable(f):
                print(f"note: {k} {f}")
        has_numpy = works([args.python, "-c", "import numpy"])
        results, notes = {}, []
        for name in args.workloads.split(","):
            script = args.workloads_dir / f"{name}.py"
            if not script.exists():
                notes.append(f"{name}: {script} not found")
                continue
            if name == "memory_bound" and not has_numpy:
                notes.append(f"{name}: skipped, numpy is not installed")
                continue
            scale = getattr(args, f"scale_{name}", 1.0)
            results[name] = bench_workload(name, script, scale, variants, args.runs, tmp)

    profs = [k for k in PROFILERS if callable(variants[k])]
    print(f"\n{args.runs} rounds per workload; ratio = median over rounds of (variant time / bare time "
          f"in the same round); excess = ratio - 1;\nbare spread = (max - min) / median of the bare times "
          f"(machine noise); -nb = builtins not timed apart (cProfile.Profile(builtins=False), "
          f"lento --no-builtins);\nn/a: cProfile's excess < {MIN_EXCESS}, too small to divide by")
    head = f"{'workload':<13}{'scale':>6}{'bare med':>10}{'spread':>8}" + "".join(f"{k + ' ratio':>18}{'excess':>8}" for k in profs)
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        row = f"{name:<13}{r['scale']:>6g}{r['median'].get('bare', float('nan')):>9.2f}s{r.get('bare_spread', 0):>8.0%}"
        for k in profs:
            x = r["ratio"].get(k)
            row += f"{x:>18.2f}{x - 1:>+8.2f}" if x is not None else f"{'failed' if k in r['failed'] else '-':>18}{'':>8}"
        print(row)
    print("\nlento's excess / cProfile's excess (goal <= 0.5 on calls and loops):")
    for name, r in results.items():
        parts = []
        for key, what in (("lento_excess_over_cprofile_excess", "lento / cProfile"),
                          ("lento_nb_excess_over_cprofile_excess", "lento-nb / cProfile"),
                          ("lento_nb_excess_over_cprofile_nb_excess", "lento-nb / cProfile-nb")):
            x = r.get(key)
            parts.append(f"{what} {x:.2f}" if x is not None else f"{what} n/a")
        print(f"  {name:<13}" + ", ".join(parts))
    if "threads" in results:
        print("threads: cProfile profiles only the main thread, lento every thread (python -m lento --no-threads: main only)")

    print()
    for name, r in results.items():
        if r["callcounts"]:
            print(f"{name}: {r['callcounts']}")
        for k, why in r["failed"].items():
            print(f"{name}: FAILED {k}: {why}")
    for n in notes:
        print("note:", n)

    if args.json:
        meta = {"python": args.python, "runs": args.runs, "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                "cpus": os.cpu_count(), "skipped_variants": {k: f for k, f in variants.items() if not callable(f)},
                "notes": notes}
        args.json.write_text(json.dumps({"meta": meta, "workloads": results}, indent=1))
        print(f"wrote {args.json}")
    return 1 if any(r["failed"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
