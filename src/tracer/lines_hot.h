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
} lines_act;

extern _Thread_local lines_act *lines_top
    __attribute__((tls_model("initial-exec")));

/* The record of code for an enabled profiler, or NULL. */
static inline lines_code *lines_find(PyCodeObject *code)
{
    lines_slot *s = NULL;
    if (code->co_extra) {
        void *x = NULL;
        _PyCode_GetExtra((PyObject *)code, lines_extra_index, &x);
        s = x;
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
