"""Which Pythons lento serves, and what each gets.

* pip refuses an interpreter outside CPython 3.11 to 3.15 in one line that
  names the supported range, before any compiling;
* the engine compiled in is the one for the running version (3.11: the
  profile and frame-evaluation hooks; 3.12+: sys.monitoring);
* a profile file is the same format on every version: files made under
  3.11 and under 3.15 (tests/data, from tests/programs/versions_prog.py)
  are read, reported and exported by whichever build runs the tests.
"""
import pstats
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lento_testlib import describe, run_cmd

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("version", ["3.10", "3.16"])
def test_pip_refuses_other_pythons_in_one_line(tmp_path, version):
    pytest.importorskip("mesonpy")
    proc = subprocess.run([sys.executable, "-m", "pip", "download", str(ROOT), "--no-deps",
                           "--no-build-isolation", "--python-version", version,
                           "-d", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0, describe(proc)
    errors = [l for l in proc.stderr.splitlines() if l.startswith("ERROR")]
    assert len(errors) == 1, describe(proc)
    assert "requires a different Python" in errors[0], describe(proc)
    assert ">=3.11" in errors[0] and "<3.16" in errors[0], describe(proc)
    assert "error:" not in proc.stdout.lower(), describe(proc)   # no compiler ran


def test_the_engine_matches_the_interpreter(lento):
    engine = lento._lento._engine
    assert engine == ("py311" if sys.version_info < (3, 12) else "monitoring")


@pytest.mark.parametrize("made_by", ["3.11", "3.15"])
def test_profiles_read_across_versions(tmp_path, lento_exe, made_by):
    src = DATA / ("profile-%s.lento" % made_by)
    f = tmp_path / src.name
    shutil.copy(src, f)
    rep = run_cmd([lento_exe, "report", f], cwd=tmp_path)
    assert rep.returncode == 0, describe(rep)
    text = rep.stdout + rep.stderr
    assert "versions_prog.py" in text and "(fib)" in text, describe(rep)
    out = tmp_path / "p.pstats"
    exp = run_cmd([lento_exe, "export", f, "-o", out], cwd=tmp_path)
    assert exp.returncode == 0, describe(exp)
    st = pstats.Stats(str(out)).stats
    fib = [v for k, v in st.items() if k[2] == "fib" and k[0].endswith("versions_prog.py")]
    # fib(12) three times: 465 calls each, 3 of them primitive
    assert [v[:2] for v in fib] == [(3, 3 * 465)]
    lam = [v for k, v in st.items() if k[2] == "<lambda>"]
    assert [v[1] for v in lam] == [10]
