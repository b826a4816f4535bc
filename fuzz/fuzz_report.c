/* fuzz_report.c: libFuzzer target for the report writers fed by a .lento
 * file (src/report): whatever the reader accepts, `lento report`, `lento
 * export` (every format), `lento graph` and `lento flame` must turn into
 * text without crashing, leaking or invoking undefined behaviour, and
 * refuse only with -errno.  The input is a .lento file, so the store
 * corpus seeds it.
 *
 * The HTML report (html.c) is left out: it needs the assets meson embeds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/buf.h"
#include "../src/core/store.h"
#include "../src/report/bottleneck.h"
#include "../src/report/export.h"
#include "../src/report/flame.h"
#include "../src/report/graph.h"
#include "../src/report/hotspots.h"
#include "../src/report/json.h"
#include "../src/report/lines.h"
#include "../src/report/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A writer's result: 0, or a refusal as -errno (never a positive value). */
static void check_rc(int rc)
{
    if (rc > 0 || rc < -4095)
        abort();
}

static FILE *sink(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    profile *p = NULL;
    if (store_decode(data, size, &p, NULL) != 0)
        return 0;
    FILE *out = sink();
    if (!out)
        abort();
    buf b;
    buf_init(&b, EXPORT_MAX_SIZE);

    unsigned n = 0;
    const export_format *fm = export_formats(&n);
    for (unsigned i = 0; i < n; i++) {
        buf_reset(&b);
        check_rc(fm[i].write(p, &b));
    }
    graph_opts go = {GRAPH_NODE_THRES, GRAPH_EDGE_THRES, "fuzz"};
    buf_reset(&b);
    check_rc(graph_dot(p, &go, &b));
    buf_reset(&b);
    check_rc(flame_svg(p, "fuzz", &b));
    report_lines_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.header = 1;
    lo.program = 1.0;
    buf_reset(&b);
    check_rc(report_lines(&b, p, &lo));

    summary_opts so = {10, "fuzz"};
    check_rc(summary_print(out, p, &so));
    enum { N_HOT = 10 };
    hotspot hot[N_HOT];
    size_t n_hot = 0;
    verdict v;
    int rc = hotspots_verdict(p, hot, N_HOT, &n_hot, &v);
    check_rc(rc);
    if (rc == 0) {
        if (p->system)
            check_rc(bottleneck_print(out, p->system, &v));
        json_report jr = {"report", NULL, "fuzz", "fuzz.lento", p->system,
                          p->system ? &v : NULL, hot, n_hot, p};
        buf_reset(&b);
        check_rc(json_encode(&b, &jr));
    }
    verdict_free(&v);
    buf_free(&b);
    profile_free(p);
    return 0;
}
