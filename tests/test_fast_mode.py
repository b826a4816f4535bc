"""Fast mode: with builtins=False lento times Python frames through the
frame-evaluation hook (src/tracer/frames.c) instead of a profile hook.
cProfile with builtins=False is the oracle: the same calls, primitive calls,
caller edges and, under a deterministic timer, the same times."""
import contextlib
import cProfile
import io
import itertools
import pstats
import sys
import threading

import pytest

import parity_cases
from lento_testlib import (CProfile, describe, diff_counts, diff_times, load_module,
                           profile_both, profile_stats, report)

CASE_NAMES = sorted(parity_cases.CASES)


def int_timer():
    it = itertools.count(1000)
    return lambda: next(it)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_times_equal_cprofile_without_builtins(lento, case):
    """One timer read at each frame start and end, in the same order as
    cProfile's call and return events: every time is exactly equal."""
    func = parity_cases.CASES[case]
    with contextlib.redirect_stdout(io.StringIO()):
        func()
    c = profile_stats(CProfile, func, timer=int_timer(), timeunit=1e-3,
                      builtins=False, quiet=True)
    l = profile_stats(lento.Profile, func, timer=int_timer(), timeunit=1e-3,
                      builtins=False, quiet=True)
    assert c, "cProfile recorded nothing: the case is broken"
    assert not diff_counts(c, l), report(diff_counts(c, l))
    assert not diff_times(c, l), report(diff_times(c, l))


@pytest.mark.parametrize("name", ["calls", "loops"])
def test_workloads_without_builtins(lento, workloads_dir, name):
    mod = load_module(workloads_dir / ("%s.py" % name))

    def main():
        mod.main(0.05)
    c = profile_stats(CProfile, main, timer=int_timer(), timeunit=1e-6,
                      builtins=False, quiet=True)
    l = profile_stats(lento.Profile, main, timer=int_timer(), timeunit=1e-6,
                      builtins=False, quiet=True)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    assert not diff_times(c, l), report(diff_times(c, l))
    assert not [k for k in l if k[0] == "~"], "fast mode saw a C function"


def test_fast_mode_has_no_profile_hook(lento):
    """Fast mode must not set a profile function: that is what makes every
    opcode slow."""
    seen = []
    with lento.Profile(builtins=False):
        seen.append(sys.getprofile())
    assert seen == [None]


def test_deep_recursion_without_builtins(lento):
    def deep(n):
        return 0 if n == 0 else 1 + deep(n - 1)

    def overflow(n):
        return overflow(n + 1)

    def main():
        deep(2500)
        try:
            overflow(0)
        except RecursionError:
            pass
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(3000)
    try:
        c, l = profile_both(lento, main, builtins=False)
    finally:
        sys.setrecursionlimit(old)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    d = [v for k, v in l.items() if k[2] == "deep"][0]
    assert d[:2] == (1, 2501)   # (primitive, total), as pstats


def test_only_one_fast_profiler_at_a_time(lento):
    a = lento.Profile(builtins=False)
    b = lento.Profile(builtins=False)
    a.enable()
    try:
        with pytest.raises(RuntimeError, match="another Profile"):
            b.enable()
    finally:
        a.disable()
    b.enable()            # free again once a is disabled
    parity_cases.leaf(1)
    b.disable()
    b.create_stats()
    assert [v[:2] for k, v in b.stats.items() if k[2] == "leaf"] == [(1, 1)]


def test_switching_modes_while_enabled_is_refused(lento):
    p = lento.Profile()
    p.enable()
    try:
        with pytest.raises(RuntimeError):
            p.enable(builtins=False)
    finally:
        p.disable()
    p.enable(builtins=False)
    try:
        with pytest.raises(RuntimeError):
            p.enable(builtins=True)
    finally:
        p.disable()


def disable_enable_inside(p):
    def inner():
        p.disable()
        parity_cases.leaf(0)      # not profiled
        p.enable()
        parity_cases.leaf(1)      # profiled, under nothing: inner began before

    def outer():
        inner()
        parity_cases.leaf(2)

    p.enable()
    outer()
    p.disable()
    return p


