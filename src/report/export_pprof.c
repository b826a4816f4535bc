/* export_pprof.c: pprof's profile.proto, gzipped, for `go tool pprof`,
 * Pyroscope and Grafana.
 *
 * The message is written by hand (pb.h) after
 * github.com/google/pprof/proto/profile.proto, and gzipped with zlib.
 *
 *  - sample_type: [calls/count, wall/nanoseconds]; default "wall".
 *  - one Sample per call path (CCT node) with calls or self time: its
 *    location_ids are the path, innermost frame first as pprof wants;
 *    its values [calls of the path, self time of the path in ns]; a
 *    "thread" label names its thread.  Summed over samples, pprof's flat
 *    time is each function's self time and its cumulative time the
 *    function's inclusive time (pprof counts a function once per sample,
 *    so recursion is not counted twice).
 *  - one Function and one Location per function (id = index + 1); a
 *    Location's line is the function's first line (no call-site lines).
 *  - time_nanos and duration_nanos from the run's metadata when known.
 * Strings are made valid UTF-8 (esc_utf8), as protobuf requires.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "escape.h"
#include "export.h"
#include "pb.h"
#include "strtab.h"

/* profile.proto field numbers */
enum {
    PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_LOCATION = 4,
    PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
    PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11,
    PROFILE_PERIOD = 12, PROFILE_COMMENT = 13,
    PROFILE_DEFAULT_SAMPLE_TYPE = 14,
    VALUETYPE_TYPE = 1, VALUETYPE_UNIT = 2,
    SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
    LABEL_KEY = 1, LABEL_STR = 2,
    LOCATION_ID = 1, LOCATION_LINE = 4,
    LINE_FUNCTION_ID = 1, LINE_LINE = 2,
    FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3,
    FUNCTION_FILENAME = 4, FUNCTION_START_LINE = 5,
};

typedef struct {
    strtab strs;
    buf msg, sub;  /* scratch for nested messages */
    uint64_t *ids; /* scratch for a sample's location ids */
} pp;

static int64_t str_id(pp *c, const char *s)
{
    return strtab_intern(&c->strs, s, NULL);
}

/* ValueType{type, unit} as field `field` of out. */
static int value_type(pp *c, buf *out, uint32_t field, const char *type,
                      const char *unit)
{
    int64_t t = str_id(c, type), u = str_id(c, unit);
    if (t < 0 || u < 0)
        return -ENOMEM;
    buf_reset(&c->sub);
    int rc;
    if ((rc = pb_int(&c->sub, VALUETYPE_TYPE, t)) < 0 ||
        (rc = pb_int(&c->sub, VALUETYPE_UNIT, u)) < 0)
        return rc;
    return pb_msg(out, field, &c->sub);
}

static int put_samples(pp *c, const profile *p, const profile_thread *t,
                       buf *out)
{
    int64_t thread_key = str_id(c, "thread");
    int64_t thread_name = str_id(c, t->name[0] ? t->name : "thread");
    if (thread_key < 0 || thread_name < 0)
        return -ENOMEM;
    int rc;
    for (uint32_t i = 1; i < t->n_nodes; i++) {
        const cct_node *n = &t->nodes[i];
        int64_t ns = export_ns(p, n->self);
        if (ns < 0)
            ns = 0;
        if (n->calls == 0 && ns == 0)
            continue;
        size_t d = 0;
        for (uint32_t j = i; j != 0; j = t->nodes[j].parent)
            c->ids[d++] = (uint64_t)t->nodes[j].func + 1; /* leaf first */
        uint64_t values[2] = {n->calls, (uint64_t)ns};
        buf_reset(&c->msg);
        buf_reset(&c->sub);
        if ((rc = pb_packed(&c->msg, SAMPLE_LOCATION_ID, c->ids, d)) < 0 ||
            (rc = pb_packed(&c->msg, SAMPLE_VALUE, values, 2)) < 0 ||
            (rc = pb_int(&c->sub, LABEL_KEY, thread_key)) < 0 ||
            (rc = pb_int(&c->sub, LABEL_STR, thread_name)) < 0 ||
            (rc = pb_msg(&c->msg, SAMPLE_LABEL, &c->sub)) < 0 ||
            (rc = pb_msg(out, PROFILE_SAMPLE, &c->msg)) < 0)
            return rc;
    }
    return 0;
}

static int put_function(pp *c, const profile *p, uint32_t f, buf *out)
{
    const profile_func *pf = &p->funcs[f];
    int64_t name = str_id(c, pf->name), file = str_id(c, pf->file);
    if (name < 0 || file < 0)
        return -ENOMEM;
    int rc;
    buf_reset(&c->msg);
    buf_reset(&c->sub);
    /* Location{id, line: [Line{function_id, line}]} */
    if ((rc = pb_uint(&c->sub, LINE_FUNCTION_ID, (uint64_t)f + 1)) < 0 ||
        (rc = pb_int(&c->sub, LINE_LINE, pf->line)) < 0 ||
        (rc = pb_uint(&c->msg, LOCATION_ID, (uint64_t)f + 1)) < 0 ||
        (rc = pb_msg(&c->msg, LOCATION_LINE, &c->sub)) < 0 ||
        (rc = pb_msg(out, PROFILE_LOCATION, &c->msg)) < 0)
        return rc;
    buf_reset(&c->msg);
    if ((rc = pb_uint(&c->msg, FUNCTION_ID, (uint64_t)f + 1)) < 0 ||
        (rc = pb_int(&c->msg, FUNCTION_NAME, name)) < 0 ||
        (rc = pb_int(&c->msg, FUNCTION_SYSTEM_NAME, name)) < 0 ||
        (rc = pb_int(&c->msg, FUNCTION_FILENAME, file)) < 0 ||
        (rc = pb_int(&c->msg, FUNCTION_START_LINE, pf->line)) < 0)
        return rc;
    return pb_msg(out, PROFILE_FUNCTION, &c->msg);
}

