/* recorder.c: the profile hook and per-thread calling-context trees. */
#include "recorder.h"
#include "recorder_hot.h"
#include "names.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>


/* An integer number of ticks (cProfile: _PyTime_FromNanosecondsObject).
 * 0, or -1 with an exception set. */
static int timer_ticks(PyObject *o, int64_t *t)
{
    if (!PyLong_Check(o)) {
        PyErr_Format(PyExc_TypeError, "expected int from the timer, got %s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred())
        return -1;
    *t = v;
    return 0;
}

/* Seconds, an int or a float, as nanoseconds rounded down, computed as
 * cProfile computes them (_PyTime_FromSecondsObject with
 * _PyTime_ROUND_FLOOR: d * 1e9, floored) so that the figures are equal
 * bit for bit.  0, or -1 with an exception set. */
static int timer_seconds_ns(PyObject *o, int64_t *t)
{
    if (PyFloat_Check(o)) {
        double d = PyFloat_AsDouble(o);
        if (isnan(d)) {
            PyErr_SetString(PyExc_ValueError, "the timer returned NaN");
            return -1;
        }
        d = floor(d * 1e9);
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
            PyErr_SetString(PyExc_OverflowError,
                            "the timer's value is out of range");
            return -1;
        }
        *t = (int64_t)d;
        return 0;
    }
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v > INT64_MAX / 1000000000 || v < INT64_MIN / 1000000000) {
        PyErr_SetString(PyExc_OverflowError,
                        "the timer's value is out of range");
        return -1;
    }
    *t = (int64_t)v * 1000000000;
    return 0;
}

/* A custom timer, read as cProfile reads it (Modules/_lsprof.c
 * CallExternalTimer): an integer of ticks when timeunit > 0, else seconds
 * (int or float) floored to nanoseconds.  Errors are reported as
 * unraisable and read as 0, since a hook must not raise.  The recorder is
 * busy meanwhile, so the timer's own frames are not recorded (fast mode
 * would otherwise see them, and re-enter). */
int64_t recorder_external_now(recorder *r)
{
    tracer *tr = r->tr;
    /* fast mode reads the clock with the frame's exception in flight (a
     * throw() coming in, an error going out); keep it untouched */
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    r->busy++;
    PyObject *o = PyObject_CallNoArgs(tr->timer);
    r->busy--;
    int64_t t = 0;
    if (!o) {
        PyErr_WriteUnraisable(tr->timer);
    } else {
        int err = tr->timeunit > 0.0 ? timer_ticks(o, &t)
                                     : timer_seconds_ns(o, &t);
        Py_DECREF(o);
        if (err < 0) {
            PyErr_WriteUnraisable(tr->timer);
            t = 0;
        }
    }
    PyErr_Restore(et, ev, etb);
    return t;
}

void recorder_die(recorder *r)
{
    r->dead = 1;
    if (r->tr)
        r->tr->nomem = 1;
}

static int slots_grow(recorder *r)
{
    uint32_t ncap = r->slots ? (r->mask + 1) * 2 : 1024;
    rec_slot *s = calloc(ncap, sizeof *s);
    if (!s)
        return -ENOMEM;
    for (uint32_t i = 0; r->slots && i <= r->mask; i++) {
        rec_slot *o = &r->slots[i];
        if (!o->key)
            continue;
        uint32_t h = slot_hash(o->key, o->parent) & (ncap - 1);
        while (s[h].key)
            h = (h + 1) & (ncap - 1);
        s[h] = *o;
    }
    free(r->slots);
    r->slots = s;
    r->mask = ncap - 1;
    return 0;
}

static int add_node(recorder *r, uint32_t parent, uint32_t func)
{
    if (r->n_nodes == r->cap_nodes) {
        if (r->cap_nodes >= 0x40000000u)
            return -ENOMEM;
        uint32_t ncap = r->cap_nodes ? r->cap_nodes * 2 : 1024;
        cct_node *n = realloc(r->nodes, (size_t)ncap * sizeof *n);
        if (!n)
            return -ENOMEM;
        r->nodes = n;
        r->cap_nodes = ncap;
    }
    r->nodes[r->n_nodes] = (cct_node){parent, func, 0, 0, 0};
    return (int)r->n_nodes++;
}

/* First time this path is seen: register the function, add its node.
 * Returns the node, or -1 when out of memory.  Allocating may run a
 * garbage collection and so finalizers: the recorder is busy meanwhile. */
int64_t recorder_new_path(recorder *r, const void *key, PyObject *obj,
                          PyObject *self, uint32_t parent)
{
    tracer *tr = r->tr;
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    r->busy++;
    int64_t fid = PyCode_Check(obj)
                      ? registry_code(&tr->reg, (PyCodeObject *)obj)
                  : PyCFunction_Check(obj)
                      ? registry_cfunc(&tr->reg, (PyCFunctionObject *)obj)
                      : registry_cmethod(&tr->reg, obj, self);
    r->busy--;
    if (fid < 0)
        PyErr_Clear();
    PyErr_Restore(et, ev, etb);
    if (fid < 0)
        return -1;
    if ((uint64_t)(r->used + 1) * 2 > (uint64_t)r->mask + 1 &&
        slots_grow(r) < 0)
        return -1;
    int node = add_node(r, parent, (uint32_t)fid);
    if (node < 0)
        return -1;
    uint32_t h = slot_hash(key, parent) & r->mask;
    while (r->slots[h].key)
        h = (h + 1) & r->mask;
    r->slots[h] = (rec_slot){key, parent, (uint32_t)node};
    r->used++;
    return node;
}

