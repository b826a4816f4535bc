/* sampler.c: the timeline of a process tree (see sampler.h).
 *
 * Counting rules, so that the sums neither jump nor drop when processes
 * come and go:
 *  - a process's CPU time and IO are read *inclusive* of the children it
 *    has waited for (utime+stime+cutime+cstime; /proc/PID/io already
 *    includes them), so when a child in the tree is reaped its figures move
 *    into its parent's and the tree's sum stays continuous;
 *  - an orphan is adopted by the supervisor (a subreaper, see reap.h),
 *    which tells the sampler its CPU when it reaps it, so that too stays
 *    in the sum;
 *  - per thread, the CPU time and run-queue wait last seen are kept after
 *    the thread ends, for "busy threads" and the run-queue total.
 */
#include "sampler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

/* Threads read per tick, at most: a program with thousands of threads
 * costs the supervisor a bounded amount per tick.  Their states are then a
 * sample of the threads, not all of them. */
#define MAX_THREADS_PER_TICK 256
/* Threads remembered over the run, at most. */
#define MAX_THREADS_KEPT 65536

typedef struct {
    int pid;
    uint64_t start;   /* starttime: a reused pid is another process */
    proc_io io;       /* last io read, reused if a read fails */
    int have_io;
} tracked_proc;

typedef struct {
    int tid;
    uint64_t start;
    uint64_t cpu_ticks; /* utime+stime, last seen */
    uint64_t wait_ns;   /* run-queue wait, last seen */
    uint32_t seen;      /* samples that saw it */
    uint32_t in_lock;   /* of which asleep in a lock (futex) */
} tracked_thread;

struct sampler {
    proc_reader rd;
    profile_system *fig;
    int top, adopter;
    double reaped_cpu; /* seconds, of the orphans the adopter reaped */
    double t0, last_t;
    long hz, page;

    tracked_proc *procs; /* the tree at the last tick */
    size_t n_procs, cap_procs;
    tracked_thread *threads; /* sorted by tid */
    size_t n_threads, cap_threads;

    uint64_t last_forks;
    int scanned;
    proc_cpu cpu0, cpu_last;
    int have_cpu0, have_cpu_last;

    uint64_t prev_cpu; /* tree CPU ticks at the last timeline point */
    proc_io last_io;   /* tree IO at the last timeline point */
    proc_io io_max;    /* largest tree IO seen: the run's totals */
    int ticks;
};

sampler *sampler_new(const char *proc_root, double t0, profile_system *fig)
{
    sampler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    proc_reader_init(&s->rd, proc_root);
    s->fig = fig;
    s->t0 = s->last_t = t0;
    s->hz = sysconf(_SC_CLK_TCK);
    if (s->hz <= 0)
        s->hz = 100;
    s->page = sysconf(_SC_PAGESIZE);
    if (s->page <= 0)
        s->page = 4096;
    s->have_cpu0 = proc_read_cpu(&s->rd, &s->cpu0) == 0;
    return s;
}

void sampler_set_top(sampler *s, pid_t top, pid_t adopter)
{
    s->top = (int)top;
    s->adopter = (int)adopter;
}

void sampler_add_reaped(sampler *s, double cpu)
{
    if (cpu > 0)
        s->reaped_cpu += cpu;
}

void sampler_free(sampler *s)
{
    if (!s)
        return;
    proc_reader_free(&s->rd);
    free(s->procs);
    free(s->threads);
    free(s);
}

static int push_proc(tracked_proc **v, size_t *n, size_t *cap, int pid,
                     uint64_t start)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        tracked_proc *t = realloc(*v, ncap * sizeof *t);
        if (!t)
            return -ENOMEM;
        *v = t;
        *cap = ncap;
    }
    (*v)[(*n)++] = (tracked_proc){pid, start, {0}, 0};
    return 0;
}

/* The previous tick's entry for (pid, start), or NULL. */
static tracked_proc *old_proc(tracked_proc *v, size_t n, int pid,
                              uint64_t start)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].pid == pid && v[i].start == start)
            return &v[i];
    return NULL;
}

