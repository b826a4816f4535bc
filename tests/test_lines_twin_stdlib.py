"""Twins over the standard library: the structure of the twin of every code
object compiled from the stdlib's .py files (check_twin, the model in
test_lines_twin.py), and line hits on pure-Python stdlib modules, every
function selected, against line_profiler and the tracing path.

The structural walk takes about 8 s (11 s under the sanitizers, where it is
the memory check of bcode.c over 20000 code objects)."""
import importlib.util
import gc
import os
import sys
import sysconfig
import types
from pathlib import Path

import pytest

from test_lines_twin import (Carrier, check_twin, diff_hits, hits, line_profiler,
                             nested_codes, rebuild)

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "__pycache__"}


def stdlib_files():
    out = []
    for dirpath, dirnames, filenames in os.walk(STDLIB):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        out += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py")]
    return out


def all_codes(code):
    return [code] + nested_codes(code)


def test_stdlib_twins_are_well_formed(lento):
    """Every stdlib code object bcode.c takes: dis reads its twin; its lines,
    instructions, positions, jumps, exception table and probes are those
    the model derives from the original (check_twin).  At least 99% of
    them get a twin."""
    files = stdlib_files()
    assert len(files) > 100
    n = twins = 0
    problems = []
    for path in files:
        try:
            code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue            # lib2to3's deliberately broken test data, ...
        for c in all_codes(code):
            n += 1
            t = lento._lento._line_twin(c)
            if t is None:
                continue
            twins += 1
            try:
                found = check_twin(c, t)
            except AssertionError as e:
                found = ["unreadable twin: %s" % e]
            problems += ["%s:%d %s: %s" % (path.relative_to(STDLIB), c.co_firstlineno,
                                           c.co_qualname, p) for p in found]
    assert n > 3000
    assert twins >= 0.99 * n, "twins for %d of %d code objects" % (twins, n)
    assert not problems, "\n" + "\n".join(problems[:40])


# ---- hits on stdlib modules -----------------------------------------------

def run_module_copy(lento, modname, workload, mode):
    """A private copy of modname (its source compiled afresh, executed as a
    module of another name), every code object selected, workload(module)
    run with profiling on.  (result, hits, number of code objects, number
    of them with a twin)."""
    spec = importlib.util.find_spec(modname)
    path = spec.origin
    code = compile(Path(path).read_text(encoding="utf-8"), path, "exec")
    codes = all_codes(code)
    with_twin = sum(lento._lento._line_twin(c) is not None for c in codes)
    name = "_twin_copy_of_" + modname.replace(".", "_")
    was = None
    if mode == "lprof":
        prof = line_profiler.LineProfiler()
        padded = {}
        for c in codes:
            carrier = Carrier(c)
            prof.add_function(carrier)
            padded[id(c)] = carrier.__code__
        code = rebuild(code, padded)
    else:
        was = lento._lento._line_probes(mode == "twin")
        prof = lento.LineProfiler(*[Carrier(c) for c in codes])
    mod = types.ModuleType(name)
    mod.__file__ = path
    mod.__package__ = modname.rpartition(".")[0]
    sys.modules[name] = mod
    gc.collect()
    gc.disable()
    try:
        prof.enable_by_count()
        try:
            exec(code, mod.__dict__)
            result = workload(mod)
        finally:
            prof.disable_by_count()
    finally:
        gc.enable()
        del sys.modules[name]
        if was is not None:
            lento._lento._line_probes(was)
    return result, hits(prof.get_stats().timings), len(codes), with_twin


def w_textwrap(m):
    text = "The quick brown fox jumps over the lazy dog. " * 40
    return ([m.fill(text, width=w) for w in (20, 37, 70)]
            + [m.dedent("    a\n      b\n\n    c\n"), m.shorten(text, 50),
               m.indent("x\n\ny\n", "> "),
               m.wrap("a-very-long-hyphenated-word and more " * 5, 11,
                      break_on_hyphens=True, max_lines=4, placeholder=" [..]")])


def w_difflib(m):
    a = ["line %d\n" % i for i in range(200)]
    b = a[:50] + ["changed\n"] + a[60:150] + ["new %d\n" % i for i in range(10)] + a[150:]
    sm = m.SequenceMatcher(None, "abcdefghij" * 20, "abcxefghiy" * 20)
    return (list(m.unified_diff(a, b)), list(m.context_diff(a[:30], b[:30])),
            list(m.ndiff(a[:40], b[:45])), sm.ratio(), sm.quick_ratio(),
            sm.get_opcodes()[:5], m.get_close_matches("appel", ["ape", "apple", "peach"]),
            len(m.HtmlDiff().make_table(a[:20], b[:20])))


