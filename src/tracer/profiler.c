/* profiler.c: lento.Profile, the Python face of the tracer.
 *
 * Its methods follow cProfile.Profile's (Lib/cProfile.py and
 * Modules/_lsprof.c) so that code written for cProfile keeps working, and
 * so that the figures are the same: the same events counted, the timer read
 * at the same moments. */
#include "profiler.h"

#include <errno.h>
#include <pythread.h>
#include <structmember.h>

#include "../core/flat.h"
#include "../core/outfile.h"
#include "../core/paths.h"
#include "../core/pstats.h"
#include "clock.h"
#include "engine.h"
#include "module.h"
#include "recorder_hot.h"
#include "runapi.h"

double tracer_tick(const tracer *t)
{
    if (!t->timer || t->timeunit == 0.0)
        return CLOCK_TICK_SECONDS;
    return t->timeunit;
}

static recorder *find(profiler *p, uint64_t ident, uint64_t tsid)
{
    Py_ssize_t n = PyList_GET_SIZE(p->tr.recorders);
    for (Py_ssize_t i = 0; i < n; i++) {
        recorder *r = (recorder *)PyList_GET_ITEM(p->tr.recorders, i);
        if (r->ident == ident && r->tsid == tsid)
            return r;
    }
    return NULL;
}

recorder *profiler_find_recorder(profiler *p)
{
    return find(p, PyThread_get_thread_ident(),
                PyThreadState_GetID(PyThreadState_Get()));
}

/* The recorder of thread (ident, tsid), made on first use; borrowed
 * reference. */
static recorder *recorder_for(profiler *p, uint64_t ident, uint64_t tsid,
                              PyObject *name)
{
    recorder *r = find(p, ident, tsid);
    if (r)
        return r;
    r = recorder_new(p->recorder_type, &p->tr, (PyObject *)p, ident, tsid,
                     name);
    if (!r)
        return NULL;
    int rc = PyList_Append(p->tr.recorders, (PyObject *)r);
    Py_DECREF(r);
    return rc < 0 ? NULL : r;
}

recorder *profiler_recorder_for(profiler *p)
{
    recorder *r = profiler_find_recorder(p);
    if (r)
        return r;
    uint64_t ident = PyThread_get_thread_ident();
    PyObject *name = recorder_thread_name(ident);
    r = recorder_for(p, ident, PyThreadState_GetID(PyThreadState_Get()),
                     name);
    if (r && !name)
        r->name_tries = RECORDER_NAME_TRIES;
    Py_XDECREF(name);
    return r;
}

recorder *profiler_recorder_of(profiler *p, PyThreadState *ts)
{
    return recorder_for(p, (uint64_t)ts->thread_id, PyThreadState_GetID(ts),
                        NULL);
}

recorder *profiler_enable(profiler *p)
{
    recorder *r = recorder_for(p, PyThread_get_thread_ident(),
                               PyThreadState_GetID(PyThreadState_Get()),
                               NULL);
    if (!r)
        return NULL;
    if (!r->name) {
        /* called from Python code, so threading may be imported (the
         * thread then has its name before the program runs) */
        PyObject *threading = PyImport_ImportModule("threading");
        if (!threading)
            PyErr_Clear();
        Py_XDECREF(threading);
        r->name = recorder_thread_name(r->ident);
    }
    int fast = !p->tr.builtins;
    if (p->enabled && p->fast != fast) {
        PyErr_SetString(PyExc_RuntimeError,
                        fast ? "lento: disable the profiler before enabling "
                               "it without builtins"
                             : "lento: disable the profiler before enabling "
                               "it with builtins");
        return NULL;
    }
    if (engine_profile_start(p, r) < 0)
        return NULL;
    p->enabled = 1;
    p->fast = fast;
    return r;
}

/* A gap the program's own code cannot see in the stats (notes.h): a
 * RuntimeWarning from disable(), once per gap, outside any hook.  Its
 * error, if warnings are errors, is reported as unraisable: disable()
 * still stops. */
static void warn_gap(profiler *p)
{
    if (notes_now.deep_failed == p->tr.warned_failed)
        return;
    p->tr.warned_failed = notes_now.deep_failed;
    char text[600];
    if (!notes_text(&p->tr.notes_since, text, sizeof text))
        return;
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    if (PyErr_WarnEx(PyExc_RuntimeWarning, text, 1) < 0)
        PyErr_WriteUnraisable((PyObject *)p);
    PyErr_Restore(et, ev, etb);
}

