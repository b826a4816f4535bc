/* hotspots.c: the top functions by cumulative time (see hotspots.h). */
#include "hotspots.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/flat.h"
#include "summary.h"

/* For by_cum: qsort has no context argument in C11.  Set just before the
 * sort; not reentrant (the report code runs on one thread). */
static const flat_stat *sort_base;

static int by_cum(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int64_t cx = sort_base[x].cum, cy = sort_base[y].cum;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return x < y ? -1 : x > y;
}

int hotspots_top(const profile *p, hotspot *out, size_t max, size_t *n)
{
    *n = 0;
    flat_profile fl;
    int rc = flat_build(p, &fl);
    if (rc < 0)
        return rc;
    uint32_t *idx = malloc(((size_t)fl.n_funcs + 1) * sizeof *idx);
    if (!idx) {
        flat_free(&fl);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < fl.n_funcs; i++)
        idx[i] = i;
    sort_base = fl.funcs;
    qsort(idx, fl.n_funcs, sizeof *idx, by_cum);
    double total = (double)fl.total;
    for (uint32_t i = 0; i < fl.n_funcs && *n < max; i++) {
        const flat_stat *s = &fl.funcs[idx[i]];
        if (s->cum <= 0 || total <= 0)
            break;
        hotspot *h = &out[(*n)++];
        h->func = idx[i];
        h->share = (double)s->cum / total;
        if (h->share > 1)
            h->share = 1;
        h->seconds = (double)s->cum * p->tick;
        h->self_share = s->self > 0 ? (double)s->self / total : 0;
        if (h->self_share > h->share)
            h->self_share = h->share;
        const profile_func *f = &p->funcs[idx[i]];
        summary_func_name(h->name, sizeof h->name, f);
        if (f->kind == FUNC_PYTHON) {
            const char *base = strrchr(f->file, '/');
            snprintf(h->label, sizeof h->label, "%s() (%s:%u)", f->name,
                     base ? base + 1 : f->file, f->line);
        } else {
            snprintf(h->label, sizeof h->label, "%s", h->name);
        }
    }
    free(idx);
    flat_free(&fl);
    return 0;
}

int hotspots_verdict(const profile *p, hotspot *out, size_t max, size_t *n,
                     verdict *v)
{
    memset(v, 0, sizeof *v);
    int rc = hotspots_top(p, out, max, n);
    if (rc < 0 || !p->system)
        return rc;
    verdict_hotspot *vh = calloc(*n ? *n : 1, sizeof *vh);
    if (!vh)
        return -ENOMEM;
    for (size_t i = 0; i < *n; i++)
        vh[i] = (verdict_hotspot){out[i].label, out[i].share,
                                  out[i].self_share};
    rc = verdict_compute(p->system, vh, *n, v);
    free(vh);
    return rc;
}
