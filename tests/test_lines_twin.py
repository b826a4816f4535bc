"""Line timing, line by line, against line_profiler 5.1 (the oracle), and
what code that lento times can see.  On CPython 3.11 (the py311 engine)
selected code runs on a twin: a copy of its code object whose bytecode
carries line probes (src/tracer/engines/py311), and the tracing path stays
for code bcode.c refuses and frames already running.  On 3.12 and later
(the monitoring engine) there is one way: sys.monitoring's local events on
the selected code itself, which is left unchanged.

What is checked, on every version:

* hit counts, line by line, equal line_profiler's on programs written for
  each kind of control flow, with every code object of the program
  selected (comprehensions, lambdas, class bodies and the module body too;
  3.12+ inlines list, set and dict comprehensions, PEP 709, so they have
  no code object there and their lines are their function's), and on
  twelve pure-Python stdlib modules; expectations come from running the
  same program under line_profiler, on the same interpreter;
* what code running in a timed frame can see: tracebacks, f_lineno, the
  code's attributes, locals and cells, generator state, a debugger that
  attaches mid-frame, exceptions delivered by signals and asynchronously
  at loop back edges, RecursionError, calls from C, generators that
  outlive the profiler, cProfile alongside, references, threads while
  profilers come and go, and sleep time landing on the sleep line.  Where
  3.11 shows a twin (``f_code`` with probes in its constants), 3.12+
  must show the function's own code object.

Only on 3.11: hits on twins equal the tracing path's
(``_line_probes(False)``; every behaviour test above runs both ways
there), the twin's extra stack slot, and frames at the end of a data
stack chunk.  The structure of the twins (against a model of CPython
3.11) is in test_lines_twin_structure.py, skipped on 3.12+.

A program is written to a file and compiled afresh for each run, so that
the runs (3.11: twin, tracing path, line_profiler; 3.12+: lento,
line_profiler) never share a code object: line_profiler pads the code it
is given with NOPs (its way to tell profiled code apart), and lento keeps
a twin per code object on 3.11.
"""
import builtins
import contextlib
import cProfile
import ctypes
import functools
import gc
import importlib.util
import inspect
import operator
import signal
import sys
import textwrap
import threading
import time
import traceback
import types
from pathlib import Path

import pytest

line_profiler = pytest.importorskip("line_profiler")

# The programs return, break and continue in finally blocks on purpose;
# 3.14 warns at compiling them (PEP 765).
pytestmark = pytest.mark.filterwarnings(
    "ignore:'(return|break|continue)' in a 'finally' block:SyntaxWarning")

# CPython 3.11's engine (py311) times lines on twins or on the tracing
# path, chosen with the private hook _line_probes; 3.12+'s (monitoring)
# has one way, and neither hook.
TWINS = sys.version_info < (3, 12)
# The ways lento runs a program (run_program's modes), and the one
# compared with line_profiler.
LENTO_MODES = ("twin", "trace") if TWINS else ("lento",)
MINE = LENTO_MODES[0]
# on_twin's probes argument for each way: both paths on 3.11, the one way
# on 3.12+.
WAYS = (True, False) if TWINS else (None,)


def twins_only(why):
    """Skips a test about twins themselves on 3.12+."""
    return pytest.mark.skipif(not TWINS, reason="3.11 only (twins): " + why)


# ---- running a program three ways ------------------------------------------

class Carrier:
    """What LineProfiler.add_function takes: an object with a __code__.  It
    selects one code object, including those no function object is made
    from before they run (comprehensions, class bodies, the module body).
    line_profiler stores its padded copy of the code back here."""

    def __init__(self, code):
        self.__code__ = code
        self.__name__ = code.co_name


def nested_codes(code):
    """The code objects in code's constants, recursively, depth first."""
    out = []
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out.append(c)
            out.extend(nested_codes(c))
    return out


