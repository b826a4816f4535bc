"""Shared helpers for lento's tests: comparing profiles, running commands.

cProfile is the oracle.  A profile here is the ``.stats`` dict of
cProfile/pstats::

    {(file, line, name): (prim_calls, calls, tottime, cumtime,
                          {caller_key: (calls, prim_calls, tottime, cumtime)})}
"""
import gc
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import contextlib
import cProfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
PROGRAMS = TESTS / "programs"
WORKLOADS = Path(__file__).resolve().parents[1] / "workloads"

_OWN = re.compile(r"^<method '(?:enable|disable)' of '[\w.]*(?:_lsprof|lento)[\w.]*' objects>$")


def is_profiler_entry(key):
    """The profiler's own methods, as they appear in its own profile.

    Calling ``disable()`` is recorded (the call starts while profiling is
    on): cProfile names it ``<method 'disable' of '_lsprof.Profiler'
    objects>``, lento ``<method 'disable' of 'lento.Profile' objects>`` (any
    type name with "lento" in it is accepted).  ``enable()`` called while
    already enabled is recorded the same way.  These are the only entries
    allowed to differ and are dropped from both sides before comparing.
    """
    return key[0] == "~" and bool(_OWN.match(key[2]))


def normalize(stats, drop=is_profiler_entry):
    """A copy of stats without the entries ``drop`` selects, also removed
    from every callers dict."""
    out = {}
    for key, (cc, nc, tt, ct, callers) in stats.items():
        if drop(key):
            continue
        out[key] = (cc, nc, tt, ct,
                    {k: v for k, v in callers.items() if not drop(k)})
    return out


def _fmt(key):
    return "%s:%s(%s)" % key


def diff_counts(expected, actual):
    """Differences in shape and call counts between two normalized profiles:
    the set of keys, each key's (calls, primitive calls), the set of callers
    of each key and each caller edge's (calls, primitive calls).
    Returns a list of readable lines, empty when they agree."""
    out = []
    for k in sorted(set(expected) - set(actual), key=str):
        out.append("missing in lento: %s %s" % (_fmt(k), expected[k][:2]))
    for k in sorted(set(actual) - set(expected), key=str):
        out.append("extra in lento:   %s %s" % (_fmt(k), actual[k][:2]))
    for k in sorted(set(expected) & set(actual), key=str):
        e, a = expected[k], actual[k]
        if e[:2] != a[:2]:
            out.append("%s: (prim, calls) cProfile %s lento %s" % (_fmt(k), e[:2], a[:2]))
        ec, ac = e[4], a[4]
        for c in sorted(set(ec) | set(ac), key=str):
            ev = ec.get(c, (None, None))[:2]
            av = ac.get(c, (None, None))[:2]
            if ev != av:
                out.append("%s <- %s: (calls, prim) cProfile %s lento %s"
                           % (_fmt(k), _fmt(c), ev, av))
    return out


def diff_times(expected, actual):
    """Differences in tottime/cumtime of entries and caller edges (exact ==)."""
    out = []
    for k in sorted(set(expected) & set(actual), key=str):
        e, a = expected[k], actual[k]
        if e[2:4] != a[2:4]:
            out.append("%s: (tt, ct) cProfile %r lento %r" % (_fmt(k), e[2:4], a[2:4]))
        for c in sorted(set(e[4]) & set(a[4]), key=str):
            if e[4][c][2:4] != a[4][c][2:4]:
                out.append("%s <- %s: (tt, ct) cProfile %r lento %r"
                           % (_fmt(k), _fmt(c), e[4][c][2:4], a[4][c][2:4]))
    return out


def report(lines, limit=40):
    if len(lines) > limit:
        lines = lines[:limit] + ["... and %d more" % (len(lines) - limit)]
    return "\n" + "\n".join(lines)


class CProfile(cProfile.Profile):
    """cProfile.Profile with its subcalls and builtins flags honoured on
    every version.  On 3.14 and 3.15 the constructor's flags are ignored:
    ``cProfile.Profile(builtins=False).enable()`` records C functions
    anyway, while ``enable(builtins=False)`` does not; so the flags are
    passed to enable() too (cProfile's own run/runctx/runcall call it)."""

    def __init__(self, timer=None, timeunit=0.0, subcalls=True, builtins=True):
        # a timer of None would be called (cProfile reads the clock only
        # when no timer is given)
        if timer is None:
            super().__init__(subcalls=subcalls, builtins=builtins)
        else:
            super().__init__(timer, timeunit, subcalls, builtins)
        self._flags = {"subcalls": subcalls, "builtins": builtins}

    def enable(self, subcalls=None, builtins=None):
        flags = dict(self._flags)
        if subcalls is not None:
            flags["subcalls"] = subcalls
        if builtins is not None:
            flags["builtins"] = builtins
        super().enable(**flags)


