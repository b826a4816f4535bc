/* export_json.c: lento's own JSON schema (docs/json-profile.md).
 *
 * Everything the .lento file holds, plus the flat table and the edges
 * derived from it (flat.h), so that a reader needs no derivation of its
 * own.  Times stay integer ticks, as in the model: exact, and seconds are
 * ticks * "tick".  The HTML report embeds this same document. */
#include <inttypes.h>

#include "../core/flat.h"
#include "escape.h"
#include "export.h"
#include "lento_config.h"

static int put_meta(const profile *p, buf *out)
{
    int rc = buf_addstr(out, "\"meta\":{");
    for (uint32_t i = 0; rc == 0 && i < p->n_meta; i++) {
        if ((i && (rc = buf_addstr(out, ",")) < 0) ||
            (rc = esc_json(out, p->meta[i].key)) < 0 ||
            (rc = buf_addstr(out, ":")) < 0)
            break;
        rc = esc_json(out, p->meta[i].value);
    }
    return rc ? rc : buf_addstr(out, "},\n");
}

static int put_functions(const profile *p, const flat_profile *fl, buf *out)
{
    int rc = buf_addstr(out, "\"functions\":[\n");
    for (uint32_t f = 0; rc == 0 && f < p->n_funcs; f++) {
        const profile_func *pf = &p->funcs[f];
        const flat_stat *s = &fl->funcs[f];
        if ((rc = buf_printf(out, "%s{\"kind\":\"%s\",\"file\":",
                             f ? ",\n" : "",
                             pf->kind == FUNC_BUILTIN ? "builtin"
                                                      : "python")) < 0 ||
            (rc = esc_json(out, pf->file)) < 0 ||
            (rc = buf_printf(out, ",\"line\":%" PRIu32 ",\"name\":",
                             pf->line)) < 0 ||
            (rc = esc_json(out, pf->name)) < 0)
            break;
        rc = buf_printf(out,
                        ",\"calls\":%" PRIu64 ",\"prim_calls\":%" PRIu64
                        ",\"self\":%" PRId64 ",\"cum\":%" PRId64 "}",
                        s->calls, s->prim_calls, s->self, s->cum);
    }
    return rc ? rc : buf_addstr(out, "],\n");
}

static int put_edges(const flat_profile *fl, buf *out)
{
    int rc = buf_addstr(out, "\"edges\":[");
    for (uint32_t e = 0; rc == 0 && e < fl->n_edges; e++) {
        const flat_edge *fe = &fl->edges[e];
        rc = buf_printf(out,
                        "%s[%" PRIu32 ",%" PRIu32 ",%" PRIu64 ",%" PRIu64
                        ",%" PRId64 ",%" PRId64 "]",
                        e ? (e % 8 ? "," : ",\n") : "\n", fe->caller,
                        fe->callee, fe->stat.calls, fe->stat.prim_calls,
                        fe->stat.self, fe->stat.cum);
    }
    return rc ? rc : buf_addstr(out, "],\n");
}

static int put_thread(const profile_thread *t, buf *out)
{
    int rc;
    if ((rc = buf_printf(out, "{\"ident\":%" PRIu64 ",\"name\":",
                         t->ident)) < 0 ||
        (rc = esc_json(out, t->name)) < 0 ||
        (rc = buf_addstr(out, ",\"nodes\":[")) < 0)
        return rc;
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        const cct_node *n = &t->nodes[i];
        long long func = n->func == PROFILE_NO_FUNC ? -1 : (long long)n->func;
        if ((rc = buf_printf(out,
                             "%s[%" PRIu32 ",%lld,%" PRIu64 ",%" PRId64
                             ",%" PRId64 "]",
                             i ? (i % 8 ? "," : ",\n") : "\n", n->parent,
                             func, n->calls, n->total, n->self)) < 0)
            return rc;
    }
    return buf_addstr(out, "]}");
}

int export_json(const profile *p, buf *out)
{
    flat_profile fl;
    int rc = flat_build(p, &fl);
    if (rc < 0)
        return rc;
    if ((rc = buf_printf(out,
                         "{\"format\":\"lento-profile\",\"version\":1,"
                         "\"generator\":\"lento " LENTO_VERSION "\",\n"
                         "\"tick\":")) < 0 ||
        (rc = export_put_double(out, p->tick)) < 0 ||
        (rc = buf_printf(out, ",\"total\":%" PRId64 ",\n", fl.total)) < 0 ||
        (rc = put_meta(p, out)) < 0 || (rc = put_functions(p, &fl, out)) < 0 ||
        (rc = put_edges(&fl, out)) < 0 ||
        (rc = buf_addstr(out, "\"threads\":[\n")) < 0)
        goto done;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if ((t && (rc = buf_addstr(out, ",\n")) < 0) ||
            (rc = put_thread(&p->threads[t], out)) < 0)
            goto done;
    rc = buf_addstr(out, "]}\n");
done:
    flat_free(&fl);
    return rc;
}
