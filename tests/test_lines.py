"""Line timing: lento.LineProfiler against line_profiler (the oracle) on
programs made for each case, time attribution on lines whose cost is known,
and the Python API as line_profiler users use it."""
import io
import os
import pickle
import re
import subprocess
import sys
import threading
import time

import pytest

import lines_cases
from lines_cases import CASES

line_profiler = pytest.importorskip("line_profiler")


def hits(timings):
    """{key: [(line, hits)]} of a timings dict: what must be equal."""
    return {k: sorted((l, h) for l, h, _ in v) for k, v in timings.items()}


def lento_timings(lento, funcs, run):
    lp = lento.LineProfiler(*funcs)
    lp.runcall(run)
    return lp.get_stats().timings


def reference_timings(funcs, run):
    ref = line_profiler.LineProfiler(*funcs)
    ref.runcall(run)
    return ref.get_stats().timings


@pytest.mark.parametrize("case", sorted(CASES))
def test_hits_equal_line_profiler(lento, case):
    run, funcs = CASES[case]
    # lento first: line_profiler replaces each function's __code__
    mine = lento_timings(lento, funcs, run)
    theirs = reference_timings(funcs, run)
    assert any(theirs.values()), "line_profiler saw nothing: the case is broken"
    assert hits(mine) == hits(theirs)