int profiler_disable(profiler *p)
{
    engine_profile_stop(p);
    /* the calling thread first, as cProfile flushes it */
    recorder *mine = profiler_find_recorder(p);
    if (mine)
        recorder_flush(mine);
    Py_ssize_t n = PyList_GET_SIZE(p->tr.recorders);
    for (Py_ssize_t i = 0; i < n; i++)
        recorder_flush((recorder *)PyList_GET_ITEM(p->tr.recorders, i));
    p->enabled = 0;
    p->fast = 0;
    warn_gap(p);
    if (p->tr.nomem) {
        p->tr.nomem = 0;
        PyErr_SetString(PyExc_MemoryError, "lento: out of memory while "
                                           "profiling; the profile is partial");
        return -1;
    }
    return 0;
}

profile *profiler_snapshot(profiler *p)
{
    profile *prof = profile_new(tracer_tick(&p->tr));
    if (!prof || registry_export(&p->tr.reg, prof) < 0 ||
        notes_add(prof, &p->tr.notes_since) < 0)
        goto nomem;
    Py_ssize_t n = PyList_GET_SIZE(p->tr.recorders);
    for (Py_ssize_t i = 0; i < n; i++)
        if (recorder_export((recorder *)PyList_GET_ITEM(p->tr.recorders, i),
                            prof) < 0)
            goto nomem;
    return prof;
nomem:
    profile_free(prof);
    PyErr_NoMemory();
    return NULL;
}

/* Adds (calls, prim, tt, ct) into dict[key], summing with what is there
 * (two functions can share a label, e.g. two lambdas on one line).  order
 * "cp" puts prim calls first, as in the stats tuples; "pc" the callers'. */
static int add_figures(PyObject *dict, PyObject *key, const flat_stat *s,
                       double tick, int prim_first, PyObject *callers)
{
    unsigned long long nc = s->calls, cc = s->prim_calls;
    double tt = (double)s->self * tick, ct = (double)s->cum * tick;
    PyObject *old = PyDict_GetItemWithError(dict, key);
    if (!old && PyErr_Occurred())
        return -1;
    if (old) {
        PyObject *a = PyTuple_GET_ITEM(old, 0), *b = PyTuple_GET_ITEM(old, 1);
        unsigned long long oa = PyLong_AsUnsignedLongLong(a);
        unsigned long long ob = PyLong_AsUnsignedLongLong(b);
        if (PyErr_Occurred())
            return -1;
        if (prim_first) {
            cc += oa;
            nc += ob;
        } else {
            nc += oa;
            cc += ob;
        }
        tt += PyFloat_AsDouble(PyTuple_GET_ITEM(old, 2));
        ct += PyFloat_AsDouble(PyTuple_GET_ITEM(old, 3));
        if (callers)
            callers = PyTuple_GET_ITEM(old, 4);
    }
    PyObject *v = prim_first
                      ? Py_BuildValue("(KKddO)", cc, nc, tt, ct, callers)
                      : Py_BuildValue("(KKdd)", nc, cc, tt, ct);
    if (!v)
        return -1;
    int rc = PyDict_SetItem(dict, key, v);
    Py_DECREF(v);
    return rc;
}

/* cProfile's stats dict from a snapshot: {label: (cc, nc, tt, ct,
 * {caller_label: (nc, cc, tt, ct)})}.  New reference or NULL. */
static PyObject *stats_dict(profiler *p, const profile *prof)
{
    flat_profile flat;
    int rc = flat_build(prof, &flat);
    if (rc < 0) {
        PyErr_SetString(PyExc_MemoryError, "lento: cannot build the stats");
        return NULL;
    }
    PyObject *stats = PyDict_New(), *labels = PyList_New(prof->n_funcs);
    if (!stats || !labels)
        goto fail;
    for (uint32_t i = 0; i < prof->n_funcs; i++) {
        PyObject *l = registry_label(&p->tr.reg, i);
        if (!l)
            goto fail;
        PyList_SET_ITEM(labels, i, l);
    }
    for (uint32_t i = 0; i < prof->n_funcs; i++) {
        PyObject *callers = PyDict_New();
        if (!callers)
            goto fail;
        rc = add_figures(stats, PyList_GET_ITEM(labels, i), &flat.funcs[i],
                         prof->tick, 1, callers);
        Py_DECREF(callers);
        if (rc < 0)
            goto fail;
    }
    for (uint32_t e = 0; p->tr.subcalls && e < flat.n_edges; e++) {
        const flat_edge *ed = &flat.edges[e];
        PyObject *entry = PyDict_GetItem(stats, PyList_GET_ITEM(labels,
                                                                ed->callee));
        if (!entry)
            continue;
        if (add_figures(PyTuple_GET_ITEM(entry, 4),
                        PyList_GET_ITEM(labels, ed->caller), &ed->stat,
                        prof->tick, 0, NULL) < 0)
            goto fail;
    }
    Py_DECREF(labels);
    flat_free(&flat);
    return stats;
fail:
    Py_XDECREF(stats);
    Py_XDECREF(labels);
    flat_free(&flat);
    return NULL;
}

