"""The HTML report in a real headless browser (Debian's chromium, driven
over the DevTools protocol by tests/cdp.py).

Without chromium these tests fail (they do not skip): CI installs it
(`apt-get install chromium`).
"""
import json
import re
import time
from pathlib import Path

import pytest

import lento_file
from lento_testlib import describe, run_cmd

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def browser():
    import cdp
    if not cdp.find_browser():
        pytest.fail("chromium is not installed (Debian: apt-get install chromium); "
                    "the HTML report's tests need a real browser")
    try:
        import websocket  # noqa: F401
    except ImportError:
        pytest.fail("websocket-client is not installed (pip install '.[test]')")
    b = cdp.Browser()
    yield b
    b.close()


@pytest.fixture
def page(browser):
    """The browser with its event log cleared for this test."""
    browser.events.clear()
    return browser


@pytest.fixture(scope="module")
def reports(tmp_path_factory, lento_exe):
    d = tmp_path_factory.mktemp("html")
    for prog in ("export_target", "hostile_names"):
        proc = run_cmd([lento_exe, "run", "-o", d / (prog + ".lento"), "--html", d / (prog + ".html"),
                        TESTS / "programs" / (prog + ".py")], cwd=d)
        assert proc.returncode == 0, describe(proc)
        assert "Report written to" in proc.stderr
    return d


def text_of(page, selector):
    return page.eval("document.querySelector(%s).textContent" % json.dumps(selector))


def table_rows(page):
    return page.eval("Array.from(document.querySelectorAll('#fn-rows tr')).map("
                     "function(r){return Array.from(r.cells).map(function(c){return c.textContent})})")


def count(s):
    return int(s.split("/")[0].replace(",", ""))


def test_loads_sorts_zooms_and_screenshots(page, reports, tmp_path):
    page.load(reports / "export_target.html")
    assert page.errors() == []
    # every request stays on this machine: the file itself, nothing else
    assert all(u.startswith(("file:", "data:", "about:")) for u in page.requests()), page.requests()
    assert text_of(page, "#command").endswith("export_target.py")
    headings = page.eval("Array.from(document.querySelectorAll('section h2')).map(function(h){return h.textContent})")
    # made by `lento run`: the run's figures give the Bottleneck and Timeline
    # sections (tests/test_html_bottleneck.py); a profile without them has none
    assert headings == ["Summary", "Bottleneck", "Timeline", "Functions", "Call graph", "Flame graph"]

    # the table: sorted by self time, then by calls on a header click
    rows = table_rows(page)
    assert len(rows) > 10
    page.click_element("#fn-table th[data-key=calls]")
    assert page.eval("document.querySelector('#fn-table th[data-key=calls]').getAttribute('aria-sort')") == "descending"
    calls = [count(r[1]) for r in table_rows(page)]
    assert calls == sorted(calls, reverse=True) and calls[0] > 10_000  # fib
    page.click_element("#fn-table th[data-key=calls]")
    calls = [count(r[1]) for r in table_rows(page)]
    assert calls == sorted(calls)
    page.click_element("#fn-table th[data-key=name]")
    names = [r[0].lower() for r in table_rows(page)]
    assert names == sorted(names)

    # filtering
    page.eval("(function(){var i=document.getElementById('fn-filter');i.value='fib';"
              "i.dispatchEvent(new Event('input'));})()")
    assert [r[0] for r in table_rows(page)] == ["fib (programs/export_target.py:8)"]
    # a row click walks the caller/callee explorer to that function
    page.click_element("#fn-rows tr")
    assert text_of(page, "#explorer-fn") == "fib (programs/export_target.py:8)"
    callers = page.eval("Array.from(document.querySelectorAll('#explorer tbody')[0].rows).map(function(r){return r.cells[0].textContent})")
    assert set(callers) == {"fib (programs/export_target.py:8)", "main (programs/export_target.py:39)",
                            "worker (programs/export_target.py:34)"}

    # the call graph drawn by dot is in the page, as SVG
    assert page.eval("document.querySelectorAll('#graph-svg svg g.node').length") > 5

    # the flame graph: a click on a frame zooms into it
    assert text_of(page, "#flame-zoom") == "zoom: all"
    pixels = "document.getElementById('flame-canvas').toDataURL()"
    before = page.eval(pixels)
    page.click_element("#flame-canvas", dx=3, dy=18 * 2 + 9)   # third row, left edge
    zoom = text_of(page, "#flame-zoom")
    assert zoom.startswith("zoom: all \u203a ") and zoom.count("\u203a") == 2, zoom
    assert page.eval(pixels) != before   # the picture was redrawn, zoomed
    page.click_element("#flame-reset")
    assert text_of(page, "#flame-zoom") == "zoom: all"
    # search highlights and measures
    page.eval("(function(){var i=document.getElementById('flame-search');i.value='fib';"
              "i.dispatchEvent(new Event('input'));})()")
    found = text_of(page, "#flame-found")
    m = re.fullmatch(r"matches: ([\d.]+)% of the time", found)
    assert m and 5 < float(m.group(1)) < 100, found

    png = page.screenshot(tmp_path / "report.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert page.errors() == [] and page.dialogs() == []


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=\"document.title='pwned';alert(2)\">",
    "</script><script>alert(3)</script>",
    "\"double\" 'single'; semi & amp",
    "naïve_函数_ü",
]


