"""Threads run one after another get the same ident from the system (it
reuses an ended thread's); each is still a thread of its own in the
profile, and the per-function totals are what they were."""
import sys
import textwrap

import pytest

import lento_file
from lento_testlib import describe, run_cmd

N = 201

PROGRAM = textwrap.dedent("""\
    import threading

    def work(i):
        return sum(range(i))

    idents = set()
    for i in range(%d):
        t = threading.Thread(target=work, args=(i,), name="worker-%%d" %% i)
        t.start()
        t.join()
        idents.add(t.ident)
    print("distinct idents", len(idents))
    """ % N)


def calls_of(prof, name):
    by_func = prof.calls_by_func()
    return sum(c for i, c in by_func.items() if prof.funcs[i][3] == name)


@pytest.mark.parametrize("opts", [[], ["--no-builtins"]], ids=["default", "no-builtins"])
@pytest.mark.parametrize("how", ["python-m", "lento-run"])
def test_sequential_threads_are_kept_apart(tmp_path, opts, how, lento_exe):
    prog = tmp_path / "seq.py"
    prog.write_text(PROGRAM)
    out = tmp_path / "seq.lento"
    cmd = ([sys.executable, "-m", "lento"] if how == "python-m" else [lento_exe, "run"])
    p = run_cmd(cmd + opts + ["-o", out, prog], timeout=120)
    assert p.returncode == 0, describe(p)
    distinct = int(p.stdout.split()[-1])
    assert distinct < N, "the system gave every thread a new ident: the test proves nothing"
    prof = lento_file.read(out)
    assert len(prof.threads) == N + 1, [t[:2] for t in prof.threads]
    names = sorted(name for _, name, _ in prof.threads)
    assert names == sorted(["MainThread"] + ["worker-%d" % i for i in range(N)])
    # each worker thread holds exactly one call of work
    for ident, name, nodes in prof.threads:
        if name.startswith("worker-"):
            assert sum(n[2] for n in nodes[1:] if prof.funcs[n[1]][3] == "work") == 1
    # the totals across threads are those of the program
    assert calls_of(prof, "work") == N
    if not opts:
        assert calls_of(prof, "<built-in method builtins.sum>") == N
    if how == "lento-run":
        assert "in %d threads" % (N + 1) in p.stderr, describe(p)


@pytest.mark.parametrize("builtins", [True, False])
def test_api_sequential_threads(lento, builtins):
    import threading

    def work(i):
        return sum(range(i))

    p = lento.Profile(threads=True, builtins=builtins)
    p.enable()
    for i in range(N):
        t = threading.Thread(target=work, args=(i,))
        t.start()
        t.join()
    p.disable()
    p.create_stats()
    calls = {k[2]: v[1] for k, v in p.stats.items()}
    assert calls["work"] == N
    if builtins:
        assert calls["<built-in method builtins.sum>"] == N
