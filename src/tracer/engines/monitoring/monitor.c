/* monitor.c: lento's sys.monitoring tool (see monitor.h).
 *
 * Setting up goes through sys.monitoring's Python functions (use_tool_id,
 * register_callback, set_events, set_local_events): it happens at enable,
 * disable and selection, never per event. */
#include "monitor.h"

#include "../../current.h"
#include "../../lines.h"
#include "lines_events.h"
#include "profile_events.h"

int monitor_line_events;
static int frame_events, ccall_events, lines_global_events;
int monitor_tool = -1;
PyObject *monitor_missing;

static int event_bit[MON_N_EVENTS];
static PyObject *monitoring;          /* sys.monitoring, strong */
static PyObject *callbacks[MON_N_EVENTS]; /* strong */

/* ---- the callbacks: the hot path ------------------------------------ */

/* PY_START, PY_RESUME (code, offset); PY_THROW (code, offset, exc): a
 * frame starts running. */
static PyObject *on_start(PyObject *self, PyObject *const *args,
                          size_t nargs, PyObject *kw)
{
    (void)self;
    (void)nargs;
    (void)kw;
    PyCodeObject *code = (PyCodeObject *)args[0];
    profile_start(code);
    if (__builtin_expect(lines_n_enabled != 0, 0))
        lines_start(code);
    Py_RETURN_NONE;
}

/* PY_RETURN, PY_YIELD (code, offset, value); PY_UNWIND (code, offset,
 * exc): a frame stops running. */
static PyObject *on_return(PyObject *self, PyObject *const *args,
                           size_t nargs, PyObject *kw)
{
    (void)self;
    (void)args;
    (void)nargs;
    (void)kw;
    if (__builtin_expect(lines_n_enabled != 0, 0))
        lines_return();
    profile_return();
    Py_RETURN_NONE;
}

/* CALL (code, offset, callable, arg0): a call from Python code. */
static PyObject *on_call(PyObject *self, PyObject *const *args,
                         size_t nargs, PyObject *kw)
{
    (void)self;
    (void)nargs;
    (void)kw;
    profile_call(args[2], args[3]);
    Py_RETURN_NONE;
}

/* C_RETURN, C_RAISE (code, offset, callable, arg0): a call of anything but
 * a Python function ends. */
static PyObject *on_c_return(PyObject *self, PyObject *const *args,
                             size_t nargs, PyObject *kw)
{
    (void)self;
    (void)nargs;
    (void)kw;
    profile_c_return(args[2], args[3]);
    Py_RETURN_NONE;
}

