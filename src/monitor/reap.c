/* reap.c: orphans adopted by the supervisor (see reap.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* wait4 */
#endif
#include "reap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int reap_become_subreaper(int *was)
{
    int cur = 0;
    *was = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &cur, 0, 0, 0) == 0)
        *was = cur;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        return -errno;
    return 0;
}

void reap_restore(int was)
{
    /* Children adopted so far stay ours; only future orphans change. */
    if (!was)
        prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

static uint64_t nonneg(long v)
{
    return v > 0 ? (uint64_t)v : 0;
}

void reap_add_rusage(reap_usage *u, const struct rusage *ru)
{
    u->user += (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6;
    u->sys += (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6;
    uint64_t rss = nonneg(ru->ru_maxrss) * 1024;
    if (rss > u->maxrss)
        u->maxrss = rss;
    u->minflt += nonneg(ru->ru_minflt);
    u->majflt += nonneg(ru->ru_majflt);
    u->nvcsw += nonneg(ru->ru_nvcsw);
    u->nivcsw += nonneg(ru->ru_nivcsw);
    u->inblock += nonneg(ru->ru_inblock);
    u->oublock += nonneg(ru->ru_oublock);
}

int reap_ended(pid_t top, reap_usage *u)
{
    for (;;) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        /* WNOWAIT first: the kernel names one ended child, oldest first,
         * and top (the oldest) must stay unreaped when it is the one. */
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
            if (errno == EINTR)
                continue;
            return 0; /* ECHILD: no children left */
        }
        if (si.si_pid == 0)
            return 0;
        if (si.si_pid == top)
            return 1;
        struct rusage ru;
        memset(&ru, 0, sizeof ru);
        int ws;
        pid_t got;
        while ((got = wait4(si.si_pid, &ws, WNOHANG, &ru)) < 0 &&
               errno == EINTR)
            ;
        if (got == si.si_pid)
            reap_add_rusage(u, &ru);
        else if (got < 0)
            return 0; /* someone else reaped it: nothing left to learn */
    }
}

int reap_add_live(proc_reader *rd, int root, reap_usage *u)
{
    int *ids = NULL;
    size_t n = 0;
    int rc = proc_list(rd, 0, &ids, &n);
    if (rc < 0)
        return rc;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        hz = 100;
    proc_stat *st = malloc((n + 1) * sizeof *st);
    char *in = calloc(n + 1, 1);
    int *queue = malloc((n + 1) * sizeof *queue);
    if (!st || !in || !queue) {
        rc = -ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (proc_read_stat(rd, ids[i], 0, &st[i]) < 0)
            st[i].ppid = -1, st[i].pid = -1;
    /* Breadth first from root: queue holds the pids whose children are
     * still to be found (at most root and every process). */
    size_t head = 0, tail = 0;
    queue[tail++] = root;
    while (head < tail) {
        int parent = queue[head++];
        for (size_t i = 0; i < n; i++)
            if (!in[i] && st[i].pid > 0 && st[i].ppid == parent) {
                in[i] = 1;
                queue[tail++] = st[i].pid;
            }
    }
    for (size_t i = 0; i < n; i++) {
        if (!in[i])
            continue;
        u->user += (double)(st[i].utime + st[i].cutime) / (double)hz;
        u->sys += (double)(st[i].stime + st[i].cstime) / (double)hz;
        u->minflt += st[i].minflt + st[i].cminflt;
        u->majflt += st[i].majflt + st[i].cmajflt;
    }
done:
    free(ids);
    free(st);
    free(in);
    free(queue);
    return rc;
}