def rebuild(code, padded, ran=None):
    """code with every code object in padded (by id) replaced by its padded
    copy, recursively, so that what runs is what line_profiler was given
    (it matches frames by a hash of their bytecode).  The code objects that
    run in place of those in padded are appended to ran."""
    consts = tuple(rebuild(c, padded, ran) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    new = padded.get(id(code), code).replace(co_consts=consts)
    if ran is not None and id(code) in padded:
        ran.append(new)
    return new


def line_profiler_on(code, codes, ran=None):
    """A line_profiler.LineProfiler selecting codes, and code rebuilt to
    run line_profiler's padded copies of them (appended to ran)."""
    prof = line_profiler.LineProfiler()
    padded = {}
    for c in codes:
        carrier = Carrier(c)
        prof.add_function(carrier)
        padded[id(c)] = carrier.__code__
    return prof, rebuild(code, padded, ran)


# On 3.13+ the LINE event of the instruction after a RESUME, on the
# RESUME's own line, is lost unless that RESUME is instrumented, that is
# unless some tool takes PY_START (the first RESUME) or PY_RESUME (after a
# yield or await) in that code: CPython gh-155992 (3.13 specialises RESUME
# to RESUME_CHECK, and _Py_call_instrumentation_line's test for a RESUME
# before the line no longer matches; the issue says 3.12 is right).
# Instrumentation is shared by all tools, so line_profiler alone (LINE,
# PY_RETURN, PY_YIELD, RAISE, RERAISE) misses the first line of one-line
# functions, lambdas, generator expressions and class bodies, and the line
# a generator resumes on, while lento (which takes PY_START and PY_RESUME)
# gets them, and so does line_profiler beside it.  So the oracle runs with
# a tool of this file's taking PY_START and PY_RESUME on the selected code
# and doing nothing: line_profiler then gets the events CPython means to
# give (those it gives where fixed), and its accounting of them is
# unchanged.

# The tool's callback, for (code, offset): a C function, so that it adds
# no Python frame (a RecursionError comes at line_profiler's own depth);
# what it returns (False) is ignored.
_noop = operator.is_


@contextlib.contextmanager
def oracle_events(codes):
    """While line_profiler runs codes on 3.12+: their RESUMEs instrumented
    (above).  Nothing on 3.11."""
    if TWINS:
        yield
        return
    mon = sys.monitoring
    ev = mon.events
    tool = next((t for t in range(6) if mon.get_tool(t) is None), None)
    assert tool is not None, "no free sys.monitoring tool id"
    mon.use_tool_id(tool, "lento tests: RESUME instrumented for line_profiler")
    try:
        for e in (ev.PY_START, ev.PY_RESUME):
            mon.register_callback(tool, e, _noop)
        for c in codes:
            mon.set_local_events(tool, c, ev.PY_START | ev.PY_RESUME)
        yield
    finally:
        for c in codes:
            mon.set_local_events(tool, c, 0)
        for e in (ev.PY_START, ev.PY_RESUME):
            mon.register_callback(tool, e, None)
        mon.free_tool_id(tool)


def hits(timings):
    """{key: [(line, hits)]}: what must be equal; functions never run are
    left out (line_profiler lists them with no lines, lento too)."""
    return {k: sorted((l, h) for l, h, _ in v) for k, v in timings.items() if v}


def is_probe(obj):
    return type(obj).__name__ == "LineProbe"


def has_probes(code):
    return any(is_probe(c) for c in code.co_consts)


def ran_on(code, own, probes=None):
    """Whether a frame of the function whose code is own, timed by lento,
    ran on the code it should: on 3.11 its twin (a copy of own with the
    probes in its constants), or own itself on the tracing path
    (probes=False); on 3.12+ own itself, unchanged."""
    if TWINS and probes is not False:
        return (code is not own and has_probes(code) and code.co_qualname == own.co_qualname
                and code.co_firstlineno == own.co_firstlineno)
    return code is own and not has_probes(code)


class Run:
    def __init__(self, result, timings, noted, ns):
        self.result = result
        self.timings = timings
        self.hits = hits(timings)
        self.noted = noted
        self.ns = ns


MODES = LENTO_MODES + ("lprof",)


def run_program(lento, path, mode, select=None, entry="main"):
    """Runs the program in path with every code object selected (or those
    whose qualname is in select, "<module>" for the module body) by lento
    (on 3.11 on twins, mode "twin", or on the tracing path, "trace"; on
    3.12+ mode "lento") or by line_profiler ("lprof"); calls its entry()
    with profiling on.

    The program sees _wrap(f) (f as a thread target: on 3.11 line_profiler
    enables per thread; on 3.12+ its sys.monitoring tool sees every thread
    already, and a thread's own enable and disable would race with the
    others': its manager is per thread, but each restores the callbacks
    it found, for every thread), _note() (records the calling frame's
    code), _pause() and _resume() (profiling off and on again)."""
    src = path.read_text()
    code = compile(src, str(path), "exec")
    codes = [c for c in [code] + nested_codes(code)
             if select is None or c.co_qualname in select]
    assert codes, "nothing selected"
    noted = []
    ns = {"__name__": "twinprog", "__file__": str(path),
          "_note": lambda: noted.append(sys._getframe(1).f_code)}
    was = None
    events = contextlib.nullcontext()
    if mode == "lprof":
        ran = []
        prof, code = line_profiler_on(code, codes, ran)
        events = oracle_events(ran)
        ns["_wrap"] = ((lambda f: functools.wraps(f)(lambda *a, **k: prof.runcall(f, *a, **k)))
                       if TWINS else (lambda f: f))
    else:
        assert mode in LENTO_MODES, mode
        if TWINS:
            was = lento._lento._line_probes(mode == "twin")
        prof = lento.LineProfiler(*[Carrier(c) for c in codes])
        ns["_wrap"] = lambda f: f
    ns["_pause"] = prof.disable_by_count
    ns["_resume"] = prof.enable_by_count
    gc.collect()
    gc.disable()
    try:
        with events:
            prof.enable_by_count()
            try:
                exec(code, ns)
                result = ns[entry]()
            finally:
                prof.disable_by_count()
    finally:
        gc.enable()
        if was is not None:
            lento._lento._line_probes(was)
    return Run(result, prof.get_stats().timings, noted, ns)


def diff_hits(mine, theirs, names=("lento", "oracle")):
    out = []
    for k in sorted(set(mine) | set(theirs), key=str):
        a, b = dict(mine.get(k, [])), dict(theirs.get(k, []))
        for line in sorted(set(a) | set(b)):
            if a.get(line) != b.get(line):
                out.append("%s line %d: %s %s, %s %s"
                           % (k[2], line, names[0], a.get(line), names[1], b.get(line)))
    return "\n" + "\n".join(out[:60])


def write(tmp_path, name, src):
    path = tmp_path / ("twin_%s.py" % name)
    path.write_text(textwrap.dedent(src).lstrip("\n"))
    return path


# ---- the programs ----------------------------------------------------------
#
# Each: (source, options).  Options: "select" (qualnames; default all),
# "no_twin" (qualnames bcode.c is known to refuse: they keep the tracing
# path, which must still agree), "entry".

PROGRAMS = {}

PROGRAMS["loops"] = ("""
    def loops(n):
        t = 0
        i = 0
        while i < n:
            for j in range(i % 5):
                if j == 2: continue
                if j == 4:
                    break
                t += j
            else:
                t += 1
            i += 1
        else:
            t -= 1
        for k in range(3): t += k
        while t > 100: t //= 2
        while True:
            t += 1
            if t % 7 == 0:
                break
        for a in range(3):
            for b in range(3):
                for c in range(2):
                    if a == b == c:
                        continue
                    t += a * b - c
        n2 = n
        while n2:
            n2 -= 1
        else: t += 1000
        for x in []: pass
        else: t += 1
        return t

    def main():
        _note()
        return [loops(n) for n in range(30)]
""", {})

PROGRAMS["comprehensions"] = ("""
    def comps(n):
        a = [i * i for i in range(n) if i % 2]
        b = {i % 7 for i in range(n)}
        c = {i: i * 2
             for i in range(n)
             if i % 3}
        d = sum(x for x in a)
        e = [[j for j in range(i)] for i in range(5)]
        f = [
            x + y
            for x in range(4)
            if x
            for y in range(x)
        ]
        g = list(x for x in range(n) if x % 3 == 0)
        return len(a), len(b), len(c), d, e, f, g

    def main():
        _note()
        return comps(40)
""", {})

PROGRAMS["branches"] = ("""
    def ifs(n):
        out = []
        for i in range(n):
            if i % 3 == 0: out.append(0)
            elif i % 3 == 1: out.append(1)
            else: out.append(2)
            x = (i
                 if i % 2 else
                 -i)
            y = i if i > 5 else -i
            z = (i > 3 and
                 i < 10 or
                 i == 15)
            if (i > 2
                    and i % 2):
                out.append(x + y)
            elif not z: pass
            out.append(z)
        return out

    def main():
        _note()
        return ifs(20)
""", {})

PROGRAMS["calls"] = ("""
    def g(a, b, c=0, *, d=1):
        return a + b + c + d

    def calls(n):
        t = 0
        for i in range(n):
            t += g(
                i,
                i + 1,
                c=i
                  * 2,
                d=3,
            )
            t += g(i, i,
                   d=g(1,
                       2))
            t = max(t,
                    min(t, 10 ** 9))
            s = "%d-%d" % (
                i,
                t)
            t += len(s) + g(*[1, 2],
                            **{"c": 3})
        return t

    def main():
        _note()
        return calls(20)
""", {})

PROGRAMS["exceptions"] = ("""
    class E(Exception):
        pass

    def raiser(i):
        if i % 3 == 0:
            raise E(i)
        return i

    def tries(n):
        t = 0
        for i in range(n):
            try:
                t += raiser(i)
            except E:
                t -= 1
            else:
                t += 2
            finally:
                t += 1
            try:
                try:
                    raiser(i)
                except E as e:
                    if i % 2:
                        raise
                    t += 1
                finally:
                    t += 3
            except E:
                t += 4
            try:
                if i % 4 == 0:
                    raise KeyError(i)
            except (KeyError, ValueError) as e:
                t += 5
                try:
                    raise ValueError from e
                except ValueError:
                    t += 6
        return t

    def nested_handlers(n):
        t = 0
        for i in range(n):
            try:
                raise E(i)
            except E:
                try:
                    if i % 2:
                        raise KeyError
                except KeyError:
                    t += 1
                finally:
                    t += 2
        return t

    def retfin(i):
        try:
            if i:
                return 1
            raise E
        finally:
            return 2

    def loopfin(i):
        for j in range(3):
            try:
                if j == i:
                    break
                continue
            finally:
                i += 1
        return i

    def groups(n):
        t = 0
        for i in range(n):
            try:
                raise ExceptionGroup("g", [ValueError(i), KeyError(i)] if i % 2
                                     else [TypeError(i)])
            except* ValueError:
                t += 1
            except* KeyError as eg:
                t += len(eg.exceptions)
            except* TypeError:
                t += 100
        try:
            try:
                raise ExceptionGroup("h", [OSError(1)])
            except* ValueError:
                t += 1000
        except ExceptionGroup:
            t += 7
        return t

    def main():
        _note()
        return (tries(30), nested_handlers(10), [retfin(i) for i in range(3)],
                [loopfin(i) for i in range(4)], groups(10))
""", {})

PROGRAMS["with"] = ("""
    class CM:
        def __init__(self, suppress):
            self.suppress = suppress
        def __enter__(self):
            return self
        def __exit__(self, *a):
            return self.suppress

    def raiser(i):
        if i % 3 == 0:
            raise KeyError(i)

    def with_in_try(n):
        t = 0
        for i in range(n):
            try:
                with CM(False) as c:
                    t += 1
                    if i % 3 == 0:
                        raise KeyError(i)
            except KeyError:
                t += 10
        return t

    def try_in_with(n):
        t = 0
        for i in range(n):
            with CM(False):
                try:
                    raiser(i)
                except KeyError:
                    t += 100
        return t

    def suppressed(n):
        t = 0
        for i in range(n):
            with CM(True):
                if i % 2:
                    raise ValueError
                t += 1
            with CM(True), CM(False):
                raiser(i)
                t += 2
        return t

    def main():
        _note()
        return with_in_try(12), try_in_with(12), suppressed(12)
""", {"no_twin": {"try_in_with", "suppressed"}})

PROGRAMS["generators"] = ("""
    def gen(n):
        for i in range(n):
            if i % 2:
                x = yield i
                if x:
                    yield x
            else:
                yield -i
        return 5

    def sub(n):
        try:
            for i in range(n):
                yield i
        except KeyError:
            yield "caught"
            return "sub-done"
        finally:
            pass
        return "end"

    def deleg(n):
        r = yield from sub(n)
        yield r
        r = yield from sub(1)
        yield r

    def finisher():
        try:
            yield 1
            yield 2
        except KeyError:
            return "finished by throw"
        return "normal"

    def deleg_finish():
        r = yield from finisher()
        yield r
        r = yield from finisher()
        yield r

    def thrower():
        try:
            yield 1
            yield 2
        except ValueError:
            yield "v"
        finally:
            print

    def main():
        _note()
        out = []
        g = gen(20)
        out.append(next(g))
        for _ in range(12):
            out.append(g.send(None))
        out.append(g.send(7))
        out.append(list(gen(9)))
        g = deleg(5)
        out.append(next(g))
        out.append(next(g))
        out.append(g.throw(KeyError))
        out.append(next(g))
        out.append(next(g))
        out.append(list(g))
        g = deleg(5)
        next(g)
        out.append(g.throw(KeyError))
        try:
            g.throw(KeyError)
        except KeyError:
            out.append("propagated")
        g = deleg_finish()
        out.append(next(g))
        out.append(g.throw(KeyError))   # the subgenerator finishes: SEND's jump
        out.append(next(g))
        out.append(next(g))
        out.append(g.throw(KeyError))
        out.append(list(g))
        t = thrower()
        next(t)
        out.append(t.throw(ValueError))
        t.close()
        t = thrower()
        next(t)
        t.close()
        t = thrower()
        next(t)
        try:
            t.throw(TypeError)
        except TypeError:
            out.append("te")
        t = thrower()
        t.close()                       # never started
        t = thrower()
        try:
            t.throw(ValueError)         # thrown in before it starts
        except ValueError:
            out.append("unstarted")
        return out
""", {})

PROGRAMS["async"] = ("""
    import asyncio

    async def leaf(i):
        await asyncio.sleep(0)
        return i * 2

    async def agen(n):
        for i in range(n):
            await asyncio.sleep(0)
            yield i

    async def task(n):
        t = 0
        for i in range(n):
            t += await leaf(i)
        async for v in agen(n):
            t += v
        t += sum([v async for v in agen(3)])
        try:
            await asyncio.wait_for(asyncio.sleep(10), 0.001)
        except asyncio.TimeoutError:
            t += 1000
        async with asyncio.Lock():
            t += 1
        return t

    async def inner(ev):
        try:
            await ev.wait()
        except asyncio.CancelledError:
            return "swallowed"
        return "woken"

    async def outer(ev):
        r = await inner(ev)
        x = 1
        return r, x

    async def cancels():
        ev = asyncio.Event()
        t = asyncio.ensure_future(outer(ev))
        await asyncio.sleep(0)
        t.cancel()                      # inner returns: outer's SEND ends by throw
        r1 = await t
        t2 = asyncio.ensure_future(outer(ev))
        await asyncio.sleep(0)
        ev.set()
        r2 = await t2
        return r1, r2

    async def top():
        rs = await asyncio.gather(task(5), task(7))
        return rs, await cancels()

    def main():
        _note()
        return asyncio.run(top())
""", {})

PROGRAMS["functions"] = ("""
    import functools

    def deco(f):
        @functools.wraps(f)
        def wrapper(*a, **k):
            r = f(*a, **k)
            return r
        return wrapper

    @deco
    def fib(n):
        if n < 2: return n
        return fib(n - 1) + fib(n - 2)

    def outer(n):
        x = n
        def inner(k):
            nonlocal x
            x += k
            return x
        add = lambda v: v + x
        for i in range(n):
            inner(i)
        return add(1), x

    def cells(a, b):
        def f():
            return a + b
        a += 1
        return f()

    def mutual(n):
        return n if n < 1 else other(n - 1)

    def other(n):
        return mutual(n - 1) + 1

    def main():
        _note()
        sq = lambda v: (v *
                        v)
        return fib(12), outer(10), cells(1, 2), mutual(30), [sq(i) for i in range(4)]
""", {})

PROGRAMS["classes"] = ("""
    class Base:
        def __init__(self, v):
            self.v = v
        def val(self):
            return self.v

    class Kid(Base):
        def __init__(self, v):
            super().__init__(v * 2)
            self.w = 1
        def val(self):
            b = super().val()
            return (b +
                    self.w)
        @staticmethod
        def s(x):
            return x + 1
        @classmethod
        def c(cls, x):
            return cls(x).val()
        @property
        def p(self):
            return self.v
        def __repr__(self):
            return "Kid(%d)" % self.v

    class Grand(Kid):
        def val(self):
            return super(
                Grand, self).val() * 10
        def cellular(self):
            f = lambda: super(Grand, self).val()
            return f() + (lambda: __class__)().__name__.__len__()

    def main():
        _note()
        k = Kid(3)
        g = Grand(2)
        return (k.val(), Kid.s(1), Kid.c(4), k.p, repr(k), g.val(),
                g.cellular(), Grand.c(5))
""", {})

PROGRAMS["match"] = ("""
    class P:
        __match_args__ = ("x", "y")
        def __init__(self, x, y):
            self.x, self.y = x, y

    def match(o):
        match o:
            case 0 | 1:
                return "small"
            case [x, y, *rest]:
                return ("seq", x, y, len(rest))
            case {"k": v, **kw}:
                return ("map", v, len(kw))
            case P(0, y):
                return ("p0", y)
            case P(x=x, y=y) if x > y:
                return ("pgt", x)
            case str() as s if len(s) > 2:
                return "s"
            case (
                    float()
                    | complex()
            ):
                return "num"
            case _:
                return None

    def main():
        _note()
        return [match(x) for x in (0, 1, [1, 2, 3], (4, 5), {"k": 5, "j": 1},
                                   P(0, 3), P(5, 1), P(1, 5), "abcd", "a", 7.5, 1j, None)]
""", {})

PROGRAMS["out_of_order"] = ("""
    def ooo(a):
        r = max(a,
                min(a, 3),
                key=lambda z: -z
                ) + len(
            [a, a])
        return (r
                +
                a)

    def ooo2(d):
        return d[
            "k"
        ].get(
            "x", 0) + sum(
                v for v in d[
                    "k"].values())

    def main():
        _note()
        return [ooo(i) for i in range(5)], ooo2({"k": {"x": 1, "y": 2}})
""", {"no_twin": {"ooo2.<locals>.<genexpr>"}})   # a generator: no extra stack slot

PROGRAMS["control_flow"] = ("""
    import contextlib

    class CM:
        def __enter__(self): return self
        def __exit__(self, t, v, tb): return t is KeyError

    def fin_flow(n):
        t = 0
        for i in range(n):
            try:
                if i % 3 == 0:
                    continue
                if i == 7:
                    break
                t += i
            finally:
                t += 1
                if i == 5:
                    continue
        return t

    def fin_raise(n):
        t = 0
        for i in range(n):
            try:
                try:
                    raise ValueError(i)
                finally:
                    if i % 2:
                        raise KeyError(i)
            except KeyError:
                t += 1
            except ValueError as e:
                t += 2
        return t

    def bare(n):
        t = 0
        for i in range(n):
            try:
                try:
                    1 / (i % 2)
                except:
                    t += 1
                    raise
            except ZeroDivisionError:
                t += 10
        return t

    def gen_with(n):
        with CM():
            for i in range(n):
                try:
                    yield i
                except KeyError:
                    yield 'k'
                finally:
                    pass

    def gen_yield_in_handlers():
        try:
            raise ValueError
        except ValueError:
            x = yield 'in except'
        finally:
            y = yield 'in finally'
        return x, y

    def misc(n):
        global G
        t = 0
        a, *b, c = [
            1,
            2,
            3,
            4]
        t += (1 <
              2 <
              n)
        s = (f"{n}-"
             f"{t}")
        G = s
        del s
        assert n > 0, (
            "positive")
        try:
            assert n < 0, "negative"
        except AssertionError:
            t += 1
        if (y := n * 2) > 3:
            t += y
        z = [w for v in range(n) if (w := v * 2)]
        while (n > 0 and
               (t > -1 or
                n < 100)):
            n -= 1
        for q in range(3):
            if q == 2:
                return t + sum(z) + a + c + len(b)
        else:
            return -1

    def defaults(n, k=[i for i in range(3)],
                 m=lambda v: (v +
                              1)):
        return m(n) + sum(k)

    async def anext_items():
        for i in range(3):
            yield i

    async def async_flow():
        t = 0
        try:
            async with contextlib.AsyncExitStack() as st:
                async for v in anext_items():
                    try:
                        if v == 1:
                            raise KeyError
                    except KeyError:
                        t += await other()
        except Exception:
            t += 100
        return t

    async def other():
        return 5

    async def agen_handlers():
        try:
            for i in range(5):
                try:
                    yield i
                except KeyError:
                    yield "k"
        finally:
            await other()

    async def agen_driver():
        out = []
        g = agen_handlers()
        out.append(await g.asend(None))
        out.append(await g.athrow(KeyError))
        out.append(await g.__anext__())
        await g.aclose()
        return out

    def inner_gen():
        try:
            yield 1
            yield 2
        finally:
            pass

    def outer_gen():
        try:
            yield from inner_gen()
        finally:
            pass

    def drive(coro):
        try:
            while True:
                coro.send(None)
        except StopIteration as e:
            return e.value

    def main():
        _note()
        out = [fin_flow(12), fin_raise(6), bare(6)]
        g = gen_with(4)
        out.append(next(g))
        out.append(g.throw(KeyError))
        out.append(next(g))
        g.close()
        out.append(list(gen_with(3)))
        g = gen_yield_in_handlers()
        out.append(next(g))
        out.append(g.send(1))
        try:
            g.send(2)
        except StopIteration as e:
            out.append(e.value)
        out.append(misc(5))
        out.append(defaults(3))
        import asyncio
        out.append(asyncio.run(async_flow()))
        out.append(asyncio.run(agen_driver()))
        g = outer_gen()
        next(g)
        g.close()                           # GeneratorExit through yield from
        return out
""", {"no_twin": {"gen_with", "async_flow"}})

PROGRAMS["c_callbacks"] = ("""
    import functools

    def key(v):
        k = -v
        return k % 7

    def add(a, b):
        s = a + b
        return s

    class K:
        def __init__(self, v):
            self.v = v
        def __lt__(self, other):
            return self.v < other.v
        def __hash__(self):
            return self.v % 3
        def __eq__(self, other):
            return self.v == other.v

    def main():
        _note()
        data = list(range(40))
        return (sorted(data, key=key), list(map(key, data)), functools.reduce(add, data),
                min(data, key=key), sorted(K(v) for v in (5, 3, 9))[0].v,
                len({K(v) for v in range(10)}), list(filter(lambda v: v % 3, data)))
""", {})

PROGRAMS["threads"] = ("""
    import threading

    def work(n):
        t = 0
        for i in range(n):
            if i % 3 == 0:
                t += i
            t += (i
                  % 5)
        return t

    def main():
        res = []
        w = _wrap(work)
        ts = [threading.Thread(target=lambda i=i: res.append(w(3000 + i))) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return sorted(res)
""", {"select": {"work"}})

PROGRAMS["recursion"] = ("""
    import sys

    def down(n, acc):
        if n == 0:
            return acc
        return down(n - 1,
                    acc + (n
                           % 3))

    def main():
        _note()
        # deep enough to cross chunks of the thread's data stack, where the
        # twin's one extra stack slot may not fit
        return [down(n, 0) for n in (1, 10, 200, 900)]
""", {})

PROGRAMS["pause"] = ("""
    def gen(n):
        for i in range(n):
            yield i * 2

    def work(n):
        t = 0
        for i in range(n):
            t += i
        return t

    def main():
        _note()
        _pause()
        early = gen(6)        # made while not profiled: keeps the tracing path
        next(early)
        work(3)
        _resume()
        late = gen(6)         # made while profiled: runs on the twin
        a = list(early)
        next(late)
        _pause()
        next(late)
        _resume()
        b = list(late)
        return a, b, work(5)
""", {})


def _long_program():
    lines = ["def big(n):", "    t = 0"]
    for i in range(300):
        lines.append("    if n > %d:" % i)
        lines.append("        t += %d.5" % i)
    lines.append("    for i in range(n):")
    for i in range(200):
        lines.append("        t += i * %d.25" % i)
    lines.append("    return t")
    lines.append("")
    lines.append("def main():")
    lines.append("    _note()")
    lines.append("    return [big(n) for n in (0, 5, 400)]")
    return "\n".join(lines) + "\n"


def _long_jump_program():
    # a loop body of 10000 short lines: about 50000 code units, under the
    # 65536 that one EXTENDED_ARG reaches, 80000 with the probes
    lines = ["def long_loop(n):", "    t = 0", "    i = 0", "    while i < n:"]
    lines += ["        t += i"] * 10000
    lines += ["        i += 1", "    return t", "", "def main():", "    _note()",
              "    return long_loop(3)"]
    return "\n".join(lines) + "\n"


def _far_lines_program():
    # lines above 32767 (3.11 keeps 4-byte entries in its line array then)
    return "\n" * 40000 + textwrap.dedent("""
        def far(n):
            t = 0
            for i in range(n):
                t += (i
                      * 2)
            return t

        def main():
            _note()
            return far(10)
    """)


PROGRAMS["many_constants"] = (_long_program(), {})
PROGRAMS["long_jumps"] = (_long_jump_program(), {})
PROGRAMS["far_lines"] = (_far_lines_program(), {})

CASE_NAMES = sorted(PROGRAMS)


def program_path(tmp_path, name):
    src, _ = PROGRAMS[name]
    return write(tmp_path, name, src)


def options(name):
    return PROGRAMS[name][1]


# ---- 1 and 2: hit counts ---------------------------------------------------

@pytest.mark.parametrize("case", CASE_NAMES)
def test_hits_equal_line_profiler(lento, tmp_path, case):
    """lento (on 3.11 on twins) and line_profiler give the same hits; main's
    frame ran on its twin (3.11) or on its own code (3.12+)."""
    path = program_path(tmp_path, case)
    opts = options(case)
    mine = run_program(lento, path, MINE, opts.get("select"))
    theirs = run_program(lento, path, "lprof", opts.get("select"))
    assert theirs.hits, "line_profiler saw nothing: the case is broken"
    assert mine.result == theirs.result
    assert mine.hits == theirs.hits, diff_hits(mine.hits, theirs.hits,
                                               (MINE, "line_profiler"))
    if "main" not in opts.get("no_twin", ()) and mine.noted:
        (main,) = mine.noted
        assert ran_on(main, mine.ns["main"].__code__)


@twins_only("the tracing path is the other way of the py311 engine")
@pytest.mark.parametrize("case", CASE_NAMES)
def test_twin_equals_tracing_path(lento, tmp_path, case):
    path = program_path(tmp_path, case)
    opts = options(case)
    twin = run_program(lento, path, "twin", opts.get("select"))
    trace = run_program(lento, path, "trace", opts.get("select"))
    assert twin.result == trace.result
    assert twin.hits == trace.hits, diff_hits(twin.hits, trace.hits, ("twin", "tracing"))
    # the switch really switches: main's frame ran on its twin, then on
    # its own code
    if "main" not in opts.get("no_twin", ()) and twin.noted:
        (t,), (c,) = twin.noted, trace.noted
        assert has_probes(t) and t.co_qualname == "main"
        assert not has_probes(c) and c.co_qualname == "main"


@twins_only("the extra stack slot is the probe's")
def test_twin_takes_one_more_stack_slot_for_calls_across_lines(lento, tmp_path):
    path = program_path(tmp_path, "calls")
    code = compile(path.read_text(), str(path), "exec")
    calls = next(c for c in nested_codes(code) if c.co_name == "calls")
    g = next(c for c in nested_codes(code) if c.co_name == "g")
    assert lento._lento._line_twin(calls).co_stacksize == calls.co_stacksize + 1
    assert lento._lento._line_twin(g).co_stacksize == g.co_stacksize
    # and the frame does run on it (it has room: it grows into the data stack)
    seen = []

    def spans():
        seen.append(sys._getframe().f_code)
        return max(1,
                   2)
    assert lento._lento._line_twin(spans.__code__).co_stacksize == \
        spans.__code__.co_stacksize + 1
    lp = lento.LineProfiler(spans)
    assert lp.runcall(spans) == 2
    assert has_probes(seen[0])
    assert seen[0].co_stacksize == spans.__code__.co_stacksize + 1


@pytest.mark.parametrize("mode", LENTO_MODES)
def test_sleep_time_goes_to_the_sleep_line(lento, tmp_path, mode):
    path = write(tmp_path, "sleepy", """
        import time

        def sleepy():
            x = 1
            for i in range(3):
                x += i
            time.sleep(0.05)
            x += 1
            return x

        def main():
            return sleepy()
    """)
    r = run_program(lento, path, mode, {"sleepy"})
    (rows,) = r.timings.values()
    total = sum(t for _, _, t in rows)
    slow = [t for line, _, t in rows if line == 7]
    assert slow and slow[0] >= 0.8 * total and slow[0] * 1e-9 >= 0.045, rows


# ---- hits on stdlib modules -----------------------------------------------

def all_codes(code):
    return [code] + nested_codes(code)


def run_module_copy(lento, modname, workload, mode):
    """A private copy of modname (its source compiled afresh, executed as a
    module of another name), every code object selected, workload(module)
    run with profiling on, by lento (mode as in run_program) or
    line_profiler ("lprof").  (result, hits, number of code objects,
    number of them with a twin: on 3.11 only, else None)."""
    spec = importlib.util.find_spec(modname)
    path = spec.origin
    code = compile(Path(path).read_text(encoding="utf-8"), path, "exec")
    codes = all_codes(code)
    with_twin = (sum(lento._lento._line_twin(c) is not None for c in codes)
                 if TWINS else None)
    name = "_twin_copy_of_" + modname.replace(".", "_")
    was = None
    events = contextlib.nullcontext()
    if mode == "lprof":
        ran = []
        prof, code = line_profiler_on(code, codes, ran)
        events = oracle_events(ran)
    else:
        assert mode in LENTO_MODES, mode
        if TWINS:
            was = lento._lento._line_probes(mode == "twin")
        prof = lento.LineProfiler(*[Carrier(c) for c in codes])
    mod = types.ModuleType(name)
    mod.__file__ = path
    mod.__package__ = modname.rpartition(".")[0]
    sys.modules[name] = mod
    gc.collect()
    gc.disable()
    try:
        with events:
            prof.enable_by_count()
            try:
                exec(code, mod.__dict__)
                result = workload(mod)
            finally:
                prof.disable_by_count()
    finally:
        gc.enable()
        del sys.modules[name]
        if was is not None:
            lento._lento._line_probes(was)
    return result, hits(prof.get_stats().timings), len(codes), with_twin


def w_textwrap(m):
    text = "The quick brown fox jumps over the lazy dog. " * 40
    return ([m.fill(text, width=w) for w in (20, 37, 70)]
            + [m.dedent("    a\n      b\n\n    c\n"), m.shorten(text, 50),
               m.indent("x\n\ny\n", "> "),
               m.wrap("a-very-long-hyphenated-word and more " * 5, 11,
                      break_on_hyphens=True, max_lines=4, placeholder=" [..]")])


def w_difflib(m):
    a = ["line %d\n" % i for i in range(200)]
    b = a[:50] + ["changed\n"] + a[60:150] + ["new %d\n" % i for i in range(10)] + a[150:]
    sm = m.SequenceMatcher(None, "abcdefghij" * 20, "abcxefghiy" * 20)
    return (list(m.unified_diff(a, b)), list(m.context_diff(a[:30], b[:30])),
            list(m.ndiff(a[:40], b[:45])), sm.ratio(), sm.quick_ratio(),
            sm.get_opcodes()[:5], m.get_close_matches("appel", ["ape", "apple", "peach"]),
            len(m.HtmlDiff().make_table(a[:20], b[:20])))


def w_fractions(m):
    F = m.Fraction
    x = F(0)
    for i in range(1, 60):
        x += F(1, i) * F(i, i + 1) - F(3, 7) ** 2
    return [x, F("3.1415").limit_denominator(100), F(2.5), round(F(7, 3), 2),
            F(1, 3) < F(1, 2), abs(F(-1, 3)), float(x), F(7, 3) // F(1, 2),
            F(7, 3) % 1, divmod(F(7, 3), F(1, 4)), F(1, 3) ** -2, hash(F(1, 3)),
            F(" -1/3 "), F.from_decimal(__import__("decimal").Decimal("1.25"))]


def w_statistics(m):
    data = [(i * 37) % 101 / 7 for i in range(300)]
    return [m.mean(data), m.median(data), m.median_low(data), m.median_grouped(data),
            m.stdev(data), m.pvariance(data), m.mode([1, 2, 2, 3]), m.multimode("aabbc"),
            m.quantiles(data, n=4), m.harmonic_mean([1, 2, 4]), m.fmean(data),
            m.geometric_mean([1, 2, 4]), m.correlation(data[:50], data[50:100]),
            m.linear_regression(data[:50], data[50:100]), m.NormalDist(0, 1).cdf(0.5),
            m.NormalDist.from_samples(data).inv_cdf(0.3)]


def w_shlex(m):
    return [m.split("a 'b c' \"d e\" f\\ g # comment", comments=True),
            m.join(["a b", "c'd", ""]), m.quote("it's"),
            list(m.shlex("x=1 && y 'z' || (w)", posix=True, punctuation_chars=True)),
            list(m.shlex("a b 'c d'", posix=False))]


def w_string(m):
    t = m.Template("$who likes ${what} $$")
    return [t.substitute(who="tim", what="kung pao"), t.safe_substitute(who="x"),
            m.capwords(" hello   world "), t.get_identifiers(), t.is_valid(),
            m.Formatter().format("{0}-{x!r:>5}-{y[1]}", 1, x="y", y=[0, 2])]


def w_heapq(m):
    data = [(i * 7919) % 1009 for i in range(300)]
    return (m.nlargest(5, data), m.nsmallest(5, data, key=lambda v: -v),
            m.nlargest(3, data, key=lambda v: v % 10), m.nsmallest(1, data),
            list(m.merge([1, 4, 7], [2, 5, 8], [3, 6, 9])),
            list(m.merge([3, 2, 1], [4, 0], reverse=True)),
            list(m.merge(["a", "bb"], ["ccc"], key=len)))


def w_base64(m):
    d = bytes(range(256)) * 3
    return [m.b64decode(m.b64encode(d)) == d, m.b32decode(m.b32encode(d)) == d,
            m.b16decode(m.b16encode(d)) == d, m.a85decode(m.a85encode(d, wrapcol=40)) == d,
            m.b85decode(m.b85encode(d)) == d, m.urlsafe_b64encode(b"\xff\xfe"),
            m.b32hexdecode(m.b32hexencode(b"abc")), m.a85encode(b"\0\0\0\0 ", foldspaces=True),
            m.encodebytes(d[:100]), m.decodebytes(m.encodebytes(d[:100]))]


def w_ipaddress(m):
    n = m.ip_network("10.0.0.0/24")
    return ([str(a) for a in list(n.hosts())[:20]]
            + [str(x) for x in n.subnets(new_prefix=27)]
            + [str(m.ip_address("::1")), m.ip_address("192.168.1.1").is_private,
               str(list(m.collapse_addresses([m.ip_network("1.0.0.0/25"),
                                              m.ip_network("1.0.0.128/25")]))),
               str(m.ip_interface("2001:db8::1/64").network),
               [str(x) for x in m.summarize_address_range(m.ip_address("1.1.1.0"),
                                                          m.ip_address("1.1.1.130"))],
               str(m.ip_network("2001:db8::/32").supernet()),
               m.ip_network("10.0.0.0/8").overlaps(n),
               str(m.ip_address("::ffff:1.2.3.4").ipv4_mapped),
               sorted([m.ip_address("1.2.3.4"), m.ip_address("1.2.3.3")])[0].exploded])


def w_email_utils(m):
    d = m.parsedate_to_datetime("Mon, 20 Nov 1995 19:12:08 -0500")
    return [m.parseaddr("Tim <tim@example.com>"), m.formataddr(("Tim", "tim@example.com")),
            d.isoformat(), m.quote('a"b'), m.unquote('"abc"'),
            m.getaddresses(["a@b.c, D <d@e.f>", "g@h.i"]), m.format_datetime(d),
            m.decode_rfc2231("us-ascii'en'abc"), m.encode_rfc2231("a b", "utf-8"),
            m.collapse_rfc2231_value(("us-ascii", "en", "abc")),
            m.parsedate("Mon, 20 Nov 1995 19:12:08 -0500"),
            m.formatdate(0, usegmt=True)]


def w_json_decoder(m):
    import json
    d = m.JSONDecoder(object_pairs_hook=None)
    s = json.dumps({"a": [1, 2.5, None, True, {"b": "c\u00e9\n"}] * 20, "x": "y" * 30})
    return (d.decode(s), m.py_scanstring('"abc\\n\\u00e9\\ud834\\udd1e" tail', 1),
            d.raw_decode("[1, 2] rest"), _error(lambda: d.decode("[1, 2")))


def _error(f):
    try:
        f()
    except Exception as e:
        return str(e)


def w_json_encoder(m):
    e = m.JSONEncoder(indent=2, sort_keys=True)
    obj = {"a": [1, 2.5, None, True, {"b": "c\u00e9\n"}] * 20, "x": "y" * 30, "f": 1e10,
           "3": [], "e": {}}
    return (e.encode(obj), m.JSONEncoder(indent=1).encode({3: 1, 2.5: [], None: 0}),
            m.py_encode_basestring_ascii("h\u00e9llo\n\U0001d11e"),
            m.py_encode_basestring("q\"\n"),
            list(m.JSONEncoder(separators=(",", ":")).iterencode([1, {"k": [None]}])),
            _error(lambda: m.JSONEncoder(check_circular=True).encode(_circular())),
            _error(lambda: e.encode(float("nan")) and m.JSONEncoder(allow_nan=False,
                                                                    indent=1).encode([float("nan")])))


def _circular():
    a = []
    a.append(a)
    return a


CORPUS = {
    "textwrap": w_textwrap,
    "difflib": w_difflib,
    "fractions": w_fractions,
    "statistics": w_statistics,
    "shlex": w_shlex,
    "string": w_string,
    "heapq": w_heapq,
    "base64": w_base64,
    "ipaddress": w_ipaddress,
    "email.utils": w_email_utils,
    "json.decoder": w_json_decoder,
    "json.encoder": w_json_encoder,
}


@pytest.mark.parametrize("modname", sorted(CORPUS))
def test_stdlib_module_hits(lento, modname):
    """Every function of a pure-Python stdlib module selected, a workload
    run: the hits equal line_profiler's (on 3.11 both the twin's and the
    tracing path's, and at least 90% of the code objects have a twin)."""
    work = CORPUS[modname]
    runs = {mode: run_module_copy(lento, modname, work, mode) for mode in MODES}
    results = {mode: r[0] for mode, r in runs.items()}
    assert all(r == results["lprof"] for r in results.values())
    mine, lprof = runs[MINE][1], runs["lprof"][1]
    assert sum(len(v) for v in lprof.values()) >= 40, "the workload runs too little"
    if not TWINS:
        assert mine == lprof, diff_hits(mine, lprof, ("lento", "line_profiler"))
        return
    twin, trace = mine, runs["trace"][1]
    n, with_twin = runs["twin"][2:]
    assert with_twin >= 0.9 * n, "%d of %d code objects have a twin" % (with_twin, n)
    if twin != lprof:
        who = ("the twin (the tracing path agrees with line_profiler)" if trace == lprof
               else "both paths")
        pytest.fail("%s differ from line_profiler:%s" % (who, diff_hits(
            twin, lprof, ("twin", "line_profiler"))))
    assert trace == twin, diff_hits(twin, trace, ("twin", "tracing"))


# ---- 5: what code in a timed frame sees -----------------------------------

def on_twin(lento, func, *args, probes=None, lp=None):
    """func(*args) with func's code selected (or with lp on): on 3.11 on
    the twin (probes True or None) or on the tracing path (False); on
    3.12+ the one way (probes None).  (result, the LineProfiler)."""
    if lp is None:
        lp = lento.LineProfiler(func)
    if not TWINS:
        assert probes is None, "no _line_probes on 3.12+"
        return lp.runcall(func, *args), lp
    was = lento._lento._line_probes(probes is not False)
    try:
        return lp.runcall(func, *args), lp
    finally:
        lento._lento._line_probes(was)


def load(tmp_path, name, src):
    path = write(tmp_path, name, src)
    ns = {"__name__": "twin_" + name, "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), ns)
    return ns


@contextlib.contextmanager
def lprof_loaded(tmp_path, name, src, select):
    """load()'s program compiled afresh, with its code objects whose
    qualname is in select given to a line_profiler (which runs padded
    copies of them, with oracle_events): (namespace, the
    line_profiler.LineProfiler), not enabled yet."""
    path = write(tmp_path, name, src)
    code = compile(path.read_text(), str(path), "exec")
    codes = [c for c in [code] + nested_codes(code) if c.co_qualname in select]
    assert codes, "nothing selected"
    ran = []
    prof, code = line_profiler_on(code, codes, ran)
    ns = {"__name__": "twin_" + name, "__file__": str(path)}
    exec(code, ns)
    with oracle_events(ran):
        yield ns, prof


TRACEBACK_SRC = """
    def leaf(kind):
        if kind == 0:
            return 1 / 0
        if kind == 1:
            return {}["missing"]
        raise KeyError(kind)

    def gen(kind):
        yield 1
        yield leaf(kind)

    def call(kind):
        data = [1, 2, 3]
        for i in range(3):
            if i == 2:
                return max(data,
                           key=lambda v: leaf(
                               kind) if v == 3 else v)
        return None

    def outer(kind):
        try:
            with open(__file__):
                if kind == 3:
                    return list(gen(0))
                return call(kind)
        finally:
            pass

    def catch(kind):
        try:
            outer(kind)
        except Exception as e:
            return e
"""


def tb_of(exc):
    return [(f.filename, f.lineno, f.end_lineno, f.colno, f.end_colno, f.name, f.line)
            for f in traceback.extract_tb(exc.__traceback__)]


@pytest.mark.parametrize("kind", [0, 1, 2, 3])
def test_tracebacks_show_the_same_lines(lento, tmp_path, kind):
    ns = load(tmp_path, "tb", TRACEBACK_SRC)
    plain = tb_of(ns["catch"](kind))
    funcs = [ns[n] for n in ("leaf", "gen", "call", "outer", "catch")]
    lp = lento.LineProfiler(*funcs)
    codes = []
    exc = lp.runcall(ns["catch"], kind)
    tb = exc.__traceback__
    while tb:
        codes.append(tb.tb_frame.f_code)
        tb = tb.tb_next
    own = {f.__name__: f.__code__ for f in funcs}
    timed = [c for c in codes if c.co_name in own]
    assert len(timed) >= 3
    if TWINS:
        assert any(ran_on(c, own[c.co_name]) for c in timed), "no frame ran on a twin"
    else:
        assert all(ran_on(c, own[c.co_name]) for c in timed)
    assert {k[2] for k in hits(lp.get_stats().timings)} >= {c.co_name for c in timed}
    assert tb_of(exc) == plain
    assert len(plain) >= 4


def test_f_lineno_and_code_attributes(lento, tmp_path):
    ns = load(tmp_path, "lineno", """
        import sys, inspect

        def where(log):
            log.append(sys._getframe(1).f_lineno)

        def f(n):
            log = []
            where(log)
            for i in range(n):
                where(log); x = (i +
                                 sys._getframe().f_lineno)
                log.append(x - i)
            try:
                where(log)
                1 / 0
            except ZeroDivisionError:
                where(log)
            log.append(max(1,
                           sys._getframe().f_lineno))
            fr = inspect.currentframe()
            co = fr.f_code
            return log, (co.co_name, co.co_qualname, co.co_filename, co.co_firstlineno,
                         co.co_varnames, co.co_argcount, co.co_freevars, co.co_cellvars,
                         co.co_names, fr.f_back.f_code.co_name == "f",
                         inspect.getframeinfo(fr).lineno,
                         [c for c in co.co_consts if not type(c).__name__ == "LineProbe"],
                         co is f.__code__)
    """)
    f = ns["f"]
    plain = f(3)
    twin, lp = on_twin(lento, f, 3)
    assert hits(lp.get_stats().timings), "f was not timed"
    assert twin[0] == plain[0]
    assert twin[1][:10] == plain[1][:10]
    assert twin[1][10] == plain[1][10]
    assert twin[1][11] == list(f.__code__.co_consts)
    assert plain[1][0:2] == ("f", "f")
    assert plain[1][12] is True
    # the frame's code: the twin on 3.11, f's own code on 3.12+
    assert twin[1][12] is (not TWINS)
    if TWINS:
        traced = on_twin(lento, f, 3, probes=False)[0]
        assert traced == plain
    else:
        assert twin == plain


def test_locals_closures_and_nonlocal(lento, tmp_path):
    ns = load(tmp_path, "cells", """
        def counter():
            count = 0
            def bump(k=1):
                nonlocal count
                count += k
                return count
            def peek():
                return count
            return bump, peek

        def use(n):
            bump, peek = counter()
            snaps = []
            total = 0
            for i in range(n):
                total += bump(i)
                snaps.append(sorted(locals().items(), key=str))
            x = [lambda: i for i in range(3)]
            def late():
                return total + len(snaps)
            del bump
            last = [(k, v if isinstance(v, int) else type(v).__name__) for k, v in snaps[-1]]
            return total, peek(), late(), [f() for f in x], last, sorted(locals())
    """)
    plain = ns["use"](5)
    funcs = [ns["use"], ns["counter"]]
    lp = lento.LineProfiler(*funcs)
    lp.add_function(ns["counter"]()[0])   # bump's code
    assert lp.runcall(ns["use"], 5) == plain
    rows = hits(lp.get_stats().timings)
    assert any(k[2].endswith("bump") for k in rows)


def test_generator_state_seen_from_outside(lento, tmp_path):
    """gi_frame.f_lineno, gi_yieldfrom, gi_running, getgeneratorstate,
    cr_await: the same at every step on the twin as without profiling."""
    ns = load(tmp_path, "genstate", """
        import inspect

        def sub():
            yield 1
            yield 2
            return 3

        def gen():
            x = yield 0
            r = yield from sub()
            for i in range(2):
                yield (r,
                       i)
            try:
                yield "in try"
            finally:
                yield "in finally"

        class Wait:
            def __await__(self):
                yield "waiting"
                return 5

        async def coro():
            v = await Wait()
            w = await Wait()
            return v + w

        def observe():
            out = []
            g = gen()
            out.append(("created", g.gi_frame.f_lineno, inspect.getgeneratorstate(g)))
            v = next(g)
            while True:
                out.append((v, g.gi_frame.f_lineno, g.gi_running,
                            g.gi_yieldfrom is not None, inspect.getgeneratorstate(g),
                            g.gi_code.co_name, g.gi_frame.f_code.co_name))
                try:
                    v = g.send(None)
                except StopIteration:
                    break
            out.append(inspect.getgeneratorstate(g))
            c = coro()
            v = c.send(None)
            out.append((v, c.cr_frame.f_lineno, c.cr_await is not None))
            v = c.send(None)
            out.append((v, c.cr_frame.f_lineno, inspect.getcoroutinestate(c)))
            try:
                c.send(None)
            except StopIteration as e:
                out.append(e.value)
            return out
    """)
    plain = ns["observe"]()
    lp = lento.LineProfiler(ns["gen"], ns["sub"], ns["coro"])
    lp.enable()
    try:
        g = ns["gen"]()
        twin_frame_code = g.gi_frame.f_code
        mine = ns["observe"]()
    finally:
        lp.disable()
    assert ran_on(twin_frame_code, ns["gen"].__code__), (
        "the generator does not carry the twin" if TWINS else "not gen's own code")
    assert g.gi_code is ns["gen"].__code__
    assert mine == plain
    assert {k[2] for k in hits(lp.get_stats().timings)} == {"gen", "sub", "coro"}


DEBUGGER_SRC = """
    import sys

    def f(n, jump):
        first = sys._getframe().f_code.co_firstlineno
        events = []
        def tracer(frame, event, arg):
            if frame.f_code.co_name == "f":
                events.append((event, frame.f_lineno - first))
                if jump and event == "line" and frame.f_lineno - first == 13:
                    frame.f_lineno = first + 14     # over the division
            return tracer
        sys.settrace(tracer)
        sys._getframe().f_trace = tracer
        t = 0
        for i in range(n):
            x = 1 / 0 if jump else i
            if i % 2: t += g(i,
                             i)
            else:
                t -= 1
        try:
            raise KeyError
        except KeyError:
            t += 1
        sys.settrace(None)
        return t, events, type(sys._getframe().f_code.co_consts[-1]).__name__

    def g(a, b):
        return a + b
"""


# 3.13+ warns when the debugger's jump leaves a local unbound (x)
@pytest.mark.filterwarnings("ignore:assigning None to:RuntimeWarning")
def test_debugger_attaching_inside_a_twin_frame(lento, tmp_path):
    """sys.settrace from inside a timed frame (on 3.11 running on its
    twin): the line events the debugger sees, and a jump it makes
    (f_lineno = ...), are those of the original code; on 3.12+ the frame
    runs its own code throughout, and lento times it throughout, with
    line_profiler's hits (the debugger and sys.monitoring tools are
    apart there; on 3.11 line timing leaves a traced thread to the
    debugger)."""
    ns = load(tmp_path, "dbg", DEBUGGER_SRC)
    try:
        for jump in (False, True):
            plain = ns["f"](5, jump)
            assert plain[2] != "LineProbe"
            mine, lp = on_twin(lento, ns["f"], 5, jump)
            assert mine[2] == ("LineProbe" if TWINS else plain[2])
            assert mine[:2] == plain[:2]
            assert ("line", 13) in plain[1] and ("line", 20) in plain[1]
            if TWINS:
                continue
            with lprof_loaded(tmp_path, "dbg", DEBUGGER_SRC, {"f"}) as (lns, lprof):
                lprof.enable_by_count()
                try:
                    assert lns["f"](5, jump)[:2] == plain[:2]
                finally:
                    lprof.disable_by_count()
                    sys.settrace(None)
            mine, theirs = hits(lp.get_stats().timings), hits(lprof.get_stats().timings)
            assert mine == theirs, diff_hits(mine, theirs, ("lento", "line_profiler"))
            # the lines after the debugger attached are timed: the loop's
            # header, 5 times round and once out
            first = ns["f"].__code__.co_firstlineno
            assert dict(*mine.values())[first + 12] == 6
    finally:
        sys.settrace(None)


def test_signal_interrupts_a_selected_loop(lento, tmp_path):
    """KeyboardInterrupt raised by a signal handler lands in a timed frame
    (on 3.11 on its twin, and on the tracing path) running a long loop,
    and that frame's own handler catches it, as it does unprofiled.  (On
    3.14 CPython's exception table leaves the loop's JUMP_BACKWARD, where
    the signal is raised, outside the try, so unprofiled the exception
    escapes spin; profiled it must too.)"""
    ns = load(tmp_path, "sig", """
        import sys

        def spin():
            on = sys._getframe().f_code
            n = 0
            try:
                while True:
                    n += 1
                    if n > 10 ** 9:
                        break
            except KeyboardInterrupt:
                return "caught", n > 0, on
            return "not interrupted", n, on
    """)
    first = ns["spin"].__code__.co_firstlineno

    def handler(signum, frame):
        raise KeyboardInterrupt

    def interrupted(call, *args):
        """(status, moved, the frame's code), or ("escaped", the innermost
        frame's function name) when KeyboardInterrupt left spin."""
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        try:
            return call(*args)
        except KeyboardInterrupt as e:
            return "escaped", traceback.extract_tb(e.__traceback__)[-2].name
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    old = signal.signal(signal.SIGALRM, handler)
    try:
        plain = interrupted(ns["spin"])
        assert plain[:2] in (("caught", True), ("escaped", "spin")), plain
        for probes in WAYS:
            lp = lento.LineProfiler(ns["spin"])
            mine = interrupted(lambda: on_twin(lento, ns["spin"], probes=probes, lp=lp)[0])
            assert mine[:2] == plain[:2]
            (rows,) = hits(lp.get_stats().timings).values()
            rows = dict(rows)
            assert rows[first + 5] > 1000           # the loop ran, timed
            if plain[0] == "caught":
                assert ran_on(mine[2], ns["spin"].__code__, probes)
                assert rows[first + 9] == 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# An exception delivered at a loop's back edge: a signal handler's, or one
# set with PyThreadState_SetAsyncExc.  CPython 3.11 raises it in the
# backward jump's eval-breaker check, after the jump, and looks its handler
# up at the unit before the jump's target (exception_unwind's
# INSTR_OFFSET()-1), not at the jump.  Raiser() + E schedules E for this
# thread with no CALL instruction (a C slot calling C), so the next check
# is the back edge: deterministic.  The result must be the unprofiled
# run's and the hits line_profiler's (and on 3.11 the tracing path's).

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = [ctypes.c_ulong, ctypes.py_object]
_set_async_exc.restype = ctypes.c_int


def raiser_for_this_thread():
    class Raiser:
        # staticmethod: a partial is not bound as a method (3.13+ warns it
        # will be); the C slot calls it with the right operand only
        __add__ = staticmethod(functools.partial(_set_async_exc, threading.get_ident()))
    return Raiser()


BACK_EDGE_SRC = """
    async def agen():
        for i in range(5):
            yield i

    def while_true(r, E):
        n = 0
        try:
            while True:
                n += 1
                if n == 3: _ = r + E
        except KeyboardInterrupt:
            n += 100
        return n

    def while_cond(r, E):
        n = 0
        try:
            while n < 10:
                n += 1
                if n == 3: _ = r + E
        except KeyboardInterrupt:
            n += 100
        return n

    def for_one_line(r, E):
        n = 0
        try:
            for i in range(9): n += 1; _ = r + E if i == 4 else 0
        except KeyboardInterrupt:
            n += 100
        return n

    def for_in_with(r, E):
        import contextlib
        n = 0
        try:
            with contextlib.nullcontext():
                for i in range(9):
                    for j in range(2):
                        n += 1
                        if i == 4 and j == 1:
                            _ = r + E
        except KeyboardInterrupt:
            n += 100
        return n

    async def async_for(r, E):
        n = 0
        try:
            async for x in agen():
                n += 1
                if x == 2:
                    _ = r + E
            n += 10
        except KeyboardInterrupt:
            n += 100
        return n

    async def async_for_one_line(r, E):
        n = 0
        async for x in agen(): n += 1; _ = r + E if x == 2 else 0
        return n

    async def async_comprehension(r, E):
        return [x async for x in agen() if x != 2 or r + E]
"""

BACK_EDGE_CASES = [(f, e) for f in ("while_true", "while_cond", "for_one_line", "for_in_with")
                   for e in ("KeyboardInterrupt",)] + \
                  [(f, e) for f in ("async_for", "async_for_one_line", "async_comprehension")
                   for e in ("KeyboardInterrupt", "StopAsyncIteration")]


def drive(func, *args):
    """Runs func(*args) (a coroutine function is driven by hand: these
    never suspend); what it returned or raised."""
    try:
        r = func(*args)
        if inspect.iscoroutine(r):
            r.send(None)
            return ("suspended",)
        return ("returned", r)
    except StopIteration as e:
        return ("returned", e.value)
    except BaseException as e:
        return ("raised", type(e).__name__)


@pytest.mark.parametrize("func,exc", BACK_EDGE_CASES)
def test_exception_at_a_loop_back_edge(lento, tmp_path, func, exc):
    ns = load(tmp_path, "backedge", BACK_EDGE_SRC)
    E = getattr(builtins, exc)
    f = ns[func]
    codes = [f.__code__] + nested_codes(f.__code__) + [ns["agen"].__code__]
    plain = drive(f, raiser_for_this_thread(), E)
    assert plain[0] != "suspended"
    results = {}
    rows = {}
    for mode, probes in zip(LENTO_MODES, WAYS):
        lp = lento.LineProfiler(*[Carrier(c) for c in codes])
        results[mode] = on_twin(lento, drive, f, raiser_for_this_thread(), E,
                                probes=probes, lp=lp)[0]
        rows[mode] = hits(lp.get_stats().timings)
    # line_profiler, on its own compilation of the program
    with lprof_loaded(tmp_path, "backedge", BACK_EDGE_SRC,
                      {c.co_qualname for c in codes}) as (lns, lprof):
        lprof.enable_by_count()
        try:
            theirs = drive(lns[func], raiser_for_this_thread(), E)
        finally:
            lprof.disable_by_count()
    assert theirs == plain
    lprof_rows = hits(lprof.get_stats().timings)
    assert lprof_rows, "line_profiler saw nothing"
    assert results[MINE] == plain, "on lento: %r, unprofiled: %r" % (results[MINE], plain)
    assert rows[MINE] == lprof_rows, diff_hits(rows[MINE], lprof_rows, (MINE, "line_profiler"))
    if TWINS:
        assert results["trace"] == plain
        assert rows["twin"] == rows["trace"], diff_hits(rows["twin"], rows["trace"],
                                                        ("twin", "tracing"))


RECURSION_SRC = """
    def deep(n):
        return deep(n +
                    1)

    def guard():
        try:
            deep(0)
        except RecursionError as e:
            return "caught"
        return "no error"
"""


def test_recursion_error_is_caught(lento, tmp_path):
    """RecursionError in a timed function is caught by its caller, again
    and again.  The hits: on 3.11 the twin's equal the tracing path's; on
    3.12+ line_profiler's (its callbacks, like lento's, add no Python
    frame, so the same depth is reached; on 3.11 its trace function
    does not)."""
    ns = load(tmp_path, "recerr", RECURSION_SRC)
    results = {}
    for probes in WAYS:
        for attempt in range(2):
            (r, lp) = on_twin(lento, ns["guard"], probes=probes)
            assert r == "caught"
        lp = lento.LineProfiler(ns["deep"], ns["guard"])
        was = lento._lento._line_probes(probes) if TWINS else None
        try:
            assert lp.runcall(ns["guard"]) == "caught"     # guard's frame: ours + 1
        finally:
            if TWINS:
                lento._lento._line_probes(was)
        results[probes] = hits(lp.get_stats().timings)
    assert ns["guard"]() == "caught"
    if TWINS:
        assert results[True] == results[False], diff_hits(results[True], results[False],
                                                          ("twin", "tracing"))
        return
    with lprof_loaded(tmp_path, "recerr", RECURSION_SRC, {"deep", "guard"}) as (lns, lprof):
        lprof.enable_by_count()     # guard's frame: ours + 1, as under lento
        try:
            assert lns["guard"]() == "caught"
        finally:
            lprof.disable_by_count()
    theirs = hits(lprof.get_stats().timings)
    assert results[None] == theirs, diff_hits(results[None], theirs, ("lento", "line_profiler"))


def test_generator_outlives_the_profiler(lento, tmp_path):
    """A generator made while its code was selected (on 3.11 it carries
    the twin; on 3.12+ its own code) runs on after disable(), after the
    profiler is deleted, and under other profilers, with the right results
    and no counts after disable."""
    ns = load(tmp_path, "outlive", """
        def gen(n):
            total = 0
            for i in range(n):
                total += i
                got = yield total
                if got:
                    total += got * 2
            return total

        def expected():
            g = gen(12)
            out = [next(g), g.send(5)]
            out += [g.send(1), g.send(2), g.send(3), next(g)]
            out += [next(g), next(g)]
            out += list(g)
            return out
    """)
    want = ns["expected"]()
    gen = ns["gen"]
    lp = lento.LineProfiler(gen)
    with lp:
        g = gen(12)
        out = [next(g), g.send(5)]
    assert ran_on(g.gi_frame.f_code, gen.__code__)
    counted = hits(lp.get_stats().timings)
    out.append(g.send(1))                       # after disable
    assert hits(lp.get_stats().timings) == counted
    del lp
    gc.collect()
    out.append(g.send(2))                       # profiler gone
    p = lento.Profile()
    p.enable()
    out += [g.send(3), next(g)]                 # fast mode
    p.disable()
    other = lento.LineProfiler(ns["expected"])
    with other:
        out += [next(g), next(g)]               # another line profiler
    again = lento.LineProfiler(gen)
    with again:
        out += list(g)                          # gen selected again
    assert out == want
    p.create_stats()
    assert [k for k in p.stats if k[2] == "gen"]
    rows = dict(next(iter(hits(again.get_stats().timings).values())))
    first = gen.__code__.co_firstlineno
    assert rows[first + 2] == 5 and rows[first + 7] == 1


def test_cprofile_alongside(lento, tmp_path):
    """With another profiler (cProfile) on, hits are the same and cProfile
    gets every call.  On 3.11, where cProfile is a profile function,
    selected frames run on the tracing path, not on twins (cProfile keys by
    code object: a twin would be a second function to it); on 3.12+ they
    run their own code in both cases."""
    path = program_path(tmp_path, "functions")
    alone = run_program(lento, path, MINE)
    prof = cProfile.Profile()
    prof.enable()
    try:
        both = run_program(lento, path, MINE)
    finally:
        prof.disable()
    assert both.hits == alone.hits
    assert ran_on(alone.noted[0], alone.ns["main"].__code__)
    assert ran_on(both.noted[0], both.ns["main"].__code__, probes=False)
    stats = prof.getstats()
    fib = [e for e in stats if getattr(e.code, "co_name", "") == "fib"]
    assert fib and fib[0].callcount == 465



def test_cprofile_counts_a_function_timed_partly_on_its_twin(lento):
    """cProfile running across the time a line profiler is enabled: the
    calls of a selected function made before and during (on 3.11 on its
    twin, or on the tracing path) are all counted, and lento times them."""
    def f(n):
        return n + 1

    counts = {}
    for probes in WAYS:
        was = lento._lento._line_probes(probes) if TWINS else None
        try:
            prof = cProfile.Profile()
            prof.enable()
            for i in range(10):
                f(i)
            lp = lento.LineProfiler(f)
            with lp:
                for i in range(10):
                    f(i)
            prof.disable()
        finally:
            if TWINS:
                lento._lento._line_probes(was)
        prof.create_stats()
        counts[probes] = [v[:2] for k, v in prof.stats.items() if k[2] == "f"]
        (rows,) = hits(lp.get_stats().timings).values()
        assert rows == [(f.__code__.co_firstlineno + 1, 10)]
    assert counts == {probes: [(20, 20)] for probes in WAYS}

def test_no_reference_leaks(lento):
    """Timed frames (on 3.11 switched to the twin, growing the stack or
    not), generators (carrying it), exceptions through them: no reference
    to the code (the twin or a probe) is lost or left behind."""
    seen = []

    def f(n, keep=False):
        if keep:
            seen.append(sys._getframe().f_code)
        try:
            return max(n,
                       n // 2) + (1 / n)
        except ZeroDivisionError:
            return 0

    def g(n, keep=False):
        if keep:
            seen.append(sys._getframe().f_code)
        for i in range(n):
            yield i

    lp = lento.LineProfiler(f, g)
    with lp:
        f(1, True)
        list(g(1, True))
    twin_f, twin_g = seen
    del seen[:]
    assert ran_on(twin_f, f.__code__) and ran_on(twin_g, g.__code__)
    watched = [f.__code__, g.__code__]
    if TWINS:
        watched += [twin_f, twin_g, next(c for c in twin_f.co_consts if is_probe(c))]

    def counts():
        return [sys.getrefcount(x) for x in watched]

    before = counts()
    with lp:
        for i in range(1000):
            f(i % 3)
            list(g(3))
            it = g(5)
            next(it)
            del it                      # closed while suspended
    gc.collect()
    assert counts() == before


@twins_only("the twin's extra stack slot and the data stack's chunks")
def test_frames_at_the_end_of_a_data_stack_chunk(lento, tmp_path):
    """A frame whose twin needs one more stack slot than fits in the data
    stack chunk it was pushed on keeps the tracing path; recursion from
    many starting depths makes some frames fall there.  Hits still equal
    line_profiler's and the tracing path's."""
    path = write(tmp_path, "chunks", """
        def down(n):
            _note()
            if n == 0:
                return 0
            return down(n - 1) + max(n,
                                     1)

        def pad(k, n):
            if k == 0:
                return down(n)
            return pad(k - 1, n)

        def main():
            return [pad(k, 300) for k in range(40)]
    """)
    runs = {mode: run_program(lento, path, mode) for mode in MODES}
    assert runs["twin"].result == runs["trace"].result == runs["lprof"].result
    on_twin = [has_probes(c) for c in runs["twin"].noted]
    assert len(on_twin) == 40 * 301
    assert any(on_twin) and not all(on_twin), "no frame fell back: the case is broken"
    assert runs["twin"].hits == runs["lprof"].hits, diff_hits(
        runs["twin"].hits, runs["lprof"].hits, ("twin", "line_profiler"))
    assert runs["twin"].hits == runs["trace"].hits


def test_threads_run_twins_while_profilers_come_and_go(lento):
    """Four threads run a selected function (on 3.11 on its twin, with the
    extra stack slot) and generators while the main thread makes,
    enables, disables and drops line profilers of that code, and
    generators made while it was timed are finished later.  Results stay
    right; nothing breaks (the sanitized run checks memory)."""
    def work(n):
        t = 0
        for i in range(n):
            t += max(i,
                     1)
        return t

    def gen(n):
        for i in range(n):
            yield i

    want = work(50)
    stop = threading.Event()
    errors = []

    def runner():
        try:
            while not stop.is_set():
                assert work(50) == want
                g = gen(5)
                next(g)
                assert list(g) == [1, 2, 3, 4]
        except BaseException as e:      # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for t in threads:
        t.start()
    pending = []
    try:
        for k in range(60):
            lp = lento.LineProfiler(work, gen)
            lp.enable()
            pending.append(gen(3))
            next(pending[-1])
            time.sleep(0.001)
            if k % 3 == 0:
                other = lento.LineProfiler(work)
                other.enable()
                time.sleep(0.0005)
                other.disable()
                del other
            lp.disable()
            if k % 2:
                del lp
            if k % 5 == 0:
                gc.collect()
                assert [list(g) for g in pending[:-1]] == [[1, 2]] * (len(pending) - 1)
                del pending[:-1]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors
    assert ran_on(pending[-1].gi_frame.f_code, gen.__code__)
    assert list(pending[-1]) == [1, 2]