def test_hits_equal_line_profiler_threads(lento):
    """Decorated as users do; the function runs in four threads."""
    def go(w):
        ts = [threading.Thread(target=w, args=(3000 + i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    lp = lento.LineProfiler()
    w = lp(lines_cases.thread_work)
    go(w)
    lp.disable_by_count()
    mine = lp.get_stats().timings
    ref = line_profiler.LineProfiler()
    go(ref(lines_cases.thread_work))
    theirs = ref.get_stats().timings
    assert hits(mine) == hits(theirs)
    (rows,) = hits(mine).values()
    assert dict(rows)[lines_cases.thread_work.__code__.co_firstlineno + 2] == \
        sum(3000 + i + 1 for i in range(4))


def test_recursion_keeps_the_outer_line(lento):
    """Per-frame state: the outer call's line is credited when it resumes,
    so the recursive line's time includes the inner calls'."""
    def rec(n):
        if n == 0:
            time.sleep(0.02)
            return 0
        return rec(n - 1) + 1
    lp = lento.LineProfiler(rec)
    lp.runcall(rec, 3)
    (rows,) = lp.get_stats().timings.values()
    by = {l: (h, t) for l, h, t in rows}
    first = rec.__code__.co_firstlineno
    assert by[first + 1][0] == 4          # `if n == 0` in each of 4 calls
    assert by[first + 4][0] == 3          # the recursive return, 3 calls
    # each of the three outer calls waits for the sleep below it
    assert by[first + 4][1] * 1e-9 >= 3 * 0.02 * 0.9
    assert by[first + 2][1] * 1e-9 >= 0.02 * 0.9


def test_time_goes_to_the_slow_line(lento):
    lp = lento.LineProfiler(lines_cases.sleepy)
    lp.runcall(lines_cases.sleepy)
    (rows,) = lp.get_stats().timings.values()
    total = sum(t for _, _, t in rows)
    slow = [t for l, _, t in rows
            if l == lines_cases.sleepy.__code__.co_firstlineno + 2]
    assert slow and slow[0] >= 0.9 * total and slow[0] * 1e-9 >= 0.045


def test_time_in_generators_and_after_exceptions(lento):
    def slow_gen():
        for i in range(3):
            time.sleep(0.01)
            yield i

    def fails():
        time.sleep(0.01)
        raise KeyError

    def user():
        n = 0
        for v in slow_gen():
            n += v
        try:
            fails()
        except KeyError:
            n += 1
        return n

    lp = lento.LineProfiler(slow_gen, user)
    lp.runcall(user)
    t = lp.get_stats().timings
    g0 = slow_gen.__code__.co_firstlineno
    u0 = user.__code__.co_firstlineno
    gen_rows = {l: (h, tt) for (f, first, n), rows in t.items()
                if first == g0 for l, h, tt in rows}
    user_rows = {l: (h, tt) for (f, first, n), rows in t.items()
                 if first == u0 for l, h, tt in rows}
    assert gen_rows[g0 + 2][0] == 3 and gen_rows[g0 + 2][1] * 1e-9 >= 0.027
    # the yield line's time is only until the generator suspends
    assert gen_rows[g0 + 3][1] < gen_rows[g0 + 2][1] / 10
    # the `for` line waits for each resumption, sleep included
    assert user_rows[u0 + 2][1] * 1e-9 >= 0.027
    # the call that raised: its line gets the callee's time
    assert user_rows[u0 + 5][0] == 1 and user_rows[u0 + 5][1] * 1e-9 >= 0.009


def test_api_like_line_profiler(lento, tmp_path):
    f = lines_cases.branches
    lp = lento.LineProfiler()
    lp.add_function(f)
    assert lp.functions == [f]
    with lp:
        f(30)
    lp.enable_by_count()
    lp.enable_by_count()
    f(30)
    lp.disable_by_count()
    assert lp.enable_count == 1
    f(30)
    lp.disable_by_count()
    f(30)                                  # disabled: not counted
    lp.enable()
    f(30)
    lp.disable()
    g = {"f": f}
    assert lp.runctx("f(30)", g, g) is lp
    assert lp.runcall(f, 30) == 30
    stats = lp.get_stats()
    assert stats.unit == 1e-9 == lp.timer_unit
    (rows,) = stats.timings.values()
    first = f.__code__.co_firstlineno
    by = dict((l, h) for l, h, _ in rows)
    assert by[first + 2] == 6 * 31 and by[first + 3] == 6 * 30
    out = io.StringIO()
    lp.print_stats(stream=out, output_unit=1e-6)
    text = out.getvalue()
    assert text.startswith("Timer unit: 1e-06 s\n\nTotal time: ")
    assert "Function: branches at line %d" % first in text
    assert re.search(r"^Line #\s+Hits\s+Time\s+Per Hit\s+% Time\s+Line Contents$",
                     text, re.M)
    assert re.search(r"^\s+%d\s+60\s.*out\.append\(\"a\"\)$" % (first + 4), text, re.M)
    # the same layout as line_profiler's own show_text for our timings
    ref = io.StringIO()
    line_profiler.show_text(stats.timings, stats.unit, output_unit=1e-6, stream=ref)
    assert [l.split()[:2] for l in text.splitlines() if l[:6].strip().isdigit()] == \
        [l.split()[:2] for l in ref.getvalue().splitlines() if l[:6].strip().isdigit()]
    assert [l for l in text.splitlines() if l.startswith("Line #")] == \
        [l for l in ref.getvalue().splitlines() if l.startswith("Line #")]
    # dump_stats: what python -m line_profiler reads
    path = tmp_path / "out.lprof"
    lp.dump_stats(str(path))
    res = subprocess.run([sys.executable, "-m", "line_profiler", str(path)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "Function: branches at line %d" % first in res.stdout


def test_decorator_returns_the_function(lento):
    lp = lento.LineProfiler()
    f = lp(lines_cases.loops)
    assert f is lines_cases.loops
    assert lp.enable_count == 1
    f(20)
    lines_cases.loops(20)
    (rows,) = lp.get_stats().timings.values()
    assert dict((l, h) for l, h, _ in rows)[f.__code__.co_firstlineno + 3] == 42
    lp.disable_by_count()


def test_stripzeros_and_objects_without_code(lento):
    lp = lento.LineProfiler(lines_cases.loops, lines_cases.branches)
    lp.runcall(lines_cases.loops, 5)
    out = io.StringIO()
    lp.print_stats(out, stripzeros=True)
    assert "loops" in out.getvalue() and "branches" not in out.getvalue()
    with pytest.warns(UserWarning):
        lp.add_function(len)


def test_dump_stats_lento_file(lento, lento_exe, tmp_path):
    import lento_file

    def fib(n):
        if n < 2:
            return n
        return fib(n - 1) + fib(n - 2)
    lp = lento.LineProfiler(fib)
    lp.runcall(fib, 10)
    path = tmp_path / "api.lento"
    lp.dump_stats(str(path))
    p = lento_file.read(path)
    ((key, (last, rows)),) = p.lines.items()
    assert key[2].endswith("<locals>.fib") and last == key[1] + 3
    assert hits(lp.get_stats().timings)[key] == [(l, h) for l, h, _ in rows]
    res = subprocess.run([lento_exe, "report", str(path), "--lines"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "Function: %s at line %d" % (key[2], key[1]) in res.stdout
    assert "return fib(n - 1) + fib(n - 2)" in res.stdout


def test_unselected_code_runs_untraced(lento):
    """Tracing is on only in selected frames: an unselected callee sees no
    trace function, and the caller's state is restored after."""
    seen = []

    def callee():
        seen.append(sys.gettrace())
        return 1

    def selected():
        x = callee()
        return x + callee()

    lp = lento.LineProfiler(selected)
    lp.runcall(selected)
    assert seen == [None, None]
    assert sys.gettrace() is None
    (rows,) = lp.get_stats().timings.values()
    assert [(l, h) for l, h, _ in rows] == [
        (selected.__code__.co_firstlineno + 1, 1),
        (selected.__code__.co_firstlineno + 2, 1)]


def test_a_debugger_trace_is_left_alone(lento):
    """On 3.11 a thread with a trace function of its own (a debugger,
    coverage) gets no line timing: both would need the tracing path.  On
    3.12+ the debugger's sys.settrace and lento's sys.monitoring tool are
    apart, and both work."""
    events = []

    def tracer(frame, event, arg):
        events.append(event)
        return tracer

    lp = lento.LineProfiler(lines_cases.loops)
    lp.enable_by_count()
    sys.settrace(tracer)
    try:
        lines_cases.loops(3)
    finally:
        sys.settrace(None)
        lp.disable_by_count()
    assert "line" in events
    if sys.version_info >= (3, 12):
        assert any(lp.get_stats().timings.values())
    else:
        assert not any(lp.get_stats().timings.values())


def test_line_span_after_the_code_was_traced(lento):
    """A function that was line-traced before (so CPython 3.11 built its
    line array, from uninitialised memory) is still reported over its own
    lines only.  Dirty memory is made first so that a reader of the unset
    entries would see large numbers."""
    src = "def fresh(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n"
    for attempt in range(20):
        junk = [bytes([0x73]) * k for k in range(8, 400) for _ in range(20)]
        del junk
        ns = {}
        exec(compile(src, "<fresh %d>" % attempt, "exec"), ns)
        fresh = ns["fresh"]
        first = lento.LineProfiler(fresh)
        first.runcall(fresh, 3)
        again = lento.LineProfiler(fresh)
        again.runcall(fresh, 3)
        (key, rows), = again.get_stats().timings.items()
        out = io.StringIO()
        again.print_stats(out)
        numbers = [int(l.split()[0]) for l in out.getvalue().splitlines()
                   if l[:6].strip().isdigit()]
        assert numbers and max(numbers) == 5, (attempt, max(numbers))