def w_fractions(m):
    F = m.Fraction
    x = F(0)
    for i in range(1, 60):
        x += F(1, i) * F(i, i + 1) - F(3, 7) ** 2
    return [x, F("3.1415").limit_denominator(100), F(2.5), round(F(7, 3), 2),
            F(1, 3) < F(1, 2), abs(F(-1, 3)), float(x), F(7, 3) // F(1, 2),
            F(7, 3) % 1, divmod(F(7, 3), F(1, 4)), F(1, 3) ** -2, hash(F(1, 3)),
            F(" -1/3 "), F.from_decimal(__import__("decimal").Decimal("1.25"))]


def w_statistics(m):
    data = [(i * 37) % 101 / 7 for i in range(300)]
    return [m.mean(data), m.median(data), m.median_low(data), m.median_grouped(data),
            m.stdev(data), m.pvariance(data), m.mode([1, 2, 2, 3]), m.multimode("aabbc"),
            m.quantiles(data, n=4), m.harmonic_mean([1, 2, 4]), m.fmean(data),
            m.geometric_mean([1, 2, 4]), m.correlation(data[:50], data[50:100]),
            m.linear_regression(data[:50], data[50:100]), m.NormalDist(0, 1).cdf(0.5),
            m.NormalDist.from_samples(data).inv_cdf(0.3)]


def w_shlex(m):
    return [m.split("a 'b c' \"d e\" f\\ g # comment", comments=True),
            m.join(["a b", "c'd", ""]), m.quote("it's"),
            list(m.shlex("x=1 && y 'z' || (w)", posix=True, punctuation_chars=True)),
            list(m.shlex("a b 'c d'", posix=False))]


def w_string(m):
    t = m.Template("$who likes ${what} $$")
    return [t.substitute(who="tim", what="kung pao"), t.safe_substitute(who="x"),
            m.capwords(" hello   world "), t.get_identifiers(), t.is_valid(),
            m.Formatter().format("{0}-{x!r:>5}-{y[1]}", 1, x="y", y=[0, 2])]


def w_heapq(m):
    data = [(i * 7919) % 1009 for i in range(300)]
    return (m.nlargest(5, data), m.nsmallest(5, data, key=lambda v: -v),
            m.nlargest(3, data, key=lambda v: v % 10), m.nsmallest(1, data),
            list(m.merge([1, 4, 7], [2, 5, 8], [3, 6, 9])),
            list(m.merge([3, 2, 1], [4, 0], reverse=True)),
            list(m.merge(["a", "bb"], ["ccc"], key=len)))


def w_base64(m):
    d = bytes(range(256)) * 3
    return [m.b64decode(m.b64encode(d)) == d, m.b32decode(m.b32encode(d)) == d,
            m.b16decode(m.b16encode(d)) == d, m.a85decode(m.a85encode(d, wrapcol=40)) == d,
            m.b85decode(m.b85encode(d)) == d, m.urlsafe_b64encode(b"\xff\xfe"),
            m.b32hexdecode(m.b32hexencode(b"abc")), m.a85encode(b"\0\0\0\0 ", foldspaces=True),
            m.encodebytes(d[:100]), m.decodebytes(m.encodebytes(d[:100]))]


def w_ipaddress(m):
    n = m.ip_network("10.0.0.0/24")
    return ([str(a) for a in list(n.hosts())[:20]]
            + [str(x) for x in n.subnets(new_prefix=27)]
            + [str(m.ip_address("::1")), m.ip_address("192.168.1.1").is_private,
               str(list(m.collapse_addresses([m.ip_network("1.0.0.0/25"),
                                              m.ip_network("1.0.0.128/25")]))),
               str(m.ip_interface("2001:db8::1/64").network),
               [str(x) for x in m.summarize_address_range(m.ip_address("1.1.1.0"),
                                                          m.ip_address("1.1.1.130"))],
               str(m.ip_network("2001:db8::/32").supernet()),
               m.ip_network("10.0.0.0/8").overlaps(n),
               str(m.ip_address("::ffff:1.2.3.4").ipv4_mapped),
               sorted([m.ip_address("1.2.3.4"), m.ip_address("1.2.3.3")])[0].exploded])