/* Finds the tree: the top, the adopter's other children, and every
 * process whose parent is in it.  When
 * no process was created anywhere since the last scan, the tree can only
 * have shrunk, so the last tick's members are enough. */
static int find_tree(sampler *s, tracked_proc **out, size_t *n_out)
{
    tracked_proc *v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    proc_cpu cpu;
    int forked = 1;
    if (proc_read_cpu(&s->rd, &cpu) == 0) {
        forked = !s->scanned || cpu.processes != s->last_forks;
        s->cpu_last = cpu;
        s->have_cpu_last = 1;
    }
    if (!forked) {
        for (size_t i = 0; i < s->n_procs; i++)
            if ((rc = push_proc(&v, &n, &cap, s->procs[i].pid,
                                s->procs[i].start)) < 0)
                goto fail;
        *out = v;
        *n_out = n;
        return 0;
    }
    int *ids = NULL;
    size_t n_ids = 0;
    if ((rc = proc_list(&s->rd, 0, &ids, &n_ids)) < 0) {
        /* /proc unreadable: keep the top alone */
        if (rc == -ENOMEM)
            goto fail;
        rc = push_proc(&v, &n, &cap, s->top, 0);
        if (rc < 0)
            goto fail;
        *out = v;
        *n_out = n;
        return 0;
    }
    int *ppid = malloc((n_ids + 1) * sizeof *ppid);
    uint64_t *start = malloc((n_ids + 1) * sizeof *start);
    char *taken = calloc(n_ids + 1, 1);
    if (!ppid || !start || !taken) {
        rc = -ENOMEM;
        goto scan_done;
    }
    for (size_t i = 0; i < n_ids; i++) {
        proc_stat st;
        ppid[i] = -1;
        if (proc_read_stat(&s->rd, ids[i], 0, &st) == 0) {
            ppid[i] = st.ppid;
            start[i] = st.starttime;
        }
        if (ppid[i] != -1 &&
            (ids[i] == s->top || (s->adopter > 0 && ppid[i] == s->adopter &&
                                  ids[i] != s->adopter))) {
            if ((rc = push_proc(&v, &n, &cap, ids[i], start[i])) < 0)
                goto scan_done;
            taken[i] = 1;
        }
    }
    /* breadth first: n grows while we walk it */
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < n_ids; i++)
            if (!taken[i] && ppid[i] == v[k].pid) {
                if ((rc = push_proc(&v, &n, &cap, ids[i], start[i])) < 0)
                    goto scan_done;
                taken[i] = 1;
            }
    s->scanned = 1;
    if (s->have_cpu_last)
        s->last_forks = s->cpu_last.processes;
scan_done:
    free(ids);
    free(ppid);
    free(start);
    free(taken);
    if (rc < 0)
        goto fail;
    *out = v;
    *n_out = n;
    return 0;
fail:
    free(v);
    return rc;
}

/* The thread entry for (tid, start), added if new; NULL when the table is
 * full or out of memory. */
static tracked_thread *thread_slot(sampler *s, int tid, uint64_t start)
{
    size_t lo = 0, hi = s->n_threads;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->threads[mid].tid < tid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n_threads && s->threads[lo].tid == tid) {
        tracked_thread *t = &s->threads[lo];
        if (t->start != start) {
            /* a reused tid: keep the old thread's figures in the sums */
            if (s->n_threads >= MAX_THREADS_KEPT)
                return NULL;
        } else {
            return t;
        }
        lo++;
        while (lo < s->n_threads && s->threads[lo].tid == tid) {
            if (s->threads[lo].start == start)
                return &s->threads[lo];
            lo++;
        }
    }
    if (s->n_threads >= MAX_THREADS_KEPT)
        return NULL;
    if (s->n_threads == s->cap_threads) {
        size_t ncap = s->cap_threads ? s->cap_threads * 2 : 64;
        tracked_thread *t = realloc(s->threads, ncap * sizeof *t);
        if (!t)
            return NULL;
        s->threads = t;
        s->cap_threads = ncap;
    }
    memmove(&s->threads[lo + 1], &s->threads[lo],
            (s->n_threads - lo) * sizeof *s->threads);
    s->threads[lo] = (tracked_thread){tid, start, 0, 0, 0, 0};
    s->n_threads++;
    return &s->threads[lo];
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

