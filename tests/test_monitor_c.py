"""C-level tests of src/monitor (the /proc readers and the sampler, against
a fake proc tree) and of src/report's verdict rules and JSON writer, built
with AddressSanitizer and UBSan like test_core_c.py.

Set CC to choose the compiler (default: cc).
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lento_testlib import check_json_schema

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (sorted((ROOT / "src" / "core").glob("*.c")) +
           [ROOT / "src" / "monitor" / n for n in ("proc.c", "sampler.c", "perf.c", "reap.c")] +
           [ROOT / "src" / "report" / n for n in ("verdict.c", "fmt.c", "json.c", "procs.c", "summary.c")])
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-g",
          "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
           "UBSAN_OPTIONS": "print_stacktrace=1"}


@pytest.fixture(scope="module")
def test_monitor(tmp_path_factory):
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc})")
    exe = tmp_path_factory.mktemp("monitor") / "test_monitor"
    cmd = [cc, *CFLAGS, "-o", str(exe), str(ROOT / "tests" / "c" / "test_monitor.c"),
           *map(str, SOURCES), "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, f"{' '.join(cmd)}\n{res.stderr}"
    return exe


def test_monitor_c(test_monitor, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out = tmp_path / "sample.json"
    res = subprocess.run([str(test_monitor), str(scratch), str(out)], capture_output=True,
                         text=True, env={**os.environ, **SAN_ENV}, timeout=300)
    lines = res.stdout.strip().splitlines()
    assert res.returncode == 0, res.stderr + res.stdout
    assert lines and re.fullmatch(r"\d+ passed, 0 failed", lines[-1]), res.stderr + res.stdout
    assert list(scratch.iterdir()) == []  # the fake /proc is removed

    # the JSON writer's output parses and follows the schema; strings that
    # need escaping come through intact
    d = json.loads(out.read_bytes().decode("utf-8"))
    check_json_schema(d, "stat")
    assert d["command"] == ["prog", 'arg with "quotes"', "\ufffd"]
    assert d["hardware_counters"]["reason"] == 'a "quoted"\nreason'
    assert d["signal"] == 15 and d["exit_status"] == 143
    assert len(d["timeline"]["points"]) == 3
    assert d["hotspots"] == [{"function": "x.py:1(walk)", "cumulative_seconds": 0.95,
                              "share": 0.5, "max_speedup": 2}]
    assert d["verdict"]["kind"] == "cpu"
