/* verdict.c: the bottleneck rules (docs/verdict.md is their statement;
 * change both together). */
#include "verdict.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "fmt.h"

/* Adds a sentence to l.  A full list drops it (the lists are sized for
 * every rule that can fire).  0 or -ENOMEM. */
static int add(verdict_list *l, const char *tag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int add(verdict_list *l, const char *tag, const char *fmt, ...)
{
    if (l->n == VERDICT_MAX_ITEMS)
        return 0;
    buf b;
    buf_init(&b, 4096);
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc < 0) {
        buf_free(&b);
        return rc == -E2BIG ? 0 : rc;
    }
    l->text[l->n] = buf_detach(&b, NULL);
    l->tag[l->n++] = tag;
    return 0;
}

static void list_free(verdict_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->text[i]);
    l->n = 0;
}

void verdict_free(verdict *v)
{
    list_free(&v->evidence);
    list_free(&v->advice);
    list_free(&v->warnings);
}

const char *verdict_kind_name(verdict_kind k)
{
    static const char *const n[] = {"unknown", "cpu",       "memory", "io",
                                    "waiting", "thrashing", "mix"};
    return (unsigned)k < sizeof n / sizeof *n ? n[k] : "unknown";
}

const char *verdict_kind_label(verdict_kind k)
{
    static const char *const n[] = {
        "not enough to tell", "CPU-bound", "memory-bound", "IO-bound",
        "waiting",            "thrashing", "mixed"};
    return (unsigned)k < sizeof n / sizeof *n ? n[k] : "unknown";
}

const char *verdict_confidence_name(verdict_confidence c)
{
    return c == CONF_HIGH ? "high" : c == CONF_MEDIUM ? "medium" : "low";
}

double verdict_amdahl(double share)
{
    if (!(share < 1))
        return INFINITY;
    if (share < 0)
        share = 0;
    return 1 / (1 - share);
}

static double pct(double x)
{
    return 100 * x;
}

/* "walk() is 68% of the time: at best 3.1x faster overall if it took no
 * time; fib() 32%: at best 1.47x" for up to three hotspots (hot is sorted
 * by share, largest first) that are neither entry points nor wrappers
 * around the next one (sum() around a generator around fib()).  Empty
 * when there are none. */
static int hotspot_text(buf *b, const verdict_hotspot *hot, size_t n)
{
    int rc = 0, shown = 0;
    for (size_t i = 0; i < n && shown < 3 && rc == 0; i++) {
        if (hot[i].share >= V_HOT_ENTRY || hot[i].share <= 0.01)
            continue;
        if (hot[i].self_share < V_HOT_WRAPPER * hot[i].share && i + 1 < n &&
            hot[i + 1].share >= V_HOT_NEXT * hot[i].share)
            continue;
        char x[FMT_LEN];
        fmt_speedup(x, sizeof x, verdict_amdahl(hot[i].share));
        if (shown == 0)
            rc = buf_printf(b,
                            "%s is %.0f%% of the time: at best %s faster "
                            "overall if it took no time",
                            hot[i].name, pct(hot[i].share), x);
        else
            rc = buf_printf(b, "; %s %.0f%%: at best %s", hot[i].name,
                            pct(hot[i].share), x);
        shown++;
    }
    return rc;
}

