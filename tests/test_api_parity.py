"""lento.Profile against cProfile.Profile: same keys, same call counts, same
caller->callee edges, on small programs made for each kind of call."""
import cProfile
import io
import contextlib
import itertools
import sys

import pytest

import parity_cases
from lento_testlib import (CProfile, cprofile_stats_by_label, diff_counts, diff_times,
                           load_module, profile_both, profile_stats, report)

CASE_NAMES = sorted(parity_cases.CASES)

FLAGS = {
    "default": {},
    "nosubcalls": {"subcalls": False},
    "nobuiltins": {"builtins": False},
    "neither": {"subcalls": False, "builtins": False},
}


@pytest.mark.parametrize("flags", sorted(FLAGS))
@pytest.mark.parametrize("case", CASE_NAMES)
def test_counts_match_cprofile(lento, case, flags):
    func = parity_cases.CASES[case]
    c, l = profile_both(lento, func, **FLAGS[flags])
    assert c, "cProfile recorded nothing: the case is broken"
    assert not diff_counts(c, l), report(diff_counts(c, l))


def test_cases_exercise_what_they_claim():
    """Guard the oracle side: the programs really make the calls the parity
    tests rely on (so a parity pass means something)."""
    c = profile_stats(CProfile, parity_cases.case_fib)
    fib = [v for k, v in c.items() if k[2] == "fib"][0]
    assert fib[0] == 2 and fib[1] == 177 + 5
    c = profile_stats(CProfile, parity_cases.case_builtins)
    names = {k[2] for k in c}
    for n in ("<built-in method builtins.len>", "<method 'append' of 'list' objects>",
              "<method 'get' of 'dict' objects>", "<built-in method builtins.sorted>",
              "<built-in method math.sqrt>"):
        assert n in names
    c = profile_stats(CProfile, parity_cases.case_recursion_via_builtin)
    ts = [v for k, v in c.items() if k[2] == "tree_sum"][0]
    assert ts[0] == 1 and ts[1] == 15


def test_builtin_names_exactly_as_cprofile(lento):
    def work():
        x = []
        x.append(len("abc"))
        {}.get(1)
        str(5)
    p = lento.Profile()
    p.enable()
    work()
    p.disable()
    p.create_stats()
    keys = set(p.stats)
    assert ("~", 0, "<built-in method builtins.len>") in keys
    assert ("~", 0, "<method 'append' of 'list' objects>") in keys
    assert ("~", 0, "<method 'get' of 'dict' objects>") in keys
    code = work.__code__
    assert (code.co_filename, code.co_firstlineno, "work") in keys


def _each(lento, func, quiet=False, **kw):
    c, l = profile_both(lento, func, quiet=quiet, **kw)
    assert c
    assert not diff_counts(c, l), report(diff_counts(c, l))
    return c, l


def test_recursion_primitive_counts(lento):
    c, l = _each(lento, parity_cases.case_mutual)
    for name in ("is_even", "is_odd"):
        cv = [v for k, v in c.items() if k[2] == name][0]
        lv = [v for k, v in l.items() if k[2] == name][0]
        assert lv[:2] == cv[:2]
        assert lv[0] < lv[1]          # recursive: primitive < total


@pytest.mark.parametrize("flags", sorted(FLAGS))
def test_enable_disable_inside_function(lento, flags):
    """enable() and disable() called from inside the profiled code, at
    different depths, not wrapped around a single call."""
    kw = FLAGS[flags]

    def start(p):
        parity_cases.leaf(1)          # before enable: not recorded
        p.enable()
        parity_cases.middle(1)

    def stop(p):
        parity_cases.leaf(2)
        p.disable()
        parity_cases.top(3)           # after disable: not recorded

    def scenario(factory):
        p = factory(**kw)
        start(p)
        parity_cases.top(2)
        parity_cases.fib(5)
        stop(p)
        parity_cases.leaf(3)
        p.create_stats()
        from lento_testlib import normalize
        return normalize(p.stats)

    c = scenario(CProfile)
    l = scenario(lento.Profile)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    keys = {k[2] for k in c}
    assert "stop" in keys and "start" not in keys


