/* frames.c: fast mode, the frame-evaluation hook (see frames.h). */
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>
#include <internal/pycore_frame.h> /* _PyInterpreterFrame.f_code */
#include <pythread.h>

#include "../../clock.h"
#include "../../current.h"
#include "cstack.h"
#include "frames.h"
#include "lines_hot.h"
#include "profile_hook.h"

#define GENERATOR_FLAGS (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)

/* The hook's state.  Written only with the GIL held (enable, disable and
 * the hook itself run with it), which is what protects it.  The profiler
 * it records into is current.h's. */
static _PyFrameEvalFunction fast_next; /* what ran frames before us */
static int hook_on;                    /* lento_eval is installed */

/* Whether running a frame now fails at once with RecursionError, before
 * its first instruction: cProfile sees no call then, so neither do we.
 * This is _Py_EnterRecursiveCallTstate's test (Python/ceval.c, 3.11). */
static int will_overflow(PyThreadState *ts)
{
    int depth = ts->recursion_limit - ts->recursion_remaining;
    return depth >= Py_GetRecursionLimit() && !ts->recursion_headroom;
}

static inline PyObject *fast_eval(PyThreadState *ts,
                                  struct _PyInterpreterFrame *f,
                                  int throwflag)
{
    uint64_t gen = current_gen;
    recorder *r = current_recorder();
    if (!r || r->busy)
        return fast_next(ts, f, throwflag);
    /* Calling a generator function runs its frame only to make the
     * generator (RETURN_GENERATOR), which no profiler reports as a call;
     * its runs are the generator's resumptions, in frames it owns. */
    if (unlikely(f->f_code->co_flags & GENERATOR_FLAGS) &&
        f->owner != FRAME_OWNED_BY_GENERATOR)
        return fast_next(ts, f, throwflag);
    if (unlikely(ts->recursion_remaining <= 0) && will_overflow(ts))
        return fast_next(ts, f, throwflag);
    uint32_t depth = r->depth;
    /* a twin's frames count for the code it was made from */
    PyCodeObject *code = lines_original(f->f_code);
    recorder_enter(r, code, (PyObject *)code);
    if (unlikely(lines_auto_at) && r->depth == depth + 1 &&
        r->stack[depth].t0 >= lines_auto_at)
        lines_auto_switch(current_owner, r, r->stack[depth].t0);
    PyObject *res = fast_next(ts, f, throwflag);
    /* Only pop what this call pushed: nothing if the profiler stopped (r
     * may be gone) or was restarted meanwhile, or if the push failed. */
    if (likely(current_gen == gen) && r->depth == depth + 1)
        recorder_leave(r);
    return res;
}

/* Runs f, a frame about to start, on the twin of lc's code (twin.h), if
 * it has one: the frame's code and instruction pointer are the only parts
 * that differ (same locals).  A twin may need one more stack slot than
 * the frame was given: the frame is the newest on the thread's data
 * stack, so it grows into the free space above it (popping the frame
 * gives it back); without that space the frame keeps the tracing path. */
static void use_twin(PyThreadState *ts, struct _PyInterpreterFrame *f,
                     lines_code *lc)
{
    PyCodeObject *twin = (PyCodeObject *)lc->slot->eng.twin;
    if (!twin || !lines_use_probes || f->f_code != lc->code ||
        _PyInterpreterFrame_LASTI(f) >= 0)
        return;
    /* Another profiler (cProfile) keys its figures by the frame's code:
     * a twin would be a second function to it.  lento's own maps it. */
    if (ts->c_profilefunc && ts->c_profilefunc != recorder_callback)
        return;
    int extra = twin->co_stacksize - f->f_code->co_stacksize;
    if (extra > 0) {
        /* where _PyEvalFramePushAndInit ended the frame */
        PyObject **end = f->localsplus + f->f_code->co_nlocalsplus +
                         f->f_code->co_stacksize;
        if (f->owner != FRAME_OWNED_BY_THREAD || ts->datastack_top != end ||
            end + extra >= ts->datastack_limit)
            return;
        ts->datastack_top = end + extra;
    }
    PyCodeObject *old = f->f_code;
    f->f_code = (PyCodeObject *)Py_NewRef(twin);
    f->prev_instr = _PyCode_CODE(twin) - 1;
    Py_DECREF(old);
}

/* A frame while line timing is on somewhere (lines.h).  A selected code
 * object's frame runs on its twin, whose probes give the line events; or,
 * if the code has no twin or the frame began on the code itself, with the
 * tracing path on.  Any other frame started while the tracing path is on
 * runs with it off, and the caller's cframe is given back exactly as it
 * was.  A thread with a trace function of its own (a debugger, coverage)
 * is left alone. */