static int advise(verdict *v, verdict_kind k, const profile_system *s,
                  const char *hot)
{
    int rc = 0;
    double used = v->cores_used;
    uint64_t calls = s->read_calls + s->write_calls;
    char per[FMT_LEN] = "";
    if (calls)
        fmt_bytes(per, sizeof per,
                  (double)(s->read_bytes + s->write_bytes) / (double)calls);
    switch (k) {
    case VERDICT_CPU:
        if (*hot)
            rc = add(&v->advice, "cpu", "Start with the hotspots: %s.", hot);
        if (!rc)
            rc = add(&v->advice, "cpu",
                     "Compute less: a better algorithm or data structure "
                     "for the hotspots, and an application cache "
                     "(functools.lru_cache, memoisation) for results that "
                     "are computed again.");
        if (!rc)
            rc = add(&v->advice, "cpu",
                     "Move inner loops into C: NumPy and other C-based "
                     "libraries, built-ins (sum, sorted, str.join) instead "
                     "of Python loops; or compile the hot code (Cython, "
                     "Numba, mypyc).");
        if (!rc && v->gil)
            rc = add(&v->advice, "gil",
                     "Threads run Python code one at a time (the GIL): for "
                     "CPU work use processes (multiprocessing, "
                     "concurrent.futures.ProcessPoolExecutor) instead of "
                     "threads, or libraries that release the GIL while they "
                     "compute (NumPy, hashlib, zlib).");
        else if (!rc && s->cores >= 2 && used < (double)s->cores - 0.5)
            rc = add(&v->advice, "cpu",
                     "Use the other cores: the run used %.2f of %u "
                     "available; process-level parallelism "
                     "(multiprocessing, concurrent.futures."
                     "ProcessPoolExecutor) can use the rest.",
                     used, s->cores);
        if (!rc)
            rc = add(&v->advice, "cpu",
                     "For large array arithmetic, GPU offload (CuPy, "
                     "PyTorch) can pay; for small data the copies cost more "
                     "than they save.");
        break;
    case VERDICT_MEMORY:
        if (*hot)
            rc = add(&v->advice, "memory", "Start with the hotspots: %s.",
                     hot);
        if (!rc)
            rc = add(&v->advice, "memory",
                     "Use less memory: compact types (NumPy arrays with "
                     "small dtypes, array.array) instead of lists of Python "
                     "objects, generators instead of lists, and drop what "
                     "is no longer needed.");
        if (!rc)
            rc = add(&v->advice, "memory",
                     "Improve locality: contiguous arrays, visited in "
                     "memory order (rows of a C-ordered array), indices "
                     "sorted before gathering, work in blocks that fit the "
                     "cache.");
        if (!rc)
            rc = add(&v->advice, "memory",
                     "More threads or a GPU can make it worse: they share "
                     "the same memory bandwidth, and a GPU adds copies.");
        break;
    case VERDICT_IO:
        if (*hot)
            rc = add(&v->advice, "io", "Start with the hotspots: %s.", hot);
        if (!rc)
            rc = add(&v->advice, "io",
                     "Do less IO: cache what is read more than once, and "
                     "avoid writing the same data again.");
        if (!rc)
            rc = add(&v->advice, "io",
                     "Read and write sequentially rather than at random "
                     "places, in bigger blocks or buffered%s%s%s; batch "
                     "fsync calls.",
                     calls ? " (now " : "", per,
                     calls ? " per call on average)" : "");
        if (!rc)
            rc = add(&v->advice, "io",
                     "Overlap the waits with work: asyncio, a thread pool "
                     "for IO (threads release the GIL while they wait), or "
                     "reading ahead.");
        break;
    case VERDICT_WAITING:
        if (*hot)
            rc = add(&v->advice, "waiting",
                     "Start with the hotspots (their time includes their "
                     "waits): %s.",
                     hot);
        if (!rc)
            rc = add(&v->advice, "waiting",
                     "Find what the program waits for: sleeps, locks, "
                     "network replies, child processes.");
        if (!rc)
            rc = add(&v->advice, "waiting",
                     "Overlap the waits instead of waiting in turn: asyncio "
                     "or a thread pool for network and subprocess calls, "
                     "batched requests, events instead of polling sleeps.");
        if (!rc)
            rc = add(&v->advice, "waiting",
                     "A faster CPU will not help: it was idle %.0f%% of the "
                     "time.",
                     pct(v->wait));
        break;
    case VERDICT_THRASHING:
        rc = add(&v->advice, "thrashing",
                 "The program needs more memory than it gets: shrink the "
                 "working set (process the data in chunks, memory-map "
                 "files, compact types) or run it with more RAM.");
        if (!rc)
            rc = add(&v->advice, "thrashing",
                     "More CPUs or threads will not help: they add to the "
                     "pressure on memory.");
        break;
    case VERDICT_UNKNOWN:
        rc = add(&v->advice, "unknown",
                 "Run a longer workload (at least 0.2 s) for a verdict.");
        break;
    case VERDICT_MIX:
        break;
    }
    return rc;
}

