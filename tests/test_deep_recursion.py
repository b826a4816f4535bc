"""Recursion 200,000 frames deep, in every mode, from the command line and
from the API: the program runs to its end, as it does bare and under
cProfile, and the profile has every call.

On CPython 3.11 the frame-evaluation hook (fast mode, line timing) puts
every Python call on the C stack; lento moves the deeper frames to new
stack segments and the profile says so (note.deep_recursion).  3.12+ keeps
Python calls inline in every mode: no note there.  Each run is a
subprocess, since the failure this guards against is a crash.
"""
import json
import sys
import textwrap

import pytest

import lento_file
from lento_testlib import describe, run_cmd

DEPTH = 200_000
CALLS = DEPTH + 1

PROGRAM = textwrap.dedent("""\
    import sys
    sys.setrecursionlimit(250_000)

    {deco}
    def f(n):
        return 0 if n == 0 else 1 + f(n - 1)

    print("result", f({depth}))
    """)


@pytest.fixture(scope="module")
def on_311(lento):
    return lento._lento._engine == "py311"


def write_program(tmp_path, deco=""):
    prog = tmp_path / "deep.py"
    prog.write_text(PROGRAM.format(deco=deco, depth=DEPTH))
    return prog


def f_calls(prof):
    """f's calls in a .lento profile, every thread."""
    by_func = prof.calls_by_func()
    return sum(c for i, c in by_func.items()
               if prof.funcs[i][3] == "f" and prof.funcs[i][1].endswith("deep.py"))


def f_line_hits(prof):
    rows = [r for (file, first, name), (last, r) in prof.lines.items() if name == "f"]
    assert rows, "no line table for f: %r" % list(prof.lines)
    return {line: hits for line, hits, _ in rows[0]}


@pytest.fixture(scope="module")
def cprofile_calls(tmp_path_factory):
    """cProfile's count for f, the oracle (exact at any depth)."""
    d = tmp_path_factory.mktemp("cprof")
    prog = write_program(d)
    out = d / "deep.pstats"
    p = run_cmd([sys.executable, "-m", "cProfile", "-o", out, prog], timeout=120)
    assert p.returncode == 0, describe(p)
    code = ("import pstats,sys; s=pstats.Stats(sys.argv[1]).stats; "
            "print(sum(v[1] for k,v in s.items() if k[2]=='f'))")
    q = run_cmd([sys.executable, "-c", code, out])
    assert q.returncode == 0, describe(q)
    return int(q.stdout)


def check_note(prof, on_311, expect):
    note = prof.meta.get("note.deep_recursion")
    if on_311 and expect:
        assert note and note.startswith("recursion deeper than "), prof.meta
        assert "nothing is missing" in note, note
    else:
        assert note is None, note


MODES = [
    # (id, options, decorator, records calls, times lines, frame hook on 3.11)
    ("default", [], "", True, False, False),
    ("no-builtins", ["--no-builtins"], "", True, False, True),
    ("lines-decorator", ["--lines"], "@profile", True, True, True),
    ("lines-auto", ["--lines=auto"], "", True, False, True),
    ("lines-pattern", ["--lines={prog}:f"], "", True, True, True),
]


@pytest.mark.parametrize("how", ["python-m", "lento-run"])
@pytest.mark.parametrize("mode", MODES, ids=[m[0] for m in MODES])
def test_cli_survives_deep_recursion(tmp_path, mode, how, lento_exe, on_311,
                                     cprofile_calls):
    name, opts, deco, calls, lines, hooked = mode
    prog = write_program(tmp_path, deco)
    opts = [o.format(prog=prog) for o in opts]
    out = tmp_path / "deep.lento"
    if how == "python-m":
        cmd = [sys.executable, "-m", "lento", *opts, "-o", out, prog]
    else:
        cmd = [lento_exe, "run", *opts, "-o", out, prog]
    p = run_cmd(cmd, timeout=180)
    assert p.returncode == 0, describe(p)
    assert "result %d" % DEPTH in p.stdout, describe(p)
    prof = lento_file.read(out)
    assert cprofile_calls == CALLS
    assert f_calls(prof) == cprofile_calls
    if lines:
        hits = f_line_hits(prof)
        body = max(hits)
        assert hits[body] == CALLS, hits
    check_note(prof, on_311, hooked)
    if how == "lento-run" and on_311 and hooked:
        assert "lento: note: recursion deeper than" in p.stderr, describe(p)


