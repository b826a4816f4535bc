/* profile_hook.c: the 3.11 engine's function profile (engine.h): the
 * default mode's profile hook in every thread, the fast mode through the
 * frame-evaluation hook (frames.h). */
#include <Python.h>
#include <pythread.h>

#include "../../current.h"
#include "../../engine.h"
#include "../../notes.h"
#include "../../recorder_hot.h"
#include "cstack.h"
#include "frames.h"
#include "lines_hot.h"
#include "profile_hook.h"
#include "twin.h"

int recorder_callback(PyObject *obj, PyFrameObject *frame, int what,
                      PyObject *arg)
{
    recorder *r = (recorder *)obj;
    switch (what) {
    case PyTrace_CALL: {
        /* the frame keeps its code alive, so a borrowed pointer is safe */
        PyCodeObject *code = PyFrame_GetCode(frame);
        Py_DECREF(code);
        code = lines_original(code);
        recorder_enter(r, code, (PyObject *)code);
        break;
    }
    case PyTrace_RETURN:
        recorder_leave(r);
        break;
    case PyTrace_C_CALL:
        if (r->tr->builtins && PyCFunction_Check(arg))
            recorder_enter(r, ((PyCFunctionObject *)arg)->m_ml, arg);
        break;
    case PyTrace_C_RETURN:
    case PyTrace_C_EXCEPTION:
        if (r->tr->builtins && PyCFunction_Check(arg))
            recorder_leave(r);
        break;
    default:
        break;
    }
    return 0;
}

static int is_ours(profiler *p, PyThreadState *ts)
{
    return ts->c_profilefunc == recorder_callback && ts->c_profileobj &&
           ((recorder *)ts->c_profileobj)->tr == &p->tr;
}

/* threading.setprofile() calls this as a Python-level profile function in
 * each new thread; at its first event it puts the C hook in its place, so
 * the thread pays the C hook's cost, not a Python call per event. */
static PyObject *thread_hook(PyObject *self, PyObject *const *args,
                             Py_ssize_t nargs)
{
    profiler *p = (profiler *)self;
    if (nargs != 3 || !PyFrame_Check(args[0]))
        Py_RETURN_NONE;
    recorder *r = profiler_recorder_for(p);
    if (!r) {
        PyErr_Clear();
        p->tr.nomem = 1;
        PyEval_SetProfile(NULL, NULL);
        Py_RETURN_NONE;
    }
    PyEval_SetProfile(recorder_callback, (PyObject *)r);
    if (PyUnicode_Check(args[1]) &&
        _PyUnicode_EqualToASCIIString(args[1], "call"))
        recorder_callback((PyObject *)r, (PyFrameObject *)args[0],
                          PyTrace_CALL, Py_None);
    Py_RETURN_NONE;
}

static PyMethodDef thread_hook_def = {"_lento_thread_hook",
                                      (PyCFunction)(void (*)(void))thread_hook,
                                      METH_FASTCALL, NULL};

static int set_threading_hook(PyObject *hook, PyObject **saved)
{
    PyObject *threading = PyImport_ImportModule("threading");
    if (!threading)
        return -1;
    int rc = -1;
    if (saved) {
        *saved = PyObject_CallMethod(threading, "getprofile", NULL);
        if (!*saved)
            goto done;
    }
    PyObject *r = PyObject_CallMethod(threading, "setprofile", "O", hook);
    if (!r)
        goto done;
    Py_DECREF(r);
    rc = 0;
done:
    Py_DECREF(threading);
    return rc;
}

/* The default mode: the profile hook in this thread, and (once, if p
 * follows threads) in the threads already running and, through
 * threading.setprofile, in those started later. */
static int start_hooks(profiler *p, recorder *mine)
{
    PyThreadState *ts = PyThreadState_Get();
    /* other threads first: the calls that set them up are not the
     * program's, so the calling thread is hooked last */
    if (p->tr.threads && !p->enabled) {
        engine_profiler *e = &p->eng;
        if (!e->thread_hook) {
            e->thread_hook = PyCFunction_New(&thread_hook_def, (PyObject *)p);
            if (!e->thread_hook)
                goto fail;
        }
        if (set_threading_hook(e->thread_hook, &e->saved_hook) < 0)
            goto fail;
        /* threads already running are followed from their next call */
        for (PyThreadState *o = PyInterpreterState_ThreadHead(ts->interp); o;
             o = PyThreadState_Next(o)) {
            if (o == ts || o->c_profilefunc)
                continue;
            recorder *orec = profiler_recorder_of(p, o);
            if (!orec || _PyEval_SetProfile(o, recorder_callback,
                                            (PyObject *)orec) < 0)
                goto fail;
        }
    }
    if (_PyEval_SetProfile(ts, recorder_callback, (PyObject *)mine) < 0)
        goto fail;
    return 0;
fail:
    _PyEval_SetProfile(ts, NULL, NULL);
    return -1;
}

