/* lines_hot.h: line timing on CPython 3.11, the per-frame part, inline in
 * the frame-evaluation hook (frames.c) and the probes (twin.c).
 *
 * Two ways to get a selected frame's line events, both entered from the
 * frame-evaluation hook:
 *
 * - Twins (twin.h, bcode.h), the usual way: a new frame of selected code
 *   is switched to a copy of the code whose bytecode calls a probe exactly
 *   where CPython's tracing path would give a LINE event.  The frame runs
 *   at full speed, specialised instructions included, between its lines;
 *   the hook itself gives the frame's return.
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
 *   thread.  CALL and EXCEPTION events change nothing (line_profiler's
 *   accounting on 3.11).
 *
 * The per-frame state lives on the C stack of the hook call that runs the
 * frame (struct lines_act), linked per thread: no allocation, no hashing.
 * Not supported: greenlet-style C stack switching (the events are then
 * ignored). */
#ifndef LENTO_LINES_HOT_H
#define LENTO_LINES_HOT_H

#include <Python.h>
#include <internal/pycore_frame.h>

#include "../../lines.h"

/* One running frame of a selected code object.  Lives on the C stack of
 * the hook call that runs the frame; linked per thread, innermost first. */
typedef struct lines_act {
    struct lines_act *prev;
    struct _PyInterpreterFrame *iframe;
    uint64_t gen;      /* lines_gen when cur.lc was looked up */
    lines_cursor cur;
    int heap;          /* taken up while running: on the heap, freed at its
                          frame's return (engine_lines_take_up_running) */
    int probes;        /* the frame runs a twin: its probes give the events */
} lines_act;

extern _Thread_local lines_act *lines_top
    __attribute__((tls_model("initial-exec")));

/* Twins: protected by the GIL. */
extern uint64_t lines_n_twins;  /* twins ever made */
extern int lines_use_probes;    /* 0: the tracing path only (tests) */

/* A record that may have gone (a profiler disabled or freed meanwhile):
 * look the code up again, and forget the current line, as line_profiler
 * forgets its records at disable(). */
void lines_refresh(lines_act *a);

/* The trace function (Py_tracefunc) lento installs for selected frames
 * on the tracing path.  Never raises. */
int lines_trace(PyObject *obj, PyFrameObject *frame, int what,
                PyObject *arg);

/* The frame returns, yields or lets an exception out. */
static inline void lines_leave(lines_act *a, int64_t now)
{
    if (__builtin_expect(a->gen != lines_gen, 0))
        lines_refresh(a);
    lines_cursor_leave(&a->cur, now);
}

/* A probe or a LINE event at line. */
static inline void lines_step(lines_act *a, int64_t now, int line)
{
    if (__builtin_expect(a->gen != lines_gen, 0))
        lines_refresh(a);
    lines_cursor_step(&a->cur, now, line);
}

/* The code a twin was made from (the key of its function and line
 * records); any other code itself. */
static inline PyCodeObject *lines_original(PyCodeObject *code)
{
    if (__builtin_expect(lines_n_twins == 0, 1))
        return code;
    lines_slot *s = lines_slot_of(code);
    return s && s->eng.orig ? s->eng.orig : code;
}

/* The record of code (or of the code it is a twin of) for an enabled
 * profiler, or NULL. */
static inline lines_code *lines_find(PyCodeObject *code)
{
    lines_slot *s = lines_slot_of(code);
    if (s && s->eng.orig) {
        code = s->eng.orig;
        s = lines_slot_of(code);
    }
    return lines_record(code, s);
}

#endif