def w_email_utils(m):
    d = m.parsedate_to_datetime("Mon, 20 Nov 1995 19:12:08 -0500")
    return [m.parseaddr("Tim <tim@example.com>"), m.formataddr(("Tim", "tim@example.com")),
            d.isoformat(), m.quote('a"b'), m.unquote('"abc"'),
            m.getaddresses(["a@b.c, D <d@e.f>", "g@h.i"]), m.format_datetime(d),
            m.decode_rfc2231("us-ascii'en'abc"), m.encode_rfc2231("a b", "utf-8"),
            m.collapse_rfc2231_value(("us-ascii", "en", "abc")),
            m.parsedate("Mon, 20 Nov 1995 19:12:08 -0500"),
            m.formatdate(0, usegmt=True)]


def w_json_decoder(m):
    import json
    d = m.JSONDecoder(object_pairs_hook=None)
    s = json.dumps({"a": [1, 2.5, None, True, {"b": "c\u00e9\n"}] * 20, "x": "y" * 30})
    return (d.decode(s), m.py_scanstring('"abc\\n\\u00e9\\ud834\\udd1e" tail', 1),
            d.raw_decode("[1, 2] rest"), _error(lambda: d.decode("[1, 2")))


def _error(f):
    try:
        f()
    except Exception as e:
        return str(e)


def w_json_encoder(m):
    e = m.JSONEncoder(indent=2, sort_keys=True)
    obj = {"a": [1, 2.5, None, True, {"b": "c\u00e9\n"}] * 20, "x": "y" * 30, "f": 1e10,
           "3": [], "e": {}}
    return (e.encode(obj), m.JSONEncoder(indent=1).encode({3: 1, 2.5: [], None: 0}),
            m.py_encode_basestring_ascii("h\u00e9llo\n\U0001d11e"),
            m.py_encode_basestring("q\"\n"),
            list(m.JSONEncoder(separators=(",", ":")).iterencode([1, {"k": [None]}])),
            _error(lambda: m.JSONEncoder(check_circular=True).encode(_circular())),
            _error(lambda: e.encode(float("nan")) and m.JSONEncoder(allow_nan=False,
                                                                    indent=1).encode([float("nan")])))


def _circular():
    a = []
    a.append(a)
    return a


CORPUS = {
    "textwrap": w_textwrap,
    "difflib": w_difflib,
    "fractions": w_fractions,
    "statistics": w_statistics,
    "shlex": w_shlex,
    "string": w_string,
    "heapq": w_heapq,
    "base64": w_base64,
    "ipaddress": w_ipaddress,
    "email.utils": w_email_utils,
    "json.decoder": w_json_decoder,
    "json.encoder": w_json_encoder,
}


@pytest.mark.parametrize("modname", sorted(CORPUS))
def test_stdlib_module_hits(lento, modname):
    work = CORPUS[modname]
    runs = {mode: run_module_copy(lento, modname, work, mode)
            for mode in ("twin", "trace", "lprof")}
    results = {mode: r[0] for mode, r in runs.items()}
    assert results["twin"] == results["lprof"] == results["trace"]
    twin, trace, lprof = (runs[m][1] for m in ("twin", "trace", "lprof"))
    n, with_twin = runs["twin"][2:]
    assert with_twin >= 0.9 * n, "%d of %d code objects have a twin" % (with_twin, n)
    assert sum(len(v) for v in lprof.values()) >= 40, "the workload runs too little"
    if twin != lprof:
        who = ("the twin (the tracing path agrees with line_profiler)" if trace == lprof
               else "both paths")
        pytest.fail("%s differ from line_profiler:%s" % (who, diff_hits(
            twin, lprof, ("twin", "line_profiler"))))
    assert trace == twin, diff_hits(twin, trace, ("twin", "tracing"))


# ---- line tables the compiler did not write --------------------------------

def _uvarint(v):
    out = []
    while v >= 64:
        out.append(64 | (v & 63))
        v >>= 6
    return out + [v]


def _svarint(v):
    return _uvarint(((-v) << 1) | 1 if v < 0 else v << 1)