/* ---- methods ---- */

static int profiler_init(profiler *p, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"timer", "timeunit", "subcalls", "builtins",
                             "threads", NULL};
    PyObject *timer = NULL;
    double timeunit = 0.0;
    int subcalls = 1, builtins = 1, threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|Odppp:Profile", kwlist,
                                     &timer, &timeunit, &subcalls, &builtins,
                                     &threads))
        return -1;
    if (p->enabled) {
        PyErr_SetString(PyExc_RuntimeError,
                        "cannot re-initialise an enabled Profile");
        return -1;
    }
    if (timer == Py_None)
        timer = NULL;
    Py_XSETREF(p->tr.timer, Py_XNewRef(timer));
    p->tr.timeunit = timeunit;
    p->tr.subcalls = subcalls;
    p->tr.builtins = builtins;
    p->tr.threads = threads;
    return 0;
}

static PyObject *profiler_new(PyTypeObject *type, PyObject *args,
                              PyObject *kw)
{
    (void)args;
    (void)kw;
    profiler *p = (profiler *)type->tp_alloc(type, 0);
    if (!p)
        return NULL;
    registry_init(&p->tr.reg);
    p->tr.notes_since = notes_mark();
    p->tr.warned_failed = notes_now.deep_failed;
    p->tr.subcalls = p->tr.builtins = 1;
    p->tr.recorders = PyList_New(0);
    PyObject *mod = PyType_GetModuleByDef(type, &lento_module_def);
    if (mod)
        p->recorder_type =
            (PyTypeObject *)Py_NewRef(module_get_state(mod)->recorder_type);
    if (!p->tr.recorders || !p->recorder_type) {
        Py_DECREF(p);
        return NULL;
    }
    return (PyObject *)p;
}

static PyObject *m_enable(profiler *p, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"subcalls", "builtins", NULL};
    int subcalls = -1, builtins = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|pp:enable", kwlist,
                                     &subcalls, &builtins))
        return NULL;
    if (subcalls >= 0)
        p->tr.subcalls = subcalls;
    if (builtins >= 0)
        p->tr.builtins = builtins;
    if (!profiler_enable(p))
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *m_disable(profiler *p, PyObject *unused)
{
    (void)unused;
    if (profiler_disable(p) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *m_clear(profiler *p, PyObject *unused)
{
    (void)unused;
    if (p->enabled) {
        PyErr_SetString(PyExc_RuntimeError,
                        "lento: disable the profiler before clear()");
        return NULL;
    }
    if (PyList_SetSlice(p->tr.recorders, 0, PY_SSIZE_T_MAX, NULL) < 0)
        return NULL;
    registry_clear(&p->tr.reg);
    p->tr.notes_since = notes_mark();
    Py_RETURN_NONE;
}

static PyObject *m_snapshot_stats(profiler *p, PyObject *unused)
{
    (void)unused;
    profile *prof = profiler_snapshot(p);
    if (!prof)
        return NULL;
    PyObject *stats = stats_dict(p, prof);
    profile_free(prof);
    if (!stats)
        return NULL;
    int rc = PyObject_SetAttrString((PyObject *)p, "stats", stats);
    Py_DECREF(stats);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *m_create_stats(profiler *p, PyObject *unused)
{
    if (profiler_disable(p) < 0)
        return NULL;
    return m_snapshot_stats(p, unused);
}

static PyObject *m_print_stats(profiler *p, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"sort", NULL};
    PyObject *sort = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:print_stats", kwlist,
                                     &sort))
        return NULL;
    PyObject *sortargs = (sort == NULL || sort == Py_None)
                             ? Py_BuildValue("(i)", -1)
                         : PyTuple_Check(sort) ? Py_NewRef(sort)
                                               : PyTuple_Pack(1, sort);
    PyObject *pstats = PyImport_ImportModule("pstats"), *st = NULL,
             *tmp = NULL, *res = NULL;
    if (!sortargs || !pstats)
        goto done;
    st = PyObject_CallMethod(pstats, "Stats", "O", (PyObject *)p);
    if (!st)
        goto done;
    tmp = PyObject_CallMethod(st, "strip_dirs", NULL);
    if (!tmp)
        goto done;
    PyObject *sorter = PyObject_GetAttrString(tmp, "sort_stats");
    Py_DECREF(tmp);
    tmp = sorter ? PyObject_Call(sorter, sortargs, NULL) : NULL;
    Py_XDECREF(sorter);
    if (!tmp)
        goto done;
    res = PyObject_CallMethod(tmp, "print_stats", NULL);
done:
    Py_XDECREF(sortargs);
    Py_XDECREF(pstats);
    Py_XDECREF(st);
    Py_XDECREF(tmp);
    if (!res)
        return NULL;
    Py_DECREF(res);
    Py_RETURN_NONE;
}

