"""C unit tests of src/report's escapers, protobuf writer and format table
(tests/c/test_report.c), built with AddressSanitizer and UBSan like
tests/test_core_c.py."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# everything in core/ and report/ but the HTML page (its assets are
# generated at build time) and the text summary
SOURCES = sorted((ROOT / "src" / "core").glob("*.c")) + [
    p for p in sorted((ROOT / "src" / "report").glob("*.c"))
    if p.name not in ("html.c", "embed.c")]
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-D_GNU_SOURCE",
          "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]


def test_report_c(tmp_path):
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.fail("no C compiler (%s)" % cc)
    exe = tmp_path / "test_report"
    # the header meson generates (configure_file in meson.build)
    (tmp_path / "lento_config.h").write_text('#define LENTO_VERSION "test"\n')
    cmd = [cc, *CFLAGS, "-I", str(tmp_path), "-o", str(exe),
           str(ROOT / "tests" / "c" / "test_report.c"), *map(str, SOURCES), "-lz", "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, "%s\n%s" % (" ".join(cmd), res.stderr)
    res = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "ASAN_OPTIONS": "detect_leaks=1",
                              "UBSAN_OPTIONS": "print_stacktrace=1"})
    lines = res.stdout.strip().splitlines()
    assert res.returncode == 0, res.stderr + res.stdout
    assert lines and re.fullmatch(r"\d+ passed, 0 failed", lines[-1]), res.stderr + res.stdout