def profile_stats(factory, func, quiet=False, **kw):
    """Profile func() with factory(**kw) using enable()/disable() and return
    the normalized ``.stats``.  The garbage collector is off while profiling
    so that no finalizer runs at a different place under the two profilers."""
    prof = factory(**kw)
    sink = io.StringIO()
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
            prof.enable()
            try:
                func()
            finally:
                prof.disable()
    finally:
        if was:
            gc.enable()
    if isinstance(prof, cProfile.Profile):
        return normalize(cprofile_stats_by_label(prof))
    prof.create_stats()
    return normalize(prof.stats)


def _label(code):
    if isinstance(code, str):
        return ("~", 0, code)
    return (code.co_filename, code.co_firstlineno, code.co_name)


def cprofile_stats_by_label(prof):
    """The oracle: cProfile's ``.stats``, with entries that share a label added.

    cProfile measures per code object, then ``snapshot_stats`` writes one
    pstats entry per (file, line, name) label.  When two code objects share
    a label (two lambdas on one line, a comprehension nested in another on
    the same line, as in loops.py line 33) the one it enumerates last
    *replaces* the others, and it enumerates by memory address: the outer
    comprehension survives in one process, the inner one in another.
    (Caller edges from same-label callers it does add up.)

    lento adds such entries, as ``pstats.Stats.add`` does when combining
    profiles; that is deterministic and loses nothing.  So the oracle is
    built from cProfile's own raw measurements (``getstats()``) the same
    way ``snapshot_stats`` builds ``.stats``, except that entries sharing a
    label are added instead of replaced.  Without label collisions it is
    exactly cProfile's ``.stats``, times included
    (test_oracle_is_cprofile_without_collisions)."""
    entries = prof.getstats()
    stats = {}
    for e in entries:
        func = _label(e.code)
        nc = e.callcount
        cc = nc - e.reccallcount
        if func in stats:
            p = stats[func]
            stats[func] = (p[0] + cc, p[1] + nc, p[2] + e.inlinetime, p[3] + e.totaltime, p[4])
        else:
            stats[func] = (cc, nc, e.inlinetime, e.totaltime, {})
    for e in entries:
        if not e.calls:
            continue
        func = _label(e.code)
        for sub in e.calls:
            callers = stats[_label(sub.code)][4]
            nc = sub.callcount
            cc = nc - sub.reccallcount
            tt, ct = sub.inlinetime, sub.totaltime
            if func in callers:
                p = callers[func]
                nc, cc, tt, ct = nc + p[0], cc + p[1], tt + p[2], ct + p[3]
            callers[func] = (nc, cc, tt, ct)
    return stats


def profile_both(lento_mod, func, quiet=False, **kw):
    """(cProfile stats, lento stats) for func(), after one unprofiled warm-up
    call so that lazy initialisation inside func happens before either."""
    import cProfile
    with contextlib.redirect_stdout(io.StringIO()):
        func()
    c = profile_stats(CProfile, func, quiet=quiet, **kw)
    l = profile_stats(lento_mod.Profile, func, quiet=quiet, **kw)
    return c, l


def load_module(path, name=None):
    """Import a file as a fresh module (not registered in sys.modules)."""
    path = Path(path)
    name = name or "_lento_test_" + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_tools():
    """(meson argv prefix, ninja path) for building lento for this very
    interpreter: meson run by sys.executable (its python module builds for
    the interpreter running meson), ninja beside it first.  (None, None) if
    missing."""
    try:
        import mesonbuild  # noqa: F401
    except ImportError:
        return None, None
    here = os.path.dirname(sys.executable)
    ninja = shutil.which("ninja", path=here) or shutil.which("ninja")
    return [sys.executable, "-m", "mesonbuild.mesonmain"], ninja


def run_cmd(args, timeout=60, cwd=None, env=None, input=None, extra_env=None):
    """Run a command, capture text stdout/stderr, fail the test on timeout."""
    e = dict(os.environ if env is None else env)
    # the interpreter running the tests comes first on PATH, so that a
    # `python3` started by lento's supervisor is this one
    e["PATH"] = os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", "")
    e.pop("PYTHONSTARTUP", None)
    if extra_env:
        e.update(extra_env)
    try:
        return subprocess.run([str(a) for a in args], cwd=cwd, env=e, input=input,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("command timed out after %ss: %r\nstdout: %s\nstderr: %s"
                             % (timeout, args, exc.stdout, exc.stderr))


def describe(proc):
    return "\nexit: %r\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
        proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])


