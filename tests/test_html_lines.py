"""The HTML report's Lines section, in headless chromium: each line-timed
function's source (read by lento from the file when the report is made)
with every line's hits, time and heat; line numbers alone when the file is
gone; source text that is never markup; no section without line tables."""
import json
import sys
import time

from lento_testlib import describe, run_cmd
import lento_file
from test_html import browser, page, text_of  # noqa: F401  (fixtures)
from test_html_bottleneck import headings, items, page_data

SLOW = '''\
import time


@profile  # noqa: F821
def light(n):
    return sum(range(n))


@profile  # noqa: F821
def work(n):
    total = 0
    for i in range(n):
        total += light(100)
        time.sleep(0.05)
    return total


if __name__ == "__main__":
    print(work(4))
'''
SLEEP_LINE = SLOW.splitlines().index("        time.sleep(0.05)") + 1

HOSTILE = '''\
@profile  # noqa: F821
def evil():
    a = "<script>alert(1)</script>"
    b = '<img src=x onerror=alert(2)>'
    c = "</script><script>alert(3)</script>&amp;"
    return a + b + c


evil()
'''


def lines_run(lento_exe, tmp, source, html=True):
    script = tmp / "script.py"
    script.write_text(source, encoding="utf-8")
    cmd = ["run", "--lines", "-o", tmp / "r.lento"] + (["--html", tmp / "r.html"] if html else [])
    proc = run_cmd([lento_exe] + cmd + [script], cwd=tmp)
    assert proc.returncode == 0, describe(proc)
    return script


def rows(page, k=0):
    """[(line, hits, heat, cells)] of the k-th function's table."""
    return page.eval(
        "Array.from(document.querySelectorAll('#lines-table-%d tbody tr')).map(function(r){"
        "return [+r.getAttribute('data-line'), r.getAttribute('data-hits'), +r.getAttribute('data-heat'),"
        "Array.from(r.cells).map(function(c){return c.textContent})]})" % k)


def func_rows(p, name):
    ((key, (last, rs)),) = [(k, v) for k, v in p.lines.items() if k[2] == name]
    return key, last, rs