API = textwrap.dedent("""\
    import json, sys, lento
    sys.setrecursionlimit(250_000)

    def f(n):
        return 0 if n == 0 else 1 + f(n - 1)

    kind = sys.argv[1]
    if kind == "lines":
        lp = lento.LineProfiler(f)
        with lp:
            r = f({depth})
        lp.dump_stats(sys.argv[2])
        timings = lp.get_stats().timings
        hits = {{line: h for rows in timings.values() for line, h, _ in rows}}
        print(json.dumps({{"result": r, "hits": hits}}))
    else:
        p = lento.Profile(builtins=(kind == "builtins"))
        p.enable()
        r = f({depth})
        p.disable()
        p.create_stats()
        calls = sum(v[1] for k, v in p.stats.items() if k[2] == "f")
        print(json.dumps({{"result": r, "calls": calls}}))
    """)


@pytest.mark.parametrize("kind", ["builtins", "no-builtins", "lines"])
def test_api_survives_deep_recursion(tmp_path, kind, on_311, cprofile_calls):
    prog = tmp_path / "api.py"
    prog.write_text(API.format(depth=DEPTH))
    out = tmp_path / "lines.lento"
    p = run_cmd([sys.executable, prog, kind, out], timeout=180)
    assert p.returncode == 0, describe(p)
    got = json.loads(p.stdout.splitlines()[-1])
    assert got["result"] == DEPTH
    if kind == "lines":
        assert max(got["hits"].values()) == CALLS, got["hits"]
        check_note(lento_file.read(out), on_311, True)
    else:
        assert got["calls"] == cprofile_calls
    assert "Warning" not in p.stderr, describe(p)


def test_deep_recursion_in_a_thread(tmp_path, on_311):
    """A thread's own stack has its own bounds."""
    prog = tmp_path / "deep.py"
    prog.write_text(textwrap.dedent("""\
        import sys, threading
        sys.setrecursionlimit(250_000)

        def f(n):
            return 0 if n == 0 else 1 + f(n - 1)

        out = []
        t = threading.Thread(target=lambda: out.append(f(%d)), name="deep")
        t.start()
        t.join()
        print("result", out[0])
        """ % DEPTH))
    out = tmp_path / "deep.lento"
    p = run_cmd([sys.executable, "-m", "lento", "--no-builtins", "-o", out, prog],
                timeout=180)
    assert p.returncode == 0, describe(p)
    assert "result %d" % DEPTH in p.stdout
    prof = lento_file.read(out)
    assert f_calls(prof) == CALLS
    check_note(prof, on_311, True)


def test_no_memory_for_more_stack_leaves_a_gap_not_a_crash(tmp_path, lento, on_311):
    """Without a segment the hook steps aside: deeper frames run inline,
    unrecorded, and disable() warns of the gap."""
    if not on_311:
        pytest.skip("3.12+ keeps Python calls inline: no C stack to run out of")
    prog = tmp_path / "gap.py"
    prog.write_text(textwrap.dedent("""\
        import sys, lento, lento._lento
        sys.setrecursionlimit(250_000)

        def f(n):
            return 0 if n == 0 else 1 + f(n - 1)

        lento._lento._cstack_budget(0)
        p = lento.Profile(builtins=False)
        p.enable()
        r = f(%d)
        p.disable()
        p.create_stats()
        calls = sum(v[1] for k, v in p.stats.items() if k[2] == "f")
        print(r, calls)
        """ % DEPTH))
    p = run_cmd([sys.executable, prog], timeout=180)
    assert p.returncode == 0, describe(p)
    result, calls = map(int, p.stdout.split())
    assert result == DEPTH
    assert 1000 < calls < CALLS
    assert "RuntimeWarning: lento: note: recursion deeper than" in p.stderr
    assert "a gap in the profile" in p.stderr