int engine_profile_start(profiler *p, recorder *mine)
{
    p->eng.detached = 0;
    if (p->tr.builtins)
        return start_hooks(p, mine);
    /* nothing to see in C functions: time frames, not events */
    if (current_start(p, mine) < 0)
        return -1;
    return frames_hook_update();
}

/* Counts (notes.h) the threads p hooked in the default mode whose hook
 * is gone while the thread still runs: the program set its own profile
 * function there, which ended lento's recording of that thread. */
static void count_hooks_taken(profiler *p, PyThreadState *ts)
{
    if (!p->enabled || p->fast)
        return;
    Py_ssize_t n = PyList_GET_SIZE(p->tr.recorders);
    for (Py_ssize_t i = 0; i < n; i++) {
        recorder *r = (recorder *)PyList_GET_ITEM(p->tr.recorders, i);
        for (PyThreadState *o = PyInterpreterState_ThreadHead(ts->interp);
             o; o = PyThreadState_Next(o))
            if ((uint64_t)o->thread_id == r->ident &&
                PyThreadState_GetID(o) == r->tsid && !is_ours(p, o) &&
                !(p->eng.detached && p->eng.detached_tsid == r->tsid))
                notes_now.hooks_taken++;
    }
}

void engine_profile_stop(profiler *p)
{
    PyThreadState *ts = PyThreadState_Get();
    count_hooks_taken(p, ts);
    if (current_owner == p) {
        current_stop(p);
        frames_hook_update();
    }
    if (is_ours(p, ts) && _PyEval_SetProfile(ts, NULL, NULL) < 0)
        PyErr_WriteUnraisable((PyObject *)p);
    if (!p->tr.threads)
        return;
    for (PyThreadState *o = PyInterpreterState_ThreadHead(ts->interp); o;
         o = PyThreadState_Next(o))
        if (is_ours(p, o))
            _PyEval_SetProfile(o, NULL, NULL);
    if (p->enabled && p->eng.saved_hook) {
        PyObject *et, *ev, *etb;
        PyErr_Fetch(&et, &ev, &etb);
        if (set_threading_hook(p->eng.saved_hook, NULL) < 0)
            PyErr_WriteUnraisable((PyObject *)p);
        PyErr_Restore(et, ev, etb);
        Py_CLEAR(p->eng.saved_hook);
    }
}

void engine_profile_detach_thread(profiler *p)
{
    PyThreadState *ts = PyThreadState_Get();
    if (p->enabled && !p->fast && !is_ours(p, ts))
        notes_now.hooks_taken++;
    p->eng.detached = 1;
    p->eng.detached_tsid = PyThreadState_GetID(ts);
    if (is_ours(p, ts))
        _PyEval_SetProfile(ts, NULL, NULL);
    if (current_owner == p)
        current_detach_thread();
}

/* For tests: _cstack_budget(n) lets at most n more C stack segments be
 * mapped (-1: no limit), so the path taken without memory can be run. */
static PyObject *cstack_py_budget(PyObject *module, PyObject *arg)
{
    (void)module;
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    cstack_set_budget(n);
    Py_RETURN_NONE;
}

static PyMethodDef engine_methods[] = {
    {"_cstack_budget", cstack_py_budget, METH_O,
     "_cstack_budget(n)\n--\n\nFor tests: at most n more C stack segments "
     "for deep recursion (-1: no limit)."},
    {"_line_twin", twin_py_build, METH_O,
     "_line_twin(code)\n--\n\nFor tests: a twin of code with line probes, "
     "or None if lento cannot make one."},
    {"_line_probes", twin_py_switch, METH_O,
     "_line_probes(on)\n--\n\nFor tests: whether frames of selected code "
     "run on twins with probes (True) or on the tracing path; returns the "
     "previous setting."},
    {NULL, NULL, 0, NULL},
};

int engine_init(PyObject *module)
{
    if (PyModule_AddStringConstant(module, "_engine", "py311") < 0 ||
        PyModule_AddFunctions(module, engine_methods) < 0)
        return -1;
    return twin_init();
}
