"""`lento run` and `lento report`: the command-line profiler.

Each test runs in its own temporary directory (cwd=tmp_path), where the
default profile `<script stem>.lento` is written.
"""
import json
import os
import pstats
import re
import signal
import subprocess
import sys
import time

import pytest

from lento_testlib import describe, diff_counts, report, restrict_to_file, run_cmd


def lento_run(run, lento_exe, args, **kw):
    return run([lento_exe, "run"] + [str(a) for a in args], **kw)


def out_err(proc):
    return proc.stdout + proc.stderr


def rows_for(text, func):
    """Lines of the summary naming file:line(func)."""
    return [l for l in text.splitlines() if "(%s)" % func in l]


def tokens(line):
    return line.replace(",", "").split()


def no_stray_files(d, allowed):
    left = sorted(p.name for p in d.iterdir())
    assert left == sorted(allowed), left


def assert_not_crashed(proc):
    assert proc.returncode is not None
    assert proc.returncode > 0, describe(proc)           # failed, not killed
    assert proc.returncode not in (134, 136, 139), describe(proc)
    assert "Segmentation fault" not in proc.stderr and "core dumped" not in proc.stderr


def assert_one_clear_line(proc, *mentions):
    err = proc.stderr.strip()
    assert err, describe(proc)
    assert "Traceback" not in err, describe(proc)
    assert len(err.splitlines()) <= 2, describe(proc)
    assert len(err) < 400, describe(proc)
    for m in mentions:
        assert m in err, describe(proc)


# --- the summary and the saved profile --------------------------------------