_ROW = re.compile(r"^\s*(\d+(?:/\d+)?)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\S.*)$")
_TOTAL = re.compile(r"(\d+) function calls(?: \((\d+) primitive calls\))? in ")


def parse_pstats_table(text):
    """Rows of a pstats print_stats() table as {function column: ncalls column},
    plus the header's (total calls, primitive calls) and 'Ordered by' line."""
    rows = {}
    total = None
    ordered = None
    for line in text.splitlines():
        m = _TOTAL.search(line)
        if m and total is None:
            total = (int(m.group(1)), int(m.group(2) or m.group(1)))
            continue
        if line.strip().startswith("Ordered by:"):
            ordered = line.strip()
            continue
        m = _ROW.match(line)
        if m:
            rows[m.group(6).strip()] = m.group(1)
    return rows, total, ordered


def ncalls_of(stats):
    return {k: v[:2] for k, v in stats.items()}


def restrict_to_file(stats, path, cwd=None):
    """The part of a whole-program profile that belongs to one script.

    Profiling a script through a runner (``python -m cProfile``, ``python -m
    lento``) adds the runner's own calls: cProfile's script mode adds
    ``<built-in method builtins.exec>`` (the exec of the script's code; the
    script's ``<module>`` is its callee) and its ``disable`` entry; its ``-m``
    mode adds ``<string>:1(<module>)`` (its ``run_module(...)`` statement),
    runpy's ``run_module``/``_get_module_details``/``_run_code``, dozens of
    importlib functions and the builtins they call, and a second ``exec``.
    lento's runner adds its own, different ones.  None of these are the
    program's behaviour, so both sides are cut down to:

    * every function defined in ``path`` (keys compared by real path, so a
      relative and an absolute name of the script agree), with its own
      call counts and only the callers that are kept (a relative file name
      in the profile is taken relative to ``cwd``, the run's directory);
    * every builtin called from a kept function, counted only through those
      callers (``print`` called by the script counts; ``exec`` called by the
      runner does not);
    * Python functions of other files called from the script's functions are
      left out (the workloads make none);
    * labels that several code objects of the script share (loops.py line
      33: a list comprehension nested in another on the same line) are left
      out.  cProfile measures per code object, then writes one pstats entry
      per label: the code object it enumerates last replaces the others,
      and its enumeration order is by memory address, so which one survives
      differs from one process to the next (the outer comprehension in one
      run, the inner one in another).  A file cProfile wrote cannot tell what
      was replaced; the in-process tests (cprofile_stats_by_label,
      test_same_label_functions_are_added) pin this case down.
    """
    real = os.path.realpath(str(path))
    shared = {(real, line, name) for (line, name) in colliding_labels(path)}

    def mapkey(k):
        if (k[0] != "~" and not k[0].startswith("<")
                and os.path.realpath(os.path.join(str(cwd or os.getcwd()), k[0])) == real):
            return (real, k[1], k[2])
        return k

    stats = {mapkey(k): (v[0], v[1], v[2], v[3], {mapkey(c): e for c, e in v[4].items()})
             for k, v in stats.items()}
    stats = {k: v for k, v in stats.items() if k not in shared}
    mine = {k for k in stats if k[0] == real}
    # builtins reached from the script, also through other kept builtins
    # (sum -> <genexpr>, __build_class__ -> class body)
    kept = set(mine)
    for k, v in stats.items():
        if k[0] == "~" and any(c in mine for c in v[4]):
            kept.add(k)
    out = {}
    for k in kept:
        cc, nc, tt, ct, callers = stats[k]
        callers = {c: e for c, e in callers.items() if c in kept}
        if k[0] == "~":
            cc = sum(e[1] for e in callers.values())
            nc = sum(e[0] for e in callers.values())
        out[k] = (cc, nc, tt, ct, callers)
    return out


def colliding_labels(path):
    """(line, name) labels shared by more than one code object in a file."""
    src = Path(path).read_text()
    seen = {}
    todo = [compile(src, str(path), "exec")]
    while todo:
        code = todo.pop()
        lab = (code.co_firstlineno, code.co_name)
        seen[lab] = seen.get(lab, 0) + 1
        todo.extend(c for c in code.co_consts if hasattr(c, "co_code"))
    return {lab for lab, n in seen.items() if n > 1}


# --- the JSON report (docs/json.md) -------------------------------------------

