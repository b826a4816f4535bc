/* test_monitor.c: unit tests of src/monitor (the /proc readers and the
 * sampler, against a fake proc tree written here) and of src/report's
 * verdict rules (on made-up figures) and JSON writer.
 *
 * Usage: test_monitor DIR [JSON]   fixtures go in DIR (which must exist
 *                                  and is left empty); with JSON, also
 *                                  writes a sample report there for the
 *                                  Python driver to check against the
 *                                  schema.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/core/buf.h"
#include "../../src/core/system.h"
#include "../../src/monitor/perf.h"
#include "../../src/monitor/proc.h"
#include "../../src/monitor/reap.h"
#include "../../src/monitor/sampler.h"
#include "../../src/report/fmt.h"
#include "../../src/report/json.h"
#include "../../src/report/verdict.h"
#include "check.h"

static const char *scratch;

/* ---- fixtures ---------------------------------------------------------- */

static buf made[256]; /* every file and directory made, to remove after */
static size_t n_made;

static const char *path_of(const char *rel)
{
    buf *b = &made[n_made++];
    buf_init(b, 4096);
    if (buf_printf(b, "%s/%s", scratch, rel) < 0)
        exit(2);
    return b->data;
}

static void mkd(const char *rel)
{
    CHECK(mkdir(path_of(rel), 0755) == 0);
}

static void put(const char *rel, const char *text)
{
    FILE *f = fopen(path_of(rel), "w");
    if (!CHECK(f != NULL))
        exit(2);
    fputs(text, f);
    fclose(f);
}

static void cleanup(void)
{
    /* files and directories, deepest (latest) first */
    while (n_made) {
        buf *b = &made[--n_made];
        if (unlink(b->data) < 0)
            rmdir(b->data);
        buf_free(b);
    }
}

/* A /proc/PID/stat line: comm, state, ppid, utime, stime, threads, rss. */
static void stat_line(buf *b, int pid, const char *comm, char state, int ppid,
                      unsigned ut, unsigned st, unsigned threads, unsigned rss)
{
    buf_reset(b);
    buf_printf(b,
               "%d (%s) %c %d %d %d 0 -1 4194560 100 0 2 0 %u %u 0 0 20 0 "
               "%u 0 %d 1000000 %u 18446744073709551615 1 1 0 0 0 0 0 "
               "16781312 134234626 0 0 0 17 1 0 0 3 0 0\n",
               pid, comm, state, ppid, pid, pid, ut, st, threads, 500 + pid,
               rss);
}

/* ---- proc.c parsers ---------------------------------------------------- */

