"""lento beside the other tools a program may run: its own cProfile,
coverage, pdb, and tools that hold sys.monitoring's tool ids.

On 3.12+ tools share sys.monitoring's six tool ids (cProfile and
line_profiler take PROFILER_ID 2, coverage COVERAGE_ID 1, pdb's monitoring
backend DEBUGGER_ID 0); lento takes one no convention names (4, else 3,
else 5).  What must hold on every version: the program runs as it would
without lento (same output, same exit status).  On 3.12+ lento's own
profile goes on too; when every id lento could use is held, lento says so
in one line and the program still runs.
"""
import os
import sys
import textwrap

import pytest

from lento_testlib import describe, run_cmd

MONITORING = sys.version_info >= (3, 12)


def write(tmp_path, name, src):
    p = tmp_path / name
    p.write_text(textwrap.dedent(src).lstrip("\n"))
    return p


def bare(prog, tmp_path, *args, env=None):
    return run_cmd([sys.executable, prog] + list(args), cwd=tmp_path, extra_env=env)


def under_lento(prog, tmp_path, *opts, env=None):
    return run_cmd([sys.executable, "-m", "lento"] + list(opts) + [prog], cwd=tmp_path,
                   extra_env=env)


def lento_rows(proc, file, name):
    """The rows of `python -m lento`'s printed table naming file:N(name)."""
    return [l for l in proc.stdout.splitlines() if l.split()[-1:] and
            l.split()[-1].startswith(file + ":") and l.endswith("(%s)" % name)]


def same_run(a, b):
    assert a.returncode == b.returncode, describe(b)
    return True


# ---- the program's own cProfile --------------------------------------------

CPROFILE_PROG = """
    import cProfile, pstats, io, sys

    def inner(n):
        return sum(range(n))

    def outer():
        return [inner(i) for i in range(50)]

    def after():
        return inner(10)

    p = cProfile.Profile()
    p.enable()
    outer()
    p.disable()
    st = pstats.Stats(p)
    calls = {k[2]: v[1] for k, v in st.stats.items()}
    print("inner", calls["inner"], "outer", calls["outer"])
    after()
    sys.exit(4)
"""


@pytest.mark.parametrize("opts", [[], ["--no-builtins"]])
def test_the_programs_own_cprofile(tmp_path, opts):
    prog = write(tmp_path, "cprof.py", CPROFILE_PROG)
    want = bare(prog, tmp_path)
    assert want.returncode == 4 and "inner 50 outer 1" in want.stdout, describe(want)
    got = under_lento(prog, tmp_path, *opts)
    assert got.returncode == 4, describe(got)
    assert "inner 50 outer 1" in got.stdout, describe(got)
    assert "Traceback" not in got.stderr, describe(got)
    if MONITORING:
        # lento's profile goes on beside cProfile's
        rows = lento_rows(got, "cprof.py", "inner")
        assert rows and rows[0].split()[0] == "51", describe(got)
        assert lento_rows(got, "cprof.py", "after"), describe(got)


# ---- coverage ----------------------------------------------------------------

COVERAGE_PROG = """
    import coverage, sys

    cov = coverage.Coverage(data_file=None, config_file=False)
    cov.start()
    import covered
    covered.f(3)
    cov.stop()
    data = cov.get_data()
    (path,) = [f for f in data.measured_files() if f.endswith("covered.py")]
    print("lines", sorted(data.lines(path)))
"""

COVERED = """
    def f(n):
        t = 0
        for i in range(n):
            if i > 5:
                t -= 1
            t += i
        return t

    def g():
        return 0
"""


@pytest.mark.parametrize("opts", [[], ["--no-builtins"], ["--lines=covered:f"]])
def test_coverage_inside_the_program(tmp_path, opts):
    pytest.importorskip("coverage")
    write(tmp_path, "covered.py", COVERED)
    prog = write(tmp_path, "cov.py", COVERAGE_PROG)
    cores = ["pytrace"] + (["sysmon"] if MONITORING else [])
    try:
        from coverage.tracer import CTracer  # noqa: F401 (none on free-threaded builds)
        cores.append("ctrace")
    except ImportError:
        pass
    for core in cores:
        env = {"COVERAGE_CORE": core, "PYTHONPATH": str(tmp_path)}
        want = bare(prog, tmp_path, env=env)
        assert want.returncode == 0 and "lines [" in want.stdout, describe(want)
        got = under_lento(prog, tmp_path, *opts, env=env)
        assert got.returncode == 0, (core, describe(got))
        lines = [l for l in got.stdout.splitlines() if l.startswith("lines ")]
        assert lines == [l for l in want.stdout.splitlines() if l.startswith("lines ")], \
            (core, describe(got))
        if opts and opts[0].startswith("--lines") and MONITORING:
            # lento timed f's lines while coverage measured them
            assert "Function: f at line 1" in got.stdout, (core, describe(got))


