#!/usr/bin/env python3
"""Line-timing overhead: lento vs line_profiler (kernprof -l), side by side.

Every function of calls.py and loops.py is selected: a copy of each
workload with @profile on every def is written to a temp dir.  Variants:

  bare           python3 copy.py SCALE (a no-op builtins.profile)
  kernprof       python3 -m kernprof -l -o TMP.lprof copy.py SCALE
  lento lines    lento run --lines -o TMP.lento copy.py SCALE
                 (function profile in fast mode + every line, on twins
                 whose bytecode announces the lines)
  lento tracing  the same through python -m lento, with twins switched
                 off (lento._lento._line_probes(False)): CPython's tracing
                 path, as before twins (3.11 only: on 3.12+ line events
                 come from sys.monitoring, there are no twins)
  noop trace     a C trace function that does nothing, set with
                 PyEval_SetTrace (built here with the C compiler; skipped
                 without one): on 3.11 the floor of any trace function

and, with only one small function selected while the rest runs (the
original workload, --lines=MODULEFILE:FUNC):

  lento --no-builtins   lento run --no-builtins (the function profile alone)
  lento default         lento run (exact mode)
  lento one func        lento run --lines=FILE:FUNC

Rounds rotate the order; figures are medians of per-round ratios to the
bare run of the same round.

    python3 bench/lines_overhead.py [--runs 5] [--scale-calls 8] [--scale-loops 5]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = HERE.parent / "workloads"
ONE_FUNC = {"calls": "norm2", "loops": "main"}  # a small function, selected alone

NOOP_C = r"""
#include <Python.h>
static int noop(PyObject *o, PyFrameObject *f, int w, PyObject *a)
{ (void)o; (void)f; (void)w; (void)a; return 0; }
static PyObject *on(PyObject *m, PyObject *a)
{ (void)m; (void)a; PyEval_SetTrace(noop, NULL); Py_RETURN_NONE; }
static PyMethodDef md[] = {{"on", on, METH_NOARGS, 0}, {0}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "noop_trace", 0, -1, md};
PyMODINIT_FUNC PyInit_noop_trace(void) { return PyModule_Create(&def); }
"""

RUNNER = r"""
import builtins, sys
builtins.profile = lambda f: f
if sys.argv[1] == "--noop":
    import noop_trace
    del sys.argv[1]
    noop_trace.on()
path = sys.argv[1]
sys.argv = sys.argv[1:]
code = compile(open(path).read(), path, "exec")
exec(code, {"__name__": "__main__", "__file__": path})
"""


TRACING_PATH = ("import sys, lento._lento as L; L._line_probes(False); "
                "sys.exit(L.main(sys.argv[1:]))")


def timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode:
        sys.exit("failed: %s\n%s" % (" ".join(map(str, cmd)), p.stderr.decode()[-2000:]))
    return dt


def build_noop(tmp):
    cc = os.environ.get("CC", "cc")
    if not shutil.which(cc):
        return False
    src = tmp / "noop_trace.c"
    src.write_text(NOOP_C)
    so = tmp / ("noop_trace" + sysconfig.get_config_var("EXT_SUFFIX"))
    inc = sysconfig.get_paths()["include"]
    r = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-I", inc, str(src), "-o", str(so)])
    return r.returncode == 0


def decorate(src, dst):
    text = re.sub(r"^([ \t]*)def ", r"\1@profile\n\1def ", src.read_text(), flags=re.M)
    dst.write_text(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scale-calls", type=float, default=8)
    ap.add_argument("--scale-loops", type=float, default=5)
    args = ap.parse_args()
    py = sys.executable
    lento = Path(py).parent / "lento"
    lento = str(lento) if lento.exists() else shutil.which("lento")
    tmp = Path(tempfile.mkdtemp(prefix="lento-lines-bench-"))
    has_noop = build_noop(tmp)
    engine = subprocess.run([py, "-c", "import lento._lento as L; print(L._engine)"],
                            capture_output=True, text=True).stdout.strip()
    twins = engine == "py311"
    runner = tmp / "runner.py"
    runner.write_text(RUNNER)
    env_py = [py]
    os.environ["PYTHONPATH"] = str(tmp) + os.pathsep + os.environ.get("PYTHONPATH", "")
    print("python %s (lento engine: %s), %d rounds, medians of per-round ratios to bare" %
          (sys.version.split()[0], engine, args.runs))
    for name, scale in (("calls", args.scale_calls), ("loops", args.scale_loops)):
        orig = WORKLOADS / ("%s.py" % name)
        dec = tmp / ("%s_all.py" % name)
        decorate(orig, dec)
        s = str(scale)
        variants = {
            "bare": env_py + [runner, dec, s],
            "kernprof": env_py + ["-m", "kernprof", "-l", "-o", tmp / "k.lprof", dec, s],
            "lento lines": [lento, "run", "--lines", "-o", tmp / "l.lento", dec, s],
            "bare (orig)": env_py + [orig, s],
            "lento --no-builtins": [lento, "run", "--no-builtins", "-o", tmp / "n.lento", orig, s],
            "lento default": [lento, "run", "-o", tmp / "d.lento", orig, s],
            "lento one func": [lento, "run", "--lines=%s:%s" % (orig, ONE_FUNC[name]),
                               "-o", tmp / "o.lento", orig, s],
        }
        if twins:
            variants["lento tracing"] = env_py + ["-c", TRACING_PATH, "--lines", "-o",
                                                  tmp / "t.lento", dec, s]
        if has_noop:
            variants["noop trace"] = env_py + [runner, "--noop", dec, s]
        names = list(variants)
        for n in names:                      # warm-up
            timed(variants[n])
        times = {n: [] for n in names}
        for r in range(args.runs):
            order = names[r % len(names):] + names[:r % len(names)]
            for n in order:
                times[n].append(timed(variants[n]))
        ratio = {n: statistics.median(t / b for t, b in zip(times[n], times["bare"]))
                 for n in names}
        ratio_o = {n: statistics.median(t / b for t, b in zip(times[n], times["bare (orig)"]))
                   for n in names}
        print("\n%s.py (scale %s), bare median %.3f s" % (name, s, statistics.median(times["bare"])))
        print("  every function selected:")
        for n in (["kernprof", "lento lines"] + (["lento tracing"] if twins else []) +
                  (["noop trace"] if has_noop else [])):
            print("    %-22s %6.2fx" % (n, ratio[n]))
        kx, lx = ratio["kernprof"] - 1, ratio["lento lines"] - 1
        print("    lento excess / line_profiler excess: %.2f  (goal <= 0.33)" % (lx / kx))
        if twins:
            print("    tracing path excess / line_profiler excess: %.2f"
                  % ((ratio["lento tracing"] - 1) / kx))
        if has_noop:
            print("    no-op C trace excess / line_profiler excess: %.2f"
                  % ((ratio["noop trace"] - 1) / kx))
        print("  one small function (%s) selected, the rest runs:" % ONE_FUNC[name])
        for n in ["lento --no-builtins", "lento default", "lento one func"]:
            print("    %-22s %6.2fx" % (n, ratio_o[n]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