static void test_parse_stat(void)
{
    proc_stat st;
    buf b;
    buf_init(&b, 4096);
    /* A name with spaces and parentheses: fields start after the LAST ')' */
    stat_line(&b, 42, "my (odd) name) x", 'S', 7, 150, 25, 3, 900);
    CHECK_I64(proc_parse_stat(b.data, &st), 0);
    CHECK_I64(st.pid, 42);
    CHECK_STR(st.comm, "my (odd) name) x");
    CHECK(st.state == 'S');
    CHECK_I64(st.ppid, 7);
    CHECK_U64(st.minflt, 100);
    CHECK_U64(st.majflt, 2);
    CHECK_U64(st.utime, 150);
    CHECK_U64(st.stime, 25);
    CHECK_U64(st.num_threads, 3);
    CHECK_U64(st.starttime, 542);
    CHECK_U64(st.rss_pages, 900);
    CHECK_U64(st.blkio_ticks, 3);

    /* An old kernel's shorter line (up to rss) still parses. */
    CHECK_I64(proc_parse_stat("1 (init) S 0 1 1 0 -1 0 10 0 1 0 5 6 0 0 20 0 "
                              "1 0 7 100 200\n",
                              &st),
              0);
    CHECK_U64(st.rss_pages, 200);
    CHECK_U64(st.blkio_ticks, 0);
    /* A comm longer than we keep is cut, not overrun. */
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    stat_line(&b, 5, longname, 'R', 1, 0, 0, 1, 1);
    CHECK_I64(proc_parse_stat(b.data, &st), 0);
    CHECK_U64(strlen(st.comm), sizeof st.comm - 1);
    CHECK(st.state == 'R');

    const char *bad[] = {
        "",
        "42",
        "42 (x",
        "42 (x) S 1 2 3",             /* too few fields */
        "42 (x)",                     /* no state */
        "x (y) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1 1 1", /* no pid */
        "42 (x) S 99999999999 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1 1 1",
        "42 (x) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 1 0 0 20 0 "
        "1 0 1 1 1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (!CHECK_I64(proc_parse_stat(bad[i], &st), -EINVAL))
            fprintf(stderr, "    for: %s\n", bad[i]);
    buf_free(&b);
}

static void test_parse_others(void)
{
    proc_status ps;
    CHECK_I64(proc_parse_status("Name:\tpython3\nState:\tS (sleeping)\n"
                                "VmHWM:\t   13488 kB\nVmRSS:\t   12000 kB\n"
                                "Threads:\t5\n"
                                "voluntary_ctxt_switches:\t12\n"
                                "nonvoluntary_ctxt_switches:\t3\n",
                                &ps),
              0);
    CHECK_U64(ps.vm_hwm, 13488ULL * 1024);
    CHECK_U64(ps.vm_rss, 12000ULL * 1024);
    CHECK_U64(ps.threads, 5);
    CHECK_U64(ps.vcsw, 12);
    CHECK_U64(ps.nvcsw, 3);
    /* A zombie has no Vm lines: zeros, not an error. */
    CHECK_I64(proc_parse_status("Name:\tx\nState:\tZ (zombie)\nThreads:\t1\n",
                                &ps),
              0);
    CHECK_U64(ps.vm_hwm, 0);
    CHECK_I64(proc_parse_status("Name:\tx\n", &ps), -EINVAL); /* no Threads */
    CHECK_I64(proc_parse_status("Threads:\t1\nVmHWM:\tlots kB\n", &ps),
              -EINVAL);

    proc_io io;
    CHECK_I64(proc_parse_io("rchar: 6976\nwchar: 12\nsyscr: 10\nsyscw: 2\n"
                            "read_bytes: 4096\nwrite_bytes: 8192\n"
                            "cancelled_write_bytes: 4096\n",
                            &io),
              0);
    CHECK_U64(io.rchar, 6976);
    CHECK_U64(io.wchar, 12);
    CHECK_U64(io.syscr, 10);
    CHECK_U64(io.syscw, 2);
    CHECK_U64(io.read_bytes, 4096);
    CHECK_U64(io.write_bytes, 8192);
    CHECK_U64(io.cancelled_write_bytes, 4096);
    CHECK_I64(proc_parse_io("rchar: 1\nwchar: 2\n", &io), -EINVAL);
    /* a key that only starts like ours does not count */
    CHECK_I64(proc_parse_io("rchars: 1\nwchar: 2\nsyscr: 1\nsyscw: 1\n"
                            "read_bytes: 1\nwrite_bytes: 1\n",
                            &io),
              -EINVAL);

    proc_schedstat sc;
    CHECK_I64(proc_parse_schedstat("58672 198447 2\n", &sc), 0);
    CHECK_U64(sc.run_ns, 58672);
    CHECK_U64(sc.wait_ns, 198447);
    CHECK_U64(sc.slices, 2);
    CHECK_I64(proc_parse_schedstat("1 2\n", &sc), -EINVAL);

    proc_cpu cpu;
    CHECK_I64(proc_parse_cpu("cpu  146843 0 13220 1153954 1470 0 261 136 0 0\n"
                             "cpu0 61489 0 6082 590043 236 0 89 58 0 0\n"
                             "cpu1 85354 0 7138 563910 1233 0 171 78 0 0\n"
                             "intr 1 2 3\nctxt 99\nprocesses 4321\n",
                             &cpu),
              0);
    CHECK_U64(cpu.user, 146843);
    CHECK_U64(cpu.system, 13220);
    CHECK_U64(cpu.idle, 1153954);
    CHECK_U64(cpu.steal, 136);
    CHECK_U64(cpu.processes, 4321);
    CHECK_U64(cpu.ncpu, 2);
    CHECK_I64(proc_parse_cpu("cpu  1 2 3 4\n", &cpu), -EINVAL); /* no forks */
    CHECK_I64(proc_parse_cpu("processes 5\n", &cpu), -EINVAL);

    CHECK(proc_wait_class("futex_wait_queue_me") == WAIT_LOCK);
    CHECK(proc_wait_class("futex_do_wait") == WAIT_LOCK);
    CHECK(proc_wait_class("hrtimer_nanosleep") == WAIT_SLEEP);
    CHECK(proc_wait_class("do_sys_poll") == WAIT_IO);
    CHECK(proc_wait_class("do_epoll_wait") == WAIT_IO);
    CHECK(proc_wait_class("pipe_read") == WAIT_IO);
    CHECK(proc_wait_class("do_wait") == WAIT_CHILD);
    CHECK(proc_wait_class("0") == WAIT_OTHER);
    CHECK(proc_wait_class("") == WAIT_OTHER);
}

/* ---- proc.c readers and the sampler, on a fake /proc ------------------- */

static void make_proc_tree(void)
{
    buf b;
    buf_init(&b, 4096);
    mkd("proc");
    put("proc/stat", "cpu  1000 0 100 5000 0 0 0 7 0 0\ncpu0 1 0 1 1 0 0 0 0 "
                     "0 0\ncpu1 1 0 1 1 0 0 0 0 0 0\nprocesses 50\n");
    mkd("proc/self"); /* not a pid: skipped */
    mkd("proc/sys");
    mkd("proc/sys/kernel");
    put("proc/sys/kernel/perf_event_paranoid", "3\n");
    /* 100: the program (two threads: one running, one in a futex); 101:
     * its child, asleep; 102: a grandchild without an io file (hidden);
     * 200: unrelated; 300: gone between listing and reading (no files). */
    static const struct {
        int pid, ppid;
        char state;
        unsigned threads, rss;
    } procs[] = {
        {100, 1, 'R', 2, 1000},
        {101, 100, 'S', 1, 500},
        {102, 101, 'D', 1, 250},
        {200, 1, 'R', 1, 7777},
    };
    char rel[128];
    for (size_t i = 0; i < sizeof procs / sizeof *procs; i++) {
        int pid = procs[i].pid;
        snprintf(rel, sizeof rel, "proc/%d", pid);
        mkd(rel);
        stat_line(&b, pid, "py (3)", procs[i].state, procs[i].ppid, 100, 10,
                  procs[i].threads, procs[i].rss);
        snprintf(rel, sizeof rel, "proc/%d/stat", pid);
        put(rel, b.data);
        snprintf(rel, sizeof rel, "proc/%d/status", pid);
        put(rel, "Name:\tpy\nVmHWM:\t8000 kB\nVmRSS:\t4000 kB\n"
                 "Threads:\t1\n");
        if (pid != 102) {
            snprintf(rel, sizeof rel, "proc/%d/io", pid);
            put(rel, "rchar: 1000\nwchar: 100\nsyscr: 10\nsyscw: 1\n"
                     "read_bytes: 4096\nwrite_bytes: 0\n"
                     "cancelled_write_bytes: 0\n");
        }
        snprintf(rel, sizeof rel, "proc/%d/task", pid);
        mkd(rel);
        for (unsigned t = 0; t < procs[i].threads; t++) {
            int tid = pid + (int)t * 1000;
            snprintf(rel, sizeof rel, "proc/%d/task/%d", pid, tid);
            mkd(rel);
            char state = t == 0 ? procs[i].state : 'S';
            stat_line(&b, tid, "py", state, procs[i].ppid, 50, 5, 1, 0);
            snprintf(rel, sizeof rel, "proc/%d/task/%d/stat", pid, tid);
            put(rel, b.data);
            snprintf(rel, sizeof rel, "proc/%d/task/%d/schedstat", pid, tid);
            put(rel, "1000 2000000 3\n");
            snprintf(rel, sizeof rel, "proc/%d/task/%d/wchan", pid, tid);
            put(rel, state == 'S' ? (t ? "futex_do_wait" : "hrtimer_nanosleep")
                                  : "0");
        }
    }
    mkd("proc/300");
    buf_free(&b);
}

static void test_readers(void)
{
    buf root;
    buf_init(&root, 4096);
    buf_printf(&root, "%s/proc", scratch);
    proc_reader r;
    proc_reader_init(&r, root.data);
    proc_stat st;
    CHECK_I64(proc_read_stat(&r, 100, 0, &st), 0);
    CHECK_STR(st.comm, "py (3)");
    CHECK_I64(proc_read_stat(&r, 100, 1100, &st), 0);
    CHECK(st.state == 'S');
    proc_io io;
    CHECK_I64(proc_read_io(&r, 102, &io), -ENOENT); /* missing io file */
    CHECK_I64(proc_read_io(&r, 999, &io), -ENOENT); /* no such process */
    CHECK_I64(proc_read_stat(&r, 300, 0, &st), -ENOENT); /* gone */
    int *ids = NULL;
    size_t n = 0;
    CHECK_I64(proc_list(&r, 0, &ids, &n), 0);
    CHECK_U64(n, 5); /* 100 101 102 200 300, not self or sys or stat */
    free(ids);
    CHECK_I64(proc_list(&r, 100, &ids, &n), 0);
    CHECK_U64(n, 2);
    free(ids);
    CHECK_I64(proc_list(&r, 999, &ids, &n), -ENOENT);
    char w[64];
    CHECK_I64(proc_read_wchan(&r, 100, 1100, w, sizeof w), 0);
    CHECK_STR(w, "futex_do_wait");
    int level = 0;
    CHECK_I64(proc_read_paranoid(&r, &level), 0);
    CHECK_I64(level, 3);
    proc_reader_free(&r);
    buf_free(&root);
}

static void test_sampler(void)
{
    buf root;
    buf_init(&root, 4096);
    buf_printf(&root, "%s/proc", scratch);
    profile_system *f = system_new();
    sampler *s = sampler_new(root.data, 10.0, f);
    if (!CHECK(s != NULL && f != NULL))
        exit(2);
    f->interval = 0.05;
    sampler_set_top(s, 100, 0);
    CHECK_I64(sampler_tick(s, 10.05), 0);
    CHECK_I64(sampler_tick(s, 10.10), 0);
    sampler_finish(s, 2.2);
    /* the tree: 100, 101, 102 (not 200, not the vanished 300) */
    CHECK_U64(f->max_procs, 3);
    CHECK_U64(f->procs_seen, 3);
    CHECK_U64(f->max_threads, 4);
    CHECK_U64(f->peak_tree_rss, (1000 + 500 + 250) * (uint64_t)sysconf(
                                                            _SC_PAGESIZE));
    CHECK_U64(f->peak_rss, 8000 * 1024);
    /* io of 100 and 101; 102's is hidden */
    CHECK_U64(f->read_bytes, 2000);
    CHECK_U64(f->disk_read, 8192);
    CHECK_U64(f->read_calls, 20);
    /* states at each tick: 100's first thread R, 102 D -> busy; 100's second
     * thread asleep in a futex, 101 in a sleep */
    CHECK_U64(f->samples, 2);
    CHECK_U64(f->samples_busy, 2);
    CHECK_U64(f->samples_multi, 0);
    CHECK_U64(f->waits_lock, 2);
    CHECK_U64(f->waits_sleep, 2);
    /* 4 threads, each 2 ms of run-queue wait */
    CHECK(fabs(f->runq_wait - 0.008) < 1e-9);
    /* each thread used 55 ticks: 0.55 s at 100 Hz, >= 10% of the 2.2 s of
     * CPU the tree used */
    CHECK_U64(f->busy_threads, 4);
    CHECK(fabs(f->busy_lock_share - 0.25) < 1e-9);
    /* the timeline: one point per tick; CPU from the inclusive ticks of
     * the tree (3 x 110), all in the first interval */
    CHECK_U64(f->n_samples, 2);
    if (f->n_samples == 2) {
        CHECK(fabs(f->timeline[0].t - 0.05) < 1e-9);
        CHECK(f->timeline[0].cpu > 0);
        CHECK(f->timeline[1].cpu == 0);
        CHECK(f->timeline[1].running == 1);
        CHECK(f->timeline[1].disk_wait == 1);
    }
    /* no other load and no steal in a /proc/stat that did not move */
    CHECK(f->other_cpu == 0 && f->steal == 0);
    CHECK_I64(system_validate(f), 0);
    sampler_free(s);
    system_free(f);
    buf_free(&root);
}

/* The supervisor as a subreaper: its other children (here, pid 1's) are
 * the program's orphans, in the tree; the CPU of those it reaped stays in
 * the timeline. */
static void test_sampler_adopter(void)
{
    buf root;
    buf_init(&root, 4096);
    buf_printf(&root, "%s/proc", scratch);
    profile_system *f = system_new();
    sampler *s = sampler_new(root.data, 10.0, f);
    if (!CHECK(s != NULL && f != NULL))
        exit(2);
    f->interval = 0.05;
    sampler_set_top(s, 100, 1);
    CHECK_I64(sampler_tick(s, 10.05), 0);
    sampler_add_reaped(s, 2.0);
    CHECK_I64(sampler_tick(s, 10.10), 0);
    CHECK_U64(f->max_procs, 4); /* 200 too: adopted */
    CHECK_U64(f->n_samples, 2);
    if (f->n_samples == 2) /* 2 s of CPU in 50 ms: 40 cores */
        CHECK(fabs(f->timeline[1].cpu - 40.0) < 0.5);
    sampler_free(s);
    system_free(f);
    buf_free(&root);
}

/* What the live descendants of a process used, from the fake /proc. */
static void test_reap_live(void)
{
    buf root;
    buf_init(&root, 4096);
    buf_printf(&root, "%s/proc", scratch);
    proc_reader r;
    proc_reader_init(&r, root.data);
    double hz = (double)sysconf(_SC_CLK_TCK);
    reap_usage u;
    memset(&u, 0, sizeof u);
    /* 100's descendants: 101 and its child 102, 100 and 10 ticks each */
    CHECK_I64(reap_add_live(&r, 100, &u), 0);
    CHECK(fabs(u.user - 200 / hz) < 1e-9);
    CHECK(fabs(u.sys - 20 / hz) < 1e-9);
    CHECK_U64(u.minflt, 200);
    CHECK_U64(u.majflt, 4);
    memset(&u, 0, sizeof u);
    CHECK_I64(reap_add_live(&r, 102, &u), 0); /* none */
    CHECK(u.user == 0 && u.sys == 0);
    CHECK_I64(reap_add_live(&r, 1, &u), 0); /* 100, 101, 102 and 200 */
    CHECK(fabs(u.user - 400 / hz) < 1e-9);
    /* rusage: seconds and microseconds, kilobytes, summed; maxrss is the
     * largest */
    memset(&u, 0, sizeof u);
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    ru.ru_utime.tv_sec = 1;
    ru.ru_utime.tv_usec = 500000;
    ru.ru_maxrss = 2048;
    ru.ru_minflt = 7;
    reap_add_rusage(&u, &ru);
    ru.ru_maxrss = 1024;
    reap_add_rusage(&u, &ru);
    CHECK(fabs(u.user - 3.0) < 1e-9);
    CHECK_U64(u.maxrss, 2048 * 1024);
    CHECK_U64(u.minflt, 14);
    proc_reader_free(&r);
    buf_free(&root);
}

static void test_perf_reason(void)
{
    char why[256];
    perf_reason(why, sizeof why, ENOENT, -1000);
    CHECK(strstr(why, "does not support") != NULL);
    perf_reason(why, sizeof why, EACCES, 3);
    CHECK(strstr(why, "perf_event_paranoid is 3") != NULL);
    perf_reason(why, sizeof why, EPERM, -1000);
    CHECK(strstr(why, "not permitted") != NULL);
    perf_reason(why, sizeof why, ENOSYS, 2);
    CHECK(strstr(why, "no perf_event_open") != NULL);
    perf_reason(why, sizeof why, EMFILE, 2);
    CHECK(strstr(why, "file descriptors") != NULL);
}

/* ---- verdict.c --------------------------------------------------------- */

/* A clean single-threaded run of 2 s on 2 quiet cores: 40 samples. */
static profile_system *base(double user, double sys)
{
    profile_system *s = system_new();
    if (!s)
        exit(2);
    s->wall = 2.0;
    s->user = user;
    s->sys = sys;
    s->cores = 2;
    s->samples = 40;
    s->interval = 0.05;
    s->peak_rss = 20 << 20;
    s->busy_threads = 1;
    return s;
}

static int has(const verdict_list *l, const char *needle)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->text[i], needle))
            return 1;
    return 0;
}

