"""`lento graph`: the gprof2dot-style call graph.

The DOT text is parsed here and its figures compared with the profile's
(tests/lento_file.py); SVG and PNG are drawn by Graphviz's `dot`, which CI
installs (Debian package graphviz); without it those tests fail, and the
fallback (write the .dot, say how to draw it) is tested with a PATH that
has no dot.
"""
import re
import shutil
import struct
from collections import defaultdict
from pathlib import Path

import pytest

import lento_file
from lento_testlib import describe, run_cmd

TESTS = Path(__file__).resolve().parent
HOSTILE = "<script>alert(1)</script>;\"q\"'s&"


@pytest.fixture(scope="module")
def prof(tmp_path_factory, lento_exe):
    d = tmp_path_factory.mktemp("graph")
    proc = run_cmd([lento_exe, "run", "-o", d / "t.lento", TESTS / "programs" / "export_target.py"],
                   cwd=d)
    assert proc.returncode == 0, describe(proc)
    return d, lento_file.read(d / "t.lento")


def need_dot():
    if not shutil.which("dot"):
        pytest.fail("Graphviz's `dot` is not installed (Debian: apt-get install graphviz)")


_NODE = re.compile(r'^  f(\d+) \[label="((?:[^"\\]|\\.)*)"', re.M)
_EDGE = re.compile(r'^  f(\d+) -> f(\d+) \[label="((?:[^"\\]|\\.)*)"', re.M)


def parse(dot):
    nodes = {int(m.group(1)): m.group(2).split("\\n") for m in _NODE.finditer(dot)}
    edges = {(int(m.group(1)), int(m.group(2))): m.group(3).split("\\n")
             for m in _EDGE.finditer(dot)}
    return nodes, edges


def graph(lento_exe, d, name, *extra, env=None):
    proc = run_cmd([lento_exe, "graph", d / "t.lento", "-o", d / name, *extra], cwd=d, env=env)
    assert proc.returncode == 0, describe(proc)
    return proc


def test_dot_figures(prof, lento_exe):
    d, p = prof
    graph(lento_exe, d, "all.dot", "--node-thres", "0", "--edge-thres", "0")
    nodes, edges = parse((d / "all.dot").read_text(encoding="utf-8"))
    calls, selfs = p.calls_by_func(), p.self_by_func()
    total = p.total()
    ran = {f for f in range(len(p.funcs)) if calls[f]}
    assert set(nodes) == ran
    for f, label in nodes.items():
        assert label[0].replace('\\"', '"').replace("\\\\", "\\") == p.funcs[f][3]
        self_pct = float(label[-2].strip("()%"))
        assert self_pct == pytest.approx(100 * selfs[f] / total, abs=0.006), label
        n = label[-1].rstrip("×").split("/")[0].replace(",", "")
        assert int(n) == calls[f], label
        assert 0 <= float(label[-3].rstrip("%")) <= 100.001
    # main is not recursive: its total is its inclusive time
    main = [f for f in ran if p.funcs[f][3] == "main"][0]
    inc = sum(nd[3] for _, _, nodes_ in p.threads for nd in nodes_[1:] if nd[1] == main)
    assert float(nodes[main][-3].rstrip("%")) == pytest.approx(100 * inc / total, abs=0.006)
    assert set(edges) == set(p.edge_calls())
    for e, label in edges.items():
        assert int(label[1].rstrip("×").replace(",", "")) == p.edge_calls()[e]


def test_thresholds_prune(prof, lento_exe):
    d, p = prof
    graph(lento_exe, d, "all.dot", "--node-thres", "0", "--edge-thres", "0")
    graph(lento_exe, d, "default.dot")
    graph(lento_exe, d, "big.dot", "--node-thres", "20", "--edge-thres", "20")
    a, _ = parse((d / "all.dot").read_text(encoding="utf-8"))
    b, _ = parse((d / "default.dot").read_text(encoding="utf-8"))
    c, ce = parse((d / "big.dot").read_text(encoding="utf-8"))
    assert set(c) < set(b) < set(a)
    for f, label in c.items():
        assert float(label[-3].rstrip("%")) >= 20
    for (x, y), label in ce.items():
        assert x in c and y in c and float(label[0].rstrip("%")) >= 20


