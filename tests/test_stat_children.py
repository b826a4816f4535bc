"""`lento stat` counts the CPU of every process the program starts, whoever
waits for it: pool workers of each start method (a forkserver's workers are
its children, and the program never waits for the forkserver), and
double-forked daemons, those that end during the run and those still
running when the program ends.  The supervisor is a child subreaper for
the run (src/monitor/reap.h).

Each worker reports the CPU it used by its own account; lento's figure for
the run must hold at least 80% of their sum (the rest is the margin for
clock-tick rounding: /proc counts in 10 ms ticks).
"""
import json
import os
import signal
import sys

import pytest

from test_stat import stat_json
from lento_testlib import describe

PY = sys.executable


def run_descendants(run, lento_exe, tmp_path, programs_dir, what):
    out = tmp_path / "workers.json"
    proc, d = stat_json(run, lento_exe, tmp_path,
                        [PY, programs_dir / "descendants.py", what, out])
    assert proc.returncode == 0, describe(proc)
    workers = json.loads(out.read_text())
    cpu = d["cpu"]["user_seconds"] + d["cpu"]["system_seconds"]
    return d, workers, cpu


@pytest.mark.parametrize("method", ["forkserver", "spawn", "fork"])
def test_pool_workers_cpu_is_counted(run, lento_exe, tmp_path, programs_dir, method):
    d, workers, cpu = run_descendants(run, lento_exe, tmp_path, programs_dir, method)
    assert workers["worker_cpu"] >= 0.5, workers  # the workers did work
    assert cpu >= 0.8 * workers["worker_cpu"], (cpu, workers, d["cpu"])
    # the forkserver, the workers and the program were all seen
    assert d["tasks"]["processes"] >= 3, d["tasks"]


def test_double_forked_daemon_cpu_is_counted(run, lento_exe, tmp_path, programs_dir):
    d, workers, cpu = run_descendants(run, lento_exe, tmp_path, programs_dir, "daemon")
    assert workers["worker_cpu"] >= 0.4, workers
    assert cpu >= 0.8 * workers["worker_cpu"], (cpu, workers, d["cpu"])


def test_lingering_daemon_cpu_is_counted_without_waiting_for_it(
        run, lento_exe, tmp_path, programs_dir):
    out = tmp_path / "workers.json"
    try:
        # run_cmd's timeout (60 s) is the daemon's sleep: lento must not
        # wait for it
        d, workers, cpu = run_descendants(run, lento_exe, tmp_path, programs_dir,
                                          "lingering")
        assert d["wall_seconds"] < 30, d["wall_seconds"]
        assert workers["worker_cpu"] >= 0.4, workers
        assert cpu >= 0.8 * workers["worker_cpu"], (cpu, workers, d["cpu"])
    finally:
        if out.exists():
            try:
                os.kill(json.loads(out.read_text())["pid"], signal.SIGKILL)
            except (ProcessLookupError, ValueError, KeyError):
                pass
