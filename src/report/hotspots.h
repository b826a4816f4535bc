/* hotspots.h: the functions with the most cumulative time, with their
 * share of the profiled time, for the Amdahl figures of the Bottleneck
 * section, the advice and the JSON. */
#ifndef LENTO_HOTSPOTS_H
#define LENTO_HOTSPOTS_H

#include <stddef.h>

#include "../core/profile.h"
#include "verdict.h"

typedef struct {
    uint32_t func;  /* index into profile.funcs */
    double share;   /* cumulative time / profiled time, 0..1 */
    double self_share; /* self time / profiled time */
    double seconds; /* cumulative time */
    char name[512]; /* as the summary prints it: "dir/x.py:23(walk)" */
    char label[512]; /* for sentences: "walk() (x.py:23)" */
} hotspot;

/* Fills out[0..max) with the functions of p by cumulative time, largest
 * first (ties by index); *n is how many.  0, -ENOMEM or -EINVAL. */
int hotspots_top(const profile *p, hotspot *out, size_t max, size_t *n);

/* hotspots_top, then, when p has system figures, the verdict drawn from
 * them and those hotspots into *v (zeroed otherwise; the caller frees it
 * with verdict_free either way).  0 or -errno. */
int hotspots_verdict(const profile *p, hotspot *out, size_t max, size_t *n,
                     verdict *v);

#endif
