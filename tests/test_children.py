"""lento run follows the program's child processes: multiprocessing pools
(fork, spawn, forkserver), concurrent.futures, os.fork, a Python
subprocess.  Each process's own profile is kept (the PROC section), the
tables are their sum, and the counts add up across processes."""
import os
import signal
import sys
import time

import pytest

import lento_file

POOL_CALLS = {"task": 40, "leaf": 4000, "work": 40}


def run_lento(run, lento_exe, programs_dir, tmp_path, prog, *args, opts=(), tmpdir=None,
              timeout=120):
    out = tmp_path / "out.lento"
    env = {"TMPDIR": str(tmpdir)} if tmpdir else None
    res = run([lento_exe, "run", *opts, "-o", out, programs_dir / prog, *args],
              cwd=tmp_path, timeout=timeout, extra_env=env)
    return res, out


def named_calls(p):
    calls = p.calls_by_func()
    out = {}
    for i, f in enumerate(p.funcs):
        out[f[3]] = out.get(f[3], 0) + calls.get(i, 0)
    return out


def by_pid(p):
    return {r["pid"]: r for r in p.procs}


@pytest.mark.parametrize("how", ["fork", "spawn", "forkserver", "futures"])
@pytest.mark.parametrize("mode", [(), ("--no-builtins",)])
def test_pool_counts_add_up(run, lento_exe, programs_dir, tmp_path, how, mode):
    res, out = run_lento(run, lento_exe, programs_dir, tmp_path, "children_pool.py", how,
                         opts=mode)
    assert res.returncode == 0, res.stderr
    p = lento_file.read(out)
    workers = [r for r in p.procs if r["pid"] != p.procs[0]["pid"] and
               lento_file.process_calls(p, r).get("task")]
    assert len(workers) >= 1 and len(p.procs) >= 2, p.procs
    # the merged view: exactly what the program did
    calls = named_calls(p)
    for name, n in POOL_CALLS.items():
        assert calls.get(name) == n, (name, calls.get(name), res.stderr)
    # each process's own: the work was done in the workers, and adds up
    for name, n in POOL_CALLS.items():
        assert sum(lento_file.process_calls(p, r).get(name, 0) for r in p.procs) == n
        assert lento_file.process_calls(p, p.procs[0]).get(name, 0) == 0
    # the tree: every worker's parent is a profiled process (the main
    # program, or the forkserver)
    pids = by_pid(p)
    for w in workers:
        assert w["ppid"] in pids
    assert p.procs[0]["command"].endswith("children_pool.py " + how)
    assert "Processes: %d profiled" % len(p.procs) in res.stderr
    assert "of %d processes" % len(p.procs) in res.stderr


def test_pool_per_process_report(run, lento_exe, programs_dir, tmp_path):
    res, out = run_lento(run, lento_exe, programs_dir, tmp_path, "children_pool.py", "fork")
    assert res.returncode == 0, res.stderr
    p = lento_file.read(out)
    worker = next(r for r in p.procs if lento_file.process_calls(p, r).get("task"))
    rep = run([lento_exe, "report", out, "--pid", str(worker["pid"]), "--top", "50"])
    assert rep.returncode == 0, rep.stderr
    assert "Processes:" not in rep.stdout  # one process alone
    n = lento_file.process_calls(p, worker)["task"]
    line = next(l for l in rep.stdout.splitlines() if l.endswith("(task)"))
    assert " %d " % n in line
    bad = run([lento_exe, "report", out, "--pid", "1"])
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1
    assert "no process 1" in bad.stderr


def test_no_children(run, lento_exe, programs_dir, tmp_path):
    res, out = run_lento(run, lento_exe, programs_dir, tmp_path, "children_pool.py", "fork",
                         opts=("--no-children",))
    assert res.returncode == 0, res.stderr
    p = lento_file.read(out)
    assert p.procs == []
    assert named_calls(p).get("task", 0) == 0
    assert "Processes:" not in res.stderr