def random_line_table(r, code):
    """A well-formed 3.11 co_linetable (Objects/locations.md) for code with
    random positions, in every entry form: no location (15), long (14, line
    deltas of either sign, multi-line spans, large columns), no columns
    (13), one line (10-12, columns under 128), short (0-9).  Lines stay
    positive."""
    n = len(code.co_code) // 2
    out, line, u = [], code.co_firstlineno, 0
    while u < n:
        size = min(n - u, r.randint(1, 8))
        head = 0x80 | (size - 1)
        kind = r.choice(("none", "long", "nocol", "one", "short", "short"))
        if kind == "none":
            out.append(head | 15 << 3)
        elif kind == "nocol":
            d = max(r.randint(-5, 5), 1 - line)
            line += d
            out += [head | 13 << 3] + _svarint(d)
        elif kind == "long":
            d = max(r.randint(-300, 300) if r.random() < .1 else r.randint(-3, 3), 1 - line)
            line += d
            col = r.choice((None, r.randint(0, 500)))
            out += ([head | 14 << 3] + _svarint(d) + _uvarint(r.randint(0, 4))
                    + _uvarint(0 if col is None else col + 1)
                    + _uvarint(0 if col is None else col + r.randint(0, 80) + 1))
        elif kind == "one":
            d = r.randint(0, 2)
            line += d
            col = r.randint(0, 127)
            out += [head | (10 + d) << 3, col, r.randint(col, 127)]
        else:
            col = r.randint(0, 79)
            out += [head | (col >> 3) << 3, (col & 7) << 4 | r.randint(0, 15)]
        u += size
    return bytes(out)


def test_twins_with_random_line_tables(lento):
    """Code objects of a few stdlib modules given random (well-formed) line
    tables: where a twin is made, it passes check_twin.  This reaches the
    line-table reader and the probe placement with layouts the compiler
    rarely or never writes (lines going back, lines shared by distant
    instructions, instructions without a line).  It fails today on
    exceptions raised at loop back edges only: the same fault as
    test_exception_at_a_loop_back_edge (async for), which these layouts
    show on plain loops too, both for the handler the exception reaches
    (the JUMP_FORWARD over a probe belongs to the next instruction's
    range) and for the LINE event at the handler (decided for the
    instruction before the loop head, where 3.11 looks the handler up,
    while its prev_instr is the backward jump)."""
    import random
    r = random.Random(1311)
    codes = []
    for modname in ("json.decoder", "textwrap", "difflib", "contextlib", "shlex",
                    "inspect", "asyncio.tasks"):
        path = importlib.util.find_spec(modname).origin
        codes += all_codes(compile(Path(path).read_text(encoding="utf-8"), path, "exec"))
    made = 0
    problems = []
    for i in range(8000):
        c = r.choice(codes)
        m = c.replace(co_linetable=random_line_table(r, c))
        t = lento._lento._line_twin(m)
        if t is None:
            continue
        made += 1
        problems += ["%s (table %d): %s" % (c.co_qualname, i, p) for p in check_twin(m, t)]
    assert made > 3000
    assert not problems, "\n" + "\n".join(problems[:30])


NO_DEBUG_RANGES = """
import sys, json
from pathlib import Path
sys.path.insert(0, %(tests)r)
from test_lines_twin import check_twin, nested_codes
from lento import _lento
n = made = 0
problems = []
for path in %(files)r:
    code = compile(Path(path).read_text(encoding="utf-8"), path, "exec")
    for c in [code] + nested_codes(code):
        assert all(p[2] is None for p in c.co_positions()), "columns present"
        n += 1
        t = _lento._line_twin(c)
        if t is not None:
            made += 1
            problems += check_twin(c, t)
print(json.dumps([n, made, problems[:20]]))
"""


def test_twins_without_column_information(lento, run):
    """python -X no_debug_ranges compiles line tables without columns (the
    no-column entry form throughout): twins of such code are as good."""
    import json
    files = [importlib.util.find_spec(m).origin
             for m in ("json.decoder", "textwrap", "difflib", "asyncio.tasks", "inspect",
                       "dataclasses", "typing")]
    res = run([sys.executable, "-X", "no_debug_ranges", "-c",
               NO_DEBUG_RANGES % {"tests": str(Path(__file__).parent), "files": files}])
    assert res.returncode == 0, res.stderr
    n, made, problems = json.loads(res.stdout)
    assert n > 500 and made >= 0.99 * n
    assert problems == []
