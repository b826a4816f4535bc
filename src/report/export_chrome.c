/* export_chrome.c: the Chrome trace event format (JSON object form), for
 * chrome://tracing, Perfetto and speedscope.
 *
 * lento aggregates: it knows, per call path, how many calls there were
 * and how long they took in total, not when each happened.  The timeline
 * written here is therefore synthesized: each call path is one complete
 * ("X") event whose duration is the total time of all its calls, and a
 * path's callees are laid end to end from its start, in the order they
 * were first called, followed by the path's own (self) time.  Widths are
 * true, positions are not: read it as a flame chart, not as a history.
 * Every thread starts at 0.  Each event's args carry the call count and
 * the self time. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "escape.h"
#include "export.h"
#include "frames.h"
#include "lento_config.h"

/* ns as microseconds with three decimals: the trace format's unit is µs */
static int put_us(buf *out, const char *key, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    return buf_printf(out, ",\"%s\":%" PRId64 ".%03d", key, ns / 1000,
                      (int)(ns % 1000));
}

static int put_thread(const profile *p, uint32_t ti, long pid,
                      const frames *fr, int64_t *start, int64_t *cursor,
                      buf *out)
{
    const profile_thread *t = &p->threads[ti];
    int rc;
    if ((rc = buf_printf(out,
                         ",\n{\"ph\":\"M\",\"name\":\"thread_name\","
                         "\"pid\":%ld,\"tid\":%" PRIu32 ",\"args\":{\"name\":",
                         pid, ti + 1)) < 0 ||
        (rc = esc_json(out, t->name[0] ? t->name : "thread")) < 0 ||
        (rc = buf_printf(out,
                         "}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\","
                         "\"pid\":%ld,\"tid\":%" PRIu32
                         ",\"args\":{\"sort_index\":%" PRIu32 "}}",
                         pid, ti + 1, ti)) < 0)
        return rc;
    start[0] = cursor[0] = 0;
    /* Parents precede children and siblings are in first-call order, so
     * one forward pass lays out every path inside its parent. */
    for (uint32_t i = 1; i < t->n_nodes; i++) {
        const cct_node *n = &t->nodes[i];
        int64_t dur = export_ns(p, n->total);
        if (dur < 0)
            dur = 0;
        start[i] = cursor[n->parent];
        cursor[n->parent] =
            start[i] > INT64_MAX - dur ? INT64_MAX : start[i] + dur;
        cursor[i] = start[i];
        const profile_func *f = &p->funcs[n->func];
        if ((rc = buf_addstr(out, ",\n{\"ph\":\"X\",\"name\":")) < 0 ||
            (rc = buf_addstr(out, frames_name(fr, n->func))) < 0 ||
            (rc = buf_printf(out, ",\"cat\":\"%s\",\"pid\":%ld,"
                                  "\"tid\":%" PRIu32,
                             f->kind == FUNC_BUILTIN ? "builtin" : "python",
                             pid, ti + 1)) < 0 ||
            (rc = put_us(out, "ts", start[i])) < 0 ||
            (rc = put_us(out, "dur", dur)) < 0 ||
            (rc = buf_printf(out,
                             ",\"args\":{\"calls\":%" PRIu64
                             ",\"self_ns\":%" PRId64 "}}",
                             n->calls, export_ns(p, n->self))) < 0)
            return rc;
    }
    return 0;
}

int export_chrome(const profile *p, buf *out)
{
    if (profile_validate(p) < 0)
        return -EINVAL;
    uint32_t max_nodes = 1;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if (p->threads[t].n_nodes > max_nodes)
            max_nodes = p->threads[t].n_nodes;
    frames fr;
    int rc = frames_build(&fr, p, FRAMES_JSON);
    int64_t *start = malloc((size_t)max_nodes * sizeof *start);
    int64_t *cursor = malloc((size_t)max_nodes * sizeof *cursor);
    if (rc == 0 && (!start || !cursor))
        rc = -ENOMEM;
    if (rc < 0)
        goto done;
    const char *pid_s = profile_get_meta(p, "pid");
    long pid = pid_s ? strtol(pid_s, NULL, 10) : 1;
    if (pid <= 0 || pid > 0x7fffffff)
        pid = 1;
    const char *cmd = profile_get_meta(p, "command");
    if ((rc = buf_printf(out, "{\"displayTimeUnit\":\"ns\",\n"
                              "\"otherData\":{\"generator\":\"lento "
                              LENTO_VERSION "\",\"timeline\":\"synthesized "
                              "from aggregated call paths: durations are "
                              "true, positions are not\"},\n"
                              "\"traceEvents\":[\n{\"ph\":\"M\","
                              "\"name\":\"process_name\",\"pid\":%ld,"
                              "\"tid\":0,\"args\":{\"name\":",
                         pid)) < 0 ||
        (rc = esc_json(out, cmd ? cmd : "python")) < 0 ||
        (rc = buf_addstr(out, "}}")) < 0)
        goto done;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if ((rc = put_thread(p, t, pid, &fr, start, cursor, out)) < 0)
            goto done;
    rc = buf_addstr(out, "\n]}\n");
done:
    free(start);
    free(cursor);
    frames_free(&fr);
    return rc;
}
