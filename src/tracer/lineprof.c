/* lineprof.c: lento.LineProfiler (see lineprof.h).
 *
 * Its methods follow line_profiler 5.1's LineProfiler so that code written
 * for it keeps working.  One deliberate difference: decorating a function
 * (prof(func)) selects its code and enables the profiler once, for good,
 * and returns the function itself, not a wrapper: line timing is per code
 * object here, so no wrapper has to switch tracing on around each call,
 * and generators are timed at every resumption with no special wrapper. */
#include "lineprof.h"
#include "runapi.h"

#include <errno.h>
#include <structmember.h>

#include "../core/buf.h"
#include "../core/store.h"
#include "../report/lines.h"
#include "clock.h"

lineprof *lineprof_session;

static PyCodeObject *code_of(PyObject *func)
{
    PyObject *code = PyObject_GetAttrString(func, "__code__");
    if (!code) {
        PyErr_Clear();
        PyObject *f = PyObject_GetAttrString(func, "__func__");
        if (f) {
            code = PyObject_GetAttrString(f, "__code__");
            Py_DECREF(f);
        }
        if (!code)
            PyErr_Clear();
    }
    if (code && !PyCode_Check(code))
        Py_CLEAR(code);
    return (PyCodeObject *)code;
}

int lineprof_add(lineprof *lp, PyObject *func)
{
    PyCodeObject *code = code_of(func);
    if (!code)
        return PyErr_WarnFormat(PyExc_UserWarning, 1,
                                "Could not extract a code object for the "
                                "object %R", func);
    lines_code *c = lines_add_code(&lp->o, code);
    Py_DECREF(code);
    if (!c)
        return -1;
    return PyList_Append(lp->functions, func);
}

static int enable(lineprof *lp)
{
    return lines_enable(&lp->o);
}

static int disable(lineprof *lp)
{
    lines_disable(&lp->o);
    if (lp->o.nomem) {
        lp->o.nomem = 0;
        PyErr_SetString(PyExc_MemoryError, "lento: out of memory while "
                                           "timing lines; figures are "
                                           "partial");
        return -1;
    }
    return 0;
}

/* ---- methods ---- */

static int lp_init(lineprof *lp, PyObject *args, PyObject *kw)
{
    if (kw && PyDict_GET_SIZE(kw)) {
        /* line_profiler's wrap_trace / set_frame_local_trace concern a
         * Python-level trace function lento does not have */
        PyObject *k = NULL, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(kw, &pos, &k, &v))
            if (!PyUnicode_Check(k) ||
                (PyUnicode_CompareWithASCIIString(k, "wrap_trace") != 0 &&
                 PyUnicode_CompareWithASCIIString(k, "set_frame_local_trace") != 0)) {
                PyErr_Format(PyExc_TypeError,
                             "LineProfiler() got an unexpected keyword "
                             "argument %R", k);
                return -1;
            }
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args); i++)
        if (lineprof_add(lp, PyTuple_GET_ITEM(args, i)) < 0)
            return -1;
    return 0;
}

static PyObject *lp_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)args;
    (void)kw;
    if (lines_init() < 0)
        return NULL;
    lineprof *lp = (lineprof *)type->tp_alloc(type, 0);
    if (!lp)
        return NULL;
    lp->notes_since = notes_mark();
    lp->functions = PyList_New(0);
    if (!lp->functions) {
        Py_DECREF(lp);
        return NULL;
    }
    return (PyObject *)lp;
}