static int warn(verdict *v, const profile_system *s, double W, double C)
{
    int rc = 0;
    char a[FMT_LEN], b[FMT_LEN];
    if (W < V_SHORT_WALL) {
        fmt_time(a, sizeof a, W);
        rc = add(&v->warnings, "short-run",
                 "short run (%s): CPU times are counted in 10 ms ticks and "
                 "the timeline has %u point%s; a larger input gives a "
                 "firmer verdict",
                 a, s->n_samples, s->n_samples == 1 ? "" : "s");
    }
    if (!rc && W > 0 && s->other_cpu / W >= V_NOISE_OTHER)
        rc = add(&v->warnings, "noise",
                 "noise: other processes used %.2f cores on average during "
                 "the run (of %u): timings vary; measure again when the "
                 "machine is quiet and compare medians of several runs",
                 s->other_cpu / W, s->cores);
    if (!rc && s->runq_wait >= 0.01 && C > 0 &&
        s->runq_wait >= V_NOISE_RUNQ * C) {
        fmt_time(a, sizeof a, s->runq_wait);
        rc = add(&v->warnings, "noise",
                 "noise: the program was ready to run but waited %s for a "
                 "CPU (%.0f%% of its CPU time): the machine was busy",
                 a, pct(s->runq_wait / C));
    }
    if (!rc && W > 0 && s->steal / W >= V_STEAL) {
        fmt_time(a, sizeof a, s->steal);
        rc = add(&v->warnings, "steal",
                 "noise: the hypervisor gave %s of CPU time to other "
                 "virtual machines (steal, %.2f cores on average): timings "
                 "on this machine vary",
                 a, s->steal / W);
    }
    if (!rc && ((double)s->disk_read >= V_COLD_BYTES ||
                s->majflt >= V_COLD_MAJ)) {
        fmt_bytes(a, sizeof a, (double)s->disk_read);
        fmt_count(b, sizeof b, s->majflt);
        rc = add(&v->warnings, "cold-cache",
                 "likely cold cache: %s read from storage and %s major page "
                 "faults; a second run will probably be faster, so measure "
                 "the warm case too (or the cold one on purpose)",
                 a, b);
    }
    return rc;
}

