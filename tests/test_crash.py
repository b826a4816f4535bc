"""A program that crashes or is killed under lento run: lento says how it
ended (as a shell would), prints the figures, and keeps the profile up to
the program's last periodic save, marked partial."""
import signal

import pytest

import lento_file

SIGNALS = {"segv": signal.SIGSEGV, "abort": signal.SIGABRT, "kill": signal.SIGKILL,
           "hup": signal.SIGHUP}


def busy_calls(p):
    calls = p.calls_by_func()
    return sum(calls.get(i, 0) for i, f in enumerate(p.funcs) if f[3] == "busy")


@pytest.mark.parametrize("how", sorted(SIGNALS))
@pytest.mark.parametrize("mode", [(), ("--no-builtins",)])
def test_killed(run, lento_exe, programs_dir, tmp_path, how, mode):
    out = tmp_path / "out.lento"
    res = run([lento_exe, "run", *mode, "-o", out, programs_dir / "crash_prog.py", how],
              cwd=tmp_path)
    sig = SIGNALS[how]
    assert res.returncode == 128 + sig, res.stderr
    assert "ending by %s" % how in res.stdout
    assert "killed by signal %d (%s)" % (sig, signal.strsignal(sig)) in res.stderr
    assert "partial" in res.stderr
    # the figures, as lento stat prints them
    assert "Bottleneck:" in res.stderr and "ended by signal %d" % sig in res.stderr
    p = lento_file.read(out)
    assert p.meta.get("partial") == "yes"
    # busy() ran for 1.5 s: the save after 1 s has it, still open
    assert busy_calls(p) == 1
    busy = next(i for i, f in enumerate(p.funcs) if f[3] == "busy")
    cum = sum(n[3] for _, _, nodes in p.threads for n in nodes[1:] if n[1] == busy)
    assert cum >= 0.5e9


def test_os_exit(run, lento_exe, programs_dir, tmp_path):
    out = tmp_path / "out.lento"
    res = run([lento_exe, "run", "-o", out, programs_dir / "crash_prog.py", "os_exit"],
              cwd=tmp_path)
    assert res.returncode == 3, res.stderr
    assert "os._exit()" in res.stderr and "Bottleneck:" in res.stderr
    p = lento_file.read(out)
    assert p.meta.get("os_exit") == "yes" and "partial" not in p.meta
    assert p.meta["exit_status"] == "3"
    # the whole 1.5 s, saved at os._exit
    busy = next(i for i, f in enumerate(p.funcs) if f[3] == "busy")
    cum = sum(n[3] for _, _, nodes in p.threads for n in nodes[1:] if n[1] == busy)
    assert cum >= 1.4e9


def test_c_stack_overflow(run, lento_exe, programs_dir, tmp_path):
    """A C stack overflow kills 3.11 with SIGSEGV; 3.12+ raise
    RecursionError.  Either way lento reports and keeps the profile."""
    out = tmp_path / "out.lento"
    res = run([lento_exe, "run", "-o", out, programs_dir / "crash_prog.py", "cstack"],
              cwd=tmp_path, timeout=300)
    p = lento_file.read(out)
    assert busy_calls(p) == 1
    if res.returncode == 128 + signal.SIGSEGV:
        assert "killed by signal 11 (Segmentation fault)" in res.stderr
        assert p.meta.get("partial") == "yes"
    else:
        assert res.returncode == 1 and "RecursionError" in res.stderr


def test_killed_before_first_save(run, lento_exe, tmp_path):
    """No profile at all: the figures are still printed."""
    prog = tmp_path / "quick.py"
    prog.write_text("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    res = run([lento_exe, "run", "-o", tmp_path / "q.lento", prog], cwd=tmp_path)
    assert res.returncode == 128 + signal.SIGKILL
    assert "killed by signal 9 (Killed); it saved no profile" in res.stderr
    assert "Bottleneck:" in res.stderr
    assert not (tmp_path / "q.lento").exists()
