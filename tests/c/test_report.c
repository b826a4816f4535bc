/* test_report.c: unit tests of the escapers (src/report/escape.c), the
 * protobuf writer and the extension table, run under ASan/UBSan by
 * tests/test_report_c.py.  Each escaper gets the characters its language
 * must neutralise, non-ASCII text, lone surrogates (which the store
 * allows) and bytes that are not UTF-8 at all. */
#include <errno.h>
#include <string.h>

#include "../../src/core/buf.h"
#include "../../src/report/escape.h"
#include "../../src/core/profile.h"
#include "../../src/report/export.h"
#include "../../src/report/flame.h"
#include "../../src/report/graph.h"
#include "../../src/report/label.h"
#include "../../src/report/pb.h"
#include "check.h"

typedef int (*escaper)(buf *, const char *);

static int line_semicolon(buf *b, const char *s)
{
    return esc_line(b, s, ";", ',');
}

/* Runs esc on in and compares with want. */
static void expect(escaper esc, const char *in, const char *want)
{
    buf b;
    buf_init(&b, 1 << 16);
    CHECK_I64(esc(&b, in), 0);
    CHECK_STR(b.data ? b.data : "", want);
    buf_free(&b);
}

static void test_json(void)
{
    expect(esc_json, "", "\"\"");
    expect(esc_json, "fib", "\"fib\"");
    expect(esc_json, "a\"b\\c", "\"a\\\"b\\\\c\"");
    expect(esc_json, "</script><!--&", "\"\\u003c/script\\u003e\\u003c!--\\u0026\"");
    expect(esc_json, "t\tn\nr\r\x01\x1f", "\"t\\tn\\nr\\r\\u0001\\u001f\"");
    expect(esc_json, "na\xc3\xafve_\xe5\x87\xbd", "\"na\xc3\xafve_\xe5\x87\xbd\"");
    expect(esc_json, "\xf0\x9f\x94\xa5", "\"\xf0\x9f\x94\xa5\""); /* U+1F525 */
    /* U+2028/2029 end lines in old JavaScript: escaped */
    expect(esc_json, "a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"");
    /* a lone surrogate (surrogatepass) round-trips as an escape */
    expect(esc_json, "x\xed\xb2\x80y", "\"x\\udc80y\"");
    /* not UTF-8: a stray continuation byte, a truncated sequence, an
     * overlong '/', a code point above U+10FFFF */
    expect(esc_json, "a\x80" "b", "\"a\\ufffdb\"");
    expect(esc_json, "a\xe5\x87", "\"a\\ufffd\\ufffd\"");
    expect(esc_json, "\xc0\xaf", "\"\\ufffd\\ufffd\"");
    expect(esc_json, "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static int json_text(buf *b, const char *s)
{
    return esc_json_text(b, s, strlen(s));
}

/* esc_json_text: json.c's output made safe for a <script> element */
static void test_json_text(void)
{
    expect(json_text, "", "");
    expect(json_text, "{\"a\": [1, null]}", "{\"a\": [1, null]}");
    expect(json_text, "{\"l\": \"</script><!--&x>\"}",
           "{\"l\": \"\\u003c/script\\u003e\\u003c!--\\u0026x\\u003e\"}");
    expect(json_text, "\"a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xe2\x80\xa0\xc3\xbc\"",
           "\"a\\u2028b\\u2029c\xe2\x80\xa0\xc3\xbc\"");
    expect(json_text, "\"\xe2\x80\"", "\"\xe2\x80\""); /* cut short: kept */
    buf b;
    buf_init(&b, 8);
    CHECK_I64(esc_json_text(&b, "\"<<<<\"", 6), -E2BIG);
    buf_free(&b);
}

static void test_dot(void)
{
    expect(esc_dot, "fib", "fib");
    expect(esc_dot, "say \"hi\"", "say \\\"hi\\\"");
    /* a backslash cannot start one of dot's escapes (\n, \l, \N, \G) */
    expect(esc_dot, "a\\nb\\N", "a\\\\nb\\\\N");
    expect(esc_dot, "line\nbreak\ttab", "line break tab");
    expect(esc_dot, "<script>&{}[];", "<script>&{}[];"); /* not special */
    expect(esc_dot, "na\xc3\xafve", "na\xc3\xafve");
    expect(esc_dot, "s\xed\xa0\x80", "s\xef\xbf\xbd");
    expect(esc_dot, "\xff", "\xef\xbf\xbd");
}

static void test_html(void)
{
    expect(esc_html, "fib", "fib");
    expect(esc_html, "<script>alert('x')</script>",
           "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(esc_html, "a&b \"q\"", "a&amp;b &quot;q&quot;");
    expect(esc_html, "tab\tnl\n", "tab\tnl\n");
    expect(esc_html, "nul-ish\x01\x7f", "nul-ish\xef\xbf\xbd\xef\xbf\xbd");
    expect(esc_html, "\xe5\x87\xbd\xed\xb2\x80", "\xe5\x87\xbd\xef\xbf\xbd");
    expect(esc_html, "\xef\xbf\xbe", "\xef\xbf\xbd"); /* U+FFFE */
}

static void test_line_and_utf8(void)
{
    expect(line_semicolon, "a;b c", "a,b c");
    expect(line_semicolon, "new\nline\r", "new line ");
    expect(line_semicolon, "\xe5\x87\xbd;\x80", "\xe5\x87\xbd,\xef\xbf\xbd");
    expect(esc_utf8, "ok \xc3\xa9", "ok \xc3\xa9");
    expect(esc_utf8, "\xed\xb2\x80\xfe", "\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_caps(void)
{
    /* a full buffer refuses and keeps what it had */
    buf b;
    buf_init(&b, 8);
    CHECK_I64(esc_json(&b, "abc"), 0); /* "abc" with quotes: 5 bytes */
    CHECK_I64(esc_json(&b, "<<"), -E2BIG);
    CHECK(b.len <= 8);
    buf_free(&b);
}

static void test_pb(void)
{
    buf b;
    buf_init(&b, 1 << 10);
    CHECK_I64(pb_varint(&b, 300), 0);
    CHECK(b.len == 2 && (unsigned char)b.data[0] == 0xAC && b.data[1] == 0x02);
    buf_reset(&b);
    CHECK_I64(pb_int(&b, 1, -1), 0); /* ten bytes for a negative int64 */
    CHECK_U64(b.len, 11);
    buf_reset(&b);
    CHECK_I64(pb_uint(&b, 3, 0), 0); /* proto3 default: not written */
    CHECK_U64(b.len, 0);
    uint64_t v[3] = {1, 150, 0};
    CHECK_I64(pb_packed(&b, 2, v, 3), 0);
    const unsigned char want[] = {0x12, 4, 1, 0x96, 1, 0};
    CHECK(b.len == sizeof want && memcmp(b.data, want, sizeof want) == 0);
    buf_free(&b);
}

static void test_formats(void)
{
    CHECK_STR(export_for_path("a/x.speedscope.json")->name, "speedscope");
    CHECK_STR(export_for_path("x.json")->name, "json");
    CHECK_STR(export_for_path("x.trace.json")->name, "chrome");
    CHECK_STR(export_for_path("/tmp/callgrind.out.1234")->name, "callgrind");
    CHECK_STR(export_for_path("x.pb.gz")->name, "pprof");
    CHECK_STR(export_for_path("x.prof")->name, "pstats");
    CHECK(export_for_path("x.txt") == NULL);
    CHECK(export_for_path(".json") == NULL); /* a name, not an extension */
    CHECK(export_for_path("dir.json/x") == NULL);
    CHECK(export_by_name("nope") == NULL);
    CHECK_STR(label_short_file("/usr/lib/python3.11/json/decoder.py"),
              "json/decoder.py");
    CHECK_STR(label_short_file("app.py"), "app.py");
    CHECK_STR(label_short_file("/app.py"), "/app.py");
    CHECK_STR(label_short_file("pkg/app.py"), "pkg/app.py");
}

/* Every writer on awkward profiles, for the sanitizers to watch: no
 * threads; an empty thread; a 2,000-deep chain (no recursion in the
 * writers); negative and huge figures a forged file may hold; names with
 * every character some format treats specially. */
static profile *awkward(int shape)
{
    profile *p = profile_new(shape == 2 ? 1e-6 : 1e-9);
    if (!p)
        return NULL;
    profile_set_meta(p, "command", "x.py \"<&>\"\n;");
    profile_set_meta(p, "pid", "notanumber");
    profile_set_meta(p, "wall_seconds", "-3");
    int64_t a = profile_add_func(p, FUNC_PYTHON, "/d/\xed\xb2\x80.py", 1,
                                 "<script>\";\\n\x01\xe2\x80\xa8");
    int64_t b = profile_add_func(p, FUNC_BUILTIN, "~", 0, "<built-in x>");
    if (a < 0 || b < 0)
        return p;
    if (shape == 0)
        return p; /* functions, no threads */
    profile_thread *t = profile_add_thread(p, 7, "");
    if (!t)
        return p;
    if (shape == 1) {
        uint32_t parent = 0;
        for (int i = 0; i < 2000; i++) {
            int64_t n = profile_thread_add_node(t, parent, i % 2 ? (uint32_t)b
                                                : (uint32_t)a, 1, 2000 - i,
                                                1);
            if (n < 0)
                return p;
            parent = (uint32_t)n;
        }
    } else {
        int64_t n = profile_thread_add_node(t, 0, (uint32_t)a, 3, 100, -50);
        if (n >= 0)
            profile_thread_add_node(t, (uint32_t)n, (uint32_t)b,
                                    UINT64_C(1) << 40, 150, 150);
        profile_thread_add_node(t, 0, (uint32_t)b, 0, -7, -7);
        profile_add_thread(p, 8, "empty");
    }
    return p;
}

static void test_writers(void)
{
    for (int shape = 0; shape < 3; shape++) {
        profile *p = awkward(shape);
        CHECK(p != NULL);
        if (!p)
            continue;
        unsigned n;
        const export_format *fm = export_formats(&n);
        for (unsigned i = 0; i < n; i++) {
            buf b;
            buf_init(&b, EXPORT_MAX_SIZE);
            int rc = fm[i].write(p, &b);
            if (!CHECK(rc == 0))
                fprintf(stderr, "    %s on shape %d: %d\n", fm[i].name, shape,
                        rc);
            buf_free(&b);
            /* and a tiny cap: refused cleanly, not overrun */
            buf_init(&b, 40);
            CHECK(fm[i].write(p, &b) == -E2BIG || b.len <= 40);
            buf_free(&b);
        }
        buf g;
        buf_init(&g, EXPORT_MAX_SIZE);
        graph_opts o = {0, 0, "t"};
        CHECK_I64(graph_dot(p, &o, &g), 0);
        buf_reset(&g);
        CHECK_I64(flame_svg(p, "<t>", &g), 0);
        buf_free(&g);
        profile_free(p);
    }
}

int main(void)
{
    test_writers();
    test_json();
    test_json_text();
    test_dot();
    test_html();
    test_line_and_utf8();
    test_caps();
    test_pb();
    test_formats();
    return check_report();
}