static PyObject *m_dump_stats(profiler *p, PyObject *arg)
{
    PyObject *path = NULL;
    if (!PyUnicode_FSConverter(arg, &path))
        return NULL;
    PyObject *r = m_create_stats(p, NULL);
    if (!r) {
        Py_DECREF(path);
        return NULL;
    }
    Py_DECREF(r);
    /* As cProfile, "-" is a file of that name (the command lines' "-"
     * for standard output is theirs alone). */
    const char *name = PyBytes_AS_STRING(path);
    if (outfile_is_stdout(name))
        name = "./-";
    /* cProfile replaces whatever is there; lento replaces a pstats file
     * (or an empty one) and refuses anything else: a user's file is not
     * lost to a typo (README, "Where lento writes"). */
    char dir[4096];
    if (path_check_output(name, pstats_sniff, dir, sizeof dir) == -EEXIST) {
        Py_DECREF(path);
        PyObject *e = PyObject_CallFunction(
            PyExc_FileExistsError, "isO", EEXIST,
            "exists and is not a pstats file; not overwriting it", arg);
        if (e) {
            PyErr_SetObject(PyExc_FileExistsError, e);
            Py_DECREF(e);
        }
        return NULL;
    }
    profile *prof = profiler_snapshot(p);
    int rc = prof ? pstats_write(prof, name) : -ENOMEM;
    profile_free(prof);
    if (rc < 0) {
        errno = -rc;
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, arg);
    }
    Py_DECREF(path);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* Calls func(*args, **kw) while enabled, reporting a C function's own call
 * as the interpreter would have (cProfile calls it from Python code, which
 * emits a C_CALL event; a call from C emits none). */
static PyObject *call_profiled(profiler *p, PyObject *func, PyObject *args,
                               PyObject *kw)
{
    recorder *r = profiler_enable(p);
    if (!r)
        return NULL;
    PyObject *bound = NULL;
    if (p->tr.builtins) {
        if (PyCFunction_CheckExact(func) || PyCMethod_CheckExact(func))
            bound = Py_NewRef(func);
        else if (Py_IS_TYPE(func, &PyMethodDescr_Type) &&
                 PyTuple_GET_SIZE(args) > 0) {
            PyObject *self = PyTuple_GET_ITEM(args, 0);
            bound = Py_TYPE(func)->tp_descr_get(func, self,
                                                (PyObject *)Py_TYPE(self));
            if (!bound)
                PyErr_Clear();
        }
    }
    PyObject *res;
    if (bound && bound != func) {
        PyObject *rest = PyTuple_GetSlice(args, 1, PY_SSIZE_T_MAX);
        recorder_enter_cfunc(r, bound);
        res = rest ? PyObject_Call(bound, rest, kw) : NULL;
        recorder_leave(r);
        Py_XDECREF(rest);
    } else if (bound) {
        recorder_enter_cfunc(r, bound);
        res = PyObject_Call(func, args, kw);
        recorder_leave(r);
    } else {
        res = PyObject_Call(func, args, kw);
    }
    Py_XDECREF(bound);
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    if (profiler_disable(p) < 0) {
        Py_XDECREF(et);
        Py_XDECREF(ev);
        Py_XDECREF(etb);
        Py_XDECREF(res);
        return NULL;
    }
    PyErr_Restore(et, ev, etb);
    return res;
}

static PyObject *around_obj(PyObject *self, PyObject *func, PyObject *args,
                             PyObject *kw)
{
    return call_profiled((profiler *)self, func, args, kw);
}

static PyObject *m_runcall(profiler *p, PyObject *args, PyObject *kw)
{
    return runapi_runcall((PyObject *)p, args, kw, around_obj);
}

static PyObject *m_runctx(profiler *p, PyObject *args)
{
    return runapi_runctx((PyObject *)p, args, around_obj);
}

