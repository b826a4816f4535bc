#!/usr/bin/env python3
"""Which way should lento hear of calls on CPython 3.12+?  The frame-
evaluation hook (PEP 523) or sys.monitoring (PEP 669), each with the same
small piece of work behind it (mechanisms.c), side by side with cProfile.

Variants, each in its own process, on workloads/calls.py and loops.py:

  bare          the script alone
  cProfile      cProfile.Profile() (sys.monitoring on 3.12+)
  cProfile-nb   cProfile builtins=False
  hook          PEP 523 hook: Python frames only (a fast mode)
  monitor-py    sys.monitoring PY_* events: Python frames only
  hook+ccall    the hook, plus CALL/C_RETURN/C_RAISE for C functions
  monitor-all   sys.monitoring for everything (as cProfile does)

Rounds rotate the order; figures are medians of per-round ratios to the
bare run of the same round.

It also checks what each way sees: on 3.13 the frame-evaluation hook is
not called for the __init__ frames of class instantiation (the
CALL_ALLOC_AND_ENTER_INIT instruction pushes them without it), so a hook
would miss those calls; on 3.12+ a frame clears its locals (and runs the
finalizers and generator closes that starts) before the hook regains
control, while cProfile has already counted the frame out.  Speed alone
does not decide.

    python3 bench/engine_choice/run.py [--runs 7] [--scale-calls 4] [--scale-loops 2]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = HERE.parents[1] / "workloads"
TOOL = 4

CHILD = r"""
import runpy, sys, time
mode, script, scale = sys.argv[1:4]
sys.argv = [script, scale]
import cProfile, mechanisms as m
mon = sys.monitoring
E = mon.events

def monitor(py, c):
    mon.use_tool_id(%(tool)d, "bench")
    ev = 0
    if py:
        for e in (E.PY_START, E.PY_RESUME, E.PY_THROW):
            mon.register_callback(%(tool)d, e, m.on_start)
        for e in (E.PY_RETURN, E.PY_YIELD, E.PY_UNWIND):
            mon.register_callback(%(tool)d, e, m.on_return)
        ev |= E.PY_START | E.PY_RESUME | E.PY_THROW | E.PY_RETURN | E.PY_YIELD | E.PY_UNWIND
    if c:
        mon.register_callback(%(tool)d, E.CALL, m.on_call)
        for e in (E.C_RETURN, E.C_RAISE):
            mon.register_callback(%(tool)d, e, m.on_c_return)
        ev |= E.CALL | E.C_RETURN | E.C_RAISE
    mon.set_events(%(tool)d, ev)

if mode == "cProfile" or mode == "cProfile-nb":
    p = cProfile.Profile()
    p.enable(builtins=mode == "cProfile")
elif mode == "hook":
    m.hook_on()
elif mode == "monitor-py":
    monitor(True, False)
elif mode == "hook+ccall":
    monitor(False, True)
    m.hook_on()
elif mode == "monitor-all":
    monitor(True, True)
runpy.run_path(script, run_name="__main__")
""" % {"tool": TOOL}

SEES_INIT = r"""
import sys, mechanisms as m
class A:
    def __init__(self):
        pass
def f():
    for i in range(1000):
        A()
f()
before = m.calls()
m.hook_on()
f()
m.hook_off()
print(m.calls() - before)
"""

MODES = ["bare", "cProfile", "cProfile-nb", "hook", "monitor-py", "hook+ccall", "monitor-all"]


def build(tmp):
    cc = os.environ.get("CC", "cc")
    so = tmp / ("mechanisms" + sysconfig.get_config_var("EXT_SUFFIX"))
    inc = sysconfig.get_paths()["include"]
    r = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-I", inc, str(HERE / "mechanisms.c"),
                        "-o", str(so)])
    if r.returncode:
        sys.exit("cannot build mechanisms.c")


def timed(cmd, env):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    dt = time.perf_counter() - t0
    if p.returncode:
        sys.exit("failed: %s\n%s" % (" ".join(map(str, cmd)), p.stderr.decode()[-2000:]))
    return dt


def main():
    if sys.version_info < (3, 12):
        sys.exit("sys.monitoring is CPython 3.12+; this is %s" % sys.version.split()[0])
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--scale-calls", type=float, default=4)
    ap.add_argument("--scale-loops", type=float, default=2)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lento-engine-choice-"))
    build(tmp)
    child = tmp / "child.py"
    child.write_text(CHILD)
    env = dict(os.environ, PYTHONPATH=str(tmp))
    print("python %s, %d rounds, medians of per-round ratios to bare"
          % (sys.version.split()[0], args.runs))
    seen = subprocess.run([sys.executable, "-c", SEES_INIT], capture_output=True, text=True,
                          env=env).stdout.strip()
    print("frames the hook sees for f() making 1000 objects with __init__: %s (1001 = all)"
          % seen)
    for name, scale in (("calls", args.scale_calls), ("loops", args.scale_loops)):
        script = WORKLOADS / ("%s.py" % name)
        cmd = {m: [sys.executable, child, m, script, str(scale)] for m in MODES}
        for m in MODES:                     # warm-up
            timed(cmd[m], env)
        times = {m: [] for m in MODES}
        for r in range(args.runs):
            for m in MODES[r % len(MODES):] + MODES[:r % len(MODES)]:
                times[m].append(timed(cmd[m], env))
        ratio = {m: statistics.median(t / b for t, b in zip(times[m], times["bare"]))
                 for m in MODES}
        print("\n%s.py (scale %g), bare median %.3f s" % (name, scale,
                                                        statistics.median(times["bare"])))
        for m in MODES[1:]:
            print("  %-12s %5.2fx" % (m, ratio[m]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