def test_run_prints_summary_and_saves(run, lento_exe, tmp_path, workloads_dir):
    script = workloads_dir / "calls.py"
    plain = run([sys.executable, script, "0.05"], cwd=tmp_path)
    proc = lento_run(run, lento_exe, [script, "0.05"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.startswith(plain.stdout)      # the program's output, intact
    text = out_err(proc)
    fib = rows_for(text, "fib")
    add = rows_for(text, "add")
    assert fib and add, describe(proc)
    assert any("calls.py:5(fib)" in l for l in fib)
    assert any("calls.py:16(add)" in l for l in add)
    # calls (total/primitive for recursion) in the fib row
    assert all("57313/1" in tokens(l) for l in fib), fib
    assert all("10000" in tokens(l) for l in add), add
    # times beside the calls (cumulative, self, per call): numbers with digits
    for l in fib + add:
        assert sum(any(ch.isdigit() for ch in t) for t in tokens(l)) >= 4, l
    # the total time of the run, with a unit
    assert re.search(r"\d[\d.,]*\s*(s|ms|us|µs|ns|sec|seconds)\b.*time|time.*\d[\d.,]*\s*(s|ms|us|µs|ns|sec|seconds)\b",
                     text, re.I), text
    # two tables: by cumulative time and by self time; fib is in both
    assert len(fib) >= 2, text
    assert re.search(r"cumulative", text, re.I) and re.search(r"self|tottime", text, re.I)
    assert (tmp_path / "calls.lento").is_file()
    assert (tmp_path / "calls.lento").stat().st_size > 0
    no_stray_files(tmp_path, ["calls.lento"])


def test_report_prints_the_summary_again(run, lento_exe, tmp_path, workloads_dir):
    proc = lento_run(run, lento_exe, [workloads_dir / "calls.py", "0.05"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    rep = run([lento_exe, "report", "calls.lento"], cwd=tmp_path)
    assert rep.returncode == 0, describe(rep)
    text = out_err(rep)
    assert rows_for(text, "fib") and rows_for(text, "add")
    # the same tables: every line of the report but its first (which names
    # the program) is a line of the run's summary
    run_lines = set(l.rstrip() for l in out_err(proc).splitlines())
    lines = [l.rstrip() for l in text.splitlines() if l.strip()]
    missing = [l for l in lines[1:] if l not in run_lines]
    assert not missing, "report lines not in the run's summary:\n" + "\n".join(missing)
    assert len(lines) >= 10
    # the header names the program, not lento's internal command line
    assert "calls.py" in lines[0]
    assert ".tmp" not in text and "'-o'" not in text and "--" not in lines[0], text


def test_report_of_missing_file(run, lento_exe, tmp_path):
    rep = run([lento_exe, "report", "nothere.lento"], cwd=tmp_path)
    assert_not_crashed(rep)
    assert_one_clear_line(rep, "nothere.lento")


@pytest.mark.parametrize("content", [b"", b"hello\n", b"SQLite format 3\x00" + b"\xff" * 200,
                                     bytes(range(256)) * 8])
def test_report_of_garbage(run, lento_exe, tmp_path, content):
    (tmp_path / "bad.lento").write_bytes(content)
    rep = run([lento_exe, "report", "bad.lento"], cwd=tmp_path)
    assert_not_crashed(rep)
    assert_one_clear_line(rep)


def test_report_of_truncated_profile(run, lento_exe, tmp_path, workloads_dir):
    proc = lento_run(run, lento_exe, [workloads_dir / "calls.py", "0.02"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    data = (tmp_path / "calls.lento").read_bytes()
    for cut in sorted({1, 16, len(data) // 3, len(data) // 2, len(data) - 1}):
        (tmp_path / "cut.lento").write_bytes(data[:cut])
        rep = run([lento_exe, "report", "cut.lento"], cwd=tmp_path)
        assert_not_crashed(rep)
        assert "Traceback" not in rep.stderr


def test_report_of_corrupted_profile(run, lento_exe, tmp_path, workloads_dir):
    """Flipped bytes in a real profile: report succeeds or fails cleanly."""
    proc = lento_run(run, lento_exe, [workloads_dir / "calls.py", "0.02"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    data = bytearray((tmp_path / "calls.lento").read_bytes())
    for i in range(0, len(data), max(1, len(data) // 40)):
        bad = bytearray(data)
        bad[i] ^= 0xFF
        (tmp_path / "flip.lento").write_bytes(bytes(bad))
        rep = run([lento_exe, "report", "flip.lento"], cwd=tmp_path, timeout=20)
        assert rep.returncode >= 0 and rep.returncode not in (134, 136, 139), (i, describe(rep))


def test_output_pstats_matches_cprofile(run, lento_exe, tmp_path, workloads_dir):
    script = workloads_dir / "calls.py"
    c = run([sys.executable, "-m", "cProfile", "-o", tmp_path / "c.pstats", script, "0.05"],
            cwd=tmp_path)
    assert c.returncode == 0, describe(c)
    proc = lento_run(run, lento_exe, ["-o", "x.pstats", script, "0.05"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    ls = pstats.Stats(str(tmp_path / "x.pstats")).stats
    cs = pstats.Stats(str(tmp_path / "c.pstats")).stats
    lfib = [v[:2] for k, v in ls.items() if k[2] == "fib"]
    cfib = [v[:2] for k, v in cs.items() if k[2] == "fib"]
    assert lfib == cfib == [(1, 57313)]
    d = diff_counts(restrict_to_file(cs, script), restrict_to_file(ls, script))
    assert not d, report(d)
    assert not (tmp_path / "calls.lento").exists()


@pytest.mark.parametrize("name", ["out.prof", "sub/out.lento"])
def test_output_name(run, lento_exe, tmp_path, workloads_dir, name):
    (tmp_path / "sub").mkdir()
    proc = lento_run(run, lento_exe, ["-o", name, workloads_dir / "calls.py", "0.01"],
                     cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert (tmp_path / name).is_file()
    assert not (tmp_path / "calls.lento").exists()
    if name.endswith(".prof"):
        st = pstats.Stats(str(tmp_path / name)).stats
        assert [k for k in st if k[2] == "fib"]
    else:
        rep = run([lento_exe, "report", name], cwd=tmp_path)
        assert rep.returncode == 0 and rows_for(out_err(rep), "fib"), describe(rep)


def test_existing_lento_profile_is_replaced(run, lento_exe, tmp_path, programs_dir):
    for args in (["a"], ["b"]):
        proc = lento_run(run, lento_exe, [programs_dir / "argv_echo.py"] + args, cwd=tmp_path)
        assert proc.returncode == 0, describe(proc)
    assert (tmp_path / "argv_echo.lento").is_file()
    no_stray_files(tmp_path, ["argv_echo.lento"])


def test_existing_other_file_not_overwritten(run, lento_exe, tmp_path, programs_dir):
    target = tmp_path / "argv_echo.lento"
    target.write_text("my notes, not a profile\n")
    proc = lento_run(run, lento_exe, [programs_dir / "argv_echo.py"], cwd=tmp_path)
    assert proc.returncode != 0, describe(proc)
    assert_not_crashed(proc)
    assert target.read_text() == "my notes, not a profile\n"
    assert "Traceback" not in proc.stderr
    no_stray_files(tmp_path, ["argv_echo.lento"])


# --- the program runs as under plain python ---------------------------------

def test_exit_code_kept(run, lento_exe, tmp_path, programs_dir):
    proc = lento_run(run, lento_exe, [programs_dir / "exit3.py"], cwd=tmp_path)
    assert proc.returncode == 3, describe(proc)
    assert (tmp_path / "exit3.lento").is_file()
    assert rows_for(out_err(proc), "work")


def test_uncaught_exception(run, lento_exe, tmp_path, programs_dir):
    script = programs_dir / "raiser.py"
    plain = run([sys.executable, script], cwd=tmp_path)
    assert plain.returncode == 1
    proc = lento_run(run, lento_exe, [script], cwd=tmp_path)
    assert proc.returncode == 1, describe(proc)
    # the same traceback as plain python prints: only the script's frames
    assert plain.stderr.strip() in proc.stderr, describe(proc)
    assert (tmp_path / "raiser.lento").is_file()
    assert rows_for(out_err(proc), "inner")


@pytest.mark.parametrize("target", ["group", "lento"])
def test_sigint_saves_profile(lento_exe, tmp_path, programs_dir, target):
    """Ctrl-C: the terminal sends SIGINT to the whole foreground group; a
    `kill -INT` reaches only lento.  Either way the program stops with
    KeyboardInterrupt, the profile is saved and the exit status is 130."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    p = subprocess.Popen([lento_exe, "run", str(programs_dir / "sleeper.py")], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env, start_new_session=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        if target == "group":
            os.killpg(p.pid, signal.SIGINT)
        else:
            os.kill(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert p.returncode == 130, (p.returncode, err[-2000:])
    assert "KeyboardInterrupt" in err
    assert (tmp_path / "sleeper.lento").is_file()
    rep = run_cmd([lento_exe, "report", "sleeper.lento"], cwd=tmp_path)
    assert rep.returncode == 0, describe(rep)
    nap = rows_for(out_err(rep), "nap")
    assert nap, describe(rep)


def test_args_reach_the_program(run, lento_exe, tmp_path, programs_dir):
    script = programs_dir / "argv_echo.py"
    proc = lento_run(run, lento_exe, [script, "a", "--b", "-o", "x.pstats", "--", "-m"],
                     cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    line = [l for l in proc.stdout.splitlines() if l.startswith("ARGV ")]
    assert line, describe(proc)
    assert json.loads(line[0][5:]) == [str(script), "a", "--b", "-o", "x.pstats", "--", "-m"]
    assert not (tmp_path / "x.pstats").exists()      # the program's -o, not lento's
    assert (tmp_path / "argv_echo.lento").is_file()


def test_script_environment(run, lento_exe, tmp_path, programs_dir):
    script = programs_dir / "probe.py"
    proc = lento_run(run, lento_exe, [script, "1", "2"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    line = [l for l in proc.stdout.splitlines() if l.startswith("PROBE ")]
    assert line, describe(proc)
    info = json.loads(line[0][6:])
    assert info["argv"] == [str(script), "1", "2"]
    assert info["path0"] == str(programs_dir)
    assert info["name"] == "__main__"
    assert info["main_is_module"] is True and info["main_has_point"] is True
    assert info["pickle"] is True


def test_code_option(run, lento_exe, tmp_path):
    code = "import sys\ndef f(i):\n    return i\nfor i in range(5):\n    f(i)\nprint('C', sys.argv)\n"
    proc = lento_run(run, lento_exe, ["-o", "c.pstats", "-c", code, "x", "y"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert "C ['-c', 'x', 'y']" in proc.stdout
    st = pstats.Stats(str(tmp_path / "c.pstats")).stats
    f = [v[:2] for k, v in st.items() if k[2] == "f"]
    assert f == [(5, 5)]


def test_code_option_default_output(run, lento_exe, tmp_path):
    proc = lento_run(run, lento_exe, ["-c", "def g():\n    pass\ng()\ng()\n"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert rows_for(out_err(proc), "g")
    saved = [p for p in tmp_path.iterdir() if p.suffix == ".lento"]
    assert len(saved) == 1, sorted(p.name for p in tmp_path.iterdir())


def test_module_option(run, lento_exe, tmp_path):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "lento_runmod.py").write_text(
        "import sys, json\n"
        "def helper(i):\n    return i * 2\n"
        "if __name__ == '__main__':\n"
        "    print('MOD ' + json.dumps([__name__, sys.argv[1:], [helper(i) for i in range(6)]]))\n")
    proc = lento_run(run, lento_exe, ["-o", "m.pstats", "-m", "lento_runmod", "p", "--q"],
                     cwd=tmp_path, extra_env={"PYTHONPATH": str(mods)})
    assert proc.returncode == 0, describe(proc)
    line = [l for l in proc.stdout.splitlines() if l.startswith("MOD ")]
    assert line, describe(proc)
    assert json.loads(line[0][4:]) == ["__main__", ["p", "--q"], [0, 2, 4, 6, 8, 10]]
    st = pstats.Stats(str(tmp_path / "m.pstats")).stats
    assert [v[:2] for k, v in st.items() if k[2] == "helper"] == [(6, 6)]


# --- threads ----------------------------------------------------------------

def test_threads_profiled_by_default(run, lento_exe, tmp_path, programs_dir):
    proc = lento_run(run, lento_exe, ["-o", "t.pstats", programs_dir / "barrier_threads.py"],
                     cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    st = pstats.Stats(str(tmp_path / "t.pstats")).stats
    crunch = [(k, v) for k, v in st.items() if k[2] == "crunch"]
    assert len(crunch) == 1 and crunch[0][1][:2] == (4, 4), crunch
    callers = {k[2]: v[0] for k, v in crunch[0][1][4].items()}
    assert callers == {"worker": 3, "main": 1}, callers
    assert [v[:2] for k, v in st.items() if k[2] == "worker"] == [(3, 3)]
    rows = rows_for(out_err(proc), "crunch")
    assert rows and all("4" in tokens(l) for l in rows), rows
    m = re.search(r"in (\d+) threads", out_err(proc))
    if m:   # if the summary counts threads, it counts these four
        assert int(m.group(1)) == 4, m.group(0)


def test_no_threads_option(run, lento_exe, tmp_path, programs_dir):
    proc = lento_run(run, lento_exe, ["--no-threads", "-o", "t.pstats",
                                      programs_dir / "barrier_threads.py"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    st = pstats.Stats(str(tmp_path / "t.pstats")).stats
    assert [v[:2] for k, v in st.items() if k[2] == "crunch"] == [(1, 1)]
    assert not [k for k in st if k[2] == "worker"]


def test_shared_threads_workload(run, lento_exe, tmp_path, workloads_dir):
    proc = lento_run(run, lento_exe, [workloads_dir / "threads.py", "0.05"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip() == "done"
    rows = rows_for(out_err(proc), "crunch")
    assert rows and all("4" in tokens(l) for l in rows), out_err(proc)
    assert (tmp_path / "threads.lento").is_file()


# --- bad input ----------------------------------------------------------------

def test_missing_script(run, lento_exe, tmp_path):
    proc = lento_run(run, lento_exe, ["nosuch.py"], cwd=tmp_path)
    assert_not_crashed(proc)
    assert_one_clear_line(proc, "nosuch.py")
    no_stray_files(tmp_path, [])


def test_directory_as_script(run, lento_exe, tmp_path):
    (tmp_path / "adir").mkdir()
    proc = lento_run(run, lento_exe, ["adir"], cwd=tmp_path)
    assert_not_crashed(proc)
    assert_one_clear_line(proc, "adir")
    no_stray_files(tmp_path, ["adir"])


def test_syntax_error(run, lento_exe, tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    proc = lento_run(run, lento_exe, ["broken.py"], cwd=tmp_path)
    assert_not_crashed(proc)
    assert_one_clear_line(proc, "SyntaxError")
    assert not (tmp_path / "broken.lento").exists()


def test_unknown_module(run, lento_exe, tmp_path):
    proc = lento_run(run, lento_exe, ["-m", "nosuchmod_lento_test"], cwd=tmp_path)
    assert_not_crashed(proc)
    assert_one_clear_line(proc, "nosuchmod_lento_test")
    no_stray_files(tmp_path, [])


def test_unwritable_output(run, lento_exe, tmp_path, programs_dir):
    proc = lento_run(run, lento_exe, ["-o", "/nonexistent/dir/x.lento",
                                      programs_dir / "argv_echo.py"], cwd=tmp_path)
    assert_not_crashed(proc)
    assert_one_clear_line(proc, "/nonexistent/dir")


def test_no_program(run, lento_exe, tmp_path):
    proc = run([lento_exe, "run"], cwd=tmp_path)
    assert_not_crashed(proc)
    assert "Traceback" not in proc.stderr
    assert "usage" in out_err(proc).lower()


def test_unknown_option_and_command(run, lento_exe, tmp_path):
    for args in (["run", "--frobnicate", "x.py"], ["frobnicate"], ["run", "-o"]):
        proc = run([lento_exe] + args, cwd=tmp_path)
        assert_not_crashed(proc)
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr) < 2000


def test_help(run, lento_exe, tmp_path):
    for args in (["--help"], ["run", "--help"], ["-h"]):
        proc = run([lento_exe] + args, cwd=tmp_path)
        assert proc.returncode == 0, describe(proc)
        assert "run" in proc.stdout, describe(proc)
    proc = run([lento_exe, "run", "--help"], cwd=tmp_path)
    assert "-m" in proc.stdout and "-c" in proc.stdout and "-o" in proc.stdout


# --- the program's world is its own ------------------------------------------

def test_stdin_reaches_the_program(run, lento_exe, tmp_path):
    (tmp_path / "echo.py").write_text(
        "import sys\n"
        "def shout(s):\n    return s.upper()\n"
        "for line in sys.stdin:\n    print(shout(line.strip()))\n")
    proc = lento_run(run, lento_exe, ["echo.py"], cwd=tmp_path, input="abc\ndef\n")
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.splitlines()[:2] == ["ABC", "DEF"]
    assert rows_for(out_err(proc), "shout")


def test_program_that_changes_directory(run, lento_exe, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "wander.py").write_text(
        "import os\n"
        "def go():\n    os.chdir('elsewhere')\n"
        "go()\nprint(os.getcwd())\n")
    proc = lento_run(run, lento_exe, ["wander.py"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip().endswith("elsewhere")
    assert (tmp_path / "wander.lento").is_file()           # where lento started
    assert not list((tmp_path / "elsewhere").iterdir())
    proc = lento_run(run, lento_exe, ["-o", "w.pstats", "wander.py"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert [k for k in pstats.Stats(str(tmp_path / "w.pstats")).stats if k[2] == "go"]


def test_python_m_lento_program_that_changes_directory(run, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "wander.py").write_text(
        "import os\n"
        "def go():\n    os.chdir('elsewhere')\n"
        "go()\n")
    proc = run([sys.executable, "-m", "lento", "-o", "w.pstats", "wander.py"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert (tmp_path / "w.pstats").is_file()
    assert not list((tmp_path / "elsewhere").iterdir())


def test_os_exit_code_kept(run, lento_exe, tmp_path):
    (tmp_path / "quick.py").write_text(
        "import os, sys\n"
        "def bye():\n    sys.stdout.flush()\n    os._exit(5)\n"
        "print('before')\nbye()\n")
    proc = lento_run(run, lento_exe, ["quick.py"], cwd=tmp_path)
    assert proc.returncode == 5, describe(proc)
    assert proc.stdout.startswith("before")
    assert "Traceback" not in proc.stderr


def test_program_killed_by_signal(run, lento_exe, tmp_path):
    """A program that dies of SIGTERM: lento reports that status the shell
    way (128+15) or dies of the same signal, and does not crash itself."""
    (tmp_path / "term.py").write_text(
        "import os, signal\n"
        "def die():\n    os.kill(os.getpid(), signal.SIGTERM)\n"
        "die()\nimport time\ntime.sleep(5)\n")
    proc = lento_run(run, lento_exe, ["term.py"], cwd=tmp_path, timeout=30)
    assert proc.returncode in (143, -15), describe(proc)
    assert "Traceback" not in proc.stderr


def test_program_writes_to_closed_pipe(lento_exe, tmp_path):
    """`lento run prog | head -1`: the program gets EPIPE/SIGPIPE like
    without lento; lento does not hang or crash."""
    (tmp_path / "chatty.py").write_text(
        "def say(i):\n    print('line', i)\n"
        "for i in range(200000):\n    say(i)\n")
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run("'%s' run chatty.py | head -1" % lento_exe, shell=True, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.stdout == "line 0\n"
    assert "Segmentation" not in proc.stderr


def test_daemon_thread_still_running_at_exit(run, lento_exe, tmp_path):
    """The program ends while a daemon thread is busy calling functions:
    the profile is still written whole and the exit status is the program's."""
    (tmp_path / "daemon.py").write_text(
        "import threading, time\n"
        "def spin(i):\n    return i * 2\n"
        "def forever():\n    i = 0\n    while True:\n        spin(i)\n        i += 1\n"
        "threading.Thread(target=forever, daemon=True).start()\n"
        "time.sleep(0.2)\n")
    for _ in range(3):
        proc = lento_run(run, lento_exe, ["daemon.py"], cwd=tmp_path, timeout=30)
        assert proc.returncode == 0, describe(proc)
        rep = run([lento_exe, "report", "daemon.lento"], cwd=tmp_path)
        assert rep.returncode == 0, describe(rep)
        assert rows_for(out_err(rep), "spin")


def test_fork_in_program(run, lento_exe, tmp_path):
    """A program that forks a child which calls functions and exits: the
    parent's profile is saved once, nothing crashes, the status is kept."""
    (tmp_path / "forker.py").write_text(
        "import os, sys\n"
        "def work(n):\n    return sum(range(n))\n"
        "pid = os.fork()\n"
        "if pid == 0:\n    work(10)\n    os._exit(0)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "work(20)\n"
        "sys.exit(os.waitstatus_to_exitcode(status) + 4)\n")
    proc = lento_run(run, lento_exe, ["forker.py"], cwd=tmp_path)
    assert proc.returncode == 4, describe(proc)
    assert "DeprecationWarning" not in proc.stderr  # lento adds no thread
    assert (tmp_path / "forker.lento").is_file()
    rep = run([lento_exe, "report", "--top", "100", "forker.lento"], cwd=tmp_path)
    assert rows_for(out_err(rep), "work")
    assert "Processes: 2 profiled" in rep.stdout


def test_module_option_package(run, lento_exe, tmp_path):
    """-m on a package runs its __main__, as `python -m` does."""
    pkg = tmp_path / "mods" / "lentopkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("def twice(x):\n    return 2 * x\n")
    (pkg / "__main__.py").write_text(
        "import sys\nfrom lentopkg.core import twice\n"
        "print('PKG', [twice(int(a)) for a in sys.argv[1:]])\n")
    proc = lento_run(run, lento_exe, ["-o", "p.pstats", "-m", "lentopkg", "1", "2", "3"],
                     cwd=tmp_path, extra_env={"PYTHONPATH": str(tmp_path / "mods")})
    assert proc.returncode == 0, describe(proc)
    assert "PKG [2, 4, 6]" in proc.stdout
    st = pstats.Stats(str(tmp_path / "p.pstats")).stats
    assert [v[:2] for k, v in st.items() if k[2] == "twice"] == [(3, 3)]