static int has_tag(const verdict_list *l, const char *tag)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->tag[i], tag))
            return 1;
    return 0;
}

static void test_verdict_kinds(void)
{
    verdict v;
    /* CPU-bound: 1.9 s of 2 on the CPU. */
    profile_system *s = base(1.85, 0.05);
    s->samples_busy = 38;
    s->samples_wait = 2;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_CPU);
    CHECK(v.confidence == CONF_HIGH);
    CHECK(!v.gil);
    CHECK(fabs(v.cores_used - 0.95) < 1e-9);
    CHECK(has(&v.advice, "processes") || has(&v.advice, "cores"));
    CHECK(v.warnings.n == 0);
    verdict_free(&v);

    /* The same run on a loaded machine: waiting for a CPU is left out of
     * the shares, so it stays CPU-bound; the noise is warned about. */
    s->user = 1.0;
    s->sys = 0.0;
    s->runq_wait = 0.95;
    s->other_cpu = 1.8;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_CPU);
    CHECK(v.confidence == CONF_MEDIUM);
    CHECK(has_tag(&v.warnings, "noise"));
    CHECK(has(&v.warnings, "0.90 cores"));
    verdict_free(&v);
    system_free(s);

    /* Waiting: 0.1 s of CPU in 2 s, asleep in time.sleep. */
    s = base(0.08, 0.02);
    s->samples_busy = 2;
    s->samples_wait = 38;
    s->waits_sleep = 38;
    s->busy_threads = 0;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_WAITING);
    CHECK(v.confidence == CONF_HIGH);
    CHECK(has(&v.evidence, "a timed sleep 100%"));
    CHECK(has(&v.advice, "A faster CPU will not help"));
    verdict_free(&v);

    /* IO-bound: the idle samples are in disk wait. */
    s->samples_wait = 4;
    s->samples_io = 34;
    s->disk_write = 50 << 20;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_IO);
    CHECK(v.io > 0.8);
    CHECK(has(&v.advice, "sequentially"));
    verdict_free(&v);

    /* A mix: half computing, half asleep. */
    system_free(s);
    s = base(1.0, 0.0);
    s->samples_busy = 20;
    s->samples_wait = 20;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_MIX);
    CHECK(v.parts[0] == VERDICT_CPU || v.parts[0] == VERDICT_WAITING);
    CHECK(v.parts[1] == VERDICT_CPU || v.parts[1] == VERDICT_WAITING);
    CHECK(v.parts[0] != v.parts[1]);
    CHECK(strncmp(v.label, "mixed: ", 7) == 0);
    CHECK(fabs(v.compute + v.io + v.wait - 1) < 1e-9);
    verdict_free(&v);
    system_free(s);

    /* Many small reads: system time in read/write calls counts as IO. */
    s = base(0.8, 1.1);
    s->read_calls = 1000000;
    s->read_bytes = 64000000;
    s->samples_busy = 40;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_MIX || v.kind == VERDICT_IO);
    CHECK(v.io > 0.5);
    CHECK(has(&v.evidence, "small system calls"));
    verdict_free(&v);
    system_free(s);
}

