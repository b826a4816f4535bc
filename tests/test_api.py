"""lento.Profile as a drop-in for cProfile.Profile: the methods around the
measurements (printing, dumping, run*, context manager, threads, memory)."""
import contextlib
import cProfile
import io
import marshal
import pstats
import sys
import textwrap
import threading
import time

import pytest

import parity_cases
from lento_testlib import (diff_counts, is_profiler_entry, ncalls_of, normalize,
                           parse_pstats_table, report, run_cmd, describe)


def workload():
    parity_cases.case_nested()
    parity_cases.case_builtins()
    parity_cases.case_fib()
    parity_cases.case_class()


def enabled_run(factory, func=workload, **kw):
    p = factory(**kw)
    p.enable()
    func()
    p.disable()
    return p


def marker_after():
    return "marker"


def _keys_named(stats, name):
    return [k for k in stats if k[2] == name]


# --- print_stats ----------------------------------------------------------

@pytest.mark.parametrize("sort", [-1, "calls", "cumulative", "tottime"])
def test_print_stats_rows_match_cprofile(lento, sort):
    workload()
    outs = []
    for factory in (cProfile.Profile, lento.Profile):
        p = enabled_run(factory)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            p.print_stats(sort)
        outs.append(buf.getvalue())
    (crows, ctotal, cord), (lrows, ltotal, lord) = [parse_pstats_table(o) for o in outs]
    assert crows, outs[0]

    def own_row(name):      # pstats prints "<...>" builtin names as "{...}"
        return name[:1] == "{" and is_profiler_entry(("~", 0, "<%s>" % name[1:-1]))

    def strip(rows):
        return {name: n for name, n in rows.items() if not own_row(name)}
    assert strip(lrows) == strip(crows), outs[1]
    assert lord == cord

    def own(rows):   # calls of the profiler's own entry, not compared
        return sum(int(n.split("/")[0]) for name, n in rows.items()
                   if own_row(name))
    assert ltotal[0] - own(lrows) == ctotal[0] - own(crows)


def test_print_stats_default_is_standard_name(lento):
    p = enabled_run(lento.Profile)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        p.print_stats()
    rows, total, ordered = parse_pstats_table(buf.getvalue())
    assert ordered == "Ordered by: standard name"
    assert "parity_cases.py:%d(fib)" % parity_cases.fib.__code__.co_firstlineno in rows
    assert rows["parity_cases.py:%d(fib)" % parity_cases.fib.__code__.co_firstlineno] == "182/2"


def test_pstats_stats_from_profile(lento):
    p = enabled_run(lento.Profile)
    st = pstats.Stats(p)
    p.create_stats()
    assert ncalls_of(st.stats) == ncalls_of(p.stats)
    buf = io.StringIO()
    pstats.Stats(p, stream=buf).sort_stats("cumulative").print_stats()
    out = buf.getvalue()
    assert "Ordered by: cumulative time" in out
    assert "(fib)" in out and "(middle)" in out
    buf = io.StringIO()
    pstats.Stats(p, stream=buf).sort_stats("tottime").print_callers("fib")
    assert "fib" in buf.getvalue()


def test_stats_attribute_shape(lento):
    p = enabled_run(lento.Profile)
    p.create_stats()
    assert isinstance(p.stats, dict) and p.stats
    for key, val in p.stats.items():
        assert isinstance(key, tuple) and len(key) == 3
        assert isinstance(key[0], str) and isinstance(key[1], int) and isinstance(key[2], str)
        cc, nc, tt, ct, callers = val
        assert isinstance(cc, int) and isinstance(nc, int) and 0 < cc <= nc
        assert isinstance(tt, float) and isinstance(ct, float)
        assert tt >= 0 and ct >= 0
        assert isinstance(callers, dict)
        for ck, cv in callers.items():
            assert ck in p.stats
            assert len(cv) == 4
            assert isinstance(cv[0], int) and isinstance(cv[1], int)
            assert isinstance(cv[2], float) and isinstance(cv[3], float)


def test_snapshot_stats_and_create_stats(lento):
    p = enabled_run(lento.Profile)
    p.snapshot_stats()
    snap = ncalls_of(p.stats)
    p.create_stats()
    assert ncalls_of(p.stats) == snap
    assert snap


def test_create_stats_stops_profiling(lento):
    p = lento.Profile()
    p.enable()
    workload()
    p.create_stats()          # cProfile: disable() then snapshot
    marker_after()
    p.create_stats()
    assert not _keys_named(p.stats, "marker_after")