def test_disable_inside_a_frame_then_enable_again(lento):
    """Frames that were running when the profiler stopped finish untimed
    and must not pop activations of a later enable(); disable() closes the
    open ones, as cProfile's does."""
    c = disable_enable_inside(CProfile(builtins=False))
    c.create_stats()
    l = disable_enable_inside(lento.Profile(builtins=False))
    l.create_stats()
    cs = {k: v for k, v in c.stats.items() if "disable" not in k[2]}
    ls = {k: v for k, v in l.stats.items()}
    assert not diff_counts(cs, ls), report(diff_counts(cs, ls))
    assert [v[:2] for k, v in ls.items() if k[2] == "leaf"] == [(2, 2)], ls


def test_nothing_recorded_after_disable(lento):
    p = lento.Profile(builtins=False)
    p.enable()
    parity_cases.leaf(0)
    p.disable()
    for i in range(5):
        parity_cases.leaf(i)
    p.create_stats()
    assert [v[:2] for k, v in p.stats.items() if k[2] == "leaf"] == [(1, 1)]


def run_threads(k, n):
    def work(n):
        for i in range(n):
            parity_cases.leaf(i)
    ts = [threading.Thread(target=work, args=(n,)) for _ in range(k)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def test_threads_in_fast_mode(lento):
    with lento.Profile(builtins=False, threads=True) as p:
        run_threads(3, 10)
        parity_cases.leaf(0)
    p.create_stats()
    assert [v[:2] for k, v in p.stats.items() if k[2] == "work"] == [(3, 3)]
    assert [v[:2] for k, v in p.stats.items() if k[2] == "leaf"] == [(31, 31)]


def test_threads_not_followed_in_fast_mode_unless_asked(lento):
    with lento.Profile(builtins=False) as p:
        run_threads(3, 10)
        parity_cases.leaf(0)
    p.create_stats()
    assert not [k for k in p.stats if k[2] == "work"]
    assert [v[:2] for k, v in p.stats.items() if k[2] == "leaf"] == [(1, 1)]


def test_python_timer_frames_not_recorded(lento):
    """A custom timer written in Python runs inside the hook: its own frame
    must neither be counted nor re-enter the recorder."""
    state = [0]

    def my_timer():
        state[0] += 1
        return state[0]
    p = lento.Profile(timer=my_timer, timeunit=1.0, builtins=False)
    p.runcall(parity_cases.case_generators)
    p.create_stats()
    assert not [k for k in p.stats if k[2] == "my_timer"]
    assert state[0] > 10


def test_cli_no_builtins(run, lento_exe, tmp_path, workloads_dir):
    proc = run([lento_exe, "run", "--no-builtins", "-o", "c.pstats",
                str(workloads_dir / "calls.py"), "0.05"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    st = pstats.Stats(str(tmp_path / "c.pstats")).stats
    fib = [v for k, v in st.items() if k[2] == "fib"]
    assert fib and fib[0][:2] == (1, 57313), fib
    assert not [k for k in st if k[0] == "~"], "C functions in fast mode"
    # the same program with builtins: len and friends are there
    proc = run([lento_exe, "run", "-o", "d.pstats",
                str(workloads_dir / "calls.py"), "0.05"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert [k for k in pstats.Stats(str(tmp_path / "d.pstats")).stats
            if k[2] == "<built-in method builtins.len>"]


def test_python_m_no_builtins(run, tmp_path, workloads_dir):
    proc = run([sys.executable, "-m", "lento", "--no-builtins", "-o", "c.pstats",
                str(workloads_dir / "calls.py"), "0.05"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    st = pstats.Stats(str(tmp_path / "c.pstats")).stats
    assert [v[:2] for k, v in st.items() if k[2] == "fib"] == [(1, 57313)]
    assert not [k for k in st if k[0] == "~"]


def test_summary_says_builtins_are_folded(run, lento_exe, tmp_path, workloads_dir):
    proc = run([lento_exe, "run", "--no-builtins", str(workloads_dir / "calls.py"), "0.02"],
               cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert "--no-builtins: C functions are not timed apart" in proc.stderr
    again = run([lento_exe, "report", str(tmp_path / "calls.lento")], cwd=tmp_path)
    assert "--no-builtins" in again.stdout + again.stderr
    plain = run([lento_exe, "run", "-o", "d.lento", str(workloads_dir / "calls.py"), "0.02"],
                cwd=tmp_path)
    assert "--no-builtins" not in plain.stderr
