"""`lento export`: every format read back by its real consumer, and its
figures compared with the profile's own (read with tests/lento_file.py, an
independent reader of the .lento format), so an exporter that drops, adds
or misplaces time fails here.

Consumers: pstats.Stats and gprof2dot (pstats); gprof2dot's callgrind parser
(callgrind); the protobuf runtime with profile.proto compiled by
grpcio-tools' protoc (pprof); jsonschema with speedscope's types
(speedscope); jsonschema with docs/lento-profile.schema.json (json).
"""
import gzip
import importlib
import io
import json
import os
import pstats
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import lento_file
from lento_testlib import describe, run_cmd

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"


@pytest.fixture(scope="module")
def prof(tmp_path_factory, lento_exe):
    """A profile made by `lento run` of tests/programs/export_target.py."""
    d = tmp_path_factory.mktemp("export")
    proc = run_cmd([lento_exe, "run", "-o", d / "t.lento", TESTS / "programs" / "export_target.py"],
               cwd=d)
    assert proc.returncode == 0, describe(proc)
    p = lento_file.read(d / "t.lento")
    assert len(p.threads) == 2 and p.tick == 1e-9
    return d, p


def export(run, lento_exe, d, name, *extra):
    out = d / name
    if out.exists():
        out.unlink()
    proc = run([lento_exe, "export", d / "t.lento", "-o", out, *extra], cwd=d)
    assert proc.returncode == 0, describe(proc)
    assert out.is_file()
    return out


def need(module):
    """A consumer from the test extras: missing is a failure, not a skip."""
    try:
        return importlib.import_module(module)
    except ImportError:
        pytest.fail("%s is needed (pip install '.[test]')" % module)


def names(p):
    return {i: lento_file.frame_name(f) for i, f in enumerate(p.funcs)}


def pstats_key(f):
    kind, file, line, name = f
    return ("~", 0, name) if kind == 1 else (file, line, name)


HOSTILE = "<script>alert(1)</script>;\"q\"'s&"


# --- pstats ------------------------------------------------------------------

def test_pstats(prof, run, lento_exe):
    d, p = prof
    out = export(run, lento_exe, d, "t.pstats")
    st = pstats.Stats(str(out))
    calls, selfs = p.calls_by_func(), p.self_by_func()
    by_key = defaultdict(lambda: [0, 0])
    for f, fn in enumerate(p.funcs):
        by_key[pstats_key(fn)][0] += calls[f]
        by_key[pstats_key(fn)][1] += selfs[f]
    used = {k: v for k, v in by_key.items() if v[0] or v[1]}
    assert set(st.stats) >= set(k for k, v in used.items() if v[0])
    for k, (nc, tt) in used.items():
        assert st.stats[k][1] == nc, k
        assert st.stats[k][2] == pytest.approx(tt * 1e-9, rel=1e-12, abs=1e-15), k
    assert st.total_tt == pytest.approx(p.total() * 1e-9, rel=1e-9)
    assert any(k[2] == HOSTILE for k in st.stats)