# --- dump_stats -----------------------------------------------------------

def test_dump_stats_roundtrip(lento, tmp_path):
    p = enabled_run(lento.Profile)
    path = tmp_path / "out.pstats"
    p.dump_stats(str(path))
    p.create_stats()
    with open(path, "rb") as f:
        raw = marshal.load(f)
    assert isinstance(raw, dict)
    st = pstats.Stats(str(path))
    assert ncalls_of(st.stats) == ncalls_of(p.stats)
    # the file agrees with cProfile's counts, too
    c = enabled_run(cProfile.Profile)
    c.create_stats()
    d = diff_counts(normalize(c.stats), normalize(st.stats))
    assert not d, report(d)
    buf = io.StringIO()
    pstats.Stats(str(path), stream=buf).sort_stats("cumulative").print_stats(5)
    assert "function calls" in buf.getvalue()


def test_dump_stats_adds_to_other_stats(lento, tmp_path):
    a = enabled_run(lento.Profile)
    b = enabled_run(lento.Profile)
    a.dump_stats(str(tmp_path / "a.prof"))
    b.dump_stats(str(tmp_path / "b.prof"))
    st = pstats.Stats(str(tmp_path / "a.prof"), str(tmp_path / "b.prof"))
    a.create_stats()
    key = [k for k in a.stats if k[2] == "fib"][0]
    assert st.stats[key][:2] == (2 * a.stats[key][0], 2 * a.stats[key][1])


# --- run, runctx, runcall, context manager --------------------------------

def test_runcall_returns_value(lento):
    p = lento.Profile()
    assert p.runcall(parity_cases.fib, 7) == 13
    assert p.runcall(sorted, [3, 1], reverse=True) == [3, 1]
    p.create_stats()
    fib = _keys_named(p.stats, "fib")
    assert fib and p.stats[fib[0]][:2] == (1, 41)


def test_runcall_propagates_exception_and_disables(lento):
    p = lento.Profile()
    with pytest.raises(ValueError, match="deep"):
        p.runcall(parity_cases.raiser, 2)
    marker_after()
    p.create_stats()
    assert p.stats[_keys_named(p.stats, "raiser")[0]][:2] == (1, 3)
    assert not _keys_named(p.stats, "marker_after")


def test_runcall_matches_cprofile(lento):
    def scenario(factory):
        p = factory()
        p.runcall(parity_cases.case_generators)
        p.runcall(parity_cases.top, 3)
        p.create_stats()
        return normalize(p.stats)
    parity_cases.case_generators()
    d = diff_counts(scenario(cProfile.Profile), scenario(lento.Profile))
    assert not d, report(d)


def test_context_manager(lento):
    with lento.Profile() as p:
        parity_cases.top(3)
    marker_after()
    p.create_stats()
    assert p.stats[_keys_named(p.stats, "top")[0]][:2] == (1, 1)
    assert p.stats[_keys_named(p.stats, "leaf")[0]][:2] == (6, 6)
    assert not _keys_named(p.stats, "marker_after")


def test_context_manager_disables_when_body_raises(lento):
    with pytest.raises(ZeroDivisionError):
        with lento.Profile() as p:
            parity_cases.leaf(1)
            1 / 0
    marker_after()
    parity_cases.top(2)
    p.create_stats()
    assert not _keys_named(p.stats, "marker_after")
    assert not _keys_named(p.stats, "top")
    assert p.stats[_keys_named(p.stats, "leaf")[0]][:2] == (1, 1)
    assert sys.getprofile() is None


def test_disable_restores_no_hook(lento):
    p = lento.Profile()
    p.enable()
    parity_cases.leaf(0)
    p.disable()
    assert sys.getprofile() is None


def _run_scenario(factory, method):
    g = {"fib": parity_cases.fib, "top": parity_cases.top}
    p = factory()
    if method == "run":
        import __main__
        __main__.__dict__.setdefault("_lento_fib", parity_cases.fib)
        ret = p.run("_lento_fib(6)")
    else:
        ret = p.runctx("top(n) + fib(n)", g, {"n": 4})
    assert ret is p
    p.create_stats()
    return normalize(p.stats)


@pytest.mark.parametrize("method", ["run", "runctx"])
def test_run_and_runctx_match_cprofile(lento, method):
    c = _run_scenario(cProfile.Profile, method)
    l = _run_scenario(lento.Profile, method)
    assert _keys_named(l, "fib")
    d = diff_counts(c, l)
    assert not d, report(d)


