/* lines.h: line-by-line timing of selected code objects, the part every
 * engine shares: which code is selected (by a profiler, by patterns, by
 * --lines=auto), its counts, and how a line is credited.
 *
 * The engine (engine.h) delivers a selected frame's line events: on 3.11
 * from twins with line probes or from the tracing path
 * (engines/py311/lines_hot.h), on 3.12+ from sys.monitoring's local
 * events (engines/monitoring/lines_events.c).
 *
 * Accounting, as line_profiler's (5.1, _line_profiler.pyx
 * inner_trace_callback) so that hit counts are equal: the state is kept
 * per running frame (so recursion does not lose the outer call's line), in
 * a lines_cursor; at a line event the line the frame was on (if any) gets
 * one hit and the time since it was reached, then the new line becomes
 * current; when the frame returns, yields or lets an exception out (on
 * 3.12+ also when an exception is raised in it, as line_profiler counts
 * there) the current line is credited the same way and the frame has no
 * line until its next line event.  One clock read per event
 * (line_profiler reads twice).
 *
 * Counts are per code object and shared by all threads; every update is
 * made with the GIL held, which is what protects them.
 *
 * Selection is per code object, cached in a code-extra slot
 * (the code-extra API): a chain of lines_code records, one per profiler
 * that selected it.  Several profilers may exist and be enabled at once;
 * a code object selected by two enabled profilers is counted for the
 * first one only. */
#ifndef LENTO_LINES_H
#define LENTO_LINES_H

#include <Python.h>
#include <stdint.h>

#include "../core/profile.h"
#include "engine_types.h"
#include "pyapi.h"

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

/* The code-extra slot of a code object lento has looked at. */
struct lines_slot {
    lines_code *chain;
    uint64_t decided; /* lines_pattern_gen when patterns rejected it */
    engine_slot eng;  /* the engine's (engine_types.h) */
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

/* Once, at module init.  0 or -1 with an exception set. */
int lines_init(void);

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

/* The cold part of lines_record: decide by o's patterns.  Never raises. */
lines_code *lines_decide(PyCodeObject *code, lines_slot *slot);

/* The code-extra slot of code, made if create and there is none; NULL
 * when out of memory (no exception set) or if there is none. */
lines_slot *lines_slot_get(PyCodeObject *code, int create);

/* The code-extra slot of code, or NULL: the fast path, inline. */
static inline lines_slot *lines_slot_of(PyCodeObject *code)
{
    void *x = NULL;
    if (code->co_extra)
        pyapi_code_get_extra((PyObject *)code, lines_extra_index, &x);
    return x;
}

/* The record of code (whose slot is s) for an enabled profiler, deciding
 * by patterns on first sight; or NULL.  Never raises. */
static inline lines_code *lines_record(PyCodeObject *code, lines_slot *s)
{
    if (s)
        for (lines_code *c = s->chain; c; c = c->next)
            if (c->owner->enabled)
                return c;
    if (__builtin_expect(lines_pattern_owner != NULL, 0) &&
        (!s || s->decided != lines_pattern_gen))
        return lines_decide(code, s);
    return NULL;
}

/* Where a running frame of selected code is (see the accounting above). */
typedef struct {
    lines_code *lc; /* NULL: the frame is not counted */
    int last;       /* index of the current line in lc->stats, or -1 */
    int64_t t;      /* when the current line was reached */
} lines_cursor;

/* The frame returns, yields or lets an exception out: the line it was on
 * gets its hit and the time since it was reached, and the frame has no
 * line until its next event. */
static inline void lines_cursor_leave(lines_cursor *c, int64_t now)
{
    if (c->lc && c->last >= 0) {
        lines_stat *s = &c->lc->stats[c->last];
        s->hits++;
        s->time += now - c->t;
    }
    c->last = -1;
}

/* A line event at line: the line the frame was on is left, and line
 * becomes current. */
static inline void lines_cursor_step(lines_cursor *c, int64_t now, int line)
{
    lines_cursor_leave(c, now);
    unsigned idx = c->lc ? (unsigned)(line - c->lc->first) : 0;
    c->last = c->lc && idx < (unsigned)c->lc->n ? (int)idx : -1;
    c->t = now;
}

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