/* LINE (code, line). */
static PyObject *on_line(PyObject *self, PyObject *const *args,
                         size_t nargs, PyObject *kw)
{
    (void)self;
    (void)nargs;
    (void)kw;
    long line = PyLong_AsLong(args[1]);
    if (__builtin_expect(line < 0, 0)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    lines_line((PyCodeObject *)args[0], (int)line);
    Py_RETURN_NONE;
}

/* RAISE, RERAISE (code, offset, exc): an exception is raised in the
 * frame. */
static PyObject *on_raise(PyObject *self, PyObject *const *args,
                          size_t nargs, PyObject *kw)
{
    (void)self;
    (void)args;
    (void)nargs;
    (void)kw;
    lines_raise();
    Py_RETURN_NONE;
}

/* The callbacks are objects of a small type whose vectorcall is the
 * function itself: the interpreter calls it directly, without the
 * argument and recursion checks a builtin function goes through. */
typedef struct {
    PyObject_HEAD
    vectorcallfunc call;
} callback;

static PyMemberDef callback_members[] = {
    {"__vectorcalloffset__", Py_T_PYSSIZET, offsetof(callback, call),
     Py_READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot callback_slots[] = {
    {Py_tp_call, PyVectorcall_Call},
    {Py_tp_members, callback_members},
    {Py_tp_doc, "A sys.monitoring callback of lento's."},
    {0, NULL},
};

static PyType_Spec callback_spec = {
    .name = "lento._lento.MonitorCallback",
    .basicsize = sizeof(callback),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL |
             Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = callback_slots,
};

static const vectorcallfunc callback_fns[] = {
    on_start, on_return, on_call, on_c_return, on_line, on_raise,
};

/* A new callback object calling fn, or NULL with an exception set. */
static PyObject *callback_new(PyTypeObject *type, vectorcallfunc fn)
{
    callback *c = PyObject_New(callback, type);
    if (c)
        c->call = fn;
    return (PyObject *)c;
}

/* ---- setting up ------------------------------------------------------ */

static const struct {
    const char *name;
    int fn; /* index in callback_fns */
} event_table[MON_N_EVENTS] = {
    [MON_PY_START] = {"PY_START", 0},   [MON_PY_RESUME] = {"PY_RESUME", 0},
    [MON_PY_THROW] = {"PY_THROW", 0},   [MON_PY_RETURN] = {"PY_RETURN", 1},
    [MON_PY_YIELD] = {"PY_YIELD", 1},   [MON_PY_UNWIND] = {"PY_UNWIND", 1},
    [MON_CALL] = {"CALL", 2},           [MON_C_RETURN] = {"C_RETURN", 3},
    [MON_C_RAISE] = {"C_RAISE", 3},     [MON_LINE] = {"LINE", 4},
    [MON_RAISE] = {"RAISE", 5},         [MON_RERAISE] = {"RERAISE", 5},
};

int monitor_init(void)
{
    if (monitoring)
        return 0;
    PyObject *sys = PyImport_ImportModule("sys");
    PyObject *mon = sys ? PyObject_GetAttrString(sys, "monitoring") : NULL;
    PyObject *events = mon ? PyObject_GetAttrString(mon, "events") : NULL;
    Py_XDECREF(sys);
    if (!events)
        goto fail;
    PyObject *fns[sizeof callback_fns / sizeof *callback_fns] = {NULL};
    PyTypeObject *type = (PyTypeObject *)PyType_FromSpec(&callback_spec);
    if (!type)
        goto fail;
    for (size_t i = 0; i < sizeof callback_fns / sizeof *callback_fns; i++)
        if (!(fns[i] = callback_new(type, callback_fns[i]))) {
            Py_DECREF(type);
            goto fail_fns;
        }
    Py_DECREF(type); /* the callbacks keep it */
    for (int e = 0; e < MON_N_EVENTS; e++) {
        PyObject *v = PyObject_GetAttrString(events, event_table[e].name);
        long bit = v ? PyLong_AsLong(v) : -1;
        Py_XDECREF(v);
        if (bit <= 0 || bit > (1L << 30)) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_RuntimeError, "lento: sys.monitoring has "
                             "no event %s", event_table[e].name);
            goto fail_fns;
        }
        event_bit[e] = (int)bit;
        callbacks[e] = Py_NewRef(fns[event_table[e].fn]);
    }
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        Py_DECREF(fns[i]);
    Py_CLEAR(events);
    frame_events = event_bit[MON_PY_START] | event_bit[MON_PY_RESUME] |
                   event_bit[MON_PY_THROW] | event_bit[MON_PY_RETURN] |
                   event_bit[MON_PY_YIELD] | event_bit[MON_PY_UNWIND];
    ccall_events = event_bit[MON_CALL] | event_bit[MON_C_RETURN] |
                   event_bit[MON_C_RAISE];
    monitor_line_events = event_bit[MON_PY_START] | event_bit[MON_PY_RESUME] |
                          event_bit[MON_PY_RETURN] | event_bit[MON_PY_YIELD] |
                          event_bit[MON_LINE];
    lines_global_events = event_bit[MON_PY_THROW] | event_bit[MON_PY_UNWIND] |
                          event_bit[MON_RAISE] | event_bit[MON_RERAISE];
    monitor_missing = PyObject_GetAttrString(mon, "MISSING");
    if (!monitor_missing)
        goto fail;
    monitoring = mon;
    return 0;
fail_fns:
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        Py_XDECREF(fns[i]);
    for (int e = 0; e < MON_N_EVENTS; e++)
        Py_CLEAR(callbacks[e]);
fail:
    for (int e = 0; e < MON_N_EVENTS; e++)
        Py_CLEAR(callbacks[e]);
    Py_XDECREF(events);
    Py_XDECREF(mon);
    return -1;
}

/* Registers cb (a callable or None) for every event of the tool. */
static int register_all(int tool, int clear)
{
    for (int e = 0; e < MON_N_EVENTS; e++) {
        PyObject *r = PyObject_CallMethod(monitoring, "register_callback",
                                          "iiO", tool, event_bit[e],
                                          clear ? Py_None : callbacks[e]);
        if (!r)
            return -1;
        Py_DECREF(r);
    }
    return 0;
}

/* "0 (pdb), 1 (coverage), ...": who holds the ids lento could take. */
static PyObject *holders(const int *ids, int n)
{
    PyObject *parts = PyList_New(0), *res = NULL;
    if (!parts)
        return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *name = PyObject_CallMethod(monitoring, "get_tool", "i",
                                             ids[i]);
        PyObject *s = name ? PyUnicode_FromFormat("%d (%S)", ids[i], name)
                           : NULL;
        Py_XDECREF(name);
        if (!s || PyList_Append(parts, s) < 0) {
            Py_XDECREF(s);
            goto done;
        }
        Py_DECREF(s);
    }
    PyObject *sep = PyUnicode_FromString(", ");
    if (sep) {
        res = PyUnicode_Join(sep, parts);
        Py_DECREF(sep);
    }
done:
    Py_DECREF(parts);
    return res;
}

