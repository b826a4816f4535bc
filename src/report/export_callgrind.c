/* export_callgrind.c: the callgrind profile format, for KCachegrind and
 * QCachegrind (format: valgrind's docs/cl-format).
 *
 * One cost, "ns": wall-clock nanoseconds.  Each function gets its self
 * time as its own cost, and each caller->callee edge a call record with
 * cProfile's figures for that edge: the number of calls and the inclusive
 * time of its primitive (non-recursive) calls, so no time is counted twice
 * through recursion.  Threads are merged, as in pstats.  Positions are
 * lines, but the model has no call-site lines: every cost sits on the
 * function's first line.  Names are compressed ("fn=(3) name" once, then
 * "fn=(3)"), and negative times, which only a forged file can hold, are
 * written as 0 because the format has no signed costs. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "../core/flat.h"
#include "escape.h"
#include "export.h"
#include "label.h"
#include "lento_config.h"
#include "strtab.h"

typedef struct {
    const profile *p;
    buf *out;
    buf name;          /* scratch for a frame's raw name */
    strtab files;
    uint8_t *named;    /* per function: "fn=(id) name" written already */
    uint8_t *file_named;
} cg;

static uint64_t cost(const profile *p, int64_t ticks)
{
    int64_t ns = export_ns(p, ticks);
    return ns < 0 ? 0 : (uint64_t)ns;
}

/* "fl=(n) file" or "cfl=(n)" etc.: a compressed file position. */
static int put_file(cg *c, const char *key, uint32_t f)
{
    int rc;
    int64_t id = strtab_intern(&c->files, c->p->funcs[f].file, NULL);
    if (id < 0)
        return (int)id;
    if ((rc = buf_printf(c->out, "%s=(%" PRId64 ")", key, id + 1)) < 0)
        return rc;
    if (!c->file_named[id]) {
        c->file_named[id] = 1;
        if ((rc = buf_addstr(c->out, " ")) < 0 ||
            (rc = esc_line(c->out, c->p->funcs[f].file, NULL, ' ')) < 0)
            return rc;
    }
    return buf_addstr(c->out, "\n");
}

static int put_func(cg *c, const char *key, uint32_t f)
{
    int rc;
    if ((rc = buf_printf(c->out, "%s=(%" PRIu32 ")", key, f + 1)) < 0)
        return rc;
    if (!c->named[f]) {
        c->named[f] = 1;
        buf_reset(&c->name);
        if ((rc = label_frame(&c->name, &c->p->funcs[f])) < 0 ||
            (rc = buf_addstr(c->out, " ")) < 0 ||
            (rc = esc_line(c->out, c->name.data, NULL, ' ')) < 0)
            return rc;
    }
    return buf_addstr(c->out, "\n");
}

int export_callgrind(const profile *p, buf *out)
{
    flat_profile fl;
    int rc = flat_build(p, &fl);
    if (rc < 0)
        return rc;
    cg c = {p, out, {0}, {0}, NULL, NULL};
    buf_init(&c.name, 1 << 20);
    strtab_init(&c.files);
    uint8_t *used = calloc((size_t)p->n_funcs + 1, 1);
    c.named = calloc((size_t)p->n_funcs + 1, 1);
    c.file_named = calloc((size_t)p->n_funcs + 1, 1);
    rc = -ENOMEM;
    if (!used || !c.named || !c.file_named)
        goto done;
    for (uint32_t t = 0; t < p->n_threads; t++)
        for (uint32_t i = 1; i < p->threads[t].n_nodes; i++)
            used[p->threads[t].nodes[i].func] = 1;

    uint64_t summary = 0;
    for (uint32_t f = 0; f < p->n_funcs; f++)
        if (used[f])
            summary += cost(p, fl.funcs[f].self);
    const char *cmd = profile_get_meta(p, "command");
    if ((rc = buf_addstr(out, "# callgrind format\nversion: 1\n"
                              "creator: lento " LENTO_VERSION "\n")) < 0)
        goto done;
    if (cmd && ((rc = buf_addstr(out, "cmd: ")) < 0 ||
                (rc = esc_line(out, cmd, NULL, ' ')) < 0 ||
                (rc = buf_addstr(out, "\n")) < 0))
        goto done;
    if ((rc = buf_printf(out,
                         "event: ns : Wall-clock time (nanoseconds)\n"
                         "events: ns\npositions: line\n"
                         "summary: %" PRIu64 "\n\n",
                         summary)) < 0)
        goto done;

    uint32_t e = 0;
    for (uint32_t f = 0; f < p->n_funcs; f++) {
        while (e < fl.n_edges && fl.edges[e].caller < f)
            e++;
        if (!used[f])
            continue;
        uint32_t line = p->funcs[f].line;
        if ((rc = put_file(&c, "fl", f)) < 0 ||
            (rc = put_func(&c, "fn", f)) < 0 ||
            (rc = buf_printf(out, "%" PRIu32 " %" PRIu64 "\n", line,
                             cost(p, fl.funcs[f].self))) < 0)
            goto done;
        for (; e < fl.n_edges && fl.edges[e].caller == f; e++) {
            const flat_edge *fe = &fl.edges[e];
            if ((rc = put_file(&c, "cfl", fe->callee)) < 0 ||
                (rc = put_func(&c, "cfn", fe->callee)) < 0 ||
                (rc = buf_printf(out,
                                 "calls=%" PRIu64 " %" PRIu32 "\n"
                                 "%" PRIu32 " %" PRIu64 "\n",
                                 fe->stat.calls, p->funcs[fe->callee].line,
                                 line, cost(p, fe->stat.cum))) < 0)
                goto done;
        }
        if ((rc = buf_addstr(out, "\n")) < 0)
            goto done;
    }
    rc = 0;
done:
    free(used);
    free(c.named);
    free(c.file_named);
    strtab_free(&c.files);
    buf_free(&c.name);
    flat_free(&fl);
    return rc;
}