static void test_verdict_memory(void)
{
    verdict v;
    /* Memory pressure without counters: big RSS, system time 40%. */
    profile_system *s = base(1.1, 0.8);
    s->peak_rss = 300 << 20;
    s->minflt = 70000;
    s->samples_busy = 40;
    CHECK_I64(system_set_perf_reason(s, "no counters here"), 0);
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_MEMORY);
    CHECK(v.memory_inferred);
    CHECK(v.confidence == CONF_MEDIUM); /* inferred: never high */
    CHECK(strstr(v.label, "memory pressure") != NULL);
    CHECK(has(&v.evidence, "300 MiB"));
    CHECK(has(&v.advice, "locality"));
    CHECK(has(&v.advice, "More threads or a GPU can make it worse"));
    verdict_free(&v);
    /* The same with small memory is CPU-bound. */
    s->peak_rss = 30 << 20;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_CPU);
    verdict_free(&v);
    system_free(s);

    /* With counters: IPC 0.4 and 20 LLC misses per 1000 instructions. */
    s = base(1.9, 0.0);
    s->samples_busy = 40;
    s->perf_available = 1;
    s->counter[SYSCTR_INSTRUCTIONS] = 1000000000;
    s->counter[SYSCTR_CYCLES] = 2500000000ULL;
    s->counter[SYSCTR_LLC_MISSES] = 20000000;
    s->counter_ok[SYSCTR_INSTRUCTIONS] = s->counter_ok[SYSCTR_CYCLES] =
        s->counter_ok[SYSCTR_LLC_MISSES] = 1;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_MEMORY);
    CHECK(!v.memory_inferred);
    CHECK(v.confidence == CONF_HIGH);
    CHECK(fabs(v.ipc - 0.4) < 1e-9 && fabs(v.mpki - 20) < 1e-9);
    CHECK(has(&v.evidence, "waits for memory"));
    verdict_free(&v);
    /* High IPC, few misses: computing; the counters override RSS. */
    s->counter[SYSCTR_CYCLES] = 400000000;
    s->counter[SYSCTR_LLC_MISSES] = 100000;
    s->peak_rss = 1ULL << 30;
    s->sys = 1.0;
    s->user = 0.9;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_CPU);
    CHECK(has(&v.evidence, "good rate"));
    verdict_free(&v);
    system_free(s);

    /* Thrashing: 5000 major faults in 2 s with system time 50%. */
    s = base(0.3, 0.3);
    s->majflt = 5000;
    s->samples_busy = 12;
    s->samples_io = 28;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_THRASHING);
    CHECK(v.confidence == CONF_HIGH);
    CHECK(has(&v.evidence, "5,000 major page faults"));
    CHECK(has(&v.advice, "more RAM"));
    CHECK(has_tag(&v.warnings, "cold-cache")); /* major faults >= 100 */
    verdict_free(&v);
    system_free(s);
}

