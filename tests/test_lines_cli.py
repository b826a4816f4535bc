"""`lento run --lines` (against `kernprof -l`), patterns, auto, the saved
line tables and `lento report --lines`."""
import pickle
import shutil
import sys

import pytest

import lento_file

line_profiler = pytest.importorskip("line_profiler")


def lento_hits(path):
    p = lento_file.read(path)
    return {k: sorted((l, h) for l, h, _ in rows) for k, (_, rows) in p.lines.items()}, p


def test_run_lines_equals_kernprof(lento_exe, run, programs_dir, tmp_path):
    script = tmp_path / "lines_script.py"
    shutil.copy(programs_dir / "lines_script.py", script)
    res = run([lento_exe, "run", "--lines", "-o", tmp_path / "s.lento", script, "2"],
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    ref = run([sys.executable, "-m", "kernprof", "-l", "-o", tmp_path / "s.lprof",
               script, "2"], cwd=tmp_path)
    assert ref.returncode == 0, ref.stderr
    assert res.stdout == ref.stdout.split("Wrote profile")[0]
    with open(tmp_path / "s.lprof", "rb") as f:   # the oracle's own file
        theirs = pickle.load(f).timings
    mine, p = lento_hits(tmp_path / "s.lento")
    theirs = {k: sorted((l, h) for l, h, _ in v) for k, v in theirs.items()}
    assert set(theirs) == {k for k in theirs if k[2] in ("work", "gen", "fact", "main")}
    assert mine == theirs
    assert p.meta["lines"] == "decorated"
    # the report: line_profiler's columns plus the share of the program
    err = res.stderr
    assert "Line #      Hits         Time  Per Hit   % Time   % Prog  Line Contents" in err
    assert "Function: fact at line" in err and "return n * fact(n - 1)" in err
    assert "Where the time goes" in err       # the function summary too
    again = run([lento_exe, "report", "--lines", tmp_path / "s.lento"], cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() in err


def test_profile_builtin_is_a_noop_without_lines(lento_exe, run, programs_dir, tmp_path):
    res = run([lento_exe, "run", "-o", tmp_path / "d.lento",
               programs_dir / "decorated_noop.py"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "2 4 True\n"
    assert lento_file.read(tmp_path / "d.lento").lines == {}
    assert "Line #" not in res.stderr
    res = run([sys.executable, "-m", "lento", programs_dir / "decorated_noop.py"],
              cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("2 4 True\n"), res.stderr


def test_patterns(lento_exe, run, programs_dir, tmp_path):
    main = programs_dir / "lines_patterns_main.py"
    res = run([lento_exe, "run", "-o", tmp_path / "p.lento",
               "--lines=lines_patterns_mod:helper",
               "--lines=lines_patterns_mod:Acc.add",
               "--lines=%s:main" % main,
               "--lines=lines_patterns_mod:nothing_here",
               main, "20"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(sum(sum(i * i for i in range(n)) for n in range(20)))
    assert "warning: --lines pattern 'lines_patterns_mod:nothing_here' matched no" in res.stderr
    assert res.stderr.count("warning") == 1
    mine, p = lento_hits(tmp_path / "p.lento")
    names = sorted(k[2] for k in mine)
    assert names == ["Acc.add", "helper", "main"]
    assert p.meta["lines"] == "patterns"
    helper = {k: v for k, v in mine.items() if k[2] == "helper"}
    ((key, rows),) = helper.items()
    assert key[0].endswith("lines_patterns_mod.py")
    by = dict(rows)
    assert by[key[1] + 1] == 20 and by[key[1] + 3] == sum(range(20))
    add = dict(next(v for k, v in mine.items() if k[2] == "Acc.add"))
    assert set(add.values()) == {20}


def test_bad_pattern(lento_exe, run, programs_dir, tmp_path):
    res = run([lento_exe, "run", "--lines=nocolon", programs_dir / "lines_patterns_main.py"],
              cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "nocolon" in res.stderr
    res = run([sys.executable, "-m", "lento", "--lines=:x",
               programs_dir / "lines_patterns_main.py"], cwd=tmp_path)
    assert res.returncode == 2 and "':x'" in res.stderr


def test_auto(lento_exe, run, programs_dir, tmp_path):
    res = run([lento_exe, "run", "--lines=auto", "-o", tmp_path / "a.lento",
               programs_dir / "lines_auto.py"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    mine, p = lento_hits(tmp_path / "a.lento")
    assert p.meta["lines"] == "auto"
    since = float(p.meta["lines_since"])
    assert 0.2 <= since < 0.6
    assert "hot" in {k[2] for k in mine}
    assert "main" not in {k[2] for k in mine}        # too little self time
    hot = dict(next(v for k, v in mine.items() if k[2] == "hot"))
    loop = min(hot)                                   # the `s = 0` line
    assert hot[loop] >= 10                            # calls after the switch
    assert "--lines=auto" in res.stderr and "first 0.2" in res.stderr


def test_auto_takes_up_a_running_loop(lento_exe, run, programs_dir, tmp_path):
    """The hot function is called once and is running at the switch: its
    lines are timed from then on (the timer thread asks the main thread)."""
    res = run([lento_exe, "run", "--lines=auto", "-o", tmp_path / "a.lento",
               programs_dir / "lines_auto_once.py"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    mine, p = lento_hits(tmp_path / "a.lento")
    since = float(p.meta["lines_since"])
    assert 0.2 <= since < 0.5, since          # the timer, not the end of the run
    loop = dict(next(v for k, v in mine.items() if k[2] == "long_loop"))
    body = max(loop.values())
    assert body >= 1000, loop                 # the while loop's lines were hit
    assert "main thread from its next line" in res.stderr


def test_unreadable_source(lento_exe, run, programs_dir, tmp_path):
    script = tmp_path / "gone.py"
    shutil.copy(programs_dir / "lines_script.py", script)
    res = run([lento_exe, "run", "--lines", "-o", tmp_path / "g.lento", script],
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    script.unlink()
    res = run([lento_exe, "report", "--lines", tmp_path / "g.lento"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "gone.py (cannot be read: line contents not shown)" in res.stdout
    assert "def work" not in res.stdout
    rows = [l for l in res.stdout.splitlines() if l[:6].strip().isdigit()]
    assert rows and all(len(l.split()) in (1, 6) for l in rows)


def test_report_without_lines(lento_exe, run, programs_dir, tmp_path):
    res = run([lento_exe, "run", "-o", tmp_path / "n.lento",
               programs_dir / "lines_patterns_main.py"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = run([lento_exe, "report", "--lines", tmp_path / "n.lento"], cwd=tmp_path)
    assert res.returncode == 0
    assert "no line timings" in res.stdout
