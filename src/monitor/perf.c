/* perf.c: hardware counters through perf_event_open (see perf.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* syscall, pipe2, ppoll, sched_getaffinity */
#endif
#include "perf.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
    uint32_t type;
    uint64_t config;
} events[SYSCTR_N] = {
    [SYSCTR_INSTRUCTIONS] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    [SYSCTR_CYCLES] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    [SYSCTR_CACHE_REFS] = {PERF_TYPE_HARDWARE,
                           PERF_COUNT_HW_CACHE_REFERENCES},
    [SYSCTR_CACHE_MISSES] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    [SYSCTR_LLC_MISSES] = {PERF_TYPE_HW_CACHE,
                           PERF_COUNT_HW_CACHE_LL |
                               PERF_COUNT_HW_CACHE_OP_READ << 8 |
                               PERF_COUNT_HW_CACHE_RESULT_MISS << 16},
};

int perf_open(perf_counters *pc, pid_t pid)
{
    int n = 0;
    for (int i = 0; i < SYSCTR_N; i++) {
        struct perf_event_attr a;
        memset(&a, 0, sizeof a);
        a.size = sizeof a;
        a.type = events[i].type;
        a.config = events[i].config;
        a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
                        PERF_FORMAT_TOTAL_TIME_RUNNING;
        a.disabled = 1;
        a.enable_on_exec = 1;
        a.inherit = 1;
        a.exclude_kernel = 1;
        a.exclude_hv = 1;
        long fd = syscall(SYS_perf_event_open, &a, pid, -1, -1,
                          PERF_FLAG_FD_CLOEXEC);
        pc->fd[i] = fd < 0 ? -1 : (int)fd;
        pc->err[i] = fd < 0 ? errno : 0;
        n += fd >= 0;
    }
    return n;
}

void perf_reason(char *dst, size_t cap, int err, int paranoid)
{
    switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
        snprintf(dst, cap,
                 "the kernel does not support hardware counters on this "
                 "machine (a virtual machine often hides them; "
                 "perf_event_open: %s)",
                 strerror(err));
        break;
    case EACCES:
    case EPERM:
        if (paranoid > -1000)
            snprintf(dst, cap,
                     "not permitted: kernel.perf_event_paranoid is %d "
                     "(2 or lower lets you count your own programs; or "
                     "run with CAP_PERFMON)",
                     paranoid);
        else
            snprintf(dst, cap, "not permitted (perf_event_open: %s)",
                     strerror(err));
        break;
    case ENOSYS:
        snprintf(dst, cap, "this kernel has no perf_event_open");
        break;
    case EMFILE:
    case ENFILE:
        snprintf(dst, cap, "out of file descriptors (perf_event_open: %s)",
                 strerror(err));
        break;
    default:
        snprintf(dst, cap, "perf_event_open failed: %s", strerror(err));
        break;
    }
}

int perf_read(perf_counters *pc, proc_reader *r, profile_system *s)
{
    int any = 0, never_ran = 0;
    for (int i = 0; i < SYSCTR_N; i++) {
        s->counter[i] = 0;
        s->counter_ok[i] = 0;
        s->counter_running[i] = 0;
        if (pc->fd[i] < 0)
            continue;
        uint64_t v[3]; /* value, time enabled, time running */
        ssize_t got = read(pc->fd[i], v, sizeof v);
        if (got != (ssize_t)sizeof v)
            continue;
        if (v[2] == 0) {
            never_ran = 1; /* multiplexed out the whole time */
            continue;
        }
        /* Scaled as perf does: value * enabled / running. */
        double share = v[1] ? (double)v[2] / (double)v[1] : 1.0;
        if (share > 1)
            share = 1;
        double scaled = (double)v[0] / share;
        s->counter[i] = scaled >= 18446744073709549568.0 ? UINT64_MAX
                                                         : (uint64_t)scaled;
        s->counter_ok[i] = 1;
        s->counter_running[i] = share;
        any = 1;
    }
    s->perf_available = any;
    char why[256] = "";
    if (!any) {
        int err = 0;
        for (int i = 0; i < SYSCTR_N && !err; i++)
            err = pc->err[i];
        if (err) {
            int paranoid = -1000;
            if (proc_read_paranoid(r, &paranoid) < 0)
                paranoid = -1000;
            perf_reason(why, sizeof why, err, paranoid);
        } else if (never_ran) {
            snprintf(why, sizeof why,
                     "the counters were opened but never ran (all taken by "
                     "other users of the hardware counters)");
        } else {
            snprintf(why, sizeof why, "the counters could not be read");
        }
    }
    return system_set_perf_reason(s, why);
}

void perf_close(perf_counters *pc)
{
    for (int i = 0; i < SYSCTR_N; i++) {
        if (pc->fd[i] >= 0)
            close(pc->fd[i]);
        pc->fd[i] = -1;
    }
}
