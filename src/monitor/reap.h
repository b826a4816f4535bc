/* reap.h: the processes a program leaves to the supervisor.
 *
 * For the length of a run the supervisor is a child subreaper (prctl(2),
 * PR_SET_CHILD_SUBREAPER): a process of the program whose parent ends
 * before it (a multiprocessing forkserver, which the program never waits
 * for; the grandchild of a double fork) becomes the supervisor's child
 * instead of init's.  It so stays in the sampled tree, and its CPU reaches
 * the run's figures: from wait4's rusage when the supervisor reaps it,
 * or, for one still running when the program ends, from /proc.  Without
 * this, the CPU of every forkserver worker was lost from the run and
 * counted as other processes' load.
 */
#ifndef LENTO_REAP_H
#define LENTO_REAP_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "proc.h"

/* What the processes other than the program's own waited-for tree used. */
typedef struct {
    double user, sys;          /* seconds */
    uint64_t maxrss;           /* bytes, the largest process */
    uint64_t minflt, majflt, nvcsw, nivcsw;
    uint64_t inblock, oublock; /* 512-byte blocks */
} reap_usage;

/* Makes the calling process a child subreaper; *was receives the setting
 * to give back to reap_restore.  0 or -errno (then orphans go to init as
 * before, and the run goes on). */
int reap_become_subreaper(int *was);
void reap_restore(int was);

/* Adds a reaped process's rusage (itself and what it waited for). */
void reap_add_rusage(reap_usage *u, const struct rusage *ru);

/* Reaps, without blocking, every child that has ended except top, adding
 * its rusage to u.  Returns 1 once top has ended (it is left a zombie, so
 * its /proc files can be read once more), else 0.  top 0: reap them all. */
int reap_ended(pid_t top, reap_usage *u);

/* Adds to u the CPU time and faults of every process descending from root
 * (root excluded) that is still there, read from proc (its own and what it
 * has waited for, so nothing is counted twice with wait4's figures).
 * 0 or -errno; a process that vanishes while being read is skipped. */
int reap_add_live(proc_reader *rd, int root, reap_usage *u);

#endif
