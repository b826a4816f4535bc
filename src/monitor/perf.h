/* perf.h: hardware counters of a process tree through perf_event_open.
 *
 * The counters follow the program and every thread and child it starts
 * (inherit), count user space only (what perf_event_paranoid 2 allows
 * without privileges), and start when the program execs.  When the kernel
 * says no, the figures say so with the reason instead of a number.
 */
#ifndef LENTO_PERF_H
#define LENTO_PERF_H

#include <sys/types.h>

#include "../core/system.h"
#include "proc.h"

typedef struct {
    int fd[SYSCTR_N];  /* -1 when not open */
    int err[SYSCTR_N]; /* errno of a failed open, else 0 */
} perf_counters;

/* Opens the counters for pid (a child stopped before exec), enabled on
 * exec.  Never fails as a whole: the counters that cannot be opened keep
 * their errno.  Returns how many are open. */
int perf_open(perf_counters *pc, pid_t pid);

/* Reads the counters into s (counter, counter_ok, counter_running,
 * perf_available, perf_reason), scaling multiplexed counts by
 * enabled/running time.  r reads perf_event_paranoid for the reason.
 * 0 or -ENOMEM. */
int perf_read(perf_counters *pc, proc_reader *r, profile_system *s);

void perf_close(perf_counters *pc);

/* A sentence saying why counters are unavailable after perf_event_open
 * failed with err (paranoid < -999 when unknown), into dst. */
void perf_reason(char *dst, size_t cap, int err, int paranoid);

#endif
