"""`python -m lento`: the same command line as `python -m cProfile`.

Where cProfile's runner differs from running the script with plain
`python`, lento follows plain `python`: cProfile swallows SystemExit (so
`sys.exit(3)` exits 0) and leaves its own module as `__main__` (so pickling
an instance of a class defined in the script fails); lento must not.
"""
import json
import marshal
import pstats
import sys

import pytest

from lento_testlib import (describe, diff_counts, parse_pstats_table, report,
                           restrict_to_file)


def lento_m(run, args, **kw):
    return run([sys.executable, "-m", "lento"] + [str(a) for a in args], **kw)


def cprofile_m(run, args, **kw):
    return run([sys.executable, "-m", "cProfile"] + [str(a) for a in args], **kw)


def probe(proc):
    lines = [l for l in proc.stdout.splitlines() if l.startswith("PROBE ")]
    assert len(lines) == 1, describe(proc)
    return json.loads(lines[0][len("PROBE "):])


@pytest.mark.parametrize("name", ["calls", "loops"])
def test_outfile_counts_match_cprofile(run, tmp_path, workloads_dir, name):
    script = workloads_dir / (name + ".py")
    c = cprofile_m(run, ["-o", tmp_path / "c.pstats", script, "0.05"], cwd=tmp_path)
    assert c.returncode == 0, describe(c)
    l = lento_m(run, ["-o", tmp_path / "l.pstats", script, "0.05"], cwd=tmp_path)
    assert l.returncode == 0, describe(l)
    assert l.stdout == c.stdout          # the program's own output only
    cs = restrict_to_file(pstats.Stats(str(tmp_path / "c.pstats")).stats, script)
    ls = restrict_to_file(pstats.Stats(str(tmp_path / "l.pstats")).stats, script)
    assert len(cs) > 5
    d = diff_counts(cs, ls)
    assert not d, report(d)


