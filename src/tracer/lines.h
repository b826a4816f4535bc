/* lines.h: line-by-line timing of selected code objects.
 *
 * Two ways to get a selected frame's line events, both entered from the
 * frame-evaluation hook (frames.c):
 *
 * - Twins (twin.h, bcode.h), the usual way: a new frame of selected code
 *   is switched to a copy of the code whose bytecode calls a probe exactly
 *   where CPython's tracing path would give a LINE event.  The frame runs
 *   at full speed, specialised instructions included, between its lines.
 *
 * - The tracing path, for code bcode.c refuses (rare forms of nested
 *   exception handling, a generator line at full stack depth) and for
 *   frames that were already running when their code was selected
 *   (--lines=auto): CPython 3.11's tracing path (cframe.use_tracing plus
 *   tstate->c_tracefunc), which handles every instruction slowly.  The
 *   hook sets lines_trace as the thread's trace function and use_tracing =
 *   255 in the caller's cframe just before such a frame starts (the new
 *   eval loop copies use_tracing from its caller's cframe at entry), sets
 *   them off for any other frame started while they are on, and restores
 *   the caller's values exactly when the frame returns.  PyEval_SetTrace
 *   is never called: it would turn tracing on in every frame of the
 *   thread.
 *
 * Accounting, as line_profiler's (5.1, _line_profiler.pyx
 * inner_trace_callback) so that hit counts are equal: the state is kept
 * per running frame (so recursion does not lose the outer call's line);
 * at a LINE event the line the frame was on (if any) gets one hit and the
 * time since it was reached, then the new line becomes current; at a
 * RETURN event (a return, a yield, an exception leaving the frame) the
 * current line is credited the same way and the frame has no line until
 * its next LINE event.  CALL and EXCEPTION events change nothing.  One
 * clock read per event (line_profiler reads twice).  With a twin, the
 * hook itself gives the RETURN.
 *
 * The per-frame state lives on the C stack of the hook call that runs the
 * frame (struct lines_act), linked per thread: no allocation, no hashing.
 * Counts are per code object and shared by all threads; every update is
 * made with the GIL held, which is what protects them.  Not supported:
 * greenlet-style C stack switching (the events are then ignored).
 *
 * Selection is per code object, cached in a code-extra slot
 * (_PyCode_SetExtra): a chain of lines_code records, one per profiler
 * that selected it.  Several profilers may exist and be enabled at once;
 * a code object selected by two enabled profilers is counted for the
 * first one only. */
#ifndef LENTO_LINES_H
#define LENTO_LINES_H

#include <Python.h>
#include <stdint.h>

#include "../core/profile.h"

typedef struct {
    uint64_t hits;
    int64_t time; /* ns */
} lines_stat;

typedef struct lines_owner lines_owner;
typedef struct lines_slot lines_slot;

/* One selected code object of one profiler. */
typedef struct lines_code {
    struct lines_code *next; /* other profilers' records of the code */
    lines_owner *owner;
    lines_slot *slot;        /* the code's extra slot, for unlinking */
    PyCodeObject *code;      /* strong reference */
    int first;               /* smallest line of the code */
    int n;                   /* lines first .. first + n - 1 */
    lines_stat *stats;       /* n entries */
} lines_code;

/* The code-extra slot of a code object lento has looked at, or of a twin
 * (twin.h). */
struct lines_slot {
    lines_code *chain;
    uint64_t decided; /* lines_pattern_gen when patterns rejected it */
    PyObject *twin;   /* strong: the code with probes, or NULL */
    int twin_tried;   /* twin_build was called (NULL: tracing path) */
    PyCodeObject *orig; /* in a twin's slot: the code it was made from,
                           NULL once that is freed */
};

/* A --lines=PATTERN selector. */
typedef struct {
    char *spec;     /* as given */
    char *where;    /* module name, or a path */
    char *qualname; /* function, or Class.method */
    int is_path;
    char *real;     /* realpath of the path form, or NULL */
    uint64_t matched;
} lines_pattern;

/* What a line profiler owns (embedded in the Python object). */
struct lines_owner {
    int enabled;         /* 1 while its code objects are timed */
    lines_code **codes;  /* owned */
    uint32_t n_codes, cap_codes;
    lines_pattern *patterns;
    uint32_t n_patterns;
    int nomem;           /* sticky: a hook ran out of memory */
};

/* --lines=auto: at lines_auto_at (clock ns; 0 = not armed) the fast-mode
 * hook calls lines_auto_switch, which selects for lines_auto_owner the
 * LINES_AUTO_TOP Python functions with the most self time so far (at least
 * 5% of it) among those that completed at least two calls or are running
 * (a function called once and over is unlikely to run again), and
 * enables it.  A
 * timer thread (lines_auto_arm) asks the main thread for the switch at
 * that time too, for a program that starts no frame then (one long loop). */
#define LINES_AUTO_TOP 3
extern int64_t lines_auto_at;
extern lines_owner *lines_auto_owner;
extern int64_t lines_auto_switched; /* clock ns of the switch, or 0 */

/* Engine state, protected by the GIL. */
extern int lines_n_enabled;          /* enabled owners */
extern uint64_t lines_gen;           /* bumped whenever records may go */
extern lines_owner *lines_pattern_owner; /* enabled owner with patterns */
extern uint64_t lines_pattern_gen;
extern Py_ssize_t lines_extra_index;
extern uint64_t lines_n_twins;       /* twins ever made */
extern int lines_use_probes;         /* 0: the tracing path only (tests) */

/* Once, at module init.  0 or -1 with an exception set. */
int lines_init(void);

/* The code a twin was made from; any other code itself (twin.h). */
PyCodeObject *lines_key(PyCodeObject *code);

/* A record whose generation is old: look its code up again. */
struct lines_act;
void lines_refresh(struct lines_act *a);

/* The trace function (Py_tracefunc) lento installs for selected frames.
 * Never raises. */
int lines_trace(PyObject *obj, PyFrameObject *frame, int what,
                PyObject *arg);

/* Selects code for o (idempotent).  The record, or NULL with an
 * exception set. */
lines_code *lines_add_code(lines_owner *o, PyCodeObject *code);

/* Parses "module:function", "module:Class.method" or
 * "path/to/file.py:function" into o's patterns.  0, or -1 with a
 * ValueError naming the bad pattern. */
int lines_add_pattern(lines_owner *o, const char *spec);

/* Turns timing of o's code on or off (idempotent).  0, or -1 with an
 * exception set. */
int lines_enable(lines_owner *o);
void lines_disable(lines_owner *o);

/* Frees everything o owns (disabling it first). */
void lines_owner_clear(lines_owner *o);

/* The cold part of lines_find: decide by o's patterns.  Never raises. */
lines_code *lines_decide(PyCodeObject *code, lines_slot *slot);

/* See lines_auto_at.  p is the fast-mode profiler (profiler.h), r the
 * calling thread's recorder.  Never raises. */
void lines_auto_switch(void *p, void *r, int64_t now);

/* Arms the switch at `at` (clock ns) for lines_auto_owner, with its timer
 * thread.  0, or -1 with an exception set.  lines_auto_disarm stops it
 * (the timer then does nothing). */
int lines_auto_arm(int64_t at);
void lines_auto_disarm(void);

/* Appends o's line tables to p, merging code objects with the same
 * (file, first line, qualname).  0 or -ENOMEM. */
int lines_export(const lines_owner *o, profile *p);

#endif