static void test_verdict_threads_and_pitfalls(void)
{
    verdict v;
    /* GIL: 4 busy threads, 1.0 core of 2, asleep on a lock 60%. */
    profile_system *s = base(1.95, 0.05);
    s->busy_threads = 4;
    s->busy_lock_share = 0.6;
    s->samples_busy = 40;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_CPU && v.gil);
    CHECK(strstr(v.label, "GIL") != NULL);
    CHECK(has(&v.evidence, "4 threads were busy"));
    CHECK(has_tag(&v.advice, "gil"));
    verdict_free(&v);
    /* Threads that compute in parallel (no lock waits) are not. */
    s->busy_lock_share = 0.02;
    s->user = 3.8;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_CPU && !v.gil);
    verdict_free(&v);
    /* Nor on one core, where no program can use more than one. */
    s->busy_lock_share = 0.6;
    s->user = 1.95;
    s->cores = 1;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(!v.gil);
    verdict_free(&v);
    system_free(s);

    /* Pitfalls: steal, a cold cache. */
    s = base(1.9, 0.0);
    s->samples_busy = 40;
    s->steal = 0.3;
    s->disk_read = 40 << 20;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(has_tag(&v.warnings, "steal"));
    CHECK(has_tag(&v.warnings, "cold-cache"));
    CHECK(has(&v.warnings, "40 MiB read from storage"));
    CHECK(v.confidence == CONF_MEDIUM); /* noise lowers it */
    verdict_free(&v);
    system_free(s);

    /* Too short to tell; and short enough to warn. */
    s = base(0.01, 0.0);
    s->wall = 0.02;
    s->samples = 1;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_UNKNOWN);
    CHECK(has_tag(&v.warnings, "short-run"));
    verdict_free(&v);
    s->wall = 0.15;
    s->user = 0.14;
    s->samples = 3;
    s->samples_busy = 3;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_CPU);
    CHECK(v.confidence == CONF_LOW);
    verdict_free(&v);
    /* A zero wall (a broken file) does not divide by zero. */
    s->wall = 0;
    CHECK_I64(verdict_compute(s, NULL, 0, &v), 0);
    CHECK(v.kind == VERDICT_UNKNOWN);
    verdict_free(&v);
    system_free(s);
}