def test_os_fork(run, lento_exe, programs_dir, tmp_path):
    res, out = run_lento(run, lento_exe, programs_dir, tmp_path, "children_misc.py", "fork")
    assert res.returncode == 0, res.stderr
    p = lento_file.read(out)
    assert len(p.procs) == 2, p.procs
    main, child = p.procs
    assert child["ppid"] == main["pid"] and child["flags"] & 4 and child["flags"] & 2
    assert lento_file.process_calls(p, child)["child_work"] == 5
    assert lento_file.process_calls(p, main)["parent_work"] == 3
    assert lento_file.process_calls(p, main).get("child_work", 0) == 0
    assert lento_file.process_calls(p, child).get("parent_work", 0) == 0
    # the frames open at the fork are the parent's calls, not the child's
    calls = p.calls_by_func()
    script = [i for i, f in enumerate(p.funcs)
              if f[3] == "<module>" and f[1].endswith("children_misc.py")]
    assert sum(calls.get(i, 0) for i in script) == 1


def test_os_fork_fall_through(run, lento_exe, programs_dir, tmp_path):
    """A forked child that ends normally saves its own profile, never the
    parent's file."""
    res, out = run_lento(run, lento_exe, programs_dir, tmp_path, "children_misc.py",
                         "forkfall")
    assert res.returncode == 0, res.stderr
    p = lento_file.read(out)
    assert len(p.procs) == 2, p.procs
    calls = named_calls(p)
    assert calls["child_work"] == 5 and calls["parent_work"] == 3
    assert p.meta["pid"] == str(p.procs[0]["pid"])


def test_python_m_lento_fork_never_writes_parents_file(run, programs_dir, tmp_path):
    out = tmp_path / "m.lento"
    res = run([sys.executable, "-m", "lento", "-o", out, programs_dir / "children_misc.py",
               "forkfall"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    p = lento_file.read(out)
    assert p.meta["pid"] != "" and named_calls(p).get("parent_work") == 3
    assert named_calls(p).get("child_work", 0) == 0


def test_subprocess(run, lento_exe, programs_dir, tmp_path):
    res, out = run_lento(run, lento_exe, programs_dir, tmp_path, "children_misc.py",
                         "subprocess")
    assert res.returncode == 0, res.stderr
    p = lento_file.read(out)
    assert len(p.procs) == 2, p.procs
    sub = p.procs[1]
    assert lento_file.process_calls(p, sub)["sub_work"] == 7
    assert sub["ppid"] == p.procs[0]["pid"]
    assert sub["command"].startswith("-c ")


def test_orphan_leaves_nothing_behind(run, lento_exe, programs_dir, tmp_path):
    """A child that outlives the program: lento run waits a moment, calls
    its profile partial, and leaves no file beside the output nor in
    TMPDIR, even after the child ends."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    res, out = run_lento(run, lento_exe, programs_dir, work, "children_misc.py", "orphan",
                         tmpdir=tmpdir)
    assert res.returncode == 0, res.stderr
    assert "still ran" in res.stderr
    orphan = lento_file.read(work / "out.lento").procs[1]
    assert orphan["flags"] & 1  # partial
    for _ in range(200):  # the orphan ends (and tries to save)
        try:
            os.kill(orphan["pid"], 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    assert sorted(os.listdir(work)) == ["out.lento"]
    assert os.listdir(tmpdir) == []


def test_children_on_by_default_in_help(run, lento_exe):
    res = run([lento_exe, "run", "--help"])
    assert "--no-children" in res.stdout


def test_json_lists_the_processes(run, lento_exe, programs_dir, tmp_path):
    import json
    from lento_testlib import check_json_schema
    res, out = run_lento(run, lento_exe, programs_dir, tmp_path, "children_misc.py", "fork",
                         opts=("--json",))
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stderr)
    check_json_schema(d, "run")
    p = lento_file.read(out)
    assert [r["pid"] for r in d["processes"]] == [r["pid"] for r in p.procs]
    child = d["processes"][1]
    assert child["forked"] and child["ended"] == "os._exit(0)"
    assert child["ppid"] == d["processes"][0]["pid"]
    rep = run([lento_exe, "report", "--json", out])
    assert json.loads(rep.stdout)["processes"] == d["processes"]
