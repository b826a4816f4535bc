"""C-level tests of src/core, built with AddressSanitizer and UBSan.

test_core_c runs the unit harness tests/c/test_core.c; the pstats tests
build tests/c/pstats_dump.c, which writes a profile with known figures as a
cProfile stats file, and read it back with the standard library exactly as
users' tools do (pstats.Stats, marshal, python -m pstats).

Set CC to choose the compiler (default: cc).
"""

import io
import marshal
import os
import pstats
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted((ROOT / "src" / "core").glob("*.c"))
CFLAGS = [
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-g",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
]
SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
    "UBSAN_OPTIONS": "print_stacktrace=1",
}


def build(tmp_path, source, name):
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc})")
    exe = tmp_path / name
    cmd = [cc, *CFLAGS, "-o", str(exe), str(source), *map(str, CORE)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, f"{' '.join(cmd)}\n{res.stderr}"
    return exe


def run(cmd, **kw):
    env = {**os.environ, **SAN_ENV}
    return subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=300, **kw)


def test_core_c(tmp_path):
    exe = build(tmp_path, ROOT / "tests" / "c" / "test_core.c", "test_core")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    res = run([str(exe), str(scratch)])
    lines = res.stdout.strip().splitlines()
    assert res.returncode == 0, res.stderr + res.stdout
    assert lines and re.fullmatch(r"\d+ passed, 0 failed", lines[-1]), (
        res.stderr + res.stdout)
    assert list(scratch.iterdir()) == []  # no temporaries left behind


# The figures of tests/c/pstats_dump.c, in ticks of 1e-6 s.
TICK = 1e-6
MAIN = ("app.py", 1, "main")
FIB = ("app.py", 10, "fib")
LEN = ("~", 0, "<built-in method builtins.len>")
LAMBDA = ("app.py", 20, "<lambda>")
NAIVE = ("/tmp/données/é.py", 7, "naïve_函数")
HOT = ("app.py", 30, "hot")
BIG = 5_000_000_000


def secs(ticks):
    return ticks * TICK  # the same double multiplication as pstats.c


def expected_stats():
    def entry(cc, nc, tt, ct, callers):
        return (cc, nc, secs(tt), secs(ct),
                {k: (n, c, secs(t), secs(u))
                 for k, (n, c, t, u) in callers.items()})

    return {
        # outer tuples: (prim_calls, calls, tottime, cumtime, callers)
        # callers' tuples: (calls, prim_calls, tottime, cumtime)
        MAIN: entry(1, 1, 100, 1000, {}),
        FIB: entry(1, 4, 500, 500, {MAIN: (1, 1, 100, 500),
                                    FIB: (3, 2, 400, 400)}),
        LEN: entry(10, 10, 80, 80, {MAIN: (5, 5, 50, 50),
                                    LAMBDA: (5, 5, 30, 30)}),
        # Two functions share LAMBDA: their figures are summed, including
        # the call from thread 2 that has no caller.
        LAMBDA: entry(6, 6, 67, 97, {MAIN: (5, 5, 60, 90)}),
        NAIVE: entry(1, 1, 10, 10, {MAIN: (1, 1, 10, 10)}),
        HOT: entry(BIG, BIG, 250, 250, {MAIN: (BIG, BIG, 250, 250)}),
    }


@pytest.fixture(scope="module")
def stats_file(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pstats")
    exe = build(tmp, ROOT / "tests" / "c" / "pstats_dump.c", "pstats_dump")
    out = tmp / "out.prof"
    res = run([str(exe), str(out)])
    assert res.returncode == 0, res.stderr
    return out


def test_pstats_marshal_exact(stats_file):
    with open(stats_file, "rb") as f:
        data = marshal.load(f)
        assert f.read() == b""  # nothing after the dict
    assert data == expected_stats()
    for key, value in data.items():
        assert type(key) is tuple and len(key) == 3
        assert [type(x) for x in key] == [str, int, str]
        assert [type(x) for x in value] == [int, int, float, float, dict]


def test_pstats_stats_reads_it(stats_file):
    st = pstats.Stats(str(stats_file))
    assert st.stats == expected_stats()
    assert st.total_calls == 1 + 4 + 10 + 6 + 1 + BIG
    assert st.prim_calls == 1 + 1 + 10 + 6 + 1 + BIG
    assert st.total_tt == pytest.approx(secs(1000 + 7))
    out = io.StringIO()
    st.stream = out
    st.sort_stats("cumulative").print_stats()
    st.print_callers()
    st.print_callees()
    text = out.getvalue()
    assert "4/1" in text  # fib's ncalls: recursive/primitive
    assert "naïve_函数" in text
    assert str(BIG) in text


def test_pstats_command_line(stats_file):
    res = subprocess.run(
        [sys.executable, "-m", "pstats", str(stats_file)],
        input="sort tottime\nstats 3\ncallers fib\nquit\n",
        capture_output=True, text=True, encoding="utf-8", timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert "hot" in res.stdout and "fib" in res.stdout


def test_gprof2dot_reads_it(stats_file):
    pytest.importorskip("gprof2dot")
    res = subprocess.run(
        [sys.executable, "-m", "gprof2dot", "-f", "pstats", "-n0", "-e0",
         str(stats_file)],
        capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert res.returncode == 0, res.stderr
    assert "naïve_函数" in res.stdout
    assert f"{BIG}×" in res.stdout
