/* verdict.h: what the machine was doing during a run (CPU-bound,
 * memory-bound, IO-bound, waiting, thrashing, or a mix), the figures that
 * say so and how sure we are, the strategy that follows, and the pitfalls
 * found in the measurement itself (noise, a cold cache).
 *
 * Plain rules over the system figures; docs/verdict.md states every rule
 * and threshold, and the two change together.
 */
#ifndef LENTO_VERDICT_H
#define LENTO_VERDICT_H

#include <stddef.h>

#include "../core/system.h"

typedef enum {
    VERDICT_UNKNOWN = 0, /* the run was too short to say */
    VERDICT_CPU,
    VERDICT_MEMORY,
    VERDICT_IO,
    VERDICT_WAITING,
    VERDICT_THRASHING,
    VERDICT_MIX,
} verdict_kind;

typedef enum { CONF_LOW = 0, CONF_MEDIUM, CONF_HIGH } verdict_confidence;

#define VERDICT_MAX_ITEMS 16

/* Sentences, each owned (malloc'd); tag says which rule made it (for
 * warnings: "noise", "steal", "cold-cache", "short-run"). */
typedef struct {
    char *text[VERDICT_MAX_ITEMS];
    const char *tag[VERDICT_MAX_ITEMS];
    size_t n;
} verdict_list;

/* A hotspot of the profile, for advice tied to this run: a function's
 * share of the profiled time including what it calls. */
typedef struct {
    const char *name;  /* as the summary prints it; not owned */
    double share;      /* 0..1 */
    double self_share; /* its own code's share, 0..share */
} verdict_hotspot;

typedef struct {
    verdict_kind kind;
    verdict_kind parts[2]; /* a mix's two parts, the larger first */
    verdict_confidence confidence;
    int gil;             /* several busy threads held to about one core */
    int memory_inferred; /* memory-bound from pressure, not counters */
    char label[128];     /* "CPU-bound", "mix: CPU-bound and waiting" */
    /* shares of the wall time (they add up to 1) */
    double compute, io, wait;
    double cores_used; /* (user+sys)/wall */
    double ipc, mpki;  /* from the counters; -1 when not measured */
    verdict_list evidence, advice, warnings;
} verdict;

/* Draws the verdict from s; hot (n_hot entries, may be 0) ties the advice
 * to the hotspots.  0 or -ENOMEM; free with verdict_free either way. */
int verdict_compute(const profile_system *s, const verdict_hotspot *hot,
                    size_t n_hot, verdict *v);
void verdict_free(verdict *v);

/* "cpu", "memory", "io", "waiting", "thrashing", "mix", "unknown". */
const char *verdict_kind_name(verdict_kind k);
/* "CPU-bound", "memory-bound", "IO-bound", "waiting", "thrashing", ... */
const char *verdict_kind_label(verdict_kind k);
const char *verdict_confidence_name(verdict_confidence c);

/* Amdahl's law: the whole program's speed-up if a part taking share
 * (0..1) of its time took none: 1/(1-share); INFINITY at share >= 1. */
double verdict_amdahl(double share);

/* Thresholds, named as in docs/verdict.md. */
#define V_SINGLE 0.70        /* a kind alone at >= 70% of the wall */
#define V_HIGH 0.85          /* ... and high confidence at >= 85% */
#define V_MIX_PART 0.20      /* a mix's second part: >= 20% */
#define V_MIN_WALL 0.05      /* below: unknown */
#define V_SHORT_WALL 0.2     /* below: low confidence */
#define V_MIN_SAMPLES 4      /* fewer timeline samples: low confidence */
#define V_HIGH_SAMPLES 10    /* high confidence needs at least these */
#define V_MEM_RSS (64.0 * 1024 * 1024) /* pressure: peak RSS >= 64 MiB */
#define V_MEM_SYS 0.20       /* pressure: system time >= 20% of CPU */
#define V_IPC_LOW 1.0        /* counters: IPC below this ... */
#define V_MPKI_HIGH 5.0      /* ... and >= 5 LLC misses per 1000 instr. */
#define V_IPC_GOOD 1.5       /* counters: IPC this high is computing */
#define V_THRASH_MAJ 1000    /* thrashing: >= 1000 major faults ... */
#define V_THRASH_RATE 100.0  /* ... at >= 100 per second ... */
#define V_THRASH_SYS 0.30    /* ... with system time >= 30% of CPU or
                                IO waits >= 30% of the wall */
#define V_SYSCALL_SYS 0.40   /* small IO calls: system >= 40% of CPU ... */
#define V_SYSCALL_RATE 2000.0 /* ... >= 2000 read/write calls per CPU s */
#define V_SYSCALL_SIZE 16384.0 /* ... of < 16 KiB each on average */
#define V_GIL_MAX 1.3        /* GIL: at most 1.3 cores used, and ... */
#define V_GIL_LOCK 0.25      /* ... and the busy threads were asleep in a
                                lock (futex) in >= 25% of their samples */
#define V_NOISE_OTHER 0.25   /* noise: others used >= 0.25 cores */
#define V_NOISE_RUNQ 0.10    /* noise: run-queue wait >= 10% of CPU */
#define V_STEAL 0.05         /* steal >= 0.05 cores */
#define V_COLD_BYTES (1024.0 * 1024) /* cold cache: >= 1 MiB read ... */
#define V_COLD_MAJ 100       /* ... or >= 100 major faults */
#define V_HOT_ENTRY 0.95     /* hotspots this large are entry points */
#define V_HOT_WRAPPER 0.10   /* a hotspot with self time < 10% of its own
                                time ... */
#define V_HOT_NEXT 0.90      /* ... whose next one down has >= 90% of its
                                time is a wrapper around it: skipped */

#endif