static int evidence(verdict *v, const profile_system *s, double W, double C,
                    int syscall_io, int thrash)
{
    char w[FMT_LEN], u[FMT_LEN], y[FMT_LEN], a[FMT_LEN], b[FMT_LEN],
        c[FMT_LEN], d[FMT_LEN], e[FMT_LEN];
    int rc;
    fmt_time(w, sizeof w, W);
    fmt_time(u, sizeof u, s->user);
    fmt_time(y, sizeof y, s->sys);
    rc = add(&v->evidence, "cpu",
             "CPU use %.2f cores (user %s + system %s over %s of wall "
             "time), %.0f%% of the %u available",
             v->cores_used, u, y, w,
             pct(v->cores_used / (s->cores ? s->cores : 1)), s->cores);
    if (!rc)
        rc = add(&v->evidence, "shares",
                 "of the wall time: computing %.0f%%, blocked on IO %.0f%%, "
                 "waiting (sleep, locks, network, children) %.0f%%",
                 pct(v->compute), pct(v->io), pct(v->wait));
    if (!rc && s->samples)
        rc = add(&v->evidence, "samples",
                 "of %llu samples, %llu found a thread running or ready, "
                 "%llu found one in disk wait with none running, %llu found "
                 "all asleep",
                 (unsigned long long)s->samples,
                 (unsigned long long)s->samples_busy,
                 (unsigned long long)s->samples_io,
                 (unsigned long long)s->samples_wait);
    uint64_t waits = s->waits_lock + s->waits_sleep + s->waits_io +
                     s->waits_child + s->waits_other;
    if (!rc && waits && v->wait >= 0.2)
        rc = add(&v->evidence, "waits",
                 "sleeping threads were in: a lock %.0f%%, a timed sleep "
                 "%.0f%%, poll/sockets/pipes %.0f%%, waiting for a child "
                 "%.0f%%, other %.0f%% (of %llu thread samples)",
                 pct((double)s->waits_lock / waits),
                 pct((double)s->waits_sleep / waits),
                 pct((double)s->waits_io / waits),
                 pct((double)s->waits_child / waits),
                 pct((double)s->waits_other / waits),
                 (unsigned long long)waits);
    if (!rc && s->runq_wait >= 0.01) {
        fmt_time(a, sizeof a, s->runq_wait);
        rc = add(&v->evidence, "runq",
                 "ready to run but waiting for a CPU: %s (the machine's "
                 "load: left out of the shares above)",
                 a);
    }
    if (!rc && (s->read_bytes || s->write_bytes)) {
        fmt_bytes(a, sizeof a, (double)s->read_bytes);
        fmt_bytes(b, sizeof b, (double)s->disk_read);
        fmt_bytes(c, sizeof c, (double)s->write_bytes);
        fmt_bytes(d, sizeof d, (double)s->disk_write);
        fmt_count(e, sizeof e, s->read_calls + s->write_calls);
        rc = add(&v->evidence, "io",
                 "read %s (%s from storage), wrote %s (%s to storage), in "
                 "%s read/write calls",
                 a, b, c, d, e);
    }
    if (!rc && syscall_io)
        rc = add(&v->evidence, "syscalls",
                 "system time is %.0f%% of the CPU time, with %.0f "
                 "read/write calls per CPU second: the time goes into many "
                 "small system calls (counted as IO)",
                 pct(s->sys / C),
                 (double)(s->read_calls + s->write_calls) / C);
    if (!rc && v->ipc >= 0) {
        if (v->mpki >= 0)
            rc = add(&v->evidence, "counters",
                     "%.2f instructions per cycle, %.1f cache misses per "
                     "1000 instructions%s",
                     v->ipc, v->mpki,
                     v->kind == VERDICT_MEMORY ||
                             v->parts[0] == VERDICT_MEMORY ||
                             v->parts[1] == VERDICT_MEMORY
                         ? ": the CPU mostly waits for memory"
                     : v->ipc >= V_IPC_GOOD
                         ? ": the CPU executes at a good rate"
                         : "");
        else
            rc = add(&v->evidence, "counters", "%.2f instructions per cycle",
                     v->ipc);
    }
    if (!rc && v->memory_inferred) {
        fmt_bytes(a, sizeof a, (double)s->peak_rss);
        fmt_count(b, sizeof b, s->minflt);
        rc = add(&v->evidence, "memory",
                 "memory pressure: peak RSS %s and system time %.0f%% of the "
                 "CPU time (%s minor page faults): the kernel spends much of "
                 "the run handing out memory; no hardware counters to see "
                 "cache misses, so memory-bound is inferred",
                 a, pct(s->sys / C), b);
    }
    if (!rc && thrash) {
        fmt_count(a, sizeof a, s->majflt);
        rc = add(&v->evidence, "thrashing",
                 "%s major page faults (%.0f per second), system time %.0f%% "
                 "of the CPU time: pages go to and from storage",
                 a, (double)s->majflt / W, C > 0 ? pct(s->sys / C) : 0.0);
    }
    if (!rc && v->gil)
        rc = add(&v->evidence, "gil",
                 "%u threads were busy (each did >= 10%% of the CPU work) "
                 "but together used %.2f cores of %u, and spent "
                 "%.0f%% of their samples asleep on a lock: they took turns, "
                 "as the GIL makes Python threads do (or another lock)",
                 s->busy_threads, v->cores_used, s->cores,
                 pct(s->busy_lock_share));
    return rc;
}