static void test_amdahl_and_hotspots(void)
{
    CHECK(fabs(verdict_amdahl(0.68) - 3.125) < 1e-9);
    CHECK(verdict_amdahl(0) == 1);
    CHECK(isinf(verdict_amdahl(1)));
    CHECK(verdict_amdahl(-0.5) == 1);
    char x[FMT_LEN];
    fmt_speedup(x, sizeof x, 3.125);
    CHECK_STR(x, "3.12x");
    fmt_speedup(x, sizeof x, INFINITY);
    CHECK_STR(x, "inf");
    fmt_speedup(x, sizeof x, 25);
    CHECK_STR(x, "25.0x");

    /* The advice names the hotspots, skipping the entry point (main at
     * 100%) and showing at most three. */
    verdict_hotspot hot[] = {
        {"main() (calls.py:34)", 1.0, 0},
        {"walk() (calls.py:23)", 0.68, 0.33},
        {"{built-in method builtins.sum}", 0.32, 0}, /* wrappers */
        {"<genexpr>() (calls.py:35)", 0.32, 0.001},
        {"fib() (calls.py:5)", 0.32, 0.32},
        {"add() (calls.py:16)", 0.24, 0.2},
        {"norm2() (calls.py:20)", 0.1, 0.1},
    };
    profile_system *s = base(1.9, 0.0);
    s->samples_busy = 40;
    verdict v;
    CHECK_I64(verdict_compute(s, hot, sizeof hot / sizeof *hot, &v), 0);
    CHECK(has(&v.advice, "walk() (calls.py:23) is 68% of the time: at best "
                         "3.13x faster overall if it took no time"));
    CHECK(has(&v.advice, "fib() (calls.py:5) 32%: at best 1.47x"));
    CHECK(has(&v.advice, "add() (calls.py:16) 24%"));
    CHECK(!has(&v.advice, "main()"));
    CHECK(!has(&v.advice, "norm2"));
    CHECK(!has(&v.advice, "builtins.sum") && !has(&v.advice, "genexpr"));
    verdict_free(&v);
    system_free(s);
}

