"""A NUL in a function's, file's or thread's name: the profile keeps all
of the name, writing the NUL as the two characters \\0 (docs/format.md),
through the .lento file, the exports and the reports."""
import json
import sys
import textwrap

import lento_file
from lento_testlib import describe, run_cmd

PROGRAM = textwrap.dedent("""\
    import threading

    def f():
        return 1

    f.__code__ = f.__code__.replace(co_name="a\\0b", co_qualname="a\\0b")

    def g():
        for _ in range(3):
            f()

    t = threading.Thread(target=g, name="x\\0y")
    t.start()
    t.join()
    """)


def strings(o):
    """Every string in a JSON document."""
    if isinstance(o, str):
        return {o}
    items = o.items() if isinstance(o, dict) else o if isinstance(o, list) else ()
    out = set()
    for i in items:
        for x in (i if isinstance(o, dict) else (i,)):
            out |= strings(x)
    return out


def test_nul_in_names_round_trips(tmp_path, lento_exe):
    prog = tmp_path / "nul.py"
    prog.write_text(PROGRAM)
    out = tmp_path / "nul.lento"
    p = run_cmd([lento_exe, "run", "-o", out, prog], timeout=120)
    assert p.returncode == 0, describe(p)
    prof = lento_file.read(out)
    names = {f[3]: i for i, f in enumerate(prof.funcs)}
    assert "a\\0b" in names, sorted(names)
    assert prof.calls_by_func()[names["a\\0b"]] == 3
    assert sorted(t[1] for t in prof.threads) == ["MainThread", "x\\0y"]

    folded = tmp_path / "nul.folded"
    p = run_cmd([lento_exe, "export", out, "-o", folded])
    assert p.returncode == 0, describe(p)
    text = folded.read_text()
    assert any(line.startswith("x\\0y;") and "a\\0b (" in line
               for line in text.splitlines()), text

    js = tmp_path / "nul.json"
    p = run_cmd([lento_exe, "export", out, "-o", js])
    assert p.returncode == 0, describe(p)
    assert "a\\0b" in strings(json.loads(js.read_text()))

    p = run_cmd([lento_exe, "report", "--top", "50", out])
    assert p.returncode == 0, describe(p)
    assert "(a\\0b)" in p.stdout + p.stderr, describe(p)


def test_nul_in_line_table_name(tmp_path):
    prog = tmp_path / "lines.py"
    out = tmp_path / "lines.lento"
    prog.write_text(textwrap.dedent("""\
        import sys, lento

        def f():
            x = 1
            return x

        f.__code__ = f.__code__.replace(co_name="a\\0b", co_qualname="a\\0b")
        lp = lento.LineProfiler(f)
        with lp:
            f()
        lp.dump_stats(sys.argv[1])
        """))
    p = run_cmd([sys.executable, prog, out])
    assert p.returncode == 0, describe(p)
    prof = lento_file.read(out)
    assert [k[2] for k in prof.lines] == ["a\\0b"]


def test_api_stats_keep_the_real_name(lento):
    def f():
        return 1

    f.__code__ = f.__code__.replace(co_name="a\0b")
    p = lento.Profile()
    p.enable()
    f()
    p.disable()
    p.create_stats()
    assert any(k[2] == "a\0b" for k in p.stats)
