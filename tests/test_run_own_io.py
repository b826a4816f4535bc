"""lento run's own writes (the profiles its processes save, every second
while they run) are not the program's IO: the IO figures leave them out."""
import json

import lento_file

PROG = """
import time
ns = {}
exec(compile("\\n".join("def f%d(x):\\n    return x\\n" % i for i in range(3000)),
             "gen.py", "exec"), ns)
fs = [ns["f%d" % i] for i in range(3000)]
end = time.perf_counter() + 3.5
while time.perf_counter() < end:
    for f in fs:
        f(1)
"""


def test_saves_are_not_the_programs_io(run, lento_exe, tmp_path):
    prog = tmp_path / "quiet.py"
    prog.write_text(PROG)
    out = tmp_path / "q.lento"
    res = run([lento_exe, "run", "--json", "-o", out, prog], cwd=tmp_path, timeout=120)
    assert res.returncode == 0, res.stderr
    io = json.loads(res.stderr)["io"]
    # the program writes nothing: what is left is Python's own start-up
    assert io["write_bytes"] < 20_000, io
    assert io["write_calls"] < 20, io
    p = lento_file.read(out)
    saves = int(p.meta["lento_saves"])
    saved = int(p.meta["lento_saved_bytes"])
    # at least one periodic save (more on a quiet machine: the interval
    # grows when saving is slow)
    assert saves >= 1 and saved >= 50_000, p.meta
