"""The tracer under AddressSanitizer and UndefinedBehaviorSanitizer: the
extension is built with both, and the tests of the Python API (function
profiles in both modes, line timing) run against it in a child process.
Any report from a sanitizer fails that run."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lento_testlib import build_tools

ROOT = Path(__file__).resolve().parents[1]
SUITES = ["test_api.py", "test_api_parity.py", "test_fast_mode.py", "test_lines.py",
          "test_lines_twin.py", "test_lines_twin_structure.py"]


def runtime(name):
    out = subprocess.run(["gcc", "-print-file-name=" + name], capture_output=True,
                         text=True).stdout.strip()
    return out if out and Path(out).is_file() else None


def test_api_suites_under_asan_and_ubsan(tmp_path):
    meson, ninja = build_tools()
    if not meson or not ninja:
        pytest.fail("meson and ninja are needed (pip install '.[test]')")
    asan, ubsan = runtime("libasan.so"), runtime("libubsan.so")
    if not asan or not ubsan:
        pytest.fail("gcc's libasan/libubsan are needed (Debian: gcc)")
    build = tmp_path / "build"
    setup = subprocess.run(meson + ["setup", str(build), str(ROOT), "-Dbuildtype=debug",
                            "-Db_sanitize=address,undefined"],
                           capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    comp = subprocess.run([ninja, "-C", str(build)], capture_output=True, text=True,
                          timeout=900)
    assert comp.returncode == 0, comp.stdout[-5000:]
    pkg = tmp_path / "pkg" / "lento"
    pkg.mkdir(parents=True)
    for f in (ROOT / "src" / "lento").glob("*.py"):
        shutil.copy(f, pkg)
    (ext,) = build.glob("_lento*.so")
    shutil.copy(ext, pkg)
    env = dict(__import__("os").environ,
               PYTHONPATH=str(pkg.parent),
               LD_PRELOAD=asan + ":" + ubsan,
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    code = ("import sys, lento, pytest; "
            "assert lento.__file__.startswith(%r), lento.__file__; "
            "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-x'] + sys.argv[1:]))"
            % str(pkg))
    proc = subprocess.run([sys.executable, "-c", code] +
                          [str(ROOT / "tests" / s) for s in SUITES],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    tail = (proc.stdout[-4000:] + proc.stderr[-4000:])
    assert proc.returncode == 0, tail
    ran = __import__("re").search(r"(\d+) passed", proc.stdout)
    assert ran and int(ran.group(1)) > 200, tail
    assert "ERROR: AddressSanitizer" not in proc.stderr, tail
    assert "runtime error:" not in proc.stderr, tail