@pytest.mark.parametrize("flags", ["default", "nosubcalls"])
def test_enable_disable_twice_accumulates(lento, flags):
    kw = FLAGS[flags]

    def scenario(factory):
        p = factory(**kw)
        p.enable()
        parity_cases.top(3)
        p.disable()
        parity_cases.top(50)          # between: not recorded
        p.enable()
        parity_cases.top(4)
        parity_cases.case_fib()
        p.disable()
        p.create_stats()
        from lento_testlib import normalize
        return normalize(p.stats)

    c = scenario(CProfile)
    l = scenario(lento.Profile)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    top = [v for k, v in l.items() if k[2] == "top"][0]
    assert top[:2] == (2, 2)
    middle = [v for k, v in l.items() if k[2] == "middle"][0]
    assert middle[:2] == (7, 7)


@pytest.mark.parametrize("name", ["calls", "loops"])
@pytest.mark.parametrize("flags", ["default", "nobuiltins"])
def test_shared_workloads(lento, workloads_dir, name, flags):
    mod = load_module(workloads_dir / (name + ".py"))

    def main():
        mod.main(0.05)
    c, l = _each(lento, main, quiet=True, **FLAGS[flags])
    if name == "calls":
        fib = [v for k, v in l.items() if k[2] == "fib"][0]
        assert fib[:2] == (1, 57313)


# --- timing parity --------------------------------------------------------

def int_timer():
    it = itertools.count(1000)
    return lambda: next(it)


def float_timer(step):
    state = [10.0]

    def timer():
        state[0] += step
        return state[0]
    return timer


TIMERS = {
    "int_ms": (lambda: int_timer(), 1e-3),
    "int_unit0": (lambda: int_timer(), 0.0),
    "float_half": (lambda: float_timer(0.5), 0.0),
    "float_milli": (lambda: float_timer(0.001), 0.0),
}


@pytest.mark.parametrize("timer", sorted(TIMERS))
@pytest.mark.parametrize("case", CASE_NAMES)
def test_times_equal_cprofile_with_deterministic_timer(lento, case, timer):
    """Both profilers read the timer exactly once at each call and once at
    each return, so with a counting timer every time is exactly equal."""
    make, unit = TIMERS[timer]
    func = parity_cases.CASES[case]
    with contextlib.redirect_stdout(io.StringIO()):
        func()
    c = profile_stats(CProfile, func, timer=make(), timeunit=unit)
    l = profile_stats(lento.Profile, func, timer=make(), timeunit=unit)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    assert not diff_times(c, l), report(diff_times(c, l))


@pytest.mark.parametrize("flags", ["nosubcalls", "nobuiltins"])
def test_times_equal_cprofile_with_flags(lento, flags):
    func = parity_cases.case_generators
    func()
    c = profile_stats(CProfile, func, timer=int_timer(), timeunit=1e-3, **FLAGS[flags])
    l = profile_stats(lento.Profile, func, timer=int_timer(), timeunit=1e-3, **FLAGS[flags])
    assert not diff_counts(c, l), report(diff_counts(c, l))
    assert not diff_times(c, l), report(diff_times(c, l))


def test_times_equal_cprofile_on_workload(lento, workloads_dir):
    mod = load_module(workloads_dir / "calls.py")

    def main():
        mod.main(0.02)
    with contextlib.redirect_stdout(io.StringIO()):
        main()
        c = profile_stats(CProfile, main, timer=int_timer(), timeunit=1e-6)
        l = profile_stats(lento.Profile, main, timer=int_timer(), timeunit=1e-6)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    assert not diff_times(c, l), report(diff_times(c, l))


@pytest.mark.parametrize("case", CASE_NAMES)
def test_oracle_is_cprofile_without_collisions(case):
    """Guard the oracle: without label collisions, the stats built from
    cProfile's getstats() are exactly cProfile's own create_stats()."""
    func = parity_cases.CASES[case]
    func()
    p = CProfile(int_timer(), 1e-3)
    p.enable()
    func()
    p.disable()
    mine = cprofile_stats_by_label(p)
    p.create_stats()
    assert mine == p.stats


@pytest.mark.parametrize("func", ["same_line_comprehensions", "same_line_lambdas"])
def test_same_label_functions_are_added(lento, func):
    """Two code objects with the same (file, line, name) label get one entry
    holding both, as pstats.Stats.add combines entries; compared with
    cProfile's per-code-object measurements added up by label.  (cProfile's
    own create_stats() keeps one of them, which one depending on memory
    addresses; see cprofile_stats_by_label.)"""
    c, l = profile_both(lento, getattr(parity_cases, func))
    assert not diff_counts(c, l), report(diff_counts(c, l))