static PyObject *m_add_function(lineprof *lp, PyObject *func)
{
    if (lineprof_add(lp, func) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *lp_call(lineprof *lp, PyObject *args, PyObject *kw)
{
    PyObject *func;
    if ((kw && PyDict_GET_SIZE(kw)) || !PyArg_ParseTuple(args, "O", &func)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError,
                            "LineProfiler(func) takes one function");
        return NULL;
    }
    if (lineprof_add(lp, func) < 0)
        return NULL;
    if (!lp->decorated) {
        if (enable(lp) < 0)
            return NULL;
        lp->decorated = 1;
        lp->count++;
    }
    return Py_NewRef(func);
}

static PyObject *m_enable_by_count(lineprof *lp, PyObject *unused)
{
    (void)unused;
    if (lp->count == 0 && enable(lp) < 0)
        return NULL;
    lp->count++;
    Py_RETURN_NONE;
}

static PyObject *m_disable_by_count(lineprof *lp, PyObject *unused)
{
    (void)unused;
    if (lp->count > 0 && --lp->count == 0 && disable(lp) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *m_enable(lineprof *lp, PyObject *unused)
{
    (void)unused;
    if (enable(lp) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *m_disable(lineprof *lp, PyObject *unused)
{
    (void)unused;
    if (disable(lp) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *m_exit(lineprof *lp, PyObject *args)
{
    (void)args;
    return m_disable_by_count(lp, NULL);
}

/* Runs call() between enable_by_count and disable_by_count; an error from
 * disabling does not hide the call's own. */
static PyObject *around(lineprof *lp, PyObject *callable, PyObject *args,
                        PyObject *kw)
{
    PyObject *r = m_enable_by_count(lp, NULL);
    if (!r)
        return NULL;
    Py_DECREF(r);
    PyObject *res = PyObject_Call(callable, args, kw);
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    r = m_disable_by_count(lp, NULL);
    if (!r) {
        if (et) {
            PyErr_Clear();
        } else {
            Py_XDECREF(res);
            return NULL;
        }
    }
    Py_XDECREF(r);
    PyErr_Restore(et, ev, etb);
    return res;
}

static PyObject *around_obj(PyObject *self, PyObject *func, PyObject *args,
                             PyObject *kw)
{
    return around((lineprof *)self, func, args, kw);
}

static PyObject *m_runcall(lineprof *lp, PyObject *args, PyObject *kw)
{
    return runapi_runcall((PyObject *)lp, args, kw, around_obj);
}

static PyObject *m_runctx(lineprof *lp, PyObject *args)
{
    return runapi_runctx((PyObject *)lp, args, around_obj);
}

static PyObject *m_run(lineprof *lp, PyObject *cmd)
{
    return runapi_run((PyObject *)lp, cmd, around_obj);
}

int lineprof_export(lineprof *lp, profile *p)
{
    return lines_export(&lp->o, p);
}

/* The figures as a profile model (caller frees), or NULL with an
 * exception set. */
static profile *snapshot(lineprof *lp)
{
    profile *p = profile_new(CLOCK_TICK_SECONDS);
    if (!p || lineprof_export(lp, p) < 0 ||
        notes_add(p, &lp->notes_since) < 0) {
        profile_free(p);
        PyErr_NoMemory();
        return NULL;
    }
    return p;
}

/* {(file, first line, qualname): [(line, hits, time), ...]}, as
 * line_profiler's LineStats.timings. */
static PyObject *timings_of(const profile *p)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    for (uint32_t i = 0; i < p->n_line_funcs; i++) {
        const profile_line_func *f = &p->line_funcs[i];
        PyObject *key = Py_BuildValue(
            "(NIN)",
            PyUnicode_DecodeUTF8(f->file, (Py_ssize_t)strlen(f->file),
                                 "surrogatepass"),
            f->first_line,
            PyUnicode_DecodeUTF8(f->name, (Py_ssize_t)strlen(f->name),
                                 "surrogatepass"));
        PyObject *list = PyList_New(f->n_lines);
        if (!key || !list) {
            Py_XDECREF(key);
            Py_XDECREF(list);
            Py_DECREF(d);
            return NULL;
        }
        for (uint32_t j = 0; j < f->n_lines; j++) {
            PyObject *t = Py_BuildValue("(IKL)", f->lines[j].line,
                                        (unsigned long long)f->lines[j].hits,
                                        (long long)f->lines[j].time);
            if (!t) {
                Py_DECREF(key);
                Py_DECREF(list);
                Py_DECREF(d);
                return NULL;
            }
            PyList_SET_ITEM(list, j, t);
        }
        int rc = PyDict_SetItem(d, key, list);
        Py_DECREF(key);
        Py_DECREF(list);
        if (rc < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

/* An object with .timings and .unit: a types.SimpleNamespace, so that a
 * pickle of it (dump_stats) loads anywhere, line_profiler included. */
static PyObject *m_get_stats(lineprof *lp, PyObject *unused)
{
    (void)unused;
    profile *p = snapshot(lp);
    if (!p)
        return NULL;
    PyObject *timings = timings_of(p);
    profile_free(p);
    if (!timings)
        return NULL;
    PyObject *types = PyImport_ImportModule("types"), *res = NULL;
    PyObject *ns = types ? PyObject_GetAttrString(types, "SimpleNamespace")
                         : NULL;
    PyObject *kw = ns ? Py_BuildValue("{sOsd}", "timings", timings, "unit",
                                      CLOCK_TICK_SECONDS)
                      : NULL;
    if (kw) {
        PyObject *empty = PyTuple_New(0);
        res = empty ? PyObject_Call(ns, empty, kw) : NULL;
        Py_XDECREF(empty);
    }
    Py_XDECREF(kw);
    Py_XDECREF(ns);
    Py_XDECREF(types);
    Py_DECREF(timings);
    return res;
}

/* Source lines through linecache, as line_profiler reads them. */
typedef struct {
    PyObject *getlines; /* linecache.getlines */
    const char *file;   /* the file of lines */
    PyObject *lines;    /* list of str, or NULL */
} py_source;

static const char *source_line(void *ctx, const char *file, uint32_t line,
                               size_t *len)
{
    py_source *s = ctx;
    if (!s->file || strcmp(s->file, file) != 0) {
        Py_CLEAR(s->lines);
        s->file = file;
        PyObject *r = PyObject_CallFunction(s->getlines, "s", file);
        if (r && PyList_Check(r) && PyList_GET_SIZE(r) > 0)
            s->lines = r;
        else
            Py_XDECREF(r);
        PyErr_Clear();
    }
    if (!s->lines)
        return NULL;
    *len = 0;
    if (line == 0)
        return "";
    if ((Py_ssize_t)line > PyList_GET_SIZE(s->lines))
        return NULL;
    PyObject *o = PyList_GET_ITEM(s->lines, line - 1);
    Py_ssize_t n;
    const char *t = PyUnicode_Check(o) ? PyUnicode_AsUTF8AndSize(o, &n)
                                       : NULL;
    if (!t) {
        PyErr_Clear();
        return NULL;
    }
    while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
        n--;
    *len = (size_t)n;
    return t;
}

static PyObject *m_print_stats(lineprof *lp, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"stream", "output_unit", "stripzeros", NULL};
    PyObject *stream = Py_None, *unit = Py_None;
    int strip = 0;
    /* line_profiler also takes details/summarize/sort/rich: accepted and
     * ignored */
    PyObject *rest = NULL;
    if (kw && PyDict_GET_SIZE(kw)) {
        rest = PyDict_Copy(kw);
        if (!rest)
            return NULL;
        const char *ignored[] = {"details", "summarize", "sort", "rich",
                                 "config"};
        for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
            if (PyDict_DelItemString(rest, ignored[i]) < 0)
                PyErr_Clear();
    }
    int ok = PyArg_ParseTupleAndKeywords(args, rest, "|OOp:print_stats",
                                         kwlist, &stream, &unit, &strip);
    Py_XDECREF(rest);
    if (!ok)
        return NULL;
    double out_unit = 0;
    if (unit != Py_None && (out_unit = PyFloat_AsDouble(unit)) <= 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "output_unit must be > 0");
        return NULL;
    }
    profile *p = snapshot(lp);
    if (!p)
        return NULL;
    PyObject *linecache = PyImport_ImportModule("linecache");
    py_source src = {NULL, NULL, NULL};
    if (linecache) {
        PyObject *r = PyObject_CallMethod(linecache, "clearcache", NULL);
        Py_XDECREF(r);
        src.getlines = PyObject_GetAttrString(linecache, "getlines");
        Py_DECREF(linecache);
    }
    PyObject *res = NULL;
    if (!src.getlines)
        goto done;
    report_lines_opts o = {out_unit, strip, 1, 0, source_line, &src};
    buf b;
    buf_init(&b, (size_t)1 << 30);
    int rc = report_lines(&b, p, &o);
    if (rc < 0) {
        buf_free(&b);
        PyErr_NoMemory();
        goto done;
    }
    PyObject *text = PyUnicode_DecodeUTF8(b.data ? b.data : "",
                                          (Py_ssize_t)b.len, "replace");
    buf_free(&b);
    if (!text)
        goto done;
    if (stream == Py_None) {
        stream = PySys_GetObject("stdout");
        if (!stream) {
            PyErr_SetString(PyExc_RuntimeError, "lost sys.stdout");
            Py_DECREF(text);
            goto done;
        }
    }
    res = PyObject_CallMethod(stream, "write", "O", text);
    Py_DECREF(text);
    if (res) {
        Py_DECREF(res);
        res = Py_NewRef(Py_None);
    }
done:
    Py_XDECREF(src.getlines);
    Py_XDECREF(src.lines);
    profile_free(p);
    return res;
}

/* dump_stats(path): a .lento name writes lento's own file (the LINE
 * section, docs/format.md); any other name writes what line_profiler's
 * dump_stats writes, a pickle of an object with .timings and .unit, so
 * that `python -m line_profiler FILE` shows it.  Writing a pickle is
 * safe; lento itself never reads one. */
static PyObject *m_dump_stats(lineprof *lp, PyObject *arg)
{
    PyObject *path = NULL;
    if (!PyUnicode_FSConverter(arg, &path))
        return NULL;
    const char *s = PyBytes_AS_STRING(path);
    size_t n = strlen(s);
    PyObject *res = NULL;
    if (n > 6 && !strcmp(s + n - 6, ".lento")) {
        profile *p = snapshot(lp);
        if (p) {
            profile_set_meta(p, "lines", "api");
            int rc = store_write(p, s);
            profile_free(p);
            if (rc < 0) {
                errno = -rc;
                PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, arg);
            } else {
                res = Py_NewRef(Py_None);
            }
        }
    } else {
        PyObject *stats = m_get_stats(lp, NULL);
        PyObject *pickle = stats ? PyImport_ImportModule("pickle") : NULL;
        PyObject *io = pickle ? PyImport_ImportModule("io") : NULL;
        PyObject *f = io ? PyObject_CallMethod(io, "open", "Os", arg, "wb")
                         : NULL;
        if (f) {
            PyObject *r = PyObject_CallMethod(pickle, "dump", "OOi", stats, f,
                                              -1);
            PyObject *et, *ev, *etb;
            PyErr_Fetch(&et, &ev, &etb);
            PyObject *c = PyObject_CallMethod(f, "close", NULL);
            if (et) {
                Py_XDECREF(c);
                PyErr_Restore(et, ev, etb);
            } else if (c && r) {
                res = Py_NewRef(Py_None);
            }
            Py_XDECREF(c);
            Py_XDECREF(r);
            Py_DECREF(f);
        }
        Py_XDECREF(io);
        Py_XDECREF(pickle);
        Py_XDECREF(stats);
    }
    Py_DECREF(path);
    return res;
}

PyObject *lineprof_profile_decorator(PyObject *module, PyObject *func)
{
    (void)module;
    lineprof *s = lineprof_session;
    if (s && lineprof_add(s, func) < 0)
        return NULL;
    return Py_NewRef(func);
}

static PyObject *get_enable_count(lineprof *lp, void *closure)
{
    (void)closure;
    return PyLong_FromLong(lp->count);
}

static PyObject *get_timer_unit(lineprof *lp, void *closure)
{
    (void)lp;
    (void)closure;
    return PyFloat_FromDouble(CLOCK_TICK_SECONDS);
}

static PyGetSetDef lp_getset[] = {
    {"enable_count", (getter)get_enable_count, NULL,
     "Depth of enable_by_count().", NULL},
    {"timer_unit", (getter)get_timer_unit, NULL,
     "Seconds per unit of the times in get_stats().", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef lp_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(lineprof, dict), READONLY, NULL},
    {"functions", T_OBJECT, offsetof(lineprof, functions), READONLY,
     "What was added, in order."},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef lp_methods[] = {
    {"add_function", (PyCFunction)m_add_function, METH_O,
     "add_function(func)\n--\n\nTime func's lines when it runs."},
    {"enable_by_count", (PyCFunction)m_enable_by_count, METH_NOARGS,
     "Enable, counting nested calls."},
    {"disable_by_count", (PyCFunction)m_disable_by_count, METH_NOARGS,
     "Disable once every enable_by_count() is matched."},
    {"enable", (PyCFunction)m_enable, METH_NOARGS,
     "Start timing the selected functions' lines."},
    {"disable", (PyCFunction)m_disable, METH_NOARGS,
     "Stop timing lines."},
    {"runcall", (PyCFunction)(void (*)(void))m_runcall,
     METH_VARARGS | METH_KEYWORDS,
     "runcall(func, /, *args, **kwargs)\n--\n\nTime one call; return its "
     "result."},
    {"runctx", (PyCFunction)m_runctx, METH_VARARGS,
     "runctx(cmd, globals, locals)\n--\n\nTime exec(cmd, globals, locals); "
     "return self."},
    {"run", (PyCFunction)m_run, METH_O,
     "run(cmd)\n--\n\nTime exec(cmd) in __main__'s namespace."},
    {"get_stats", (PyCFunction)m_get_stats, METH_NOARGS,
     "An object with .timings {(file, first line, name): [(line, hits, "
     "time), ...]} and .unit (seconds per time unit)."},
    {"print_stats", (PyCFunction)(void (*)(void))m_print_stats,
     METH_VARARGS | METH_KEYWORDS,
     "print_stats(stream=None, output_unit=None, stripzeros=False)\n--\n\n"
     "Print the line tables as line_profiler does."},
    {"dump_stats", (PyCFunction)m_dump_stats, METH_O,
     "dump_stats(path)\n--\n\nA .lento path writes lento's file; any other "
     "what `python -m line_profiler` reads."},
    {"__enter__", (PyCFunction)m_enable_by_count, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)m_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static int lp_traverse(lineprof *lp, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(lp));
    Py_VISIT(lp->dict);
    Py_VISIT(lp->functions);
    for (uint32_t i = 0; i < lp->o.n_codes; i++)
        Py_VISIT(lp->o.codes[i]->code);
    return 0;
}

static int lp_clear(lineprof *lp)
{
    if (lineprof_session == lp)
        lineprof_session = NULL;
    lines_owner_clear(&lp->o);
    Py_CLEAR(lp->dict);
    Py_CLEAR(lp->functions);
    return 0;
}

static void lp_dealloc(lineprof *lp)
{
    PyTypeObject *tp = Py_TYPE(lp);
    PyObject_GC_UnTrack(lp);
    lp_clear(lp);
    tp->tp_free((PyObject *)lp);
    Py_DECREF(tp);
}

static PyType_Slot lp_slots[] = {
    {Py_tp_doc,
     "LineProfiler(*funcs)\n--\n\n"
     "Times the lines of the given functions, a drop-in for the core of "
     "line_profiler.LineProfiler with the same hit counts."},
    {Py_tp_new, lp_new},
    {Py_tp_init, lp_init},
    {Py_tp_call, lp_call},
    {Py_tp_dealloc, lp_dealloc},
    {Py_tp_traverse, lp_traverse},
    {Py_tp_clear, lp_clear},
    {Py_tp_methods, lp_methods},
    {Py_tp_members, lp_members},
    {Py_tp_getset, lp_getset},
    {0, NULL},
};

static PyType_Spec lp_spec = {
    .name = "lento.LineProfiler",
    .basicsize = sizeof(lineprof),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .slots = lp_slots,
};

PyObject *lineprof_type_new(PyObject *module)
{
    return PyType_FromModuleAndSpec(module, &lp_spec, NULL);
}
