"""lento on a free-threaded CPython (3.13t): it refuses to run without the
GIL, in one line, and works with the GIL turned on (PYTHON_GIL=1).

Why it refuses: the function registry, the line counts and the selections
of line timing are shared between threads and protected by the GIL.
Importing an extension that does not declare it can run without the GIL
would make the interpreter turn the GIL on by itself (with a warning) and
change how the program's threads run, so the profile would not be of the
program the user runs.  lento says so instead, and says how to profile.

These tests run only on a free-threaded build (`get-python 3.13t`).
"""
import subprocess
import sys
import sysconfig
import textwrap

import pytest

from lento_testlib import describe, run_cmd

pytestmark = pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"),
                                reason="not a free-threaded build")

NO_GIL = {"PYTHON_GIL": "0"}
GIL = {"PYTHON_GIL": "1"}

THREADS = """
    import threading

    def work(n):
        t = 0
        for i in range(n):
            t += step(i)
        return t

    def step(i):
        return i & 7

    ts = [threading.Thread(target=work, args=(20000 + k,), name="w%d" % k)
          for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("done")
"""


def one_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_import_refuses_in_one_line_and_leaves_the_gil_off():
    proc = subprocess.run(
        [sys.executable, "-c", "import sys\ntry:\n    import lento\nexcept ImportError as e:\n"
         "    print(e)\nprint(sys._is_gil_enabled())"],
        capture_output=True, text=True, env={**__import__("os").environ, **NO_GIL})
    out = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stderr
    assert "GIL" in out[0] and "PYTHON_GIL=1" in out[0], out
    assert out[1] == "False", out          # the failed import did not turn it on
    assert "RuntimeWarning" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("how", ["python -m lento", "lento run"])
def test_the_command_line_refuses_in_one_line(tmp_path, lento_exe, how):
    prog = tmp_path / "prog.py"
    prog.write_text("print('program ran')\n")
    cmd = ([sys.executable, "-m", "lento"] if how == "python -m lento"
           else [lento_exe, "run"]) + [prog]
    proc = run_cmd(cmd, cwd=tmp_path, extra_env=NO_GIL)
    assert proc.returncode == 1, describe(proc)
    line = one_line(proc.stderr)
    assert line.startswith("lento: ") and "PYTHON_GIL=1" in line, describe(proc)
    assert "program ran" not in proc.stdout, describe(proc)


def test_with_the_gil_on_threads_are_profiled_exactly(tmp_path):
    prog = tmp_path / "threads.py"
    prog.write_text(textwrap.dedent(THREADS))
    out = tmp_path / "t.pstats"
    proc = run_cmd([sys.executable, "-m", "lento", "-o", out, prog], cwd=tmp_path,
                   extra_env=GIL)
    assert proc.returncode == 0 and "done" in proc.stdout, describe(proc)
    import pstats
    st = pstats.Stats(str(out)).stats
    calls = {k[2]: v[1] for k, v in st.items() if k[0].endswith("threads.py")}
    assert calls["work"] == 4
    assert calls["step"] == sum(20000 + k for k in range(4))