def test_hostile_names_are_text(page, reports):
    page.load(reports / "hostile_names.html")
    assert page.errors() == []
    time.sleep(0.3)  # give any injected handler (img onerror) time to fire
    assert page.dialogs() == []
    assert page.eval("document.title") != "pwned" and "pwned" not in page.eval("document.title")
    assert page.eval("document.scripts.length") == 2       # the data and the page's own
    assert page.eval("document.querySelectorAll('img, iframe, object, embed').length") == 0
    cells = [r[0] for r in table_rows(page)]
    for name in HOSTILE:
        assert any(c.startswith(name + " (") for c in cells), name
    # and visible on the page as text, thread name included
    body = page.eval("document.body.innerText")
    for name in HOSTILE + ["<b onmouseover=alert(4)>thread</b>"]:
        assert name in body, name
    # the flame graph draws them too (its frame names are the same strings)
    page.eval("(function(){var i=document.getElementById('flame-search');i.value='<script>';"
              "i.dispatchEvent(new Event('input'));})()")
    assert text_of(page, "#flame-found").startswith("matches: ")
    assert page.dialogs() == [] and page.errors() == []


def test_large_profile_stays_usable(page, lento_exe, tmp_path):
    p = lento_file.synthetic(10_000)
    p.write(tmp_path / "big.lento")
    proc = run_cmd([lento_exe, "html", tmp_path / "big.lento", "-o", tmp_path / "big.html"])
    assert proc.returncode == 0, describe(proc)
    t0 = time.time()
    page.load(tmp_path / "big.html")
    elapsed = time.time() - t0
    assert page.errors() == []
    assert len(table_rows(page)) == 500
    assert "of 10,000 functions" in text_of(page, "#fn-count")
    page.eval("(function(){var i=document.getElementById('fn-filter');i.value='func_09999';"
              "i.dispatchEvent(new Event('input'));})()")
    assert [r[0] for r in table_rows(page)] == [lento_file.frame_name(p.funcs[9999])]
    page.click_element("#fn-table th[data-key=cum]")
    page.click_element("#flame-canvas", dx=3, dy=18 + 9)
    assert text_of(page, "#flame-zoom").count("\u203a") == 1
    assert page.errors() == []
    assert elapsed < 30  # generous: a shared CI machine; bench/ has the real figure


def test_html_command(lento_exe, tmp_path, reports):
    proc = run_cmd([lento_exe, "html", "--help"])
    assert proc.returncode == 0 and "self-contained" in proc.stdout
    proc = run_cmd([lento_exe, "html", tmp_path / "none.lento", "-o", tmp_path / "r.html"])
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    proc = run_cmd([lento_exe, "html", reports / "export_target.lento"])
    assert proc.returncode == 2 and "-o" in proc.stderr
    html = (reports / "export_target.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "default-src 'none'" in html
    # nothing that loads from elsewhere
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    # the data block cannot be closed early by a name
    data = html.split('id="lento-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data
    doc = json.loads(data)
    assert doc["profile"]["format"] == "lento-profile"