int sampler_tick(sampler *s, double now)
{
    profile_system *f = s->fig;
    tracked_proc *tree = NULL;
    size_t n = 0;
    int rc = find_tree(s, &tree, &n);
    if (rc < 0)
        return rc;

    uint64_t cpu = 0, rss = 0, threads = 0;
    uint32_t running = 0, disk = 0, procs = 0, read_threads = 0;
    proc_io io = {0};
    for (size_t i = 0; i < n; i++) {
        tracked_proc *p = &tree[i];
        proc_stat st;
        if (proc_read_stat(&s->rd, p->pid, 0, &st) < 0 ||
            (p->start && st.starttime != p->start)) {
            p->start = 0; /* gone (or its pid reused): dropped below */
            continue;
        }
        if (p->start == 0)
            p->start = st.starttime;
        tracked_proc *old = old_proc(s->procs, s->n_procs, p->pid, p->start);
        if (!old)
            f->procs_seen++;
        procs++;
        cpu += st.utime + st.stime + st.cutime + st.cstime;
        rss += st.rss_pages * (uint64_t)s->page;
        if (st.state != 'Z')
            threads += st.num_threads;
        proc_status ps;
        if (proc_read_status(&s->rd, p->pid, &ps) == 0 &&
            ps.vm_hwm > f->peak_rss)
            f->peak_rss = ps.vm_hwm;
        if (proc_read_io(&s->rd, p->pid, &p->io) == 0)
            p->have_io = 1;
        else if (old && old->have_io)
            p->io = old->io, p->have_io = 1;
        if (p->have_io) {
            io.rchar += p->io.rchar;
            io.wchar += p->io.wchar;
            io.syscr += p->io.syscr;
            io.syscw += p->io.syscw;
            io.read_bytes += p->io.read_bytes;
            io.write_bytes += p->io.write_bytes;
            io.cancelled_write_bytes += p->io.cancelled_write_bytes;
        }
        /* the threads: their states now, their CPU and run-queue wait */
        int *tids = NULL;
        size_t n_tids = 0;
        if (proc_list(&s->rd, p->pid, &tids, &n_tids) == -ENOMEM) {
            rc = -ENOMEM;
            goto done;
        }
        for (size_t k = 0; k < n_tids && read_threads < MAX_THREADS_PER_TICK;
             k++) {
            proc_stat ts;
            if (proc_read_stat(&s->rd, p->pid, tids[k], &ts) < 0 ||
                ts.state == 'Z' || ts.state == 'X')
                continue;
            read_threads++;
            running += ts.state == 'R';
            disk += ts.state == 'D';
            proc_wait why = WAIT_OTHER;
            if (ts.state == 'S') {
                char wchan[128];
                if (proc_read_wchan(&s->rd, p->pid, tids[k], wchan,
                                    sizeof wchan) == 0)
                    why = proc_wait_class(wchan);
                f->waits_lock += why == WAIT_LOCK;
                f->waits_sleep += why == WAIT_SLEEP;
                f->waits_io += why == WAIT_IO;
                f->waits_child += why == WAIT_CHILD;
                f->waits_other += why == WAIT_OTHER;
            }
            tracked_thread *t = thread_slot(s, tids[k], ts.starttime);
            if (!t)
                continue;
            t->seen++;
            t->in_lock += ts.state == 'S' && why == WAIT_LOCK;
            t->cpu_ticks = ts.utime + ts.stime;
            proc_schedstat sc;
            if (proc_read_schedstat(&s->rd, p->pid, tids[k], &sc) == 0)
                t->wait_ns = sc.wait_ns;
        }
        free(tids);
    }
    cpu += (uint64_t)(s->reaped_cpu * (double)s->hz + 0.5);
    /* the tree as it is now replaces the last tick's */
    {
        size_t live = 0;
        for (size_t i = 0; i < n; i++)
            if (tree[i].start != 0)
                tree[live++] = tree[i];
        free(s->procs);
        s->procs = tree;
        s->n_procs = live;
        s->cap_procs = n;
        tree = NULL;
    }

    double dt = now - s->last_t;
    if (procs && dt > 0.005) {
        system_sample x = {0};
        x.t = now - s->t0;
        x.cpu = (double)sub0(cpu, s->prev_cpu) / (double)s->hz / dt;
        x.rss = (double)rss;
        x.read_bps = (double)sub0(io.rchar, s->last_io.rchar) / dt;
        x.write_bps = (double)sub0(io.wchar, s->last_io.wchar) / dt;
        x.disk_read_bps =
            (double)sub0(io.read_bytes, s->last_io.read_bytes) / dt;
        x.disk_write_bps =
            (double)sub0(io.write_bytes, s->last_io.write_bytes) / dt;
        x.threads = (double)threads;
        x.running = (double)running;
        x.disk_wait = (double)disk;
        if ((rc = system_add_sample(f, &x)) < 0)
            goto done;
        s->last_t = now;
        s->prev_cpu = cpu;
        s->last_io = io;
    }
    if (procs) {
        f->samples++;
        if (running >= 2)
            f->samples_multi++;
        if (running)
            f->samples_busy++;
        else if (disk)
            f->samples_io++;
        else
            f->samples_wait++;
        if (threads > f->max_threads)
            f->max_threads = threads > UINT32_MAX ? UINT32_MAX
                                                  : (uint32_t)threads;
        if (procs > f->max_procs)
            f->max_procs = procs;
        if (rss > f->peak_tree_rss)
            f->peak_tree_rss = rss;
        /* the IO totals are the largest seen: a process reaped outside the
         * tree must not make them go down */
        if (io.rchar > s->io_max.rchar)
            s->io_max.rchar = io.rchar;
        if (io.wchar > s->io_max.wchar)
            s->io_max.wchar = io.wchar;
        if (io.syscr > s->io_max.syscr)
            s->io_max.syscr = io.syscr;
        if (io.syscw > s->io_max.syscw)
            s->io_max.syscw = io.syscw;
        if (io.read_bytes > s->io_max.read_bytes)
            s->io_max.read_bytes = io.read_bytes;
        uint64_t w = sub0(io.write_bytes, io.cancelled_write_bytes);
        if (w > s->io_max.write_bytes)
            s->io_max.write_bytes = w;
    }
    s->ticks++;
    rc = 0;
done:
    free(tree);
    return rc;
}

