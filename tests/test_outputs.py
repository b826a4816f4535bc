"""Where lento writes: devices, FIFOs and symlinks are written into and kept,
'-' is standard output, a file's mode is kept, nothing of the user's is
overwritten (other files, the program itself, -o and --html as one file),
names up to NAME_MAX work and longer ones are refused before the run, and
names that are not UTF-8 run as under cProfile.

Device nodes are made privately in the test's directory (root only), never
the machine's /dev."""

import json
import marshal
import os
import pstats
import stat
import subprocess
import sys
import threading

import pytest

from lento_testlib import describe

PROG = "import os\nopen(os.environ['MARK'], 'w').close() if 'MARK' in os.environ else None\n" \
       "def f():\n    return sum(range(50))\nfor _ in range(20):\n    f()\nprint('hello from the program')\n"


def env_with(**extra):
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", "")
    e.update(extra)
    return e


def run_bytes(args, cwd, **extra):
    """Runs with the arguments as bytes (names that are not UTF-8) and the
    output as bytes (profiles on standard output)."""
    return subprocess.run(args, cwd=cwd, env=env_with(**extra), capture_output=True,
                          timeout=120)


def show(proc):
    return describe(subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace")))


def one_line(proc, code=None, *mentions):
    err = proc.stderr.decode("utf-8", "replace").strip()
    if code is None:
        assert proc.returncode != 0, show(proc)
    else:
        assert proc.returncode == code, show(proc)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, show(proc)
    assert err.startswith("lento: "), show(proc)
    for m in mentions:
        assert m in err, show(proc)


@pytest.fixture
def prog(tmp_path):
    p = tmp_path / "prog.py"
    p.write_text(PROG)
    return p


@pytest.fixture
def profile(tmp_path, lento_exe, prog):
    out = tmp_path / "p.lento"
    proc = run_bytes([lento_exe, "run", "-o", out, prog], tmp_path)
    assert proc.returncode == 0, show(proc)
    return out


def private_char_device(d, major, minor, name):
    """A character device node in d (the test's own directory), or a skip."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    node = d / name
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        with open(node, "wb"):
            pass
    except OSError as e:
        pytest.skip("cannot make or open a private device node here: %s" % e)
    return node


class FifoReader:
    """Reads a FIFO to its end in a thread, as a `cat` would."""

    def __init__(self, path):
        self.path, self.data = path, None
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        with open(self.path, "rb") as f:
            self.data = f.read()

    def result(self):
        self.t.join(60)
        assert not self.t.is_alive(), "nothing was written to the FIFO"
        return self.data


def assert_lento(data):
    assert data[:8] == b"LENTOPRF", data[:40]


def assert_pstats(data):
    stats = marshal.loads(data)
    assert any(k[2] == "f" for k in stats), sorted(stats)[:5]


# --- 1: devices, FIFOs, symlinks, modes ---------------------------------------

def test_device_is_written_into_not_replaced(tmp_path, lento_exe, prog, profile, lento):
    null = private_char_device(tmp_path, 1, 3, "null")
    for args in ([sys.executable, "-m", "lento", "-o", null, prog],
                 [lento_exe, "run", "-o", null, prog],
                 [lento_exe, "export", profile, "--format", "json", "-o", null]):
        proc = run_bytes(args, tmp_path)
        assert proc.returncode == 0, show(proc)
        assert stat.S_ISCHR(os.stat(null).st_mode), args
    p = lento.Profile()
    p.runcall(sum, range(3))
    p.dump_stats(str(null))
    st = os.stat(null)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert sorted(os.listdir(tmp_path)) == ["null", "p.lento", "prog.py"]


@pytest.mark.parametrize("how", ["python -m lento", "lento run", "export", "dump_stats"])
def test_fifo_is_written_into(tmp_path, lento_exe, prog, profile, lento, how):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    if how == "dump_stats":
        p = lento.Profile()
        p.runcall(sum, range(3))
        p.dump_stats(str(fifo))
        data = reader.result()
        assert marshal.loads(data)
    else:
        args = {"python -m lento": [sys.executable, "-m", "lento", "-o", fifo, prog],
                "lento run": [lento_exe, "run", "-o", fifo, prog],
                "export": [lento_exe, "export", profile, "--format", "pstats", "-o", fifo]}[how]
        proc = run_bytes(args, tmp_path)
        assert proc.returncode == 0, show(proc)
        data = reader.result()
        (assert_lento if how == "lento run" else assert_pstats)(data)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_symlink_is_kept_and_its_target_written(tmp_path, lento_exe, prog):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "real.lento"
    link = tmp_path / "link.lento"
    link.symlink_to(target)
    for _ in range(2):  # made through the link, then replaced through it
        proc = run_bytes([lento_exe, "run", "-o", link, prog], tmp_path)
        assert proc.returncode == 0, show(proc)
        assert link.is_symlink() and os.readlink(link) == str(target)
        assert_lento(target.read_bytes())
    assert sorted(os.listdir(tmp_path / "store")) == ["real.lento"]
    assert sorted(os.listdir(tmp_path)) == ["link.lento", "prog.py", "store"]


def test_existing_file_keeps_its_mode(tmp_path, lento_exe, prog, profile, lento):
    os.chmod(profile, 0o600)
    proc = run_bytes([lento_exe, "run", "-o", profile, prog], tmp_path)
    assert proc.returncode == 0, show(proc)
    assert stat.S_IMODE(os.stat(profile).st_mode) == 0o600
    out = tmp_path / "x.pstats"
    proc = run_bytes([lento_exe, "export", profile, "-o", out], tmp_path)
    assert proc.returncode == 0, show(proc)
    os.chmod(out, 0o640)
    for args in ([lento_exe, "export", profile, "-o", out],
                 [sys.executable, "-m", "lento", "-o", out, prog]):
        proc = run_bytes(args, tmp_path)
        assert proc.returncode == 0, show(proc)
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o640, args
    p = lento.Profile()
    p.runcall(sum, range(3))
    p.dump_stats(str(out))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640
    assert pstats.Stats(str(out)).stats


# --- 1: '-' is standard output -------------------------------------------------

def test_dash_is_standard_output(tmp_path, lento_exe, prog, profile):
    proc = run_bytes([lento_exe, "run", "-o", "-", prog], tmp_path)
    assert proc.returncode == 0, show(proc)
    before, _, prof = proc.stdout.partition(b"LENTOPRF")
    assert before == b"hello from the program\n" and prof, proc.stdout[:80]
    assert b"Profile written to standard output" in proc.stderr, show(proc)
    assert b"Where the time goes" in proc.stderr  # the summary stays on stderr
    assert not (tmp_path / "-").exists()

    proc = run_bytes([sys.executable, "-m", "lento", "-o", "-", prog], tmp_path)
    assert proc.returncode == 0, show(proc)
    head = b"hello from the program\n"
    assert proc.stdout.startswith(head), proc.stdout[:80]
    assert_pstats(proc.stdout[len(head):])

    proc = run_bytes([lento_exe, "export", profile, "--format", "json", "-o", "-"], tmp_path)
    assert proc.returncode == 0, show(proc)
    assert json.loads(proc.stdout)
    for cmd, start in (("graph", b"digraph"), ("html", b"<!DOCTYPE html"), ("flame", b"<")):
        proc = run_bytes([lento_exe, cmd, profile, "-o", "-"], tmp_path)
        assert proc.returncode == 0, show(proc)
        assert proc.stdout.lstrip().startswith(start), (cmd, proc.stdout[:80])
    assert sorted(os.listdir(tmp_path)) == ["p.lento", "prog.py"]


def test_dump_stats_dash_is_a_file_named_dash(tmp_path, lento):
    # as cProfile: the command lines' '-' is theirs alone
    p = lento.Profile()
    p.runcall(sum, range(3))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        p.dump_stats("-")
    finally:
        os.chdir(cwd)
    assert pstats.Stats(str(tmp_path / "-")).stats


# --- 4: nothing of the user's is overwritten ------------------------------------

def refused_before_run(proc, tmp_path, *mentions):
    one_line(proc, None, *mentions)
    assert not (tmp_path / "ran").exists(), "the program ran: " + show(proc)


def test_run_refuses_other_files_before_running(tmp_path, lento_exe, prog):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    mark = dict(MARK=str(tmp_path / "ran"))
    for args in ([lento_exe, "run", "-o", notes, prog],
                 [lento_exe, "run", "-o", tmp_path / "x.lento", "--html", notes, prog],
                 [sys.executable, "-m", "lento", "-o", notes, prog]):
        proc = run_bytes(args, tmp_path, **mark)
        refused_before_run(proc, tmp_path, "notes.txt", "not overwriting")
        assert notes.read_text() == "my notes\n"
    # a .pstats name keeps a lento profile, and the other way round
    (tmp_path / "x.pstats").write_bytes(b"LENTOPRF" + bytes(40))
    proc = run_bytes([lento_exe, "run", "-o", tmp_path / "x.pstats", prog], tmp_path, **mark)
    refused_before_run(proc, tmp_path, "not a pstats file")


def test_run_refuses_to_overwrite_the_program(tmp_path, lento_exe, prog):
    before = prog.read_text()
    mark = dict(MARK=str(tmp_path / "ran"))
    for args in ([lento_exe, "run", "-o", "prog.py", "prog.py"],
                 [lento_exe, "run", "--html", "./prog.py", "prog.py"],
                 [sys.executable, "-m", "lento", "-o", "prog.py", "prog.py"]):
        proc = run_bytes(args, tmp_path, **mark)
        refused_before_run(proc, tmp_path, "program being run")
        assert prog.read_text() == before


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_run_refuses_one_file_for_profile_and_html(tmp_path, lento_exe, prog, profile, link):
    other = tmp_path / "r.html"
    if link == "symlink":
        other.symlink_to(profile)
    elif link == "hardlink":
        os.link(profile, other)
    else:
        other = profile
    before = profile.read_bytes()
    proc = run_bytes([lento_exe, "run", "-o", profile, "--html", other, prog], tmp_path,
                     MARK=str(tmp_path / "ran"))
    refused_before_run(proc, tmp_path, "same file")
    assert profile.read_bytes() == before


def test_report_commands_refuse_other_files(tmp_path, lento_exe, profile):
    notes = tmp_path / "notes.svg"
    notes.write_text("my notes\n")
    for args in ([lento_exe, "export", profile, "--format", "json", "-o", notes],
                 [lento_exe, "graph", profile, "-o", notes],
                 [lento_exe, "flame", profile, "-o", notes]):
        proc = run_bytes(args, tmp_path)
        one_line(proc, 2, "not overwriting")
        assert notes.read_text() == "my notes\n"
    # an output of the same kind is replaced, as before
    out = tmp_path / "f.svg"
    for _ in range(2):
        proc = run_bytes([lento_exe, "flame", profile, "-o", out], tmp_path)
        assert proc.returncode == 0, show(proc)


def test_dump_stats_refuses_a_file_that_is_not_pstats(tmp_path, lento):
    p = lento.Profile()
    p.runcall(sum, range(3))
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    with pytest.raises(FileExistsError, match="not a pstats file"):
        p.dump_stats(str(notes))
    assert notes.read_text() == "my notes\n"
    empty = tmp_path / "empty.prof"   # e.g. from tempfile.mkstemp
    empty.write_bytes(b"")
    p.dump_stats(str(empty))
    p.dump_stats(str(empty))          # a pstats file is replaced, as by cProfile
    assert pstats.Stats(str(empty)).stats


# --- 8: long names -------------------------------------------------------------

def test_longest_names_work_and_longer_are_refused_before_the_run(tmp_path, lento_exe, prog,
                                                                  profile):
    name = "n" * (255 - len(".lento")) + ".lento"
    proc = run_bytes([lento_exe, "run", "-o", name, prog], tmp_path)
    assert proc.returncode == 0, show(proc)
    assert_lento((tmp_path / name).read_bytes())
    pname = "p" * (255 - len(".pstats")) + ".pstats"
    for args in ([sys.executable, "-m", "lento", "-o", pname, prog],
                 [lento_exe, "export", profile, "-o", pname]):
        proc = run_bytes(args, tmp_path)
        assert proc.returncode == 0, show(proc)
        assert_pstats((tmp_path / pname).read_bytes())
    too_long = "x" * 256 + ".lento"
    for args in ([lento_exe, "run", "-o", too_long, prog],
                 [sys.executable, "-m", "lento", "-o", too_long, prog]):
        proc = run_bytes(args, tmp_path, MARK=str(tmp_path / "ran"))
        refused_before_run(proc, tmp_path, "too long")
    assert sorted(os.listdir(tmp_path)) == sorted([name, pname, "p.lento", "prog.py"])


# --- 9: names that are not UTF-8 -----------------------------------------------

def test_names_that_are_not_utf8(tmp_path, lento_exe, prog):
    script = os.fsencode(str(tmp_path)) + b"/\xff.py"
    with open(script, "wb") as f:
        f.write(PROG.encode())
    for args in ([sys.executable, "-m", "lento", script],
                 [sys.executable, "-m", "lento", "-o", b"\xfe.pstats", script],
                 [lento_exe, "run", "-o", b"\xfd.lento", script]):
        proc = run_bytes(args, tmp_path)
        assert proc.returncode == 0 and b"Traceback" not in proc.stderr, show(proc)
        assert b"hello from the program" in proc.stdout
    assert_pstats(open(os.fsencode(str(tmp_path)) + b"/\xfe.pstats", "rb").read())
    assert_lento(open(os.fsencode(str(tmp_path)) + b"/\xfd.lento", "rb").read())


# --- 13: the format rule, the full disk ----------------------------------------

def test_run_writes_pstats_only_for_pstats_names(tmp_path, lento_exe, prog):
    for name, check in (("a.dat", assert_lento), ("a.prof", assert_pstats),
                        ("a.pstats", assert_pstats), ("a", assert_lento)):
        proc = run_bytes([lento_exe, "run", "-o", name, prog], tmp_path)
        assert proc.returncode == 0, show(proc)
        check((tmp_path / name).read_bytes())


def test_summary_still_printed_when_the_profile_cannot_be_saved(tmp_path, lento_exe, prog):
    full = private_char_device(tmp_path, 1, 7, "full")
    link = tmp_path / "out.lento"
    link.symlink_to(full)
    proc = run_bytes([lento_exe, "run", "-o", link, prog], tmp_path)
    assert proc.returncode != 0, show(proc)
    err = proc.stderr.decode()
    assert "Where the time goes" in err, show(proc)
    last = err.strip().splitlines()[-1]
    assert last.startswith("lento: the profile was not saved") and "No space left" in last, err
    assert link.is_symlink() and stat.S_ISCHR(os.stat(full).st_mode)