# ---- pdb ---------------------------------------------------------------------

PDB_PROG = """
    import io, pdb, sys

    def target(n):
        x = n * 2
        y = x + 1
        return y

    out = io.StringIO()
    kw = {}
    if len(sys.argv) > 1:
        kw["backend"] = sys.argv[1]
    dbg = pdb.Pdb(stdin=io.StringIO("step\\nnext\\nnext\\np x, y\\ncontinue\\n"),
                  stdout=out, **kw)
    dbg.use_rawinput = False
    r = dbg.runcall(target, 20)
    print("result", r)
    print("seen", "(40, 41)" in out.getvalue())
"""


def pdb_backends():
    out = [[]]
    if sys.version_info >= (3, 14):
        out.append(["monitoring"])       # pdb on sys.monitoring's DEBUGGER_ID
    return out


@pytest.mark.parametrize("backend", pdb_backends())
@pytest.mark.parametrize("opts", [[], ["--no-builtins"], ["--lines=__main__:target"]])
def test_pdb_inside_the_program(tmp_path, opts, backend):
    prog = write(tmp_path, "dbg.py", PDB_PROG)
    want = bare(prog, tmp_path, *backend)
    assert "result 41" in want.stdout and "seen True" in want.stdout, describe(want)
    got = run_cmd([sys.executable, "-m", "lento"] + opts + [prog] + backend, cwd=tmp_path)
    assert got.returncode == 0, describe(got)
    assert "result 41" in got.stdout and "seen True" in got.stdout, describe(got)


# ---- when every tool id lento could use is held -------------------------------

HOLDER = """
    import runpy, sys
    for i, name in ((3, "tool-three"), (4, "tool-four"), (5, "tool-five")):
        sys.monitoring.use_tool_id(i, name)
    sys.argv = ["lento"] + sys.argv[1:]
    runpy.run_module("lento", run_name="__main__", alter_sys=True)
"""


@pytest.mark.skipif(not MONITORING, reason="sys.monitoring is 3.12+")
@pytest.mark.parametrize("opts", [[], ["--no-builtins"], ["--lines"]])
def test_all_tool_ids_held_the_program_still_runs(tmp_path, opts):
    holder = write(tmp_path, "holder.py", HOLDER)
    prog = write(tmp_path, "prog.py", """
        print("program ran")
        raise SystemExit(3)
    """)
    got = run_cmd([sys.executable, holder] + opts + [prog], cwd=tmp_path)
    assert got.returncode == 3, describe(got)
    assert "program ran" in got.stdout, describe(got)
    assert "Traceback" not in got.stderr, describe(got)
    said = [l for l in got.stderr.splitlines() if "tool ids" in l]
    assert said and all(l.startswith("lento: ") for l in said), describe(got)
    for name in ("tool-three", "tool-four", "tool-five"):
        assert name in said[0], describe(got)
    # one line per part of lento that could not start, nothing else
    assert len(said) == (2 if opts == ["--lines"] else 1), describe(got)


@pytest.mark.skipif(not MONITORING, reason="sys.monitoring is 3.12+")
def test_all_tool_ids_held_the_api_raises(lento):
    held = []
    try:
        for i in (3, 4, 5):
            if sys.monitoring.get_tool(i) is None:
                sys.monitoring.use_tool_id(i, "other-%d" % i)
                held.append(i)
        for make in (lambda: lento.Profile(), lambda: lento.Profile(builtins=False)):
            p = make()
            with pytest.raises(RuntimeError, match="tool ids lento can use"):
                p.enable()
            p.disable()
        lp = lento.LineProfiler()
        with pytest.raises(RuntimeError, match="other-4"):
            lp.enable()
        lp.disable()
    finally:
        for i in held:
            sys.monitoring.free_tool_id(i)
    # and it works again once an id is free
    p = lento.Profile()
    p.enable()
    sum(range(3))
    p.disable()
    p.create_stats()
    assert any("sum" in k[2] for k in p.stats)


@pytest.mark.skipif(not MONITORING, reason="sys.monitoring is 3.12+")
def test_lento_gives_its_tool_id_back(lento):
    before = [sys.monitoring.get_tool(i) for i in range(6)]
    p = lento.Profile()
    p.enable()
    assert "lento" in [sys.monitoring.get_tool(i) for i in range(6)]
    p.disable()
    lp = lento.LineProfiler()
    lp.enable()
    assert "lento" in [sys.monitoring.get_tool(i) for i in range(6)]
    lp.disable()
    assert [sys.monitoring.get_tool(i) for i in range(6)] == before
