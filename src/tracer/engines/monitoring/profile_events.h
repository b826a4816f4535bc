/* profile_events.h: the function profile on sys.monitoring's events,
 * inline in the callbacks (monitor.c).
 *
 * The events are cProfile's own on 3.12+ (Modules/_lsprof.c), so that the
 * counts and, under a deterministic timer, the times are the same: a
 * Python frame starts at PY_START, PY_RESUME and PY_THROW and ends at
 * PY_RETURN, PY_YIELD and PY_UNWIND; with builtins, a C function starts at
 * CALL and ends at C_RETURN or C_RAISE.  Unlike cProfile, a method
 * descriptor called with its self (list.append as called by
 * `lst.append(x)`) is not bound to a new method object at each call: its
 * PyMethodDef is the key, as the bound method's would be.
 *
 * Each thread records into its own recorder of current.h's owner. */
#ifndef LENTO_PROFILE_EVENTS_H
#define LENTO_PROFILE_EVENTS_H

#include "../../current.h"
#include "../../lines.h"
#include "monitor.h"

static inline void profile_start(PyCodeObject *code)
{
    recorder *r = current_recorder();
    if (!r)
        return;
    uint32_t depth = r->depth;
    recorder_enter(r, code, (PyObject *)code);
    if (unlikely(lines_auto_at) && r->depth == depth + 1 &&
        r->stack[depth].t0 >= lines_auto_at)
        lines_auto_switch(current_owner, r, r->stack[depth].t0);
}

static inline void profile_return(void)
{
    recorder *r = current_recorder();
    if (r)
        recorder_leave(r);
}

/* The key of a C function called as callable(arg0, ...), or NULL if it is
 * not one (a Python function, a class, a bound method of a Python
 * function...): a C function is keyed by its PyMethodDef, as cProfile
 * keys it.  A method descriptor counts only with a self of its type (the
 * call would fail otherwise); arg0 is sys.monitoring.MISSING for a call
 * without arguments. */
static inline const void *profile_cfunc_key(PyObject *callable, PyObject *arg0)
{
    PyTypeObject *t = Py_TYPE(callable);
    if (t == &PyCFunction_Type || t == &PyCMethod_Type)
        return ((PyCFunctionObject *)callable)->m_ml;
    if (t == &PyMethodDescr_Type)
        return arg0 != monitor_missing &&
                       PyObject_TypeCheck(arg0, PyDescr_TYPE(callable))
                   ? ((PyMethodDescrObject *)callable)->d_method
                   : NULL;
    /* most calls, answered without walking a type's bases */
    if (t == &PyFunction_Type || t == &PyMethod_Type || t == &PyType_Type)
        return NULL;
    if (PyCFunction_Check(callable))
        return ((PyCFunctionObject *)callable)->m_ml;
    return NULL;
}

static inline void profile_call(PyObject *callable, PyObject *arg0)
{
    recorder *r = current_recorder();
    if (!r)
        return;
    const void *key = profile_cfunc_key(callable, arg0);
    if (key)
        recorder_enter_self(r, key, callable, arg0);
}

static inline void profile_c_return(PyObject *callable, PyObject *arg0)
{
    recorder *r = current_recorder();
    if (r && profile_cfunc_key(callable, arg0))
        recorder_leave(r);
}

#endif
