/* supervise.c: fork, exec, sample, wait (see supervise.h).
 *
 * The start is gated: the child waits on a pipe until the parent has
 * attached the hardware counters (enabled on exec, so they count the
 * program and not this code), then execs; a second, close-on-exec pipe
 * carries the errno back if exec fails, so "not found" is told apart
 * from a program that exits 127 itself.
 *
 * For the run the parent is a child subreaper (reap.h): the program's
 * orphans become its children, are sampled with the tree, and their CPU
 * is counted when they are reaped (or, still running at the end, from
 * /proc), so a forkserver's workers and a daemon's work are the
 * program's, not other processes' load.
 *
 * The parent sleeps in ppoll between samples; SIGCHLD writes a byte to a
 * self-pipe, so the end of the program is seen at once, not at the next
 * sample (a 50 ms delay would otherwise be added to every run).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* syscall, pipe2, ppoll, sched_getaffinity */
#endif
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "perf.h"
#include "proc.h"
#include "reap.h"
#include "sampler.h"

/* Shared with the signal handler; written before the handlers can see
 * them change meaningfully (child after fork, wake_fd before install). */
static volatile sig_atomic_t child_pid = 0;
static volatile sig_atomic_t pending_sig = 0;
static int wake_fd = -1;

static const int forwarded[] = {SIGINT,  SIGTERM, SIGHUP,
                                SIGQUIT, SIGUSR1, SIGUSR2};
#define N_FORWARDED (sizeof forwarded / sizeof *forwarded)

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
    (void)ctx;
    int saved = errno;
    if (sig == SIGCHLD) {
        if (wake_fd >= 0) {
            ssize_t w = write(wake_fd, "c", 1);
            (void)w; /* a full pipe already says "wake up" */
        }
    } else if (info->si_code == SI_KERNEL &&
               (sig == SIGINT || sig == SIGQUIT || sig == SIGHUP)) {
        /* from the terminal: the program's process group got it too */
    } else if (child_pid > 0) {
        kill((pid_t)child_pid, sig);
    } else {
        pending_sig = sig; /* delivered once the child exists */
    }
    errno = saved;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint32_t available_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (uint32_t)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

void supervise_exec_error(char *dst, size_t cap, int err)
{
    if (err == ENOENT)
        snprintf(dst, cap, "command not found");
    else if (err == EACCES)
        snprintf(dst, cap, "permission denied (not an executable file)");
    else if (err == ENOEXEC)
        snprintf(dst, cap, "not an executable format");
    else
        snprintf(dst, cap, "%s", strerror(err));
}

/* In the child: wait for the gate, exec, or report why not.  The
 * forwarded signals arrive blocked (see supervise_run) and are unblocked
 * once their dispositions are the program's. */