def test_runctx_propagates_exception(lento):
    p = lento.Profile()
    with pytest.raises(ValueError):
        p.runctx("raiser(1)", {"raiser": parity_cases.raiser}, None)
    marker_after()
    p.create_stats()
    assert _keys_named(p.stats, "raiser")
    assert not _keys_named(p.stats, "marker_after")


def test_module_run_prints_and_dumps(lento, tmp_path, capsys):
    stmt = "sum(len(str(i)) for i in range(50))"
    assert lento.run(stmt) is None
    out = capsys.readouterr().out
    rows, total, ordered = parse_pstats_table(out)
    assert ordered == "Ordered by: standard name"
    assert rows.get("{built-in method builtins.len}") == "50"

    lento.run(stmt, sort="tottime")
    assert "Ordered by: internal time" in capsys.readouterr().out

    lento.run(stmt, str(tmp_path / "l.prof"))
    cProfile.run(stmt, str(tmp_path / "c.prof"))
    assert capsys.readouterr().out == ""
    c = normalize(pstats.Stats(str(tmp_path / "c.prof")).stats)
    l = normalize(pstats.Stats(str(tmp_path / "l.prof")).stats)
    assert not diff_counts(c, l), report(diff_counts(c, l))


def test_module_runctx(lento, tmp_path, capsys):
    g = {"fib": parity_cases.fib}
    lento.runctx("fib(k)", g, {"k": 8}, str(tmp_path / "l.prof"))
    cProfile.runctx("fib(k)", g, {"k": 8}, str(tmp_path / "c.prof"))
    c = normalize(pstats.Stats(str(tmp_path / "c.prof")).stats)
    l = normalize(pstats.Stats(str(tmp_path / "l.prof")).stats)
    assert not diff_counts(c, l), report(diff_counts(c, l))
    lento.runctx("fib(k)", g, {"k": 3}, sort="calls")
    out = capsys.readouterr().out
    assert "Ordered by: call count" in out and "(fib)" in out


# --- timers ---------------------------------------------------------------

def test_default_timer_measures_seconds(lento):
    def sleeper():
        time.sleep(0.05)
    with lento.Profile() as p:
        sleeper()
    p.create_stats()
    k = _keys_named(p.stats, "sleeper")[0]
    ct = p.stats[k][3]
    assert 0.045 <= ct < 2.0
    s = [v for k, v in p.stats.items() if k[2] == "<built-in method time.sleep>"][0]
    assert 0.045 <= s[2] <= ct


def test_float_timer_is_sane(lento):
    p = lento.Profile(timer=time.perf_counter)
    t0 = time.perf_counter()
    p.runcall(workload)
    wall = time.perf_counter() - t0
    p.create_stats()
    assert p.stats
    for k, (cc, nc, tt, ct, callers) in p.stats.items():
        assert 0.0 <= tt <= wall + 1e-6, (k, tt)
        assert 0.0 <= ct <= wall + 1e-6, (k, ct)
        assert tt <= ct + 1e-9, (k, tt, ct)
        for cv in callers.values():
            assert cv[2] >= 0 and cv[3] >= 0


def test_int_timer_scaled_by_timeunit(lento):
    ticks = iter(range(0, 10**9, 7))
    p = lento.Profile(timer=lambda: next(ticks), timeunit=0.5)
    p.runcall(parity_cases.leaf, 1)
    p.create_stats()
    k = _keys_named(p.stats, "leaf")[0]
    # one read at call, one at return: 7 ticks of 0.5 s
    assert p.stats[k][2:4] == (3.5, 3.5)


# --- threads --------------------------------------------------------------

def thread_worker(n):
    for i in range(n):
        parity_cases.leaf(i)