/* The run's end (unix seconds) and length (seconds), from the metadata. */
static int put_times(pp *c, const profile *p, buf *out)
{
    const char *end = profile_get_meta(p, "end_time");
    const char *wall = profile_get_meta(p, "wall_seconds");
    double e = end ? strtod(end, NULL) : 0, w = wall ? strtod(wall, NULL) : 0;
    int rc = 0;
    if (!(w > 0 && w < 1e9))
        w = 0;
    /* 9e9 s (the year 2255) keeps the nanoseconds in an int64_t: a
     * hostile end_time of 9.8e9 overflowed the conversion (found by
     * fuzz/fuzz_report.c, corpus/report/regress-pprof-time.lento) */
    if (e > w && e < 9e9)
        rc = pb_int(out, PROFILE_TIME_NANOS, (int64_t)((e - w) * 1e9));
    if (rc == 0 && w > 0)
        rc = pb_int(out, PROFILE_DURATION_NANOS, (int64_t)(w * 1e9));
    (void)c;
    return rc;
}

static int put_strings(pp *c, buf *out)
{
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < c->strs.n; i++) {
        buf_reset(&c->sub);
        if ((rc = esc_utf8(&c->sub, c->strs.strs[i])) < 0)
            break;
        rc = pb_bytes(out, PROFILE_STRING_TABLE, c->sub.data, c->sub.len);
    }
    return rc;
}

/* gzip (RFC 1952) of in, appended to out. */
static int gzip(const buf *in, buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 + 16: a gzip header and trailer instead of zlib's */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return -ENOMEM;
    int rc = 0;
    unsigned char chunk[65536];
    z.next_in = (unsigned char *)in->data;
    size_t left = in->len;
    int flush;
    do {
        uInt take = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z.avail_in = take;
        left -= take;
        flush = left ? Z_NO_FLUSH : Z_FINISH;
        do {
            z.next_out = chunk;
            z.avail_out = sizeof chunk;
            int zr = deflate(&z, flush);
            if (zr == Z_STREAM_ERROR) {
                rc = -EINVAL;
                goto done;
            }
            if ((rc = buf_add(out, chunk, sizeof chunk - z.avail_out)) < 0)
                goto done;
        } while (z.avail_out == 0);
    } while (flush != Z_FINISH);
done:
    deflateEnd(&z);
    return rc;
}

int export_pprof(const profile *p, buf *out)
{
    if (profile_validate(p) < 0)
        return -EINVAL;
    pp c;
    strtab_init(&c.strs);
    buf_init(&c.msg, out->cap);
    buf_init(&c.sub, out->cap);
    buf raw;
    buf_init(&raw, out->cap);
    uint32_t max_nodes = 1;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if (p->threads[t].n_nodes > max_nodes)
            max_nodes = p->threads[t].n_nodes;
    c.ids = malloc((size_t)max_nodes * sizeof *c.ids);
    uint8_t *used = calloc((size_t)p->n_funcs + 1, 1);
    int rc = -ENOMEM;
    if (!c.ids || !used || str_id(&c, "") != 0)
        goto done;
    for (uint32_t t = 0; t < p->n_threads; t++)
        for (uint32_t i = 1; i < p->threads[t].n_nodes; i++)
            used[p->threads[t].nodes[i].func] = 1;

    const char *cmd = profile_get_meta(p, "command");
    int64_t cmd_id = cmd ? str_id(&c, cmd) : 0, wall_id = str_id(&c, "wall");
    if (cmd_id < 0 || wall_id < 0)
        goto done;
    if ((rc = value_type(&c, &raw, PROFILE_SAMPLE_TYPE, "calls", "count")) <
            0 ||
        (rc = value_type(&c, &raw, PROFILE_SAMPLE_TYPE, "wall",
                         "nanoseconds")) < 0)
        goto done;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if ((rc = put_samples(&c, p, &p->threads[t], &raw)) < 0)
            goto done;
    for (uint32_t f = 0; f < p->n_funcs; f++)
        if (used[f] && (rc = put_function(&c, p, f, &raw)) < 0)
            goto done;
    if ((rc = put_times(&c, p, &raw)) < 0 ||
        (rc = value_type(&c, &raw, PROFILE_PERIOD_TYPE, "wall",
                         "nanoseconds")) < 0 ||
        (rc = pb_int(&raw, PROFILE_PERIOD, 1)) < 0 ||
        (cmd && (rc = pb_int(&raw, PROFILE_COMMENT, cmd_id)) < 0) ||
        (rc = pb_int(&raw, PROFILE_DEFAULT_SAMPLE_TYPE, wall_id)) < 0 ||
        (rc = put_strings(&c, &raw)) < 0)
        goto done;
    rc = gzip(&raw, out);
done:
    free(c.ids);
    free(used);
    strtab_free(&c.strs);
    buf_free(&c.msg);
    buf_free(&c.sub);
    buf_free(&raw);
    return rc;
}
