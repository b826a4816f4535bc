import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))

import lento_testlib  # noqa: E402


@pytest.fixture(scope="session")
def workloads_dir():
    d = lento_testlib.WORKLOADS
    assert (d / "calls.py").is_file(), "workloads not found at %s" % d
    return d


@pytest.fixture(scope="session")
def programs_dir():
    return lento_testlib.PROGRAMS


@pytest.fixture(scope="session")
def lento():
    """The installed lento package (`pip install .`)."""
    try:
        import lento as mod
    except ImportError as e:  # a failure, not a skip: the build is broken
        pytest.fail("cannot import lento (run `pip install .`): %s" % e)
    return mod


@pytest.fixture(scope="session")
def lento_exe():
    """The `lento` executable installed beside this interpreter."""
    here = Path(sys.executable).parent
    exe = shutil.which("lento", path=str(here)) or shutil.which("lento")
    if not exe:
        pytest.fail("`lento` executable not found beside %s nor on PATH" % sys.executable)
    return exe


@pytest.fixture
def run():
    return lento_testlib.run_cmd
