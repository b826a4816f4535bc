/* recorder_keep.c: see recorder_keep.h. */
#include "recorder_keep.h"

#include <errno.h>
#include <string.h>

int recorder_export_open(const recorder *r, profile *p, int64_t now,
                         uint32_t inherited)
{
    int rc = recorder_export(r, p);
    if (rc < 0 || r->dead)
        return rc;
    profile_thread *t = &p->threads[p->n_threads - 1];
    /* innermost first: each closed activation's time is its caller's
     * callee time, as recorder_leave counts it */
    int64_t inner = 0;
    for (uint32_t i = r->depth; i-- > 0;) {
        const rec_frame *f = &r->stack[i];
        if (f->node >= t->n_nodes)
            continue;
        int64_t tt = now - f->t0;
        cct_node *n = &t->nodes[f->node];
        n->calls += i >= inherited;
        n->total += tt;
        n->self += tt - f->subt - inner;
        inner = tt;
    }
    return 0;
}

void recorder_shift(recorder *r, int64_t d)
{
    for (uint32_t i = 0; i < r->depth; i++)
        r->stack[i].t0 += d;
}

void recorder_forget(recorder *r, int64_t now)
{
    for (uint32_t i = 0; i < r->n_nodes; i++) {
        r->nodes[i].calls = 0;
        r->nodes[i].total = 0;
        r->nodes[i].self = 0;
    }
    for (uint32_t i = 0; i < r->depth; i++) {
        r->stack[i].t0 = now;
        r->stack[i].subt = 0;
    }
}