static PyObject *m_run(profiler *p, PyObject *cmd)
{
    return runapi_run((PyObject *)p, cmd, around_obj);
}

static PyObject *m_enter(profiler *p, PyObject *unused)
{
    (void)unused;
    if (!profiler_enable(p))
        return NULL;
    return Py_NewRef(p);
}

static PyObject *m_exit(profiler *p, PyObject *args)
{
    (void)args;
    if (profiler_disable(p) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef profiler_methods[] = {
    {"enable", (PyCFunction)(void (*)(void))m_enable,
     METH_VARARGS | METH_KEYWORDS,
     "enable(subcalls=True, builtins=True)\n--\n\nStart collecting "
     "profiling information."},
    {"disable", (PyCFunction)m_disable, METH_NOARGS,
     "Stop collecting profiling information."},
    {"clear", (PyCFunction)m_clear, METH_NOARGS,
     "Forget everything collected so far."},
    {"snapshot_stats", (PyCFunction)m_snapshot_stats, METH_NOARGS,
     "Set .stats to the collected figures, in cProfile's format."},
    {"create_stats", (PyCFunction)m_create_stats, METH_NOARGS,
     "Disable, then snapshot_stats()."},
    {"print_stats", (PyCFunction)(void (*)(void))m_print_stats,
     METH_VARARGS | METH_KEYWORDS,
     "print_stats(sort=-1)\n--\n\nPrint the table as cProfile does."},
    {"dump_stats", (PyCFunction)m_dump_stats, METH_O,
     "dump_stats(file)\n--\n\nWrite a pstats file (marshal), as cProfile "
     "does."},
    {"run", (PyCFunction)m_run, METH_O,
     "run(cmd)\n--\n\nProfile exec(cmd) in __main__'s namespace."},
    {"runctx", (PyCFunction)m_runctx, METH_VARARGS,
     "runctx(cmd, globals, locals)\n--\n\nProfile exec(cmd, globals, "
     "locals)."},
    {"runcall", (PyCFunction)(void (*)(void))m_runcall,
     METH_VARARGS | METH_KEYWORDS,
     "runcall(func, /, *args, **kwargs)\n--\n\nProfile one call; return "
     "its result."},
    {"__enter__", (PyCFunction)m_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)m_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static int profiler_traverse(profiler *p, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(p));
    Py_VISIT(p->dict);
    Py_VISIT(p->tr.timer);
    Py_VISIT(p->tr.recorders);
    return engine_profiler_visit(&p->eng, visit, arg);
}

/* Unhooks every thread first: a hook must never run on a dead tracer. */
static void unhook_all(profiler *p)
{
    if (!p->enabled)
        return;
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    if (profiler_disable(p) < 0)
        PyErr_Clear();
    PyErr_Restore(et, ev, etb);
}

static int profiler_clear_refs(profiler *p)
{
    unhook_all(p);
    Py_CLEAR(p->dict);
    Py_CLEAR(p->tr.timer);
    Py_CLEAR(p->tr.recorders);
    engine_profiler_clear(&p->eng);
    return 0;
}

static void profiler_dealloc(profiler *p)
{
    PyTypeObject *tp = Py_TYPE(p);
    PyObject_GC_UnTrack(p);
    profiler_clear_refs(p);
    registry_clear(&p->tr.reg);
    Py_CLEAR(p->recorder_type);
    tp->tp_free((PyObject *)p);
    Py_DECREF(tp);
}

static PyMemberDef profiler_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(profiler, dict), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot profiler_slots[] = {
    {Py_tp_doc,
     "Profile(timer=None, timeunit=0.0, subcalls=True, builtins=True, "
     "threads=False)\n--\n\n"
     "A drop-in for cProfile.Profile, with the same figures.  With "
     "threads=True, threads started while it is enabled are profiled too, "
     "each kept apart."},
    {Py_tp_new, profiler_new},
    {Py_tp_init, profiler_init},
    {Py_tp_dealloc, profiler_dealloc},
    {Py_tp_traverse, profiler_traverse},
    {Py_tp_clear, profiler_clear_refs},
    {Py_tp_methods, profiler_methods},
    {Py_tp_members, profiler_members},
    {0, NULL},
};

static PyType_Spec profiler_spec = {
    .name = "lento.Profile",
    .basicsize = sizeof(profiler),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .slots = profiler_slots,
};

PyObject *profiler_type_new(PyObject *module)
{
    return PyType_FromModuleAndSpec(module, &profiler_spec, NULL);
}
