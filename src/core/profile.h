/* profile.h: the profile model, what one run measured.
 *
 * Plain C, no Python. Shared by the tracer (which fills it), the store
 * (which saves and loads it), the flattener (cProfile-style tables) and the
 * reports.
 *
 * Shape: a table of functions, and per thread a calling-context tree (CCT).
 * A CCT node is one call path; node 0 of each thread is the root, which
 * stands for "no caller" and has func == PROFILE_NO_FUNC.  Nodes are stored
 * so that a parent always precedes its children (parent < index), which
 * lets every derived table be computed in forward passes.
 *
 * Times are integer ticks; profile.tick is the length of one tick in
 * seconds (1e-9 for the default clock).  Integer sums are exact and do not
 * depend on the order of addition, which is what makes our totals equal to
 * cProfile's bit for bit under a deterministic timer.
 */
#ifndef LENTO_PROFILE_H
#define LENTO_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "system.h"

#define PROFILE_NO_FUNC UINT32_MAX

typedef enum {
    FUNC_PYTHON = 0,  /* a code object: file, first line, co_name */
    FUNC_BUILTIN = 1, /* a C function: file "~", line 0, name is cProfile's
                         label, e.g. "<built-in method builtins.len>" or
                         "<method 'append' of 'list' objects>" */
} func_kind;

typedef struct {
    func_kind kind;
    uint32_t line;
    char *file; /* owned, UTF-8, never NULL */
    char *name; /* owned, UTF-8, never NULL */
} profile_func;

typedef struct {
    uint32_t parent; /* index of the parent node; the root's is 0 */
    uint32_t func;   /* index into profile.funcs; PROFILE_NO_FUNC at root */
    uint64_t calls;  /* completed activations of this path */
    int64_t total;   /* inclusive ticks, summed over activations */
    int64_t self;    /* exclusive ticks (total minus callees) */
} cct_node;

typedef struct {
    uint64_t ident;  /* the thread's identifier (threading.get_ident()) */
    char *name;      /* owned, may be "" */
    uint32_t n_nodes;
    uint32_t cap_nodes;
    cct_node *nodes; /* owned; nodes[0] is the root */
} profile_thread;

typedef struct {
    char *key;   /* owned */
    char *value; /* owned */
} profile_meta;

/* Line-by-line figures of one function (line_profiler's accounting, see
 * src/tracer/lines.h): a line is hit once each time the program leaves it
 * for another line of the same call, or returns or yields from it; its time
 * is the time from reaching it to leaving it, callees included. */
typedef struct {
    uint32_t line;
    uint64_t hits;
    int64_t time; /* ticks */
} profile_line;

typedef struct {
    char *file;          /* owned, UTF-8: co_filename */
    char *name;          /* owned, UTF-8: co_qualname */
    uint32_t first_line; /* co_firstlineno */
    uint32_t last_line;  /* the code's last line (>= first_line) */
    uint32_t n_lines, cap_lines;
    profile_line *lines; /* owned; lines hit, sorted by line, distinct */
} profile_line_func;

/* One process of a run that followed its child processes (lento run
 * does by default).  Process i owns the threads [first_thread,
 * first_thread + n_threads); processes come in the order of their
 * threads.  A profile without processes is one process: the run's own. */
typedef struct {
    uint64_t pid, ppid;
    uint32_t first_thread, n_threads;
    int64_t exit_status; /* what it passed to exit, or PROC_STATUS_UNKNOWN */
    uint32_t flags;      /* PROC_* below */
    double wall;         /* seconds it was profiled, 0 if unknown */
    char *command;       /* owned, UTF-8: what ran, "" if unknown */
} profile_process;

#define PROC_STATUS_UNKNOWN INT64_MIN
/* saved by a periodic flush, not at its end: the process was killed or
 * crashed, or had not ended when the run did */
#define PROC_PARTIAL 1u
/* ended by os._exit() (its atexit handlers and finally blocks did not run) */
#define PROC_OS_EXIT 2u
/* started by fork() from a profiled process, not by exec */
#define PROC_FORKED 4u
#define PROC_FLAGS_KNOWN (PROC_PARTIAL | PROC_OS_EXIT | PROC_FORKED)

typedef struct {
    double tick; /* seconds per tick */
    uint32_t n_funcs, cap_funcs;
    profile_func *funcs;
    uint32_t n_threads, cap_threads;
    profile_thread *threads;
    uint32_t n_meta, cap_meta;
    profile_meta *meta; /* free-form facts: command, python version, wall... */
    profile_system *system; /* owned; what the supervisor measured of the
                               whole run, NULL if it was not supervised */
    uint32_t n_line_funcs, cap_line_funcs;
    profile_line_func *line_funcs; /* line-by-line tables, if any */
    uint32_t n_procs, cap_procs;
    profile_process *procs; /* the processes, if more than one was seen */
} profile;

/* Lifecycle.  profile_new returns NULL on out-of-memory; the caller frees
 * with profile_free (which accepts NULL). */
profile *profile_new(double tick);
void profile_free(profile *p);

/* Appends a function; copies the strings.  Returns its index, or -ENOMEM. */
int64_t profile_add_func(profile *p, func_kind kind, const char *file,
                         uint32_t line, const char *name);

/* Appends a thread with only its root node.  Returns the thread (owned by
 * p, valid until the next profile_add_thread), or NULL on out-of-memory. */
profile_thread *profile_add_thread(profile *p, uint64_t ident,
                                   const char *name);

/* Appends a node under parent (which must exist).  Returns its index or
 * -ENOMEM. */
int64_t profile_thread_add_node(profile_thread *t, uint32_t parent,
                                uint32_t func, uint64_t calls, int64_t total,
                                int64_t self);

/* Appends a copy of thread t (of another profile) to p, its function
 * indices mapped through fmap (NULL: kept as they are).  0 or -ENOMEM. */
int profile_copy_thread(profile *p, const profile_thread *t,
                        const uint32_t *fmap);

/* Sets (or replaces) a metadata entry; copies both strings.  0 or -ENOMEM. */
int profile_set_meta(profile *p, const char *key, const char *value);
/* Returns the value for key, or NULL.  Owned by p. */
const char *profile_get_meta(const profile *p, const char *key);

/* Appends a function's line table (empty); copies the strings.  Returns
 * it (owned by p, valid until the next call), or NULL on out-of-memory or
 * if last_line < first_line. */
profile_line_func *profile_add_line_func(profile *p, const char *file,
                                         uint32_t first_line,
                                         uint32_t last_line,
                                         const char *name);
/* Appends a line to f; lines must come in increasing order.  0, -ENOMEM,
 * or -EINVAL if line is not above the previous one. */
int profile_line_func_add(profile_line_func *f, uint32_t line, uint64_t hits,
                          int64_t time);

/* Appends a process owning the threads [first_thread, first_thread +
 * n_threads); copies command.  Returns it (owned by p, valid until the
 * next call), or NULL on out-of-memory. */
profile_process *profile_add_process(profile *p, uint64_t pid,
                                     uint64_t ppid, uint32_t first_thread,
                                     uint32_t n_threads,
                                     const char *command);

/* Checks the invariants a reader must trust before using a profile that
 * came from a file: parents precede children, func indices in range, the
 * root well formed, the system figures sound (system_validate), line
 * tables sorted, processes owning consecutive ranges of threads that
 * cover them all.  0 if sound, -EINVAL otherwise. */
int profile_validate(const profile *p);

#endif