static void child(const supervise_opts *o, int gate, int err_fd,
                  const sigset_t *mask)
{
    /* The parent's handlers must not run here (they forward to a child
     * this process does not have); exec would reset them anyway. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (size_t i = 0; i < N_FORWARDED; i++)
        sigaction(forwarded[i], &dfl, NULL);
    sigaction(SIGCHLD, &dfl, NULL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    char c;
    while (read(gate, &c, 1) < 0 && errno == EINTR)
        ;
    execvp(o->argv[0], o->argv);
    int e = errno;
    ssize_t w = write(err_fd, &e, sizeof e);
    (void)w;
    _exit(e == ENOENT ? 127 : 126);
}

static void drain(int fd)
{
    char b[64];
    while (read(fd, b, sizeof b) > 0)
        ;
}

int supervise_run(const supervise_opts *o, supervise_result *r)
{
    int wake[2] = {-1, -1}, gate[2] = {-1, -1}, errp[2] = {-1, -1};
    struct sigaction old[N_FORWARDED], old_chld, sa;
    int installed = 0, rc = 0, subreaper = 0, was_subreaper = 0;
    reap_usage adopted;
    memset(&adopted, 0, sizeof adopted);
    sampler *smp = NULL;
    perf_counters pc;
    for (int i = 0; i < SYSCTR_N; i++)
        pc.fd[i] = -1, pc.err[i] = 0;
    memset(r, 0, sizeof *r);

    profile_system *fig = system_new();
    if (!fig)
        return -ENOMEM;
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
        pipe2(gate, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        rc = -errno;
        goto fail;
    }
    fig->cores = available_cores();
    fig->interval = o->interval;

    wake_fd = wake[1];
    child_pid = 0;
    pending_sig = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_FORWARDED; i++)
        sigaction(forwarded[i], &sa, &old[i]);
    sa.sa_flags |= SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, &old_chld);
    installed = 1;

    fflush(NULL);
    double t0 = now_s();
    smp = sampler_new(o->proc_root, t0, fig);
    if (!smp) {
        rc = -ENOMEM;
        goto fail;
    }
    /* Not being one costs only the orphans' figures: the run goes on. */
    subreaper = reap_become_subreaper(&was_subreaper) == 0;
    /* A signal sent to lento while it forks must reach the program: block
     * them across fork, so the parent's handler sees them only once
     * child_pid is set, and the child only with default dispositions. */
    sigset_t block, oldmask;
    sigemptyset(&block);
    for (size_t i = 0; i < N_FORWARDED; i++)
        sigaddset(&block, forwarded[i]);
    sigprocmask(SIG_BLOCK, &block, &oldmask);
    pid_t pid = fork();
    if (pid < 0) {
        rc = -errno;
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
        goto fail;
    }
    if (pid == 0) {
        close(gate[1]);
        close(errp[0]);
        child(o, gate[0], errp[1], &oldmask);
    }
    child_pid = pid;
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    if (pending_sig) /* arrived before the fork */
        kill(pid, pending_sig);
    close(gate[0]);
    close(errp[1]);
    gate[0] = errp[1] = -1;
    sampler_set_top(smp, pid, subreaper ? getpid() : 0);
    if (o->perf)
        perf_open(&pc, pid);
    close(gate[1]); /* go */
    gate[1] = -1;

    int exec_err = 0;
    ssize_t got;
    while ((got = read(errp[0], &exec_err, sizeof exec_err)) < 0 &&
           errno == EINTR)
        ;
    if (got != (ssize_t)sizeof exec_err)
        exec_err = 0;

    /* Sample until the program has exited (seen without reaping it, so
     * that its /proc files can still be read once more). */
    double next = t0 + o->interval;
    /* Sampling stops (the figures so far are kept) if it runs out of
     * memory; the wait for the program goes on. */
    int sampling = !exec_err;
    for (;;) {
        double before = adopted.user + adopted.sys;
        int ended = reap_ended(pid, &adopted);
        sampler_add_reaped(smp, adopted.user + adopted.sys - before);
        if (ended)
            break;
        double now = now_s();
        if (sampling && now >= next) {
            if (sampler_tick(smp, now) < 0)
                sampling = 0;
            next += o->interval;
            if (next < now) /* we were held up: do not catch up in bursts */
                next = now + o->interval;
            continue;
        }
        double left = next - now;
        struct timespec ts = {(time_t)left,
                              (long)((left - (double)(time_t)left) * 1e9)};
        struct pollfd p = {wake[0], POLLIN, 0};
        if (ppoll(&p, 1, sampling ? &ts : NULL, NULL) > 0)
            drain(wake[0]);
    }
    double wall = now_s() - t0;
    if (sampling)
        sampler_tick(smp, now_s()); /* the zombie's final totals */

    int ws = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &ws, 0, &ru) < 0 && errno == EINTR)
        ;
    child_pid = 0;
    /* What the program left: orphans that ended (the program's exit
     * reparents its children to us at once), then those still running. */
    if (subreaper) {
        reap_ended(0, &adopted);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0) {
            proc_reader rd;
            proc_reader_init(&rd, o->proc_root);
            int live = reap_add_live(&rd, (int)getpid(), &adopted);
            proc_reader_free(&rd);
            if (live == -ENOMEM) {
                rc = live;
                goto fail;
            }
        }
        reap_restore(was_subreaper);
        subreaper = 0;
    }
    r->status = WIFEXITED(ws)     ? WEXITSTATUS(ws)
                : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws)
                                  : 1;
    if (exec_err) {
        r->exec_errno = exec_err;
        r->status = exec_err == ENOENT ? 127 : 126;
        system_free(fig);
        fig = NULL;
        rc = 0;
        goto done;
    }

    fig->wall = wall;
    fig->exit_status = r->status;
    fig->term_signal = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
    /* the program's waited-for tree, and the orphans we adopted */
    reap_add_rusage(&adopted, &ru);
    fig->user = adopted.user;
    fig->sys = adopted.sys;
    if (adopted.maxrss > fig->peak_rss)
        fig->peak_rss = adopted.maxrss;
    fig->minflt = adopted.minflt;
    fig->majflt = adopted.majflt;
    fig->nvcsw = adopted.nvcsw;
    fig->nivcsw = adopted.nivcsw;
    sampler_finish(smp, fig->user + fig->sys);
    /* wait4 counts storage blocks (512 bytes) for the whole waited-for
     * tree, /proc/PID/io bytes for what was sampled: take the larger */
    uint64_t inb = adopted.inblock * 512;
    uint64_t outb = adopted.oublock * 512;
    if (inb > fig->disk_read)
        fig->disk_read = inb;
    if (outb > fig->disk_write)
        fig->disk_write = outb;
    if (fig->procs_seen == 0)
        fig->procs_seen = 1;
    if (fig->max_procs == 0)
        fig->max_procs = 1;
    if (fig->max_threads == 0)
        fig->max_threads = 1;
    {
        proc_reader rd;
        proc_reader_init(&rd, o->proc_root);
        if (o->perf) {
            rc = perf_read(&pc, &rd, fig);
        } else {
            fig->perf_available = 0;
            rc = system_set_perf_reason(fig, "not requested");
        }
        proc_reader_free(&rd);
        if (rc < 0)
            goto fail;
    }
    r->fig = fig;
    fig = NULL;
    rc = 0;
    goto done;
fail:
    system_free(fig);
done:
    if (subreaper)
        reap_restore(was_subreaper);
    perf_close(&pc);
    sampler_free(smp);
    if (installed) {
        for (size_t i = 0; i < N_FORWARDED; i++)
            sigaction(forwarded[i], &old[i], NULL);
        sigaction(SIGCHLD, &old_chld, NULL);
    }
    wake_fd = -1;
    int fds[] = {wake[0], wake[1], gate[0], gate[1], errp[0], errp[1]};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc;
}