def test_lines_heat(page, lento_exe, tmp_path):
    script = lines_run(lento_exe, tmp_path, SLOW)
    p = lento_file.read(tmp_path / "r.lento")
    page.load(tmp_path / "r.html")
    assert page.errors() == []
    assert headings(page) == ["Summary", "Bottleneck", "Timeline", "Functions", "Lines", "Call graph",
                              "Flame graph"]
    assert items(page, "nav a") == headings(page)
    # the functions, most time first: work (which calls light) then light
    names = page.eval("Array.from(document.querySelectorAll('#lines details.linefunc')).map("
                      "function(d){return d.getAttribute('data-name')})")
    assert names == ["work", "light"]
    assert "work" in text_of(page, "#lines-f0 summary")
    assert text_of(page, "#lines-legend").startswith("heat")

    src = SLOW.splitlines()
    for k, name in enumerate(names):
        (file, first, _), last, table = func_rows(p, name)
        assert file == str(script)
        got = rows(page, k)
        # every line of the function, in order, with its source
        assert [r[0] for r in got] == list(range(first, last + 1))
        assert [r[3][0] for r in got] == [str(n) for n in range(first, last + 1)]
        assert [r[3][6] for r in got] == src[first - 1:last]
        # hits as in the .lento file's LINE table; blank where never reached
        assert {r[0]: int(r[1]) for r in got if r[1]} == {l: h for l, h, _ in table}
        assert {r[0]: int(r[3][1].replace(",", "")) for r in got if r[3][1]} == {l: h for l, h, _ in table}
        # heat = share of the function's time, as the table's % Time
        tot = sum(t for _, _, t in table)
        by = {l: t for l, _, t in table}
        for r in got:
            assert abs(r[2] - (by.get(r[0], 0) / tot if tot else 0)) < 1e-5, r
            if r[0] in by and tot:
                assert r[3][4] == "%.1f" % (100 * by[r[0]] / tot), r

    # the sleep line is the hottest of work, and its row is coloured
    got = rows(page, 0)
    hot = max(got, key=lambda r: r[2])
    assert hot[0] == SLEEP_LINE and hot[3][6].strip() == "time.sleep(0.05)"
    assert hot[2] > 0.9 and int(hot[1]) == 4
    def bg_of(line):
        return page.eval("document.querySelector('#lines-table-0 tr[data-line=\"%d\"]').style.backgroundColor"
                         % line)
    assert bg_of(SLEEP_LINE - 4) == ""   # the def line: never hit, no heat
    assert bg_of(SLEEP_LINE - 3) == ""   # total = 0: far under 0.1% of the time
    assert bg_of(SLEEP_LINE).startswith("rgba(214, 64, 30"), bg_of(SLEEP_LINE)
    # the data is what lento report --lines prints
    rep = run_cmd([lento_exe, "report", "--lines", tmp_path / "r.lento"])
    assert rep.returncode == 0, describe(rep)
    assert "Function: work at line" in rep.stdout
    prog = float(rep.stdout.split("% Prog is the line's share of the program's ")[1].split(" s")[0])
    pp = page.eval("(function(){var r=document.querySelector('#lines-table-0 tr[data-line=\"%d\"]');"
                   "return r.cells[5].textContent})()" % SLEEP_LINE)
    assert abs(float(pp) - 100 * by_time(p, "work")[SLEEP_LINE] * 1e-9 / prog) < 0.11

    page.eval("document.getElementById('lines').scrollIntoView()")
    png = page.screenshot(tmp_path / "lines.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert page.errors() == [] and page.dialogs() == []


def by_time(p, name):
    return {l: t for l, _, t in func_rows(p, name)[2]}


def test_unreadable_source(page, lento_exe, tmp_path):
    script = lines_run(lento_exe, tmp_path, SLOW, html=False)
    script.unlink()
    proc = run_cmd([lento_exe, "html", tmp_path / "r.lento", "-o", tmp_path / "gone.html"])
    assert proc.returncode == 0, describe(proc)
    data = page_data(tmp_path / "gone.html")["lines"]
    assert [f["source"] for f in data["functions"]] == ["unreadable", "unreadable"]
    assert all(l[3] is None for f in data["functions"] for l in f["lines"])
    p = lento_file.read(tmp_path / "r.lento")
    page.load(tmp_path / "gone.html")
    assert page.errors() == []
    assert "Lines" in headings(page)
    (_, first, _), last, table = func_rows(p, "work")
    got = rows(page, 0)
    assert [r[0] for r in got] == list(range(first, last + 1))
    assert all(r[3][6] == "" for r in got)
    assert {r[0]: int(r[1]) for r in got if r[1]} == {l: h for l, h, _ in table}
    assert max(got, key=lambda r: r[2])[0] == SLEEP_LINE
    assert "could not be read" in text_of(page, "#lines-f0 .source-note")
    assert page.errors() == [] and page.dialogs() == []


def test_source_is_text(page, lento_exe, tmp_path):
    lines_run(lento_exe, tmp_path, HOSTILE)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    data = html.split('id="lento-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data and "&" not in data
    page.load(tmp_path / "r.html")
    assert page.errors() == []
    time.sleep(0.3)   # time for any injected handler to fire
    assert page.dialogs() == []
    assert page.eval("document.scripts.length") == 2
    assert page.eval("document.querySelectorAll('img, iframe, object, embed').length") == 0
    texts = [r[3][6] for r in rows(page, 0)]
    assert texts == HOSTILE.splitlines()[:6]
    assert '    a = "<script>alert(1)</script>"' in texts
    assert page.errors() == [] and page.dialogs() == []


def test_no_lines_no_section(page, lento_exe, tmp_path):
    script = tmp_path / "plain.py"
    script.write_text(SLOW.replace("@profile  # noqa: F821\n", ""), encoding="utf-8")
    proc = run_cmd([lento_exe, "run", "-o", tmp_path / "p.lento", "--html", tmp_path / "p.html", script],
                   cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert page_data(tmp_path / "p.html")["lines"] is None
    page.load(tmp_path / "p.html")
    assert page.errors() == []
    assert "Lines" not in headings(page)
    assert page.eval("document.querySelectorAll('#lines, .lines-table').length") == 0


def test_limits(page, lento_exe, tmp_path):
    """201 functions: the 200 with the most time are shown, the last is
    counted; a function over 2,000 lines lists its timed lines without
    source; a very long line is cut."""
    src = tmp_path / "big.py"
    src.write_text("x = '%s'\n" % ("\u00e9" * 2000) + "pass\n" * 3000, encoding="utf-8")
    p = lento_file.Profile()
    p.meta["command"] = "big.py"
    p.funcs.append((0, str(src), 1, "f"))
    p.threads.append((1, "MainThread", [(0, 0xFFFFFFFF, 0, 0, 0), (0, 0, 1, 10**9, 10**9)]))
    for i in range(201):
        p.lines[(str(src), 1, "f%d" % i)] = (3, [(1, 1, 1000 - i), (2, 2, 5)])
    p.lines[(str(src), 1, "huge")] = (2999, [(2, 1, 10**6), (2500, 3, 10**5)])
    p.write(tmp_path / "big.lento")
    proc = run_cmd([lento_exe, "html", tmp_path / "big.lento", "-o", tmp_path / "big.html", "--no-graph"])
    assert proc.returncode == 0, describe(proc)
    data = page_data(tmp_path / "big.html")["lines"]
    fs = data["functions"]
    assert len(fs) == 200 and data["omitted"] == 2
    assert fs[0]["name"] == "huge" and fs[0]["source"] == "too_long"
    assert fs[0]["lines"] == [[2, 1, 0.001, None], [2500, 3, 0.0001, None]]
    assert [f["name"] for f in fs[1:]] == ["f%d" % i for i in range(199)]
    cut = fs[1]["lines"][0][3]
    assert cut.endswith("\u2026") and len(cut.encode()) <= 503 and "\ufffd" not in cut
    page.load(tmp_path / "big.html")
    assert page.errors() == []
    assert "2 more functions" in text_of(page, "#lines-omitted")
    assert [r[0] for r in rows(page, 0)] == [2, 2500]
    assert "Over 2,000 lines" in text_of(page, "#lines-f0 .source-note")
    # past the first few, a function's table is drawn when it is opened
    assert page.eval("document.querySelectorAll('.lines-table').length") == 8
    assert page.eval("document.getElementById('lines-f150').open") is False
    page.click_element("#lines-f150 summary")
    for _ in range(100):   # the toggle event comes after the click
        if rows(page, 150):
            break
        time.sleep(0.02)
    assert [r[0] for r in rows(page, 150)] == [1, 2, 3]
    assert page.errors() == []


def test_line_profiler_file(page, lento_exe, tmp_path):
    """LineProfiler.dump_stats("x.lento"): line tables without a function
    profile; the section shows them, % Prog stays blank (no program time)."""
    script = tmp_path / "lp.py"
    script.write_text(
        "import time\nimport lento\n\n\ndef f():\n    for i in range(3):\n        time.sleep(0.01)\n\n\n"
        "lp = lento.LineProfiler(f)\nlp.enable()\nf()\nlp.disable()\nlp.dump_stats('lp.lento')\n",
        encoding="utf-8")
    proc = run_cmd([sys.executable, script], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    proc = run_cmd([lento_exe, "html", tmp_path / "lp.lento", "-o", tmp_path / "lp.html"])
    assert proc.returncode == 0, describe(proc)
    page.load(tmp_path / "lp.html")
    assert page.errors() == []
    assert "Lines" in headings(page)
    got = rows(page, 0)
    hot = max(got, key=lambda r: r[2])
    assert hot[0] == 7 and hot[3][6] == "        time.sleep(0.01)" and int(hot[1]) == 3
    assert all(r[3][5] == "" for r in got)
    assert page.errors() == []