def run_threads(k=3, n=10):
    ts = [threading.Thread(target=thread_worker, args=(n,)) for _ in range(k)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def test_threads_true_profiles_new_threads(lento):
    with lento.Profile(threads=True) as p:
        run_threads(3, 10)
        parity_cases.leaf(0)
    p.create_stats()
    w = _keys_named(p.stats, "thread_worker")
    assert w, sorted(p.stats, key=str)
    assert p.stats[w[0]][:2] == (3, 3)
    assert p.stats[_keys_named(p.stats, "leaf")[0]][:2] == (31, 31)


def test_threads_true_stops_with_disable(lento):
    p = lento.Profile(threads=True)
    p.enable()
    run_threads(1, 2)
    p.disable()
    run_threads(2, 5)            # started after disable: not profiled
    p.create_stats()
    assert p.stats[_keys_named(p.stats, "thread_worker")[0]][:2] == (1, 1)
    assert p.stats[_keys_named(p.stats, "leaf")[0]][:2] == (2, 2)
    assert threading.getprofile() is None


def test_threads_false_only_calling_thread(lento):
    with lento.Profile(threads=False) as p:
        run_threads(3, 10)
        parity_cases.leaf(0)
    p.create_stats()
    assert not _keys_named(p.stats, "thread_worker")
    assert p.stats[_keys_named(p.stats, "leaf")[0]][:2] == (1, 1)
    assert _keys_named(p.stats, "run_threads")


def test_default_is_threads_false(lento):
    with lento.Profile() as p:
        run_threads(2, 3)
    p.create_stats()
    assert not _keys_named(p.stats, "thread_worker")


# --- memory ---------------------------------------------------------------

def repeat_calls(n):
    for i in range(n):
        parity_cases.middle(i)
        parity_cases.fib(3)
        len(str(i))


@pytest.mark.parametrize("builtins", [True, False])
def test_profile_size_does_not_grow_with_calls(lento, builtins):
    sizes = []
    for n in (2000, 20000):
        p = lento.Profile(builtins=builtins)
        p.runcall(repeat_calls, n)
        p.create_stats()
        sizes.append((len(p.stats), sum(len(v[4]) for v in p.stats.values()),
                      len(marshal.dumps(p.stats))))
        assert p.stats[_keys_named(p.stats, "middle")[0]][:2] == (n, n)
    assert sizes[0] == sizes[1]


MEMORY_PROGRAM = textwrap.dedent("""
    import resource, sys
    import lento

    def f(x):
        return g(x) + 1

    def g(x):
        return x

    def loop(n):
        for i in range(n):
            f(i)
            len("ab")

    n = int(sys.argv[1])
    loop(10)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    p = lento.Profile(builtins=sys.argv[2] == "yes")
    p.runcall(loop, n)
    p.create_stats()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(after - before)
""")


@pytest.mark.parametrize("builtins", ["yes", "no"])
def test_memory_does_not_grow_with_calls(tmp_path, builtins):
    """Peak RSS while profiling 30x more calls of the same functions grows by
    far less than any per-call record would need (1.5M calls: an event log of
    even 8 bytes per call would add ~12 MB)."""
    script = tmp_path / "mem.py"
    script.write_text(MEMORY_PROGRAM)
    growth = []
    for n in (50_000, 1_500_000):
        proc = run_cmd([sys.executable, script, n, builtins], timeout=120)
        assert proc.returncode == 0, describe(proc)
        growth.append(int(proc.stdout.split()[-1]))   # kB
    assert growth[1] - growth[0] < 4096, growth


# --- robustness: things that must not crash (each in its own process) -------

def run_snippet(tmp_path, code, timeout=60):
    script = tmp_path / "snippet.py"
    script.write_text(textwrap.dedent(code))
    return run_cmd([sys.executable, script], timeout=timeout, cwd=tmp_path)


def test_timer_that_raises(tmp_path):
    proc = run_snippet(tmp_path, """
        import lento
        n = [0]
        def timer():
            n[0] += 1
            if n[0] % 3 == 0:
                raise ValueError("timer broke")
            return n[0]
        def f(x):
            return x + 1
        p = lento.Profile(timer=timer, timeunit=1e-3)
        p.enable()
        r = sum(f(i) for i in range(20))
        p.disable()
        p.create_stats()
        assert r == 210, r
        assert any(k[2] == "f" for k in p.stats)
        print("OK")
    """)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip().endswith("OK")


@pytest.mark.parametrize("value", ["None", "'text'", "[1]", "float('nan')", "-5", "2**70"])
def test_timer_returning_odd_values(tmp_path, value):
    proc = run_snippet(tmp_path, """
        import lento
        def timer():
            return %s
        def f(x):
            return x + 1
        for unit in (0.0, 1e-3):
            p = lento.Profile(timer=timer, timeunit=unit)
            p.enable()
            r = sum(f(i) for i in range(20))
            p.disable()
            p.create_stats()
            assert r == 210, r
        print("OK")
    """ % value)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip().endswith("OK")


def test_profile_dropped_while_enabled(tmp_path):
    proc = run_snippet(tmp_path, """
        import gc, sys, lento
        def f(x):
            return x + 1
        p = lento.Profile()
        p.enable()
        f(1)
        del p
        gc.collect()
        for i in range(1000):
            f(i)
        q = lento.Profile()
        q.enable()
        f(2)
        q.disable()
        q.create_stats()
        assert [v[:2] for k, v in q.stats.items() if k[2] == "f"] == [(1, 1)]
        print("OK")
    """)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip().endswith("OK")


def test_two_profilers_one_after_the_other_and_cprofile(tmp_path):
    proc = run_snippet(tmp_path, """
        import cProfile, lento
        def f(x):
            return x + 1
        a = lento.Profile()
        a.enable(); f(1); a.disable()
        c = cProfile.Profile()
        c.enable(); f(2); f(3); c.disable()
        b = lento.Profile()
        b.enable(); f(4); f(5); f(6); b.disable()
        for p, n in ((a, 1), (c, 2), (b, 3)):
            p.create_stats()
            assert [v[:2] for k, v in p.stats.items() if k[2] == "f"] == [(n, n)], p.stats
        print("OK")
    """)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip().endswith("OK")


def test_threads_disable_while_thread_runs(tmp_path):
    """disable() from the main thread stops the recording of a thread that
    is still running; the thread carries on unharmed."""
    proc = run_snippet(tmp_path, """
        import threading, lento
        def leaf(i):
            return i
        def worker(first, second):
            for i in range(5):
                leaf(i)
            first.set()
            second.wait()
            for i in range(7):
                leaf(i)
        first, second = threading.Event(), threading.Event()
        p = lento.Profile(threads=True)
        p.enable()
        t = threading.Thread(target=worker, args=(first, second))
        t.start()
        first.wait()
        p.disable()
        second.set()
        t.join()
        p.create_stats()
        leafs = [v[:2] for k, v in p.stats.items() if k[2] == "leaf"]
        assert leafs == [(5, 5)], leafs
        print("OK")
    """)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip().endswith("OK")


def test_thread_outlives_profiler(tmp_path):
    proc = run_snippet(tmp_path, """
        import gc, threading, lento
        def leaf(i):
            return i
        def worker(go):
            go.wait()
            for i in range(10000):
                leaf(i)
        go = threading.Event()
        p = lento.Profile(threads=True)
        p.enable()
        t = threading.Thread(target=worker, args=(go,))
        t.start()
        p.disable()
        p.create_stats()
        del p
        gc.collect()
        go.set()
        t.join()
        print("OK")
    """)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip().endswith("OK")


def test_threads_true_many_threads(tmp_path):
    proc = run_snippet(tmp_path, """
        import threading, lento
        def leaf(i):
            return i
        def worker(n):
            for i in range(n):
                leaf(i)
        with lento.Profile(threads=True) as p:
            for _ in range(5):
                ts = [threading.Thread(target=worker, args=(200,)) for _ in range(8)]
                for t in ts: t.start()
                for t in ts: t.join()
        p.create_stats()
        leafs = [v[:2] for k, v in p.stats.items() if k[2] == "leaf"]
        workers = [v[:2] for k, v in p.stats.items() if k[2] == "worker"]
        assert leafs == [(8000, 8000)], leafs
        assert workers == [(40, 40)], workers
        print("OK")
    """)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip().endswith("OK")


def test_enable_in_one_thread_only(lento):
    """threads=False: the profile follows the thread that called enable(),
    even when that is not the main thread."""
    box = {}

    def body():
        p = lento.Profile()
        p.enable()
        thread_worker(4)
        p.disable()
        p.create_stats()
        box["stats"] = p.stats
    t = threading.Thread(target=body)
    t.start()
    parity_cases.leaf(0)
    t.join()
    st = box["stats"]
    assert st[_keys_named(st, "leaf")[0]][:2] == (4, 4)


def test_dump_stats_to_unwritable_path_raises(lento, tmp_path):
    p = enabled_run(lento.Profile)
    with pytest.raises(OSError):
        p.dump_stats(str(tmp_path / "no" / "such" / "dir" / "x.prof"))
    p.dump_stats(str(tmp_path / "ok.prof"))       # still usable afterwards
    assert pstats.Stats(str(tmp_path / "ok.prof")).stats


def test_subclass_like_cprofile(lento):
    """Code that subclasses cProfile.Profile keeps working with lento."""
    class Mine(lento.Profile):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.note = "mine"

        def create_stats(self):
            super().create_stats()
            self.created = len(self.stats)

    p = Mine(builtins=False)
    assert p.runcall(parity_cases.fib, 5) == 5
    p.create_stats()
    assert p.note == "mine" and p.created == len(p.stats) > 0
    assert not any(k[0] == "~" for k in p.stats)
    assert pstats.Stats(p).stats
