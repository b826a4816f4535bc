"""A program that sets its own profile function and removes it again.

On CPython 3.11 a thread has one profile function: the program's replaces
lento's default-mode hook, and lento's recording of that thread ends
there; the profile says so in a note (note.profile_hook) and the summary
prints it.  On 3.12+ sys.setprofile has a sys.monitoring tool id of its
own and lento's recording goes on."""
import sys
import textwrap

import pytest

import lento_file
from lento_testlib import describe, run_cmd

PROGRAM = textwrap.dedent("""\
    import sys

    def work(n):
        return sum(range(n))

    def hook(frame, event, arg):
        pass

    work(10)
    sys.setprofile(hook)
    work(10)
    sys.setprofile(None)
    for _ in range(5):
        work(10)
    print("done")
    """)


def work_calls(prof):
    by_func = prof.calls_by_func()
    return sum(c for i, c in by_func.items() if prof.funcs[i][3] == "work")


@pytest.mark.parametrize("how", ["python-m", "lento-run"])
def test_program_own_setprofile(tmp_path, how, lento, lento_exe):
    prog = tmp_path / "sp.py"
    prog.write_text(PROGRAM)
    out = tmp_path / "sp.lento"
    cmd = [sys.executable, "-m", "lento"] if how == "python-m" else [lento_exe, "run"]
    p = run_cmd(cmd + ["-o", out, prog], timeout=120)
    assert p.returncode == 0, describe(p)
    assert "done" in p.stdout
    prof = lento_file.read(out)
    note = prof.meta.get("note.profile_hook")
    if lento._lento._engine == "py311":
        assert work_calls(prof) == 1
        assert note and "sys.setprofile" in note, prof.meta
        if how == "lento-run":
            assert "lento: note: the program set a profile function" in p.stderr
    else:
        assert work_calls(prof) == 7
        assert note is None


def test_no_note_without_setprofile(tmp_path, lento_exe):
    prog = tmp_path / "plain.py"
    prog.write_text("def work(n):\n    return sum(range(n))\n\nfor _ in range(3):\n"
                    "    work(10)\n")
    out = tmp_path / "plain.lento"
    p = run_cmd([lento_exe, "run", "-o", out, prog], timeout=120)
    assert p.returncode == 0, describe(p)
    prof = lento_file.read(out)
    assert work_calls(prof) == 3
    assert not [k for k in prof.meta if k.startswith("note.")], prof.meta
