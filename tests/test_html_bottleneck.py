"""The HTML report's Bottleneck and Timeline sections, in headless chromium:
drawn from the run's system figures (the object `lento report --json`
prints, embedded as DATA.system), left out for a profile without them."""
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from lento_testlib import describe, run_cmd
from test_html import browser, page, text_of  # noqa: F401  (fixtures)

TESTS = Path(__file__).resolve().parent
SPIN = TESTS / "programs" / "spin.py"


def page_data(html):
    text = html.read_text(encoding="utf-8")
    return json.loads(text.split('id="lento-data">', 1)[1].split("</script>", 1)[0])


def report_json(lento_exe, path):
    proc = run_cmd([lento_exe, "report", path, "--json"])
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stdout)


def items(page, selector):
    return page.eval("Array.from(document.querySelectorAll(%s)).map(function(e){return e.textContent})"
                     % json.dumps(selector))


def headings(page):
    return items(page, "section h2")


@pytest.fixture(scope="module")
def cpu_run(tmp_path_factory, lento_exe):
    d = tmp_path_factory.mktemp("html_bn")
    proc = run_cmd([lento_exe, "run", "-o", d / "cpu.lento", "--html", d / "cpu.html", SPIN, "0.6"], cwd=d)
    assert proc.returncode == 0, describe(proc)
    return d


def test_cpu_bound_run(page, cpu_run, lento_exe, tmp_path):
    rep = report_json(lento_exe, cpu_run / "cpu.lento")
    assert rep["verdict"] is not None
    page.load(cpu_run / "cpu.html")
    assert page.errors() == []
    assert headings(page) == ["Summary", "Bottleneck", "Timeline", "Functions", "Call graph", "Flame graph"]

    # the verdict on the page is the one `lento report --json` gives
    v = rep["verdict"]
    head = "document.getElementById('verdict-head')"
    assert page.eval(head + ".getAttribute('data-kind')") == v["kind"]
    assert page.eval(head + ".getAttribute('data-confidence')") == v["confidence"]
    assert text_of(page, "#verdict-label") == v["label"]
    assert v["confidence"] + " confidence" in text_of(page, "#verdict-head")
    assert items(page, "#verdict-evidence li") == v["evidence"]
    assert items(page, "#verdict-advice li") == rep["advice"] and rep["advice"]
    warn = items(page, "#verdict-warnings li")
    assert warn == [w["kind"] + " " + w["text"] for w in rep["warnings"]]
    # the embedded object is the JSON report itself (one shape for one thing)
    data = page_data(cpu_run / "cpu.html")["system"]
    for k in ("verdict", "advice", "warnings", "cpu", "memory", "io", "timeline", "hardware_counters"):
        assert data[k] == rep[k], k

    # the figures table
    figs = dict(zip(items(page, "#verdict-figures dt"), items(page, "#verdict-figures dd")))
    assert figs["command"].endswith("spin.py 0.6")
    assert figs["CPU use"].startswith("%.2f cores" % rep["cpu"]["cores_used"])
    assert "available core" in figs["CPU use"] and "peak RSS" in figs
    hc = rep["hardware_counters"]
    if hc["available"]:
        assert "instructions" in figs["hardware counters"]
    else:
        assert figs["hardware counters"] == "unavailable: " + hc["reason"]

    # the timeline: one vertex per saved point on every line
    n = len(rep["timeline"]["points"])
    assert n >= 5
    assert page.eval("document.getElementById('timeline-chart').getAttribute('data-points')") == str(n)
    for line in ("cpu", "rss", "read", "write"):
        pts = page.eval("document.getElementById('tl-line-%s').getAttribute('points')" % line)
        assert len(pts.split()) == n, line
    labels = items(page, "#timeline-chart text")
    assert "CPU (cores used)" in labels and "RSS" in labels and "0" in labels
    assert any(t.endswith(" ms") or t.endswith(" s") for t in labels)

    # hovering reads out the values at the nearest point
    page.eval("document.getElementById('timeline').scrollIntoView()")
    r = page.eval("(function(){var r=document.getElementById('timeline-chart')"
                  ".getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()")
    page.call("Input.dispatchMouseEvent", type="mouseMoved", x=r[0] + r[2] / 2, y=r[1] + r[3] / 3)
    readout = text_of(page, "#timeline-readout")
    assert readout.startswith("at ") and "CPU" in readout and "RSS" in readout, readout

    png = page.screenshot(tmp_path / "bottleneck.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert page.errors() == [] and page.dialogs() == []


def test_profile_without_figures(page, lento_exe, tmp_path):
    proc = run_cmd([sys.executable, "-m", "lento", "-o", tmp_path / "plain.lento", SPIN, "0.1"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    proc = run_cmd([lento_exe, "html", tmp_path / "plain.lento", "-o", tmp_path / "plain.html"])
    assert proc.returncode == 0, describe(proc)
    assert page_data(tmp_path / "plain.html")["system"] is None
    page.load(tmp_path / "plain.html")
    assert page.errors() == []
    assert headings(page) == ["Summary", "Functions", "Call graph", "Flame graph"]
    assert page.eval("document.querySelectorAll('#verdict, #timeline, #timeline-chart').length") == 0
    assert items(page, "nav a") == headings(page)


HOSTILE_DIR = "\"q' &amp; <script>alert(1)<"   # + "script>.py": .../<script>alert(1)</script>.py


def test_hostile_command_is_text(page, lento_exe, tmp_path):
    d = tmp_path / HOSTILE_DIR
    d.mkdir()
    prog = d / "script>.py"
    shutil.copy(SPIN, prog)
    proc = run_cmd([lento_exe, "run", "-o", tmp_path / "h.lento", "--html", tmp_path / "h.html",
                    prog, "0.2", "<img src=x onerror=alert(2)>"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    html = (tmp_path / "h.html").read_text(encoding="utf-8")
    data = html.split('id="lento-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data and "&" not in data
    label = page_data(tmp_path / "h.html")["system"]["label"]
    assert "<script>alert(1)</script>" in label and "<img src=x onerror=alert(2)>" in label

    page.load(tmp_path / "h.html")
    assert page.errors() == []
    time.sleep(0.3)   # time for any injected handler to fire
    assert page.dialogs() == []
    assert page.eval("document.scripts.length") == 2
    assert page.eval("document.querySelectorAll('img, iframe, object, embed').length") == 0
    figs = dict(zip(items(page, "#verdict-figures dt"), items(page, "#verdict-figures dd")))
    assert figs["command"] == label
    assert "<script>alert(1)</script>" in figs["command"] and "\"q' &amp; " in figs["command"]
    assert text_of(page, "#command") == label
    assert page.errors() == [] and page.dialogs() == []
