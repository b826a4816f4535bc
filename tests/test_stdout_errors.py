"""Failures to write standard output are told in one line with a non-zero
exit; reading a profile refuses a non-profile from its first bytes; every
option that needs a value says so in one line."""

import os
import stat
import subprocess
import sys
import threading

import pytest

from lento_testlib import describe, run_cmd

PROG = "def f():\n    return sum(range(50))\nfor _ in range(20):\n    f()\n"


@pytest.fixture
def profile(tmp_path, lento_exe):
    (tmp_path / "prog.py").write_text(PROG)
    proc = run_cmd([lento_exe, "run", "-o", "p.lento", "prog.py"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    return tmp_path / "p.lento"


def full_device(tmp_path):
    """A device that fails every write with ENOSPC: a private node when root
    can make one, else the machine's /dev/full (only opened, never
    changed)."""
    if os.geteuid() == 0:
        node = tmp_path / "full"
        try:
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
            with open(node, "wb"):
                pass
            return node
        except OSError:
            pass
    if not os.path.exists("/dev/full"):
        pytest.skip("no device that reports a full disk (needs root or /dev/full)")
    return "/dev/full"


def run_to(args, out_path, cwd):
    with open(out_path, "wb") as out:
        return subprocess.run([str(a) for a in args], cwd=cwd, stdout=out,
                              stderr=subprocess.PIPE, text=True, timeout=120,
                              env=dict(os.environ, PATH=os.path.dirname(sys.executable)
                                       + os.pathsep + os.environ.get("PATH", "")))


def one_line_stdout_failure(proc):
    err = proc.stderr.strip()
    assert proc.returncode != 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.splitlines()[-1] == \
        "lento: cannot write standard output: No space left on device", err


@pytest.mark.parametrize("cmd", [["report"], ["report", "--json"], ["report", "--lines"]])
def test_report_to_a_full_disk(tmp_path, lento_exe, profile, cmd):
    proc = run_to([lento_exe] + cmd + [profile], full_device(tmp_path), tmp_path)
    one_line_stdout_failure(proc)
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("table", ["short", "long"])
def test_python_m_lento_table_to_a_full_disk(tmp_path, table):
    # short: the table stays in Python's buffer until the flush; long: it
    # fails while pstats prints
    n = 3 if table == "short" else 400
    src = "".join("def f%d():\n    pass\nf%d()\n" % (i, i) for i in range(n))
    (tmp_path / "prog.py").write_text(src)
    proc = run_to([sys.executable, "-m", "lento", "prog.py"], full_device(tmp_path), tmp_path)
    one_line_stdout_failure(proc)
    assert len(proc.stderr.strip().splitlines()) == 1


def test_profile_to_standard_output_on_a_full_disk(tmp_path, lento_exe, profile):
    proc = run_to([lento_exe, "export", profile, "--format", "json", "-o", "-"],
                  full_device(tmp_path), tmp_path)
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1 and "No space left on device" in err, err


def test_reader_stops_at_the_magic(tmp_path, lento_exe):
    """A FIFO fed zeros without end: the reader must refuse after the first
    bytes, not read up to its 1 GiB cap first."""
    fifo = tmp_path / "zeros.lento"
    os.mkfifo(fifo)
    written = []

    def feed():
        block = bytes(65536)
        try:
            with open(fifo, "wb") as f:
                while sum(written) < (2 << 30):
                    f.write(block)
                    written.append(len(block))
        except BrokenPipeError:
            pass

    for cmd in (["report"], ["export", "--format", "json", "-o", tmp_path / "x.json"]):
        # a feeder for each reader: the first one's ends with its reader
        t = threading.Thread(target=feed, daemon=True)
        t.start()
        proc = run_cmd([lento_exe, cmd[0], fifo] + cmd[1:], cwd=tmp_path, timeout=120)
        err = proc.stderr.strip()
        assert proc.returncode == 1 and len(err.splitlines()) == 1, describe(proc)
        assert "not a lento profile" in err, describe(proc)
        t.join(60)
        assert not t.is_alive()
    assert sum(written) < (64 << 20), "read %d bytes before refusing" % sum(written)


OPTIONS = [
    ("run", "-o"), ("run", "--top"), ("run", "--html"), ("report", "--top"),
    ("export", "-o"), ("export", "--format"), ("graph", "-o"), ("graph", "--node-thres"),
    ("html", "-o"), ("flame", "-o"), ("stat", "-o"), ("stat", "--interval"),
]


@pytest.mark.parametrize("cmd,opt", OPTIONS)
def test_option_without_value_is_one_line(tmp_path, lento_exe, cmd, opt):
    args = [lento_exe, cmd] + (["p.lento"] if cmd in ("report", "export", "graph", "html",
                                                       "flame") else []) + [opt]
    proc = run_cmd(args, cwd=tmp_path)
    err = proc.stderr.strip()
    assert proc.returncode == 2 and err.splitlines() == [err], describe(proc)
    assert err.startswith("lento: ") and opt in err and "needs a value" in err, err


@pytest.mark.parametrize("opt", ["-o", "-s"])
def test_python_m_lento_option_without_value_is_one_line(tmp_path, opt):
    proc = run_cmd([sys.executable, "-m", "lento", opt], cwd=tmp_path)
    err = proc.stderr.strip()
    assert proc.returncode == 2 and err.splitlines() == [err], describe(proc)
    assert "needs a value" in err
