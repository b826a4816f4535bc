/* flat.h: cProfile's flat table and caller->callee edges, derived exactly
 * from the calling-context trees of a profile.
 *
 * Definitions follow Modules/_lsprof.c, applied per thread and then summed:
 *  - calls:      completed activations of the function.
 *  - prim_calls: activations during which no other activation of the same
 *                function was on that thread's stack (cProfile's
 *                callcount - reccallcount).
 *  - cum:        inclusive ticks of the primitive activations only
 *                (cProfile's "tt", shown as cumtime).
 *  - self:       exclusive ticks of all activations (cProfile's "it",
 *                shown as tottime).
 * An edge caller->callee has the same four figures, where "recursive"
 * means the same caller->callee pair is already active lower on the stack.
 * Calls made with no caller (directly under the root) make no edge.
 */
#ifndef LENTO_FLAT_H
#define LENTO_FLAT_H

#include "profile.h"

typedef struct {
    uint64_t calls, prim_calls;
    int64_t cum, self;
} flat_stat;

typedef struct {
    uint32_t caller, callee; /* function indices */
    flat_stat stat;
} flat_edge;

typedef struct {
    uint32_t n_funcs;   /* == profile.n_funcs */
    flat_stat *funcs;   /* indexed like profile.funcs */
    uint32_t n_edges;
    flat_edge *edges;   /* sorted by (caller, callee) */
    int64_t total;      /* sum of inclusive ticks of root's children */
} flat_profile;

/* Builds the flat table of all threads of p.  Returns 0, -ENOMEM, or
 * -EINVAL when p is not valid.  On success the caller frees with
 * flat_free. */
int flat_build(const profile *p, flat_profile *out);
void flat_free(flat_profile *f);

#endif