int verdict_compute(const profile_system *s, const verdict_hotspot *hot,
                    size_t n_hot, verdict *v)
{
    memset(v, 0, sizeof *v);
    v->ipc = v->mpki = -1;
    double W = s->wall, C = s->user + s->sys, R = s->runq_wait;
    int rc;
    buf hb;
    buf_init(&hb, 4096);
    if ((rc = hotspot_text(&hb, hot, n_hot)) < 0 && rc != -E2BIG)
        goto done;
    const char *hottext = hb.data ? hb.data : "";

    if (!(W >= V_MIN_WALL)) {
        v->kind = VERDICT_UNKNOWN;
        v->confidence = CONF_LOW;
        v->cores_used = W > 0 ? C / W : 0;
        snprintf(v->label, sizeof v->label, "%s", verdict_kind_label(0));
        char w[FMT_LEN];
        fmt_time(w, sizeof w, W);
        if ((rc = add(&v->evidence, "short",
                      "the run took %s: too short to tell what limits it",
                      w)) < 0 ||
            (rc = advise(v, VERDICT_UNKNOWN, s, hottext)) < 0 ||
            (rc = warn(v, s, W, C)) < 0)
            goto done;
        rc = 0;
        goto done;
    }

    /* Where the wall time went: computing, blocked on IO, or waiting for
     * something else.  Time spent ready to run but without a free CPU is
     * the machine's load, not the program's nature: it is left out (R is
     * summed over threads, so at most down to the CPU time). */
    v->cores_used = C / W;
    double own = W - R > (C < W ? C : W) ? W - R : (C < W ? C : W);
    double compute = own > 0 ? C / own : 1;
    if (compute > 1)
        compute = 1;
    double blocked = 1 - compute;
    uint64_t idle = s->samples_io + s->samples_wait;
    double io = idle ? blocked * (double)s->samples_io / (double)idle : 0;
    double wait = blocked - io;

    uint64_t calls = s->read_calls + s->write_calls;
    int syscall_io =
        C > 0 && calls > 0 && s->sys / C >= V_SYSCALL_SYS &&
        (double)calls / C >= V_SYSCALL_RATE &&
        (double)(s->read_bytes + s->write_bytes) / (double)calls <
            V_SYSCALL_SIZE;
    if (syscall_io) {
        double moved = compute * s->sys / C;
        compute -= moved;
        io += moved;
    }
    v->compute = compute;
    v->io = io;
    v->wait = wait;

    /* Hardware counters, when measured. */
    const uint64_t *k = s->counter;
    if (s->counter_ok[SYSCTR_INSTRUCTIONS] && s->counter_ok[SYSCTR_CYCLES] &&
        k[SYSCTR_CYCLES] > 0)
        v->ipc = (double)k[SYSCTR_INSTRUCTIONS] / (double)k[SYSCTR_CYCLES];
    if (s->counter_ok[SYSCTR_INSTRUCTIONS] && k[SYSCTR_INSTRUCTIONS] > 0) {
        if (s->counter_ok[SYSCTR_LLC_MISSES])
            v->mpki = (double)k[SYSCTR_LLC_MISSES] * 1000 /
                      (double)k[SYSCTR_INSTRUCTIONS];
        else if (s->counter_ok[SYSCTR_CACHE_MISSES])
            v->mpki = (double)k[SYSCTR_CACHE_MISSES] * 1000 /
                      (double)k[SYSCTR_INSTRUCTIONS];
    }
    int counters = v->ipc >= 0 && v->mpki >= 0;
    int memory = counters ? v->ipc < V_IPC_LOW && v->mpki >= V_MPKI_HIGH
                          : (double)s->peak_rss >= V_MEM_RSS && C > 0 &&
                                s->sys / C >= V_MEM_SYS && !syscall_io;
    v->memory_inferred = memory && !counters;
    int thrash = s->majflt >= V_THRASH_MAJ &&
                 (double)s->majflt / W >= V_THRASH_RATE &&
                 ((C > 0 && s->sys / C >= V_THRASH_SYS) ||
                  io >= V_THRASH_SYS);
    v->gil = s->busy_threads >= 2 && s->cores >= 2 &&
             v->cores_used <= V_GIL_MAX &&
             s->busy_lock_share >= V_GIL_LOCK;

    /* The kind: the largest share, alone or with a second one. */
    verdict_kind kinds[3] = {memory ? VERDICT_MEMORY : VERDICT_CPU,
                             VERDICT_IO, VERDICT_WAITING};
    double shares[3] = {compute, io, wait};
    for (int i = 0; i < 3; i++) /* sort by share, largest first */
        for (int j = i + 1; j < 3; j++)
            if (shares[j] > shares[i]) {
                double t = shares[i];
                shares[i] = shares[j];
                shares[j] = t;
                verdict_kind x = kinds[i];
                kinds[i] = kinds[j];
                kinds[j] = x;
            }
    verdict_confidence conf;
    if (thrash) {
        v->kind = VERDICT_THRASHING;
        conf = C > 0 && s->sys / C >= V_THRASH_SYS && io >= V_THRASH_SYS
                   ? CONF_HIGH
                   : CONF_MEDIUM;
    } else if (shares[0] >= V_SINGLE) {
        v->kind = kinds[0];
        conf = shares[0] >= V_HIGH ? CONF_HIGH : CONF_MEDIUM;
    } else if (shares[1] >= V_MIX_PART) {
        v->kind = VERDICT_MIX;
        v->parts[0] = kinds[0];
        v->parts[1] = kinds[1];
        conf = CONF_MEDIUM;
    } else {
        v->kind = kinds[0];
        conf = CONF_LOW;
    }
    if (v->memory_inferred && conf > CONF_MEDIUM)
        conf = CONF_MEDIUM;
    if (s->samples < V_HIGH_SAMPLES && conf > CONF_MEDIUM)
        conf = CONF_MEDIUM;
    if (s->samples < V_MIN_SAMPLES || W < V_SHORT_WALL)
        conf = CONF_LOW;
    if ((s->other_cpu / W >= V_NOISE_OTHER || s->steal / W >= V_STEAL) &&
        conf > CONF_MEDIUM)
        conf = CONF_MEDIUM;
    v->confidence = conf;

    if (v->kind == VERDICT_MIX)
        snprintf(v->label, sizeof v->label, "mixed: %s (%.0f%%) and %s "
                                            "(%.0f%%)",
                 verdict_kind_label(v->parts[0]), pct(shares[0]),
                 verdict_kind_label(v->parts[1]), pct(shares[1]));
    else if (v->kind == VERDICT_CPU && v->gil)
        snprintf(v->label, sizeof v->label,
                 "CPU-bound, held to one core (the GIL)");
    else if (v->kind == VERDICT_MEMORY && v->memory_inferred)
        snprintf(v->label, sizeof v->label,
                 "memory-bound (memory pressure)");
    else
        snprintf(v->label, sizeof v->label, "%s",
                 verdict_kind_label(v->kind));

    if ((rc = evidence(v, s, W, C, syscall_io, thrash)) < 0)
        goto done;
    if (v->kind == VERDICT_MIX) {
        if ((rc = advise(v, v->parts[0], s, hottext)) < 0 ||
            (rc = advise(v, v->parts[1], s, "")) < 0)
            goto done;
    } else if ((rc = advise(v, v->kind, s, hottext)) < 0) {
        goto done;
    }
    if (v->gil && v->kind != VERDICT_CPU &&
        (rc = add(&v->advice, "gil",
                  "Several threads share about one core (the GIL): for "
                  "their CPU work use processes instead of threads.")) < 0)
        goto done;
    rc = warn(v, s, W, C);
done:
    buf_free(&hb);
    return rc;
}