def test_outfile_with_relative_script(run, tmp_path, workloads_dir):
    """A relative script and a relative -o path, both taken from the
    starting directory; counts still match cProfile's."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (tmp_path / "out").mkdir()
    (sub / "calls.py").write_text((workloads_dir / "calls.py").read_text())
    c = cprofile_m(run, ["-o", "../out/c.prof", "calls.py", "0.02"], cwd=sub)
    assert c.returncode == 0, describe(c)
    l = lento_m(run, ["-o", "../out/l.prof", "calls.py", "0.02"], cwd=sub)
    assert l.returncode == 0, describe(l)
    cs = restrict_to_file(pstats.Stats(str(tmp_path / "out" / "c.prof")).stats,
                          sub / "calls.py", cwd=sub)
    ls = restrict_to_file(pstats.Stats(str(tmp_path / "out" / "l.prof")).stats,
                          sub / "calls.py", cwd=sub)
    assert len(cs) > 5
    assert not diff_counts(cs, ls), report(diff_counts(cs, ls))


def test_outfile_is_marshal_pstats(run, tmp_path, workloads_dir):
    out = tmp_path / "prof.out"
    l = lento_m(run, ["-o", out, workloads_dir / "calls.py", "0.02"], cwd=tmp_path)
    assert l.returncode == 0, describe(l)
    with open(out, "rb") as f:
        raw = marshal.load(f)
    assert isinstance(raw, dict)
    fib = [v for k, v in raw.items() if k[2] == "fib"]
    assert fib and fib[0][:2] == (1, 57313)
    assert "function calls" not in l.stdout      # -o: no table printed


def test_prints_table_without_outfile(run, tmp_path, workloads_dir):
    script = workloads_dir / "calls.py"
    c = cprofile_m(run, [script, "0.05"], cwd=tmp_path)
    l = lento_m(run, [script, "0.05"], cwd=tmp_path)
    assert l.returncode == 0, describe(l)
    crows, ctotal, cord = parse_pstats_table(c.stdout)
    lrows, ltotal, lord = parse_pstats_table(l.stdout)
    assert lrows.get("calls.py:5(fib)") == crows["calls.py:5(fib)"] == "57313/1"
    assert lrows.get("calls.py:16(add)") == crows["calls.py:16(add)"]
    assert lrows.get("{built-in method builtins.len}") == crows["{built-in method builtins.len}"]
    # the program's output comes first, as under cProfile
    assert l.stdout.splitlines()[0] == c.stdout.splitlines()[0]
    assert lord and ltotal


def test_default_sort_like_cprofile(run, tmp_path, workloads_dir):
    """Without -s the table is in cProfile's default order.  In CPython
    3.11 `python -m cProfile` defaults to -s 2, "cumulative" (the API's
    print_stats() defaults to -1, "standard name")."""
    script = workloads_dir / "calls.py"
    c = cprofile_m(run, [script, "0.01"], cwd=tmp_path)
    l = lento_m(run, [script, "0.01"], cwd=tmp_path)
    assert l.returncode == 0, describe(l)
    cord = parse_pstats_table(c.stdout)[2]
    lord = parse_pstats_table(l.stdout)[2]
    assert cord == "Ordered by: cumulative time"
    assert lord == cord, (lord, cord)


@pytest.mark.parametrize("sort,header", [
    ("tottime", "Ordered by: internal time"),
    ("calls", "Ordered by: call count"),
    ("cumulative", "Ordered by: cumulative time"),
    ("stdname", "Ordered by: standard name"),
    ("name", "Ordered by: function name"),
])
def test_sort_option(run, tmp_path, workloads_dir, sort, header):
    l = lento_m(run, ["-s", sort, workloads_dir / "calls.py", "0.01"], cwd=tmp_path)
    assert l.returncode == 0, describe(l)
    rows, total, ordered = parse_pstats_table(l.stdout)
    assert ordered == header
    assert "calls.py:5(fib)" in rows


def test_sorted_rows_in_order(run, tmp_path, workloads_dir):
    l = lento_m(run, ["-s", "calls", workloads_dir / "calls.py", "0.02"], cwd=tmp_path)
    assert l.returncode == 0, describe(l)
    rows, _, _ = parse_pstats_table(l.stdout)
    counts = [int(n.split("/")[0]) for n in rows.values()]
    assert counts == sorted(counts, reverse=True) and len(counts) > 5


def test_script_environment(run, tmp_path, programs_dir):
    script = programs_dir / "probe.py"
    proc = lento_m(run, [script, "one", "--two", "3"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    info = probe(proc)
    assert info["argv"] == [str(script), "one", "--two", "3"]
    assert info["path0"] == str(programs_dir)
    assert info["name"] == "__main__"
    assert info["main_is_module"] is True
    assert info["main_has_point"] is True
    assert info["pickle"] is True                 # cProfile: PicklingError
    # the table follows the program's output and lists its functions
    assert "probe.py" in proc.stdout and "(check_pickle)" in proc.stdout


def test_script_environment_relative(run, programs_dir):
    proc = lento_m(run, ["probe.py", "x"], cwd=programs_dir)
    assert proc.returncode == 0, describe(proc)
    info = probe(proc)
    assert info["argv"] == ["probe.py", "x"]
    assert info["path0"] in ("", ".", str(programs_dir))
    assert info["pickle"] is True


def test_sys_exit_code_kept(run, tmp_path, programs_dir):
    proc = lento_m(run, [programs_dir / "exit3.py"], cwd=tmp_path)
    assert proc.returncode == 3, describe(proc)


def test_sys_exit_code_kept_with_outfile(run, tmp_path, programs_dir):
    out = tmp_path / "e.pstats"
    proc = lento_m(run, ["-o", out, programs_dir / "exit3.py"], cwd=tmp_path)
    assert proc.returncode == 3, describe(proc)
    st = pstats.Stats(str(out))
    assert [k for k in st.stats if k[2] == "work"]


def test_uncaught_exception(run, tmp_path, programs_dir):
    proc = lento_m(run, [programs_dir / "raiser.py"], cwd=tmp_path)
    assert proc.returncode == 1, describe(proc)
    err = proc.stderr.strip().splitlines()
    assert "Traceback (most recent call last):" in proc.stderr
    assert err[-1] == "ValueError: boom from raiser 42"
    assert 'raiser.py", line 2, in inner' in proc.stderr
    assert 'raiser.py", line 6, in outer' in proc.stderr


def test_module_mode(run, tmp_path):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "lento_probe_mod.py").write_text(
        "import sys, json\n"
        "def helper(i):\n    return i * 2\n"
        "def main():\n"
        "    print('MOD ' + json.dumps([__name__, sys.argv[1:], [helper(i) for i in range(4)]]))\n"
        "if __name__ == '__main__':\n    main()\n")
    out = tmp_path / "m.pstats"
    proc = lento_m(run, ["-o", out, "-m", "lento_probe_mod", "a", "b"], cwd=tmp_path,
                   extra_env={"PYTHONPATH": str(mods)})
    assert proc.returncode == 0, describe(proc)
    line = [l for l in proc.stdout.splitlines() if l.startswith("MOD ")]
    assert line, describe(proc)
    assert json.loads(line[0][4:]) == ["__main__", ["a", "b"], [0, 2, 4, 6]]
    st = pstats.Stats(str(out)).stats
    helper = [v for k, v in st.items() if k[2] == "helper"]
    assert helper and helper[0][:2] == (4, 4)

    # and it agrees with cProfile's -m on the module's own functions
    c = cprofile_m(run, ["-o", tmp_path / "c.pstats", "-m", "lento_probe_mod", "a", "b"],
                   cwd=tmp_path, extra_env={"PYTHONPATH": str(mods)})
    assert c.returncode == 0, describe(c)
    cs = restrict_to_file(pstats.Stats(str(tmp_path / "c.pstats")).stats, mods / "lento_probe_mod.py")
    ls = restrict_to_file(st, mods / "lento_probe_mod.py")
    assert not diff_counts(cs, ls), report(diff_counts(cs, ls))


def test_module_mode_table(run, tmp_path):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "tblmod.py").write_text("def f():\n    return 1\nfor _ in range(7):\n    f()\n")
    proc = lento_m(run, ["-m", "tblmod"], cwd=tmp_path, extra_env={"PYTHONPATH": str(mods)})
    assert proc.returncode == 0, describe(proc)
    rows, total, ordered = parse_pstats_table(proc.stdout)
    assert rows.get("tblmod.py:1(f)") == "7"


def test_lento_format_outfile(run, lento_exe, tmp_path, workloads_dir):
    out = tmp_path / "x.lento"
    proc = lento_m(run, ["-o", out, workloads_dir / "calls.py", "0.02"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert out.is_file() and out.stat().st_size > 0
    with open(out, "rb") as f:
        try:
            data = marshal.load(f)
        except (ValueError, EOFError, TypeError):
            data = None
    assert not isinstance(data, dict), "a .lento file must not be a pstats dump"
    rep = run([lento_exe, "report", out], cwd=tmp_path)
    assert rep.returncode == 0, describe(rep)
    assert "fib" in rep.stdout


def test_usage_without_arguments(run, tmp_path):
    proc = lento_m(run, [], cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    assert "usage" in (proc.stdout + proc.stderr).lower()
