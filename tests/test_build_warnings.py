"""The whole C code base builds with -Wall -Wextra and no warning: a build
with warnings as errors must succeed."""
import shutil
import subprocess
from pathlib import Path

import pytest

from lento_testlib import build_tools

ROOT = Path(__file__).resolve().parents[1]


def test_builds_with_warnings_as_errors(tmp_path):
    meson, ninja = build_tools()
    if not meson or not ninja:
        pytest.fail("meson and ninja are needed (pip install '.[test]')")
    build = tmp_path / "build"
    setup = subprocess.run(meson + ["setup", str(build), str(ROOT), "-Dwerror=true",
                            "-Dwarning_level=2", "-Dbuildtype=debugoptimized"],
                           capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    comp = subprocess.run([ninja, "-C", str(build)], capture_output=True, text=True,
                          timeout=600)
    assert comp.returncode == 0, comp.stdout[-5000:]
    assert "warning:" not in comp.stdout, comp.stdout[-5000:]