NUMBER = (int, float)
JSON_SECTIONS = {
    "cpu": ["user_seconds", "system_seconds", "cores_used", "cores_available",
            "share_of_available", "runqueue_wait_seconds", "system_share"],
    "memory": ["peak_rss_bytes", "peak_tree_rss_bytes", "minor_faults", "major_faults"],
    "context_switches": ["voluntary", "involuntary"],
    "io": ["read_bytes", "write_bytes", "storage_read_bytes", "storage_write_bytes",
           "read_calls", "write_calls"],
    "tasks": ["processes", "max_processes", "max_threads", "busy_threads", "busy_lock_share"],
    "samples": ["total", "running", "disk_wait", "asleep", "two_or_more_running"],
    "sleeping_in": ["lock", "sleep", "io", "child", "other"],
    "machine": ["other_cpu_seconds", "steal_seconds"],
}
TIMELINE_COLUMNS = ["t", "cpu_cores", "rss_bytes", "read_bytes_per_second",
                    "write_bytes_per_second", "storage_read_bytes_per_second",
                    "storage_write_bytes_per_second", "threads", "running", "disk_wait"]
VERDICT_KINDS = {"unknown", "cpu", "memory", "io", "waiting", "thrashing", "mix"}
COUNTERS = ["instructions", "cycles", "cache_references", "cache_misses", "llc_misses"]


def check_json_schema(d, tool):
    """Asserts that d is a report as docs/json.md describes it, with figures
    (a report with "verdict": null has none of the figure sections)."""
    assert d["lento_json"] == 1
    assert d["tool"] == tool
    assert d["command"] is None or all(isinstance(a, str) for a in d["command"])
    assert d["label"] is None or isinstance(d["label"], str)
    assert d["profile"] is None or isinstance(d["profile"], str)
    assert d["hotspots"] is None or isinstance(d["hotspots"], list)
    for h in d["hotspots"] or []:
        assert isinstance(h["function"], str)
        assert 0 <= h["share"] <= 1 and h["cumulative_seconds"] >= 0
        assert h["max_speedup"] is None or h["max_speedup"] >= 1
    assert d["processes"] is None or len(d["processes"]) >= 2
    for r in d["processes"] or []:
        assert isinstance(r["pid"], int) and isinstance(r["ppid"], int)
        assert isinstance(r["command"], str) and isinstance(r["ended"], str)
        assert isinstance(r["forked"], bool) and isinstance(r["partial"], bool)
        assert r["profiled_seconds"] >= 0 and isinstance(r["calls"], int)
        assert r["busiest"] is None or isinstance(r["busiest"], str)
    if d["verdict"] is None:
        return
    assert isinstance(d["wall_seconds"], NUMBER) and d["wall_seconds"] >= 0
    assert isinstance(d["exit_status"], int) and 0 <= d["exit_status"] <= 255
    assert d["signal"] is None or isinstance(d["signal"], int)
    for sec, keys in JSON_SECTIONS.items():
        assert set(d[sec]) == set(keys), (sec, sorted(d[sec]))
        for k in keys:
            assert isinstance(d[sec][k], NUMBER) and d[sec][k] >= 0, (sec, k, d[sec][k])
    hc = d["hardware_counters"]
    assert isinstance(hc["available"], bool)
    if hc["available"]:
        assert hc["reason"] is None
        assert any(isinstance(hc[c], int) for c in COUNTERS)
    else:
        assert isinstance(hc["reason"], str) and hc["reason"].strip()
        assert all(hc[c] is None for c in COUNTERS)
    for c in COUNTERS + ["ipc", "misses_per_kilo_instruction"]:
        assert hc[c] is None or (isinstance(hc[c], NUMBER) and hc[c] >= 0)
    tl = d["timeline"]
    assert tl["columns"] == TIMELINE_COLUMNS
    assert tl["interval_seconds"] > 0
    last = 0
    for p in tl["points"]:
        assert len(p) == len(TIMELINE_COLUMNS)
        assert all(isinstance(x, NUMBER) and x >= 0 for x in p), p
        assert p[0] >= last
        last = p[0]
    v = d["verdict"]
    assert v["kind"] in VERDICT_KINDS
    assert isinstance(v["label"], str) and v["label"]
    assert v["confidence"] in ("low", "medium", "high")
    assert isinstance(v["gil_limited"], bool) and isinstance(v["memory_inferred"], bool)
    if v["kind"] == "mix":
        assert len(v["parts"]) == 2 and set(v["parts"]) <= VERDICT_KINDS
    else:
        assert v["parts"] == []
    sh = v["shares"]
    assert set(sh) == {"compute", "io", "waiting"}
    if v["kind"] != "unknown":
        assert abs(sum(sh.values()) - 1) < 1e-3, sh
    assert v["evidence"] and all(isinstance(e, str) for e in v["evidence"])
    assert d["advice"] and all(isinstance(a, str) for a in d["advice"])
    for w in d["warnings"]:
        assert w["kind"] in ("noise", "steal", "cold-cache", "short-run")
        assert isinstance(w["text"], str) and w["text"]
