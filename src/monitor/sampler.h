/* sampler.h: the timeline of a process tree, read from /proc by the
 * supervisor (never by the program, so it costs the program nothing but
 * a share of a CPU it was not using).
 *
 * Each tick finds the tree (the top process, the orphans the supervisor
 * adopted, and every descendant of those, by parent pid; a full scan of /proc happens only when the machine's fork
 * counter moved since the last one), reads each process's stat, status
 * and io and each thread's stat and schedstat, and adds one point to the
 * timeline of the figures it was given.
 */
#ifndef LENTO_SAMPLER_H
#define LENTO_SAMPLER_H

#include <sys/types.h>

#include "../core/system.h"

typedef struct sampler sampler;

/* Starts watching the tree under top.  t0 is the start of the run
 * (CLOCK_MONOTONIC seconds); fig (not owned) receives the timeline and the
 * sampled figures.  Reads the machine's CPU counters now, as the start of
 * the run.  NULL on out-of-memory. */
sampler *sampler_new(const char *proc_root, double t0, profile_system *fig);

/* Sets the top of the tree (once the program is forked) and the adopter:
 * the supervisor, a child subreaper (reap.h), whose other children are
 * the program's orphans and so part of the tree (0: none). */
void sampler_set_top(sampler *s, pid_t top, pid_t adopter);

/* The adopter reaped one of its orphans, which had used cpu seconds (its
 * rusage): the tree's CPU keeps them, so the timeline does not drop. */
void sampler_add_reaped(sampler *s, double cpu);

/* Takes one sample at time now.  0 or -ENOMEM (a process that vanished or
 * a file that cannot be read is skipped, not an error). */
int sampler_tick(sampler *s, double now);

/* Fills in the figures that come from the samples as a whole: run queue
 * wait, busy threads (each did >= 10% of the tree's CPU time, and at
 * least 20 ms), logical and storage IO, other processes' CPU and steal
 * time (tree_cpu: the tree's CPU seconds, to subtract from the
 * machine's).  Call after the last tick. */
void sampler_finish(sampler *s, double tree_cpu);

void sampler_free(sampler *s);

#endif
