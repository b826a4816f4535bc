/* system.h: the system figures of one run, as the supervisor measured them
 * from outside the program (monitor/ fills them in; the store saves them;
 * report/ turns them into a verdict).
 *
 * Plain C, no /proc and no Python: this is the model only.  Every figure
 * covers the whole process tree (children included).  A figure that could
 * not be measured is 0 unless said otherwise; hardware counters carry their
 * own "measured" flags.
 */
#ifndef LENTO_SYSTEM_H
#define LENTO_SYSTEM_H

#include <stddef.h>
#include <stdint.h>

/* The timeline keeps at most this many points: a longer run merges
 * neighbouring points (and doubles the interval), so memory and file size
 * stay bounded however long the program runs. */
#define SYSTEM_MAX_SAMPLES 4096

/* Hardware counters, in this order everywhere (store, JSON, report). */
typedef enum {
    SYSCTR_INSTRUCTIONS = 0,
    SYSCTR_CYCLES,
    SYSCTR_CACHE_REFS,
    SYSCTR_CACHE_MISSES,
    SYSCTR_LLC_MISSES,
    SYSCTR_N
} system_counter;

/* One point of the timeline: what happened during the interval that ends
 * at t (rates), and the state at t (counts).  All doubles, so the store
 * can keep the timeline as a table of numbers. */
typedef struct {
    double t;              /* seconds since the program started */
    double cpu;            /* cores busy over the interval (CPU s per s) */
    double rss;            /* bytes resident, summed over the tree, at t */
    double read_bps;       /* logical bytes read per second (read(2)...) */
    double write_bps;      /* logical bytes written per second */
    double disk_read_bps;  /* bytes fetched from storage per second */
    double disk_write_bps; /* bytes sent to storage per second */
    double threads;        /* threads alive at t */
    double running;        /* of which running or waiting for a CPU */
    double disk_wait;      /* of which in uninterruptible (disk) sleep */
} system_sample;

typedef struct profile_system {
    /* the run */
    double wall;          /* seconds, start to exit */
    int32_t exit_status;  /* as a shell reports it: the code, or 128+N */
    int32_t term_signal;  /* the signal that ended the program, or 0 */

    /* CPU, whole tree (every process waited for, all threads) */
    double user, sys;     /* seconds */
    double runq_wait;     /* seconds threads were runnable but had no CPU */
    uint32_t cores;       /* CPUs the program was allowed to use */

    /* memory */
    uint64_t peak_rss;      /* bytes, largest single process (exact) */
    uint64_t peak_tree_rss; /* bytes, largest sampled sum over the tree */
    uint64_t minflt, majflt;
    uint64_t nvcsw, nivcsw; /* voluntary, involuntary context switches */

    /* IO */
    uint64_t read_bytes, write_bytes; /* logical, through system calls */
    uint64_t disk_read, disk_write;   /* from and to storage */
    uint64_t read_calls, write_calls; /* read- and write-like system calls */

    /* processes and threads */
    uint32_t max_threads;  /* most threads alive at once (sampled) */
    uint32_t max_procs;    /* most processes alive at once (sampled) */
    uint32_t procs_seen;   /* processes seen in the tree over the run */
    uint32_t busy_threads; /* threads that did >= 10% of the tree's CPU
                              time (and >= 20 ms) */

    /* what the threads were doing at each sample */
    uint64_t samples;      /* samples taken */
    uint64_t samples_busy; /* some thread running or runnable */
    uint64_t samples_io;   /* none running, some in disk sleep */
    uint64_t samples_wait; /* none running, none in disk sleep */
    uint64_t samples_multi; /* two or more threads running or runnable
                               (a subset of samples_busy) */
    /* what sleeping threads were waiting in, counted per thread and sample
     * (from the kernel function they sleep in) */
    uint64_t waits_lock;  /* a futex: a lock, a condition, the GIL */
    uint64_t waits_sleep; /* a timed sleep (time.sleep) */
    uint64_t waits_io;    /* poll/select/epoll, sockets, pipes */
    uint64_t waits_child; /* waiting for a child process */
    uint64_t waits_other; /* anything else, or not known */
    double busy_lock_share; /* of the busy threads' samples, the share in
                               a lock wait (0..1) */

    /* the rest of the machine during the run */
    double other_cpu; /* CPU-seconds used by other processes */
    double steal;     /* CPU-seconds the hypervisor gave to other guests */

    /* hardware counters (perf_event_open) */
    int32_t perf_available;           /* 1 if any counter was measured */
    char *perf_reason;                /* owned, never NULL: "" or why not */
    uint64_t counter[SYSCTR_N];       /* scaled by enabled/running time */
    uint8_t counter_ok[SYSCTR_N];     /* 1 if that counter ran */
    double counter_running[SYSCTR_N]; /* share of the run it was counting */

    /* the timeline */
    double interval; /* seconds between points (grows as points merge) */
    uint32_t n_samples, cap_samples;
    system_sample *timeline; /* owned */
} profile_system;

/* A new, zeroed set of figures with perf_reason "".  NULL on
 * out-of-memory; free with system_free (which accepts NULL). */
profile_system *system_new(void);
void system_free(profile_system *s);

/* Replaces perf_reason with a copy of why.  0 or -ENOMEM. */
int system_set_perf_reason(profile_system *s, const char *why);

/* Appends a point.  At SYSTEM_MAX_SAMPLES points, neighbours are merged
 * pairwise first (rates averaged, states of the later point kept) and the
 * interval doubles, so the timeline keeps covering the whole run.  0 or
 * -ENOMEM. */
int system_add_sample(profile_system *s, const system_sample *x);

/* A deep copy (NULL on out-of-memory). */
profile_system *system_copy(const profile_system *s);

/* The checks a reader must trust: times, rates and shares finite and not
 * negative, counts within their totals, the timeline in time order.
 * 0 if sound, -EINVAL otherwise. */
int system_validate(const profile_system *s);

/* Names and storage of the figures, for the store (docs/format.md, the
 * SYST section): a figure's name in the file and where it lives. */
typedef enum { SYSF_U64, SYSF_F64, SYSF_I32, SYSF_U32, SYSF_U8 } system_ftype;
typedef struct {
    const char *name;
    system_ftype type;
    size_t offset;
} system_field;
/* Upper bounds on the two tables, for fixed arrays of flags over them. */
#define SYSTEM_MAX_FIELDS 64
#define SYSTEM_MAX_COLUMNS 16
extern const system_field system_fields[];
extern const size_t system_n_fields;

/* The timeline's columns, by name, in system_sample order. */
extern const char *const system_sample_columns[];
extern const size_t system_n_sample_columns;
/* Column k (0 <= k < system_n_sample_columns) of a point, read or set. */
double system_sample_col(const system_sample *x, size_t k);
void system_sample_set(system_sample *x, size_t k, double v);

#endif