int recorder_stack_grow(recorder *r)
{
    uint32_t ncap = r->cap_stack ? r->cap_stack * 2 : 256;
    rec_frame *s = realloc(r->stack, (size_t)ncap * sizeof *s);
    if (!s)
        return -ENOMEM;
    r->stack = s;
    r->cap_stack = ncap;
    return 0;
}

void recorder_enter_cfunc(recorder *r, PyObject *cfunc)
{
    if (PyCFunction_Check(cfunc))
        recorder_enter(r, ((PyCFunctionObject *)cfunc)->m_ml, cfunc);
}

PyObject *recorder_thread_name(uint64_t ident)
{
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    PyObject *name = NULL, *key = PyUnicode_FromString("threading");
    PyObject *threading = key ? PyImport_GetModule(key) : NULL;
    PyObject *active = threading ? PyObject_GetAttrString(threading,
                                                          "_active")
                                 : NULL;
    PyObject *id = PyLong_FromUnsignedLongLong(ident);
    PyObject *th = active && id && PyDict_Check(active)
                       ? PyDict_GetItemWithError(active, id)
                       : NULL;
    if (th) {
        name = PyObject_GetAttrString(th, "_name");
        if (name && !PyUnicode_Check(name))
            Py_CLEAR(name);
    }
    Py_XDECREF(id);
    Py_XDECREF(active);
    Py_XDECREF(threading);
    Py_XDECREF(key);
    PyErr_Clear();
    PyErr_Restore(et, ev, etb);
    return name;
}

void recorder_name_retry(recorder *r)
{
    r->name_tries--;
    r->busy++;
    PyObject *name = recorder_thread_name(r->ident);
    r->busy--;
    if (name) {
        Py_XSETREF(r->name, name);
        r->name_tries = 0;
    }
}

void recorder_flush(recorder *r)
{
    while (r->depth && !r->dead)
        recorder_leave(r);
    r->depth = 0;
}

int recorder_export(const recorder *r, profile *p)
{
    const char *name = "";
    PyObject *b = NULL;
    if (r->name) {
        b = names_utf8(r->name);
        if (b)
            name = PyBytes_AS_STRING(b);
    }
    profile_thread *t = profile_add_thread(p, r->ident, name);
    Py_XDECREF(b);
    if (!t)
        return -ENOMEM;
    if (r->n_nodes > t->cap_nodes) {
        cct_node *n = realloc(t->nodes, (size_t)r->n_nodes * sizeof *n);
        if (!n)
            return -ENOMEM;
        t->nodes = n;
        t->cap_nodes = r->n_nodes;
    }
    memcpy(t->nodes, r->nodes, (size_t)r->n_nodes * sizeof *t->nodes);
    t->n_nodes = r->n_nodes;
    return 0;
}

/* ---- the Python type ---- */

static int recorder_traverse(recorder *r, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(r));
    Py_VISIT(r->owner);
    Py_VISIT(r->name);
    return 0;
}

static int recorder_clear(recorder *r)
{
    Py_CLEAR(r->owner);
    Py_CLEAR(r->name);
    return 0;
}

static void recorder_dealloc(recorder *r)
{
    PyTypeObject *tp = Py_TYPE(r);
    PyObject_GC_UnTrack(r);
    recorder_clear(r);
    free(r->nodes);
    free(r->slots);
    free(r->stack);
    tp->tp_free((PyObject *)r);
    Py_DECREF(tp);
}

static PyType_Slot recorder_slots[] = {
    {Py_tp_doc, "One thread's calls, recorded for a lento Profile."},
    {Py_tp_dealloc, recorder_dealloc},
    {Py_tp_traverse, recorder_traverse},
    {Py_tp_clear, recorder_clear},
    {0, NULL},
};

static PyType_Spec recorder_spec = {
    .name = "lento._lento.Recorder",
    .basicsize = sizeof(recorder),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
             Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = recorder_slots,
};

PyObject *recorder_type_new(PyObject *module)
{
    return PyType_FromModuleAndSpec(module, &recorder_spec, NULL);
}

recorder *recorder_new(PyTypeObject *type, tracer *tr, PyObject *owner,
                       uint64_t ident, uint64_t tsid, PyObject *name)
{
    recorder *r = PyObject_GC_New(recorder, type);
    if (!r)
        return NULL;
    r->tr = tr;
    r->owner = Py_NewRef(owner);
    r->ident = ident;
    r->tsid = tsid;
    r->name = Py_XNewRef(name);
    r->nodes = NULL;
    r->n_nodes = r->cap_nodes = 0;
    r->slots = NULL;
    r->mask = r->used = 0;
    r->stack = NULL;
    r->depth = r->cap_stack = 0;
    r->dead = 0;
    r->busy = 0;
    r->name_tries = 0;
    if (add_node(r, 0, PROFILE_NO_FUNC) < 0 || slots_grow(r) < 0 ||
        recorder_stack_grow(r) < 0) {
        PyObject_GC_Track(r);
        Py_DECREF(r);
        PyErr_NoMemory();
        return NULL;
    }
    PyObject_GC_Track(r);
    return r;
}