int monitor_acquire(void)
{
    static const int ids[] = {4, 3, 5};
    if (monitor_tool >= 0)
        return 0;
    if (monitor_init() < 0)
        return -1;
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        PyObject *r = PyObject_CallMethod(monitoring, "use_tool_id", "is",
                                          ids[i], "lento");
        if (!r) {
            if (!PyErr_ExceptionMatches(PyExc_ValueError))
                return -1;
            PyErr_Clear(); /* held by another tool */
            continue;
        }
        Py_DECREF(r);
        if (register_all(ids[i], 0) < 0) {
            PyObject *et, *ev, *etb;
            PyErr_Fetch(&et, &ev, &etb);
            register_all(ids[i], 1);
            PyObject *f = PyObject_CallMethod(monitoring, "free_tool_id", "i",
                                              ids[i]);
            Py_XDECREF(f);
            PyErr_Restore(et, ev, etb);
            return -1;
        }
        monitor_tool = ids[i];
        return 0;
    }
    PyObject *who = holders(ids, sizeof ids / sizeof *ids);
    if (who) {
        PyErr_Format(PyExc_RuntimeError,
                     "the sys.monitoring tool ids lento can use are all "
                     "held by other tools: %U", who);
        Py_DECREF(who);
    }
    return -1;
}

void monitor_release_if_idle(void)
{
    if (monitor_tool < 0 || current_owner || lines_n_enabled)
        return;
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    PyObject *r = PyObject_CallMethod(monitoring, "set_events", "ii",
                                      monitor_tool, 0);
    Py_XDECREF(r);
    register_all(monitor_tool, 1);
    r = PyObject_CallMethod(monitoring, "free_tool_id", "i", monitor_tool);
    Py_XDECREF(r);
    PyErr_Clear();
    monitor_tool = -1;
    PyErr_Restore(et, ev, etb);
}

int monitor_update_global(void)
{
    if (monitor_tool < 0)
        return 0;
    int events = 0;
    if (current_owner)
        events |= frame_events | (current_owner->tr.builtins ? ccall_events
                                                           : 0);
    if (lines_n_enabled)
        events |= lines_global_events;
    PyObject *r = PyObject_CallMethod(monitoring, "set_events", "ii",
                                      monitor_tool, events);
    if (!r)
        return -1;
    Py_DECREF(r);
    return 0;
}

int monitor_set_local(PyCodeObject *code, int events)
{
    if (monitor_tool < 0)
        return 0;
    PyObject *r = PyObject_CallMethod(monitoring, "set_local_events", "iOi",
                                      monitor_tool, (PyObject *)code, events);
    if (!r)
        return -1;
    Py_DECREF(r);
    return 0;
}