def test_same_label_expected_counts(lento):
    p = lento.Profile()
    p.runcall(parity_cases.same_line_comprehensions)
    p.runcall(parity_cases.same_line_lambdas)
    p.create_stats()
    by = {(k[1], k[2]): v for k, v in p.stats.items()}
    line = parity_cases.same_line_comprehensions.__code__.co_firstlineno + 1
    if sys.version_info >= (3, 12):
        # PEP 709: comprehensions run inline, in their function's frame
        assert (line, "<listcomp>") not in by
    else:
        comp = by[(line, "<listcomp>")]
        assert comp[:2] == (4, 4)                        # outer 1 + inner 3
        assert {k[2]: v[:2] for k, v in comp[4].items()} == {
            "same_line_comprehensions": (1, 1), "<listcomp>": (3, 3)}
    line = parity_cases.same_line_lambdas.__code__.co_firstlineno
    assert by[(line + 1, "<lambda>")][:2] == (3, 3)      # f once, g twice
    assert by[(line + 5, "<lambda>")][:2] == (4, 4)      # two sorts, 2 items each


def test_enable_twice_and_disable_without_enable(lento):
    def scenario(factory):
        p = factory()
        p.disable()                   # nothing to stop: no error
        p.enable()
        parity_cases.top(2)
        try:
            p.enable()                # already on: does not restart anything
        except ValueError:            # cProfile on 3.12+: "Another profiling
            pass                      # tool is already active"
        parity_cases.fib(4)
        p.disable()
        p.disable()
        p.create_stats()
        from lento_testlib import normalize
        return normalize(p.stats)
    c = scenario(cProfile.Profile)
    l = scenario(lento.Profile)
    assert not diff_counts(c, l), report(diff_counts(c, l))


def test_profile_again_after_create_stats(lento):
    def scenario(factory):
        p = factory()
        p.runcall(parity_cases.top, 2)
        p.create_stats()
        first = {k: v[:2] for k, v in p.stats.items()}
        p.runcall(parity_cases.top, 3)
        p.create_stats()
        from lento_testlib import normalize
        return first, normalize(p.stats)
    cfirst, c = scenario(CProfile)
    lfirst, l = scenario(lento.Profile)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    top = [v for k, v in l.items() if k[2] == "top"][0]
    assert top[:2] == (2, 2)


def test_positional_arguments_like_cprofile(lento):
    """cProfile.Profile(timer, timeunit, subcalls, builtins)."""
    parity_cases.case_builtins()
    c = profile_stats(lambda: CProfile(int_timer(), 1e-3, False, False),
                      parity_cases.case_builtins)
    l = profile_stats(lambda: lento.Profile(int_timer(), 1e-3, False, False),
                      parity_cases.case_builtins)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    assert not diff_times(c, l), report(diff_times(c, l))
    assert not any(k[0] == "~" for k in l)


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


def runaway(n):
    return runaway(n + 1)


def case_deep_recursion():
    deep(2500)


def case_recursion_error():
    try:
        runaway(0)
    except RecursionError:
        pass
    deep(10)


@pytest.mark.parametrize("func", [case_deep_recursion, case_recursion_error])
def test_deep_recursion(lento, func):
    import sys
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4000))
    try:
        c, l = profile_both(lento, func)
        assert not diff_counts(c, l), report(diff_counts(c, l))
        c = profile_stats(CProfile, func, timer=int_timer(), timeunit=1e-3)
        l = profile_stats(lento.Profile, func, timer=int_timer(), timeunit=1e-3)
        assert not diff_times(c, l), report(diff_times(c, l))
    finally:
        sys.setrecursionlimit(old)
    d = [v for k, v in l.items() if k[2] == "deep"][0]
    assert d[0] == 1


@pytest.mark.parametrize("case", CASE_NAMES)
def test_threads_true_same_counts_in_calling_thread(lento, case):
    """threads=True changes nothing for a program without threads."""
    func = parity_cases.CASES[case]
    func()
    c = profile_stats(CProfile, func)
    l = profile_stats(lento.Profile, func, threads=True)
    assert not diff_counts(c, l), report(diff_counts(c, l))
