/* summary.h: the compact text summary printed after `lento run` and by
 * `lento report`: the hottest functions by cumulative and by self time. */
#ifndef LENTO_SUMMARY_H
#define LENTO_SUMMARY_H

#include <stdio.h>

#include "../core/profile.h"

typedef struct {
    unsigned top;          /* rows per table */
    const char *label;     /* what ran, for the heading (may be NULL) */
} summary_opts;

/* Prints the summary of p to out.  0, or -ENOMEM / -EINVAL. */
int summary_print(FILE *out, const profile *p, const summary_opts *o);

/* Writes "file:line(name)", or "{label}" for builtins (pstats' style),
 * with file shortened relative to the current directory, into dst. */
void summary_func_name(char *dst, size_t cap, const profile_func *f);

#endif