static PyObject *lines_eval(PyThreadState *ts, struct _PyInterpreterFrame *f,
                            int throwflag)
{
    Py_tracefunc cur = ts->c_tracefunc;
    lines_code *lc = lines_find(f->f_code);
    if (lc && (!cur || cur == lines_trace)) {
        use_twin(ts, f, lc);
        /* the run that only makes a generator has no line events */
        if (unlikely(f->f_code->co_flags & GENERATOR_FLAGS) &&
            f->owner != FRAME_OWNED_BY_GENERATOR)
            lc = NULL;
    }
    _PyCFrame *cf = ts->cframe;
    uint8_t saved = cf->use_tracing;
    PyObject *res;
    if (lc && (!cur || cur == lines_trace)) {
        int probes = f->f_code != lc->code;
        lines_act act = {lines_top, f, lines_gen, {lc, -1, 0}, 0, probes};
        Py_tracefunc mine = probes ? NULL : lines_trace;
        ts->c_tracefunc = mine;
        cf->use_tracing = probes ? (ts->c_profilefunc ? 255 : 0) : 255;
        lines_top = &act;
        res = fast_eval(ts, f, throwflag);
        lines_top = act.prev;
        if (probes)
            lines_leave(&act, clock_now_ns());
        if (ts->c_tracefunc == mine) {
            ts->c_tracefunc = cur;
            cf->use_tracing = saved;
        }
    } else if (cur == lines_trace) {
        ts->c_tracefunc = NULL;
        cf->use_tracing = ts->c_profilefunc ? 255 : 0;
        res = fast_eval(ts, f, throwflag);
        if (!ts->c_tracefunc) {
            ts->c_tracefunc = lines_trace;
            cf->use_tracing = saved;
        }
    } else {
        res = fast_eval(ts, f, throwflag);
    }
    return res;
}

static PyObject *eval_body(PyThreadState *ts, struct _PyInterpreterFrame *f,
                           int throwflag)
{
    if (unlikely(lines_n_enabled))
        return lines_eval(ts, f, throwflag);
    return fast_eval(ts, f, throwflag);
}

static PyObject *lento_eval(PyThreadState *ts, struct _PyInterpreterFrame *f,
                            int throwflag);

/* A frame that starts too near the end of its thread's C stack
 * (cstack.h): it runs on a new segment.  If none can be mapped, the hook
 * is taken out while it runs, so the frames it calls run inline in its
 * evaluation loop, as without lento, and are not recorded (every thread's
 * are not, for that time): a gap in the profile, counted for its note,
 * rather than a crash. */
Py_NO_INLINE static PyObject *deep_eval(PyThreadState *ts,
                                        struct _PyInterpreterFrame *f,
                                        int throwflag)
{
    PyObject *res;
    if (cstack_run(eval_body, ts, f, throwflag, &res) == 0)
        return res;
    PyInterpreterState *interp = ts->interp;
    int mine = _PyInterpreterState_GetEvalFrameFunc(interp) == lento_eval;
    if (mine)
        _PyInterpreterState_SetEvalFrameFunc(interp, fast_next);
    res = eval_body(ts, f, throwflag);
    /* unless lento stopped, or another tool installed its hook, meanwhile */
    if (mine && hook_on &&
        _PyInterpreterState_GetEvalFrameFunc(interp) == fast_next)
        _PyInterpreterState_SetEvalFrameFunc(interp, lento_eval);
    return res;
}

static PyObject *lento_eval(PyThreadState *ts, struct _PyInterpreterFrame *f,
                            int throwflag)
{
    if (unlikely(cstack_low()))
        return deep_eval(ts, f, throwflag);
    return eval_body(ts, f, throwflag);
}

int frames_hook_update(void)
{
    PyInterpreterState *interp = PyInterpreterState_Get();
    int want = current_owner != NULL || lines_n_enabled > 0;
    _PyFrameEvalFunction cur = _PyInterpreterState_GetEvalFrameFunc(interp);
    if (want && !hook_on) {
        if (cur != lento_eval)
            fast_next = cur;
        _PyInterpreterState_SetEvalFrameFunc(interp, lento_eval);
        hook_on = 1;
    } else if (!want && hook_on) {
        /* Another tool that installed its own hook after us may still
         * call ours: fast_next stays valid. */
        if (cur == lento_eval)
            _PyInterpreterState_SetEvalFrameFunc(interp, fast_next);
        hook_on = 0;
    }
    return 0;
}

void frames_auto_switch_now(void)
{
    if (!current_owner || !lines_auto_at)
        return;
    lines_auto_switch(current_owner, current_recorder(), clock_now_ns());
}
