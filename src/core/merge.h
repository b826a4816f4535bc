/* merge.h: one profile of a whole process tree, from each process's own.
 *
 * `lento run` follows the program's child processes; each saves its own
 * profile, and the run's profile holds them all: every process's threads
 * (so the flat table, the call tree and the exports are the merged view,
 * with counts that add up across processes), one function table, and the
 * list of processes (profile.procs) for the per-process views.
 */
#ifndef LENTO_MERGE_H
#define LENTO_MERGE_H

#include "profile.h"

typedef struct merge merge;

/* A merge into dst, which must have no threads yet (its tick is the one
 * every part must have).  NULL on out-of-memory.  dst stays the caller's. */
merge *merge_new(profile *dst);
void merge_free(merge *m);

/* Adds src's threads, functions and line tables to dst as one process,
 * described by src's metadata ("pid", "ppid", "command", "exit_status",
 * "wall_seconds", "partial", "os_exit", "forked").  src is unchanged.
 * 0, -ENOMEM, or -EINVAL if src's tick is not dst's (a custom timer). */
int merge_add(merge *m, const profile *src);

#endif
