/* lines_engine.c: line timing on CPython 3.11 (see lines_hot.h): the
 * tracing path's trace function, frames taken up while running, and the
 * engine's part of selection (twins). */
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>
#include <internal/pycore_frame.h> /* struct _frame: f_frame, f_lineno */

#include <stdlib.h>

#include "../../clock.h"
#include "../../engine.h"
#include "frames.h"
#include "lines_hot.h"
#include "twin.h"

_Thread_local lines_act *lines_top __attribute__((tls_model("initial-exec")));
uint64_t lines_n_twins;
int lines_use_probes = 1;

void lines_refresh(lines_act *a)
{
    a->gen = lines_gen;
    a->cur.last = -1;
    a->cur.lc = NULL;
    lines_slot *s = lines_slot_of(lines_original(a->iframe->f_code));
    for (lines_code *c = s ? s->chain : NULL; c; c = c->next)
        if (c->owner->enabled) {
            a->cur.lc = c;
            break;
        }
}

int lines_trace(PyObject *obj, PyFrameObject *frame, int what,
                PyObject *arg)
{
    (void)obj;
    (void)arg;
    lines_act *a = lines_top;
    if (what != PyTrace_LINE && what != PyTrace_RETURN)
        return 0;
    if (__builtin_expect(!a || a->iframe != frame->f_frame, 0))
        return 0;
    int64_t now = clock_now_ns();
    if (what == PyTrace_LINE) {
        /* call_trace has just set f_lineno for us */
        lines_step(a, now, frame->f_lineno);
    } else {
        lines_leave(a, now);
        /* a frame taken up while it ran (engine_lines_take_up_running)
         * has no hook call of its own to unlink its record */
        if (__builtin_expect(a->heap, 0)) {
            lines_top = a->prev;
            free(a);
        }
    }
    return 0;
}

/* The selected frames that are already running in this thread, so that a
 * hot function called once (a main loop) is timed from the switch on: the
 * tracing path goes on in its eval loop's cframe, and a record on the
 * heap, unlinked at its frame's return, stands for the hook call it never
 * had.  Frames started later get the hook's own handling, which saves and
 * restores these cframes like any other.  Threads other than this one
 * keep running untraced until their next selected frame. */
void engine_lines_take_up_running(void)
{
    PyThreadState *ts = PyThreadState_Get();
    if (ts->c_tracefunc && ts->c_tracefunc != lines_trace)
        return; /* a debugger's or coverage's: leave the thread alone */
    lines_act **tail = &lines_top;
    while (*tail)
        tail = &(*tail)->prev;
    int any = 0;
    for (_PyCFrame *cf = ts->cframe; cf; cf = cf->previous) {
        struct _PyInterpreterFrame *f = cf->current_frame;
        if (!f || cf->use_tracing)
            continue;
        lines_code *lc = lines_find(f->f_code);
        if (!lc)
            continue;
        lines_act *a = calloc(1, sizeof *a);
        if (!a)
            break;
        *a = (lines_act){NULL, f, lines_gen, {lc, -1, 0}, 1, 0};
        *tail = a;
        tail = &a->prev;
        cf->use_tracing = 255;
        any = 1;
    }
    if (any)
        ts->c_tracefunc = lines_trace;
}

/* A twin of c's code for its frames to come (twin.h), made once per code
 * object; none if bcode.c does not handle the code. */
int engine_lines_selected(lines_code *c)
{
    lines_slot *s = c->slot;
    if (s->eng.twin_tried)
        return 0;
    PyObject *t = twin_build(c->code);
    if (!t) {
        if (PyErr_Occurred())
            return -1;
        s->eng.twin_tried = 1;
        return 0;
    }
    lines_slot *ts = lines_slot_get((PyCodeObject *)t, 1);
    if (!ts) {
        Py_DECREF(t);
        PyErr_NoMemory();
        return -1;
    }
    ts->eng.orig = c->code;
    s->eng.twin = t;
    s->eng.twin_tried = 1;
    lines_n_twins++;
    return 0;
}

/* A twin may outlive its code (a generator's frame holds it): it forgets
 * the code. */
void engine_slot_free(lines_slot *s)
{
    if (!s->eng.twin)
        return;
    void *x = NULL;
    if (pyapi_code_get_extra(s->eng.twin, lines_extra_index, &x) == 0 && x)
        ((lines_slot *)x)->eng.orig = NULL;
    Py_DECREF(s->eng.twin);
}

int engine_lines_on(lines_owner *o)
{
    (void)o;
    return frames_hook_update();
}

void engine_lines_off(lines_owner *o)
{
    (void)o;
    frames_hook_update();
}

void engine_lines_auto_switch_now(void)
{
    frames_auto_switch_now();
}