/* ---- json.c ------------------------------------------------------------ */

static void test_json_str(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "\"plain\""},
        {"q\"b\\", "\"q\\\"b\\\\\""},
        {"a\nb\tc\x01", "\"a\\nb\\tc\\u0001\""},
        {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
        {"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},
        {"\xed\xa0\x80x", "\"\\ud800x\""},     /* an encoded surrogate */
        {"\xff\xfe", "\"\\ufffd\\ufffd\""},    /* not UTF-8 */
        {"\xc0\xaf", "\"\\ufffd\\ufffd\""},    /* overlong */
        {"\xe2\x82", "\"\\ufffd\\ufffd\""},    /* cut short */
        {"", "\"\""},
    };
    buf b;
    buf_init(&b, 1024);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf_reset(&b);
        CHECK_I64(json_str(&b, cases[i].in), 0);
        CHECK_STR(b.data, cases[i].out);
    }
    buf_free(&b);
}

/* Writes a sample report for the Python driver (schema check). */
static int write_sample_json(const char *path)
{
    profile_system *s = base(1.9, 0.05);
    s->samples_busy = 40;
    s->term_signal = 15;
    s->exit_status = 143;
    CHECK_I64(system_set_perf_reason(s, "a \"quoted\"\nreason"), 0);
    for (int i = 0; i < 3; i++) {
        system_sample x = {0.05 * (i + 1), 1, 1e6, 0, 0, 0, 0, 1, 1, 0};
        system_add_sample(s, &x);
    }
    verdict v;
    verdict_hotspot vh[] = {{"walk() (x.py:1)", 0.5, 0.25}};
    hotspot hot[1] = {{0, 0.5, 0.25, 0.95, "x.py:1(walk)", "walk() (x.py:1)"}};
    CHECK_I64(verdict_compute(s, vh, 1, &v), 0);
    char *argv[] = {"prog", "arg with \"quotes\"", "\xff", NULL};
    json_report jr = {"stat", argv, "prog", NULL, s, &v, hot, 1, NULL};
    FILE *f = fopen(path, "w");
    int rc = f ? json_write(f, &jr) : -errno;
    if (f)
        fclose(f);
    verdict_free(&v);
    system_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_monitor DIR [JSON]\n");
        return 2;
    }
    scratch = argv[1];
    test_parse_stat();
    test_parse_others();
    make_proc_tree();
    test_readers();
    test_sampler();
    test_sampler_adopter();
    test_reap_live();
    cleanup();
    test_perf_reason();
    test_verdict_kinds();
    test_verdict_memory();
    test_verdict_threads_and_pitfalls();
    test_amdahl_and_hotspots();
    test_json_str();
    if (argc == 3)
        CHECK_I64(write_sample_json(argv[2]), 0);
    return check_report();
}
