/* procs.h: the processes of a run that followed its children: the tree,
 * and one process's own profile. */
#ifndef LENTO_PROCS_H
#define LENTO_PROCS_H

#include <stdio.h>

#include "../core/profile.h"

/* Prints the process tree of p (nothing if p has one process): each
 * process's pid, how long it was profiled, its calls, its busiest
 * function, how it ended and what it ran.  0 or -ENOMEM. */
int procs_print(FILE *out, const profile *p);

/* Process i's profiled seconds (its threads' top-level calls), its calls,
 * and its function with the most self time (PROFILE_NO_FUNC if none).
 * 0 or -ENOMEM. */
int procs_sum(const profile *p, uint32_t i, double *seconds,
              uint64_t *calls, uint32_t *busiest);

/* How process r ended, for people: "exit 0", "os._exit(3)", "partial",
 * "exit" (status not known). */
void procs_ending(char *dst, size_t cap, const profile_process *r);

/* A new profile with only process pid's threads (the caller frees), with
 * p's functions and metadata; NULL if p has no such process (*found 0) or
 * on out-of-memory (*found 1). */
profile *procs_pick(const profile *p, uint64_t pid, int *found);

#endif
