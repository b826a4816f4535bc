/* procs.c: see procs.h. */
#include "procs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "summary.h"

/* Width of the command column before it is cut. */
#define PROCS_CMD_MAX 48

typedef struct {
    double time;  /* profiled seconds: its threads' top-level calls */
    uint64_t calls;
    uint32_t hot; /* function with the most self time, or NO_FUNC */
} proc_sums;

static int sum_process(const profile *p, const profile_process *r,
                       proc_sums *s)
{
    int64_t *self = calloc(p->n_funcs ? p->n_funcs : 1, sizeof *self);
    if (!self)
        return -ENOMEM;
    int64_t total = 0;
    s->calls = 0;
    for (uint32_t t = r->first_thread; t < r->first_thread + r->n_threads;
         t++) {
        const profile_thread *th = &p->threads[t];
        for (uint32_t i = 1; i < th->n_nodes; i++) {
            const cct_node *n = &th->nodes[i];
            if (n->parent == 0)
                total += n->total;
            s->calls += n->calls;
            self[n->func] += n->self;
        }
    }
    s->hot = PROFILE_NO_FUNC;
    for (uint32_t f = 0; f < p->n_funcs; f++)
        if (self[f] > 0 && (s->hot == PROFILE_NO_FUNC || self[f] > self[s->hot]))
            s->hot = f;
    free(self);
    s->time = (double)total * p->tick;
    return 0;
}

void procs_ending(char *dst, size_t cap, const profile_process *r)
{
    if (r->flags & PROC_OS_EXIT)
        snprintf(dst, cap, "os._exit(%lld)", (long long)r->exit_status);
    else if (r->flags & PROC_PARTIAL)
        snprintf(dst, cap, "partial");
    else if (r->exit_status != PROC_STATUS_UNKNOWN)
        snprintf(dst, cap, "exit %lld", (long long)r->exit_status);
    else
        snprintf(dst, cap, "exit");
}

int procs_sum(const profile *p, uint32_t i, double *seconds,
              uint64_t *calls, uint32_t *busiest)
{
    proc_sums s;
    if (sum_process(p, &p->procs[i], &s) < 0)
        return -ENOMEM;
    *seconds = s.time;
    *calls = s.calls;
    *busiest = s.hot;
    return 0;
}

/* Depth of process i in the tree (0 for one whose parent is not in p). */
static unsigned depth_of(const profile *p, uint32_t i)
{
    unsigned d = 0;
    for (uint32_t guard = 0; guard < p->n_procs; guard++) {
        uint32_t j = 0;
        while (j < p->n_procs && p->procs[j].pid != p->procs[i].ppid)
            j++;
        if (j == p->n_procs || j == i)
            break;
        d++;
        i = j;
    }
    return d;
}

/* Prints process i, then its children, depth first. */
static int print_tree(FILE *out, const profile *p, uint32_t i, unsigned d,
                      char *done)
{
    if (done[i])
        return 0;
    done[i] = 1;
    const profile_process *r = &p->procs[i];
    proc_sums s;
    if (sum_process(p, r, &s) < 0)
        return -ENOMEM;
    char pid[64], t[32], c[32], end[48], hot[256] = "-";
    snprintf(pid, sizeof pid, "%*s%llu", (int)(d > 8 ? 16 : 2 * d), "",
             (unsigned long long)r->pid);
    fmt_time(t, sizeof t, s.time);
    fmt_count(c, sizeof c, s.calls);
    procs_ending(end, sizeof end, r);
    if (s.hot != PROFILE_NO_FUNC)
        summary_func_name(hot, sizeof hot, &p->funcs[s.hot]);
    size_t cl = strlen(r->command);
    fprintf(out, "  %-12s %10s %12s  %-14s %-.*s%s%s\n      busiest: %s\n",
            pid, t, c, end, PROCS_CMD_MAX, r->command,
            cl > PROCS_CMD_MAX ? "..." : "",
            r->flags & PROC_FORKED ? " (fork)" : "", hot);
    for (uint32_t j = 0; j < p->n_procs; j++)
        if (p->procs[j].ppid == r->pid && j != i &&
            print_tree(out, p, j, d + 1, done) < 0)
            return -ENOMEM;
    return 0;
}

int procs_print(FILE *out, const profile *p)
{
    if (p->n_procs < 2)
        return 0;
    char *done = calloc(p->n_procs, 1);
    if (!done)
        return -ENOMEM;
    fprintf(out, "\nProcesses: %u profiled; the tables above are their sum "
                 "(lento report --pid PID: one alone)\n"
                 "  %-12s %10s %12s  %-14s %s\n",
            p->n_procs, "pid", "profiled", "calls", "ended", "what ran");
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < p->n_procs; i++)
        if (depth_of(p, i) == 0)
            rc = print_tree(out, p, i, 0, done);
    /* a cycle of pids (reused) leaves some unprinted: print them flat */
    for (uint32_t i = 0; rc == 0 && i < p->n_procs; i++)
        rc = print_tree(out, p, i, 0, done);
    free(done);
    return rc;
}

profile *procs_pick(const profile *p, uint64_t pid, int *found)
{
    *found = 0;
    const profile_process *r = NULL;
    for (uint32_t i = 0; i < p->n_procs && !r; i++)
        if (p->procs[i].pid == pid)
            r = &p->procs[i];
    if (!r)
        return NULL;
    *found = 1;
    profile *q = profile_new(p->tick);
    if (!q)
        return NULL;
    for (uint32_t i = 0; i < p->n_funcs; i++)
        if (profile_add_func(q, p->funcs[i].kind, p->funcs[i].file,
                             p->funcs[i].line, p->funcs[i].name) < 0)
            goto fail;
    for (uint32_t i = 0; i < p->n_meta; i++)
        if (profile_set_meta(q, p->meta[i].key, p->meta[i].value) < 0)
            goto fail;
    for (uint32_t t = r->first_thread; t < r->first_thread + r->n_threads;
         t++) {
        if (profile_copy_thread(q, &p->threads[t], NULL) < 0)
            goto fail;
    }
    if (profile_set_meta(q, "command", r->command) < 0)
        goto fail;
    return q;
fail:
    profile_free(q);
    return NULL;
}