def test_pstats_gprof2dot(prof, run, lento_exe):
    d, p = prof
    out = export(run, lento_exe, d, "t.prof")
    res = subprocess.run([sys.executable, "-m", "gprof2dot", "-f", "pstats", "-n0", "-e0", str(out)],
                         capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert res.returncode == 0, res.stderr
    assert "naïve_函数" in res.stdout and "fib" in res.stdout


# --- callgrind ---------------------------------------------------------------

def test_callgrind_with_gprof2dot(prof, run, lento_exe):
    d, p = prof
    out = export(run, lento_exe, d, "callgrind.out.t")
    gprof2dot = need("gprof2dot")
    with open(out, encoding="utf-8") as f:
        g = gprof2dot.CallgrindParser(f).parse()
    nm = names(p)
    selfs, edges = p.self_by_func(), p.edge_calls()
    # the whole and each function's own time, in ns
    assert g[gprof2dot.SAMPLES] == p.total()
    by_name = {fn.name: fn for fn in g.functions.values()}
    want_self = defaultdict(int)
    for f, s in selfs.items():
        want_self[nm[f]] += s
    for n, s in want_self.items():
        assert by_name[n][gprof2dot.SAMPLES] == s, n
    # every caller->callee edge and its call count
    want = defaultdict(int)
    for (a, b), c in edges.items():
        want[(nm[a], nm[b])] += c
    got = {}
    for fn in g.functions.values():
        for call in fn.calls.values():
            got[(fn.name, g.functions[call.callee_id].name)] = call[gprof2dot.CALLS]
    assert got == dict(want)
    # the call records' inclusive costs: gprof2dot's total for main (not
    # recursive, so no cycle) is its inclusive time
    main = [f for f, fn in enumerate(p.funcs) if fn[3] == "main"][0]
    inc = sum(n[3] for _, _, nodes in p.threads for n in nodes[1:] if n[1] == main)
    assert by_name[nm[main]][gprof2dot.TOTAL_TIME_RATIO] == pytest.approx(inc / p.total(), rel=1e-6)
    # and the command-line tool draws it
    res = subprocess.run([sys.executable, "-m", "gprof2dot", "-f", "callgrind", str(out)],
                         capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert res.returncode == 0 and "digraph" in res.stdout, res.stderr
    assert "warning" not in res.stderr


# --- pprof -------------------------------------------------------------------

@pytest.fixture(scope="module")
def profile_pb2(tmp_path_factory):
    """profile.proto compiled by protoc (grpcio-tools) into a module."""
    try:
        from grpc_tools import protoc
    except ImportError:
        pytest.fail("grpcio-tools is needed (pip install '.[test]')")
    d = tmp_path_factory.mktemp("proto")
    rc = protoc.main(["protoc", "-I%s" % DATA, "--python_out=%s" % d, str(DATA / "profile.proto")])
    assert rc == 0
    sys.path.insert(0, str(d))
    try:
        return importlib.import_module("profile_pb2")
    finally:
        sys.path.remove(str(d))


def test_pprof_decodes(prof, run, lento_exe, profile_pb2):
    d, p = prof
    out = export(run, lento_exe, d, "t.pb.gz")
    raw = gzip.decompress(out.read_bytes())
    pb = profile_pb2.Profile()
    pb.ParseFromString(raw)
    st = pb.string_table
    assert st[0] == ""
    assert [(st[v.type], st[v.unit]) for v in pb.sample_type] == [("calls", "count"),
                                                                  ("wall", "nanoseconds")]
    assert st[pb.default_sample_type] == "wall"
    funcs = {f.id: f for f in pb.function}
    locs = {l.id: l for l in pb.location}
    # every sample is one call path of one thread, innermost first
    got = defaultdict(lambda: [0, 0])
    for s in pb.sample:
        path = []
        for lid in s.location_id:
            (line,) = locs[lid].line
            f = funcs[line.function_id]
            path.append((st[f.name], st[f.filename], f.start_line))
        labels = {st[l.key]: st[l.str] for l in s.label}
        key = (labels["thread"], tuple(reversed(path)))
        got[key][0] += s.value[0]
        got[key][1] += s.value[1]
    want = defaultdict(lambda: [0, 0])
    for t, (_, tname, _) in enumerate(p.threads):
        for path, n in p.paths(t):
            if n[2] or n[4] > 0:
                key = (tname, tuple((p.funcs[f][3], p.funcs[f][1], p.funcs[f][2]) for f in path))
                want[key][0] += n[2]
                want[key][1] += max(n[4], 0)
    assert dict(got) == dict(want)
    assert sum(s.value[1] for s in pb.sample) == p.total()
    assert any(st[f.name] == HOSTILE for f in pb.function)
    assert pb.duration_nanos == round(float(p.meta["wall_seconds"]) * 1e9)


# --- speedscope --------------------------------------------------------------

def test_speedscope_schema(prof, run, lento_exe):
    jsonschema = need("jsonschema")
    d, p = prof
    out = export(run, lento_exe, d, "t.speedscope.json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads((DATA / "speedscope-file-format.schema.json").read_text())
    jsonschema.validate(doc, schema)
    frames = doc["shared"]["frames"]
    assert [f["name"] for f in frames] == [f[3] for f in p.funcs]
    assert len(doc["profiles"]) == len(p.threads)
    for t, prof_ in enumerate(doc["profiles"]):
        assert prof_["name"] == p.threads[t][1]
        assert len(prof_["samples"]) == len(prof_["weights"])
        assert sum(prof_["weights"]) == p.thread_total(t) == prof_["endValue"]
        got = defaultdict(int)
        for s, w in zip(prof_["samples"], prof_["weights"]):
            got[tuple(s)] += w
        want = defaultdict(int)
        for path, n in p.paths(t):
            if n[4] > 0:
                want[path] += n[4]
        assert dict(got) == dict(want)


# --- folded ------------------------------------------------------------------

def test_folded(prof, run, lento_exe):
    d, p = prof
    out = export(run, lento_exe, d, "t.folded")
    nm = names(p)
    got = defaultdict(int)
    for line in out.read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"(.+) (\d+)", line)
        assert m, line
        got[m.group(1)] += int(m.group(2))
    assert sum(got.values()) == p.total()
    want = defaultdict(int)
    for t, (_, tname, _) in enumerate(p.threads):
        for path, n in p.paths(t):
            if n[4] > 0:
                frames = [tname] + [nm[f].replace(";", ",") for f in path]
                want[";".join(frames)] += n[4]
    assert dict(got) == dict(want)
    # a ';' inside a name does not split the frame
    assert any(HOSTILE.replace(";", ",") in k for k in got)


# --- chrome ------------------------------------------------------------------

def test_chrome_trace(prof, run, lento_exe):
    d, p = prof
    out = export(run, lento_exe, d, "t.trace.json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    events = doc["traceEvents"]
    xs = [e for e in events if e["ph"] == "X"]
    meta = [e for e in events if e["ph"] == "M"]
    assert {e["name"] for e in meta} >= {"process_name", "thread_name"}
    thread_names = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name"}
    assert sorted(thread_names.values()) == sorted(t[1] for t in p.threads)
    assert len(xs) == sum(len(t[2]) - 1 for t in p.threads)
    for e in xs:
        assert isinstance(e["ts"], (int, float)) and isinstance(e["dur"], (int, float))
        assert e["ts"] >= 0 and e["dur"] >= 0 and isinstance(e["name"], str)
        assert e["pid"] == int(p.meta["pid"])
    # per thread: events nest (each lies inside the one that encloses it)
    # and the outermost ones add up to the thread's total time
    for tid, tname in thread_names.items():
        t = [i for i, th in enumerate(p.threads) if th[1] == tname][0]
        evs = sorted((e for e in xs if e["tid"] == tid), key=lambda e: (e["ts"], -e["dur"]))
        stack, top = [], 0.0
        for e in evs:
            while stack and e["ts"] >= stack[-1] - 1e-9:
                stack.pop()
            if stack:
                assert e["ts"] + e["dur"] <= stack[-1] + 1e-3
            else:
                top += e["dur"]
            stack.append(e["ts"] + e["dur"])
        assert top == pytest.approx(p.thread_total(t) / 1000, abs=1e-3 * len(evs))
        assert sum(e["args"]["calls"] for e in evs) == sum(n[2] for n in p.threads[t][2][1:])


# --- json --------------------------------------------------------------------

def test_json_schema_and_figures(prof, run, lento_exe):
    jsonschema = need("jsonschema")
    d, p = prof
    out = export(run, lento_exe, d, "t.json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads((ROOT / "docs" / "lento-profile.schema.json").read_text()))
    assert doc["tick"] == p.tick and doc["total"] == p.total()
    assert doc["meta"] == p.meta
    assert [(f["kind"] == "builtin", f["file"], f["line"], f["name"]) for f in doc["functions"]] == \
        [(k == 1, file, line, name) for k, file, line, name in p.funcs]
    calls, selfs = p.calls_by_func(), p.self_by_func()
    for i, f in enumerate(doc["functions"]):
        assert (f["calls"], f["self"]) == (calls[i], selfs[i])
        assert f["prim_calls"] <= f["calls"] and f["cum"] <= doc["total"]
    assert {(e[0], e[1]): e[2] for e in doc["edges"]} == dict(p.edge_calls())
    assert [(t["ident"], t["name"], [tuple(n) for n in t["nodes"]]) for t in doc["threads"]] == \
        [(i, n, [(a, -1 if b == 0xFFFFFFFF else b, c, tt, s) for a, b, c, tt, s in nodes])
         for i, n, nodes in p.threads]
    # cumulative time matches pstats' for a non-recursive function
    st = pstats.Stats(str(export(run, lento_exe, d, "t.pstats")))
    main = [i for i, f in enumerate(p.funcs) if f[3] == "main"][0]
    assert st.stats[pstats_key(p.funcs[main])][3] == pytest.approx(doc["functions"][main]["cum"] * 1e-9)


def test_json_escapes_for_script_context(prof, run, lento_exe):
    d, p = prof
    text = export(run, lento_exe, d, "t.json").read_text(encoding="utf-8")
    assert "<" not in text and ">" not in text and "&" not in text
    assert any(f["name"] == HOSTILE for f in json.loads(text)["functions"])


# --- the command -------------------------------------------------------------

def test_format_flag_overrides_extension(prof, run, lento_exe):
    d, p = prof
    out = export(run, lento_exe, d, "anything.out", "--format", "folded")
    assert re.fullmatch(r".+ \d+", out.read_text(encoding="utf-8").splitlines()[0])
    out = export(run, lento_exe, d, "x.json", "--format", "chrome")
    assert "traceEvents" in json.loads(out.read_text())


def one_line_failure(proc, code, *mentions):
    assert proc.returncode == code, describe(proc)
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, describe(proc)
    for m in mentions:
        assert m in err, describe(proc)


def test_unknown_extension(prof, run, lento_exe):
    d, _ = prof
    proc = run([lento_exe, "export", d / "t.lento", "-o", d / "t.xyz"], cwd=d)
    one_line_failure(proc, 2, "--format")
    assert not (d / "t.xyz").exists()
    proc = run([lento_exe, "export", d / "t.lento", "--format", "svg", "-o", d / "t.xyz"], cwd=d)
    one_line_failure(proc, 2, "svg")


def test_bad_inputs(prof, run, lento_exe, tmp_path):
    d, _ = prof
    proc = run([lento_exe, "export", tmp_path / "missing.lento", "-o", tmp_path / "a.json"])
    one_line_failure(proc, 1, "missing.lento")
    (tmp_path / "text.lento").write_text("hello\n")
    proc = run([lento_exe, "export", tmp_path / "text.lento", "-o", tmp_path / "a.json"])
    one_line_failure(proc, 1, "not a lento profile")
    data = (d / "t.lento").read_bytes()
    for cut in (10, 30, len(data) // 2, len(data) - 1):
        (tmp_path / "cut.lento").write_bytes(data[:cut])
        proc = run([lento_exe, "export", tmp_path / "cut.lento", "-o", tmp_path / "a.pb.gz"])
        one_line_failure(proc, 1, "truncated")
    assert not (tmp_path / "a.json").exists() and not (tmp_path / "a.pb.gz").exists()
    proc = run([lento_exe, "export", d / "t.lento", "-o", tmp_path / "no" / "dir.json"])
    one_line_failure(proc, 2, "no directory")
    proc = run([lento_exe, "export", d / "t.lento", "-o", d / "t.lento", "--format", "json"])
    one_line_failure(proc, 2, "not overwriting")
    assert lento_file.read(d / "t.lento").funcs  # still the profile
    proc = run([lento_exe, "export", d / "t.lento"])
    one_line_failure(proc, 2, "-o")


def test_export_help(run, lento_exe):
    proc = run([lento_exe, "export", "--help"])
    assert proc.returncode == 0
    for fmt in ("pstats", "callgrind", "folded", "speedscope", "chrome", "pprof", "json"):
        assert fmt in proc.stdout
    assert ".pb.gz" in proc.stdout and "example" in proc.stdout
    top = run([lento_exe, "--help"])
    assert "export" in top.stdout


def test_every_format_handles_a_large_profile(run, lento_exe, tmp_path):
    """10,000 functions: every writer finishes and its output parses."""
    p = lento_file.synthetic(10_000)
    p.write(tmp_path / "big.lento")
    for name in ("big.pstats", "big.callgrind", "big.folded", "big.speedscope.json",
                 "big.trace.json", "big.pb.gz", "big.json"):
        proc = run([lento_exe, "export", tmp_path / "big.lento", "-o", tmp_path / name])
        assert proc.returncode == 0, describe(proc)
    assert len(pstats.Stats(str(tmp_path / "big.pstats")).stats) == 10_000
    doc = json.loads((tmp_path / "big.json").read_text())
    assert doc["total"] == p.total() and len(doc["functions"]) == 10_000
    folded = (tmp_path / "big.folded").read_text().splitlines()
    assert sum(int(l.rsplit(" ", 1)[1]) for l in folded) == p.total()