def test_svg_and_png_with_dot(prof, lento_exe):
    need_dot()
    d, p = prof
    graph(lento_exe, d, "g.svg", "--node-thres", "0")
    svg = (d / "g.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "fib" in svg and "naïve_函数" in svg
    # the hostile name is text in the SVG, never markup
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    graph(lento_exe, d, "g.png")
    data = (d / "g.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    assert w > 100 and h > 100


def test_without_dot_writes_dot_and_says_how(prof, lento_exe, tmp_path):
    d, p = prof
    import os
    env = dict(os.environ, PATH="/nonexistent")
    proc = run_cmd([lento_exe, "graph", d / "t.lento", "-o", tmp_path / "cg.png"], env=env)
    assert proc.returncode == 0, describe(proc)
    assert not (tmp_path / "cg.png").exists()
    dot = (tmp_path / "cg.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph")
    assert "dot -Tpng -o %s %s" % (tmp_path / "cg.png", tmp_path / "cg.dot") in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bad_arguments(prof, lento_exe, tmp_path):
    d, _ = prof
    for args, code, word in [
        (["-o", tmp_path / "x.jpg"], 2, ".svg"),
        (["-o", tmp_path / "x.svg", "--node-thres", "abc"], 2, "percentage"),
        (["-o", tmp_path / "x.svg", "--edge-thres", "101"], 2, "percentage"),
        ([], 2, "-o"),
    ]:
        proc = run_cmd([lento_exe, "graph", d / "t.lento", *args])
        assert proc.returncode == code, describe(proc)
        assert word in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    proc = run_cmd([lento_exe, "graph", tmp_path / "none.lento", "-o", tmp_path / "x.dot"])
    assert proc.returncode == 1 and "none.lento" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_graph_help(lento_exe):
    proc = run_cmd([lento_exe, "graph", "--help"])
    assert proc.returncode == 0
    assert "--node-thres" in proc.stdout and "graphviz" in proc.stdout.lower()


def test_large_profile(lento_exe, tmp_path):
    p = lento_file.synthetic(10_000)
    p.write(tmp_path / "t.lento")
    proc = run_cmd([lento_exe, "graph", tmp_path / "t.lento", "-o", tmp_path / "g.dot"])
    assert proc.returncode == 0, describe(proc)
    nodes, edges = parse((tmp_path / "g.dot").read_text())
    assert 0 < len(nodes) <= 200  # 0.5 % each: at most 200 can pass


# --- lento flame: the standalone SVG flame graph ------------------------------

def test_flame_svg(prof, lento_exe):
    import xml.etree.ElementTree as ET
    d, p = prof
    proc = run_cmd([lento_exe, "flame", d / "t.lento", "-o", d / "f.svg"])
    assert proc.returncode == 0, describe(proc)
    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.parse(d / "f.svg").getroot()          # well-formed XML, names escaped
    bars = []
    for g in root.findall("s:g", ns):
        title = g.find("s:title", ns).text
        rect = g.find("s:rect", ns)
        bars.append((title.split("\n")[0].rstrip(), float(rect.get("x")),
                     float(rect.get("width")), float(rect.get("y"))))
    total = p.total()
    assert bars[0][0] == "all" and bars[0][2] == pytest.approx(1200, abs=0.01)
    threads = [b for b in bars if b[0].startswith("thread ")]
    assert sorted(b[0] for b in threads) == sorted("thread " + t[1] for t in p.threads)
    # every call path at least 0.3 px wide is a bar as wide as its time
    want = defaultdict(float)
    for t in range(len(p.threads)):
        for path, n in p.paths(t):
            want[lento_file.frame_name(p.funcs[n[1]])] += n[3]
    got = defaultdict(float)
    for name, x, w, y in bars[1:]:
        if not name.startswith("thread "):
            got[name] += w
    for name, w in got.items():
        assert w <= 1200 * want[name] / total + 0.05, name
    main = lento_file.frame_name([f for f in p.funcs if f[3] == "main"][0])
    assert got[main] == pytest.approx(1200 * want[main] / total, abs=0.02)
    hostile = [b for b in bars if b[0].startswith(HOSTILE + " (")]
    assert hostile, "the hostile name is a bar, as text"
    assert b"<script>" not in (d / "f.svg").read_bytes()
    proc = run_cmd([lento_exe, "flame", d / "t.lento", "-o", d / "f.png"])
    assert proc.returncode == 2 and ".svg" in proc.stderr
