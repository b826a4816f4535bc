/* export_speedscope.c: speedscope's file format
 * (https://www.speedscope.app/file-format-schema.json).
 *
 * One "sampled" profile per thread, built from its calling-context tree:
 * each call path with positive self time is one sample, whose stack is the
 * path (outermost frame first) and whose weight is the path's self time in
 * nanoseconds.  That is exactly what speedscope's views aggregate, so its
 * flame graph ("Left Heavy") and its table show lento's figures; the
 * "Time Order" view has no real chronology to show (lento aggregates), and
 * shows the paths in first-call order.  Frames are shared: one per
 * function, with file and line for Python functions. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "escape.h"
#include "export.h"
#include "lento_config.h"

static int put_frames(const profile *p, buf *out)
{
    int rc = buf_addstr(out, "\"shared\":{\"frames\":[");
    for (uint32_t f = 0; rc == 0 && f < p->n_funcs; f++) {
        const profile_func *pf = &p->funcs[f];
        if ((rc = buf_addstr(out, f ? ",\n{\"name\":" : "\n{\"name\":")) < 0 ||
            (rc = esc_json(out, pf->name)) < 0)
            break;
        if (pf->kind == FUNC_PYTHON &&
            ((rc = buf_addstr(out, ",\"file\":")) < 0 ||
             (rc = esc_json(out, pf->file)) < 0 ||
             (rc = buf_printf(out, ",\"line\":%" PRIu32, pf->line)) < 0))
            break;
        rc = buf_addstr(out, "}");
    }
    return rc ? rc : buf_addstr(out, "]},\n");
}

static int put_thread(const profile *p, const profile_thread *t,
                      uint32_t *stack, buf *out)
{
    int rc;
    int64_t end = 0;
    if ((rc = buf_addstr(out, "{\"type\":\"sampled\",\"name\":")) < 0 ||
        (rc = esc_json(out, t->name[0] ? t->name : "thread")) < 0 ||
        (rc = buf_addstr(out, ",\"unit\":\"nanoseconds\",\"startValue\":0,"
                              "\n\"samples\":[")) < 0)
        return rc;
    int first = 1;
    for (uint32_t i = 1; i < t->n_nodes; i++) {
        if (export_ns(p, t->nodes[i].self) <= 0)
            continue;
        uint32_t d = 0;
        for (uint32_t j = i; j != 0; j = t->nodes[j].parent)
            stack[d++] = t->nodes[j].func;
        if ((rc = buf_addstr(out, first ? "\n[" : ",\n[")) < 0)
            return rc;
        first = 0;
        while (d--)
            if ((rc = buf_printf(out, d ? "%" PRIu32 "," : "%" PRIu32 "]",
                                 stack[d])) < 0)
                return rc;
    }
    if ((rc = buf_addstr(out, "],\n\"weights\":[")) < 0)
        return rc;
    first = 1;
    for (uint32_t i = 1; i < t->n_nodes; i++) {
        int64_t ns = export_ns(p, t->nodes[i].self);
        if (ns <= 0)
            continue;
        if ((rc = buf_printf(out, first ? "%" PRId64 : ",%" PRId64, ns)) < 0)
            return rc;
        first = 0;
        end = end > INT64_MAX - ns ? INT64_MAX : end + ns;
    }
    return buf_printf(out, "],\n\"endValue\":%" PRId64 "}", end);
}

int export_speedscope(const profile *p, buf *out)
{
    if (profile_validate(p) < 0)
        return -EINVAL;
    uint32_t max_nodes = 1;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if (p->threads[t].n_nodes > max_nodes)
            max_nodes = p->threads[t].n_nodes;
    uint32_t *stack = malloc((size_t)max_nodes * sizeof *stack);
    if (!stack)
        return -ENOMEM;
    const char *cmd = profile_get_meta(p, "command");
    int rc;
    if ((rc = buf_addstr(out, "{\"$schema\":\"https://www.speedscope.app/"
                              "file-format-schema.json\",\n"
                              "\"exporter\":\"lento " LENTO_VERSION "\",\n"
                              "\"name\":")) < 0 ||
        (rc = esc_json(out, cmd ? cmd : "lento profile")) < 0 ||
        (rc = buf_addstr(out, ",\"activeProfileIndex\":0,\n")) < 0 ||
        (rc = put_frames(p, out)) < 0 ||
        (rc = buf_addstr(out, "\"profiles\":[\n")) < 0)
        goto done;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if ((t && (rc = buf_addstr(out, ",\n")) < 0) ||
            (rc = put_thread(p, &p->threads[t], stack, out)) < 0)
            goto done;
    rc = buf_addstr(out, "]}\n");
done:
    free(stack);
    return rc;
}
