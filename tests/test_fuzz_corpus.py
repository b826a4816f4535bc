"""The fuzzers' committed corpora (fuzz/corpus/) replayed through the
standalone builds of every target (fuzz/build.sh replay: any C compiler,
ASan and UBSan, no libFuzzer): every seed and every regression input a
fuzzer found must pass its target's checks.  Fuzzing itself, for a bounded
time, is CI's fuzz step (fuzz/run.sh).

Set CC to choose the compiler (default: cc).
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
           "UBSAN_OPTIONS": "print_stacktrace=1"}
# the report target reads .lento files: the store seeds feed it too
SEEDS = {"store": ["store"], "proc": ["proc"], "report": ["store", "report"]}


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc})")
    out = tmp_path_factory.mktemp("fuzz")
    res = subprocess.run(["bash", str(ROOT / "fuzz" / "build.sh"), str(out), "replay"],
                         capture_output=True, text=True, env={**os.environ, "CC": cc})
    assert res.returncode == 0, res.stderr
    return out


def test_corpus_is_committed():
    """The seeds the README names are there (a .gitignore rule once kept
    every *.lento out), and each target has some."""
    for name in ("sample.lento", "system.lento", "lines_and_system.lento"):
        assert (CORPUS / "store" / name).is_file(), name
    for dirs in SEEDS.values():
        for d in dirs:
            assert any((CORPUS / d).iterdir()), d
    listed = subprocess.run(["git", "check-ignore", "-q", str(CORPUS / "store" / "sample.lento")],
                            cwd=ROOT, capture_output=True)
    if listed.returncode in (0, 1):  # 128: not a git checkout, nothing to say
        assert listed.returncode == 1, "fuzz/corpus is ignored by .gitignore"


@pytest.mark.parametrize("target", sorted(SEEDS))
def test_replay_corpus(replay, target):
    dirs = [str(CORPUS / d) for d in SEEDS[target]]
    res = subprocess.run([str(replay / f"fuzz_{target}_replay"), *dirs], capture_output=True,
                         text=True, env={**os.environ, **SAN_ENV}, timeout=300)
    assert res.returncode == 0, res.stderr[-4000:]
    assert f"{len(dirs)} argument(s) replayed" in res.stderr, res.stderr[-4000:]


def test_replay_fails_on_an_unreadable_input(replay, tmp_path):
    """A corpus that is not there fails the replay rather than passing with
    nothing run."""
    res = subprocess.run([str(replay / "fuzz_proc_replay"), str(tmp_path / "missing")],
                         capture_output=True, text=True, env={**os.environ, **SAN_ENV})
    assert res.returncode == 1 and "missing" in res.stderr


# --- what the fuzzers found ----------------------------------------------------

def test_line_report_of_a_function_spanning_billions_of_lines(run, lento_exe, tmp_path):
    """corpus/report/regress-lines-span.lento: a line table whose last line
    is ~2**32 (one flipped bit).  The line report printed a row for every
    line up to it: `lento report --lines` refused with "Argument list too
    long" after building a gigabyte, fuzz_report timed out.  Rows with
    neither hits nor source text now stop after the last hit line."""
    seed = tmp_path / "span.lento"
    seed.write_bytes((CORPUS / "report" / "regress-lines-span.lento").read_bytes())
    res = run([lento_exe, "report", "--lines", seed], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Function: walk at line 4" in res.stdout
    assert len(res.stdout) < 100_000, len(res.stdout)