void sampler_finish(sampler *s, double tree_cpu)
{
    profile_system *f = s->fig;
    f->read_bytes = s->io_max.rchar;
    f->write_bytes = s->io_max.wchar;
    f->read_calls = s->io_max.syscr;
    f->write_calls = s->io_max.syscw;
    f->disk_read = s->io_max.read_bytes;
    f->disk_write = s->io_max.write_bytes;
    uint64_t wait_ns = 0, busy_seen = 0, busy_lock = 0;
    uint32_t busy = 0;
    for (size_t i = 0; i < s->n_threads; i++) {
        const tracked_thread *t = &s->threads[i];
        wait_ns += t->wait_ns;
        /* busy: a real share of the program's own CPU work, which holds
         * whatever share of the machine the program was given */
        double secs = (double)t->cpu_ticks / (double)s->hz;
        if (secs >= 0.1 * tree_cpu && secs >= 0.02) {
            busy++;
            busy_seen += t->seen;
            busy_lock += t->in_lock;
        }
    }
    f->runq_wait = (double)wait_ns * 1e-9;
    f->busy_threads = busy;
    f->busy_lock_share =
        busy_seen ? (double)busy_lock / (double)busy_seen : 0;
    if (s->have_cpu0 && s->have_cpu_last) {
        const proc_cpu *a = &s->cpu0, *b = &s->cpu_last;
        uint64_t busy_ticks = sub0(b->user, a->user) +
                              sub0(b->nice, a->nice) +
                              sub0(b->system, a->system) +
                              sub0(b->irq, a->irq) +
                              sub0(b->softirq, a->softirq);
        double other = (double)busy_ticks / (double)s->hz - tree_cpu;
        f->other_cpu = other > 0 ? other : 0;
        f->steal = (double)sub0(b->steal, a->steal) / (double)s->hz;
    }
}
