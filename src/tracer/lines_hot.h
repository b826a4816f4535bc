/* lines_hot.h: the per-frame part of line timing, inline in the
 * frame-evaluation hook (frames.c); see lines.h. */
#ifndef LENTO_LINES_HOT_H
#define LENTO_LINES_HOT_H

#include <Python.h>
#include <internal/pycore_frame.h>

#include "lines.h"

/* One running frame of a selected code object.  Lives on the C stack of
 * the hook call that runs the frame; linked per thread, innermost first. */
typedef struct lines_act {
    struct lines_act *prev;
    struct _PyInterpreterFrame *iframe;
    lines_code *lc;  /* valid while gen == lines_gen */
    uint64_t gen;
    int last;        /* index of the current line in lc->stats, or -1 */
    int64_t t;       /* when the current line was reached */
    int heap;        /* taken up while running: on the heap, freed at its
                        frame's return (lines_auto_switch) */
    int probes;      /* the frame runs a twin: its probes give the events */
} lines_act;

extern _Thread_local lines_act *lines_top
    __attribute__((tls_model("initial-exec")));

/* The frame returns, yields or lets an exception out: the line it was on
 * gets its hit and the time since it was reached, and the frame has no
 * line until its next event. */
static inline void lines_leave(lines_act *a, int64_t now)
{
    if (__builtin_expect(a->gen != lines_gen, 0))
        lines_refresh(a);
    lines_code *lc = a->lc;
    if (lc && a->last >= 0) {
        lines_stat *s = &lc->stats[a->last];
        s->hits++;
        s->time += now - a->t;
    }
    a->last = -1;
}

/* A probe or a LINE event at line: the line the frame was on is left,
 * and line becomes current. */
static inline void lines_step(lines_act *a, int64_t now, int line)
{
    lines_leave(a, now);
    lines_code *lc = a->lc;
    unsigned idx = lc ? (unsigned)(line - lc->first) : 0;
    a->last = lc && idx < (unsigned)lc->n ? (int)idx : -1;
    a->t = now;
}

static inline lines_slot *lines_slot_of(PyCodeObject *code)
{
    void *x = NULL;
    if (code->co_extra)
        _PyCode_GetExtra((PyObject *)code, lines_extra_index, &x);
    return x;
}

/* The code a twin was made from (the key of its function and line
 * records); any other code itself. */
static inline PyCodeObject *lines_original(PyCodeObject *code)
{
    if (__builtin_expect(lines_n_twins == 0, 1))
        return code;
    lines_slot *s = lines_slot_of(code);
    return s && s->orig ? s->orig : code;
}

/* The record of code (or of the code it is a twin of) for an enabled
 * profiler, or NULL. */
static inline lines_code *lines_find(PyCodeObject *code)
{
    lines_slot *s = lines_slot_of(code);
    if (s && s->orig) {
        code = s->orig;
        s = lines_slot_of(code);
    }
    if (s)
        for (lines_code *c = s->chain; c; c = c->next)
            if (c->owner->enabled)
                return c;
    if (__builtin_expect(lines_pattern_owner != NULL, 0) &&
        (!s || s->decided != lines_pattern_gen))
        return lines_decide(code, s);
    return NULL;
}

#endif
