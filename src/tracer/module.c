/* module.c: lento._lento, the extension: Profile, run, runctx, main. */
#include <Python.h>

#include "engine.h"
#include "lineprof.h"
#include "lines.h"
#include "module.h"
#include "persist.h"
#include "profiler.h"
#include "pymain.h"
#include "recorder.h"

/* cProfile's module-level run()/runctx(): profile, then print the table or
 * dump it to filename.  SystemExit from the statement is swallowed, as
 * cProfile does. */
static PyObject *run_and_show(PyObject *module, PyObject *cmd,
                              PyObject *globals, PyObject *locals,
                              PyObject *filename, PyObject *sort)
{
    module_state *st = module_get_state(module);
    PyObject *prof = PyObject_CallNoArgs(st->profile_type);
    if (!prof)
        return NULL;
    PyObject *r = globals ? PyObject_CallMethod(prof, "runctx", "OOO", cmd,
                                                globals, locals)
                          : PyObject_CallMethod(prof, "run", "O", cmd);
    PyObject *et = NULL, *ev = NULL, *etb = NULL;
    if (!r) {
        if (PyErr_ExceptionMatches(PyExc_SystemExit))
            PyErr_Clear();
        else
            PyErr_Fetch(&et, &ev, &etb);
    }
    Py_XDECREF(r);
    PyObject *shown = filename && filename != Py_None
                          ? PyObject_CallMethod(prof, "dump_stats", "O",
                                                filename)
                          : PyObject_CallMethod(prof, "print_stats", "O",
                                                sort ? sort : Py_None);
    Py_DECREF(prof);
    if (et) {
        Py_XDECREF(shown);
        PyErr_Restore(et, ev, etb);
        return NULL;
    }
    if (!shown)
        return NULL;
    Py_DECREF(shown);
    Py_RETURN_NONE;
}

static PyObject *mod_run(PyObject *module, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"statement", "filename", "sort", NULL};
    PyObject *cmd, *filename = NULL, *sort = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:run", kwlist, &cmd,
                                     &filename, &sort))
        return NULL;
    return run_and_show(module, cmd, NULL, NULL, filename, sort);
}

static PyObject *mod_runctx(PyObject *module, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"statement", "globals", "locals", "filename",
                             "sort", NULL};
    PyObject *cmd, *g, *l, *filename = NULL, *sort = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|OO:runctx", kwlist, &cmd,
                                     &g, &l, &filename, &sort))
        return NULL;
    return run_and_show(module, cmd, g, l, filename, sort);
}

static PyMethodDef module_methods[] = {
    {"run", (PyCFunction)(void (*)(void))mod_run,
     METH_VARARGS | METH_KEYWORDS,
     "run(statement, filename=None, sort=-1)\n--\n\nProfile "
     "exec(statement) in __main__ and print the table, or save it to "
     "filename (pstats), as cProfile.run does."},
    {"runctx", (PyCFunction)(void (*)(void))mod_runctx,
     METH_VARARGS | METH_KEYWORDS,
     "runctx(statement, globals, locals, filename=None, sort=-1)\n--\n\n"
     "As run(), in the given namespaces."},
    {"profile", (PyCFunction)lineprof_profile_decorator, METH_O,
     "profile(func)\n--\n\nUnder `lento run --lines`, time func's lines; "
     "otherwise do nothing.  Returns func itself."},
    {"_child_start", persist_child_start, METH_NOARGS,
     "_child_start()\n--\n\nUnder `lento run`, profile this process (one "
     "the program started) into the run; called by lento's .pth file."},
    {"main", (PyCFunction)pymain_main, METH_O,
     "main(argv)\n--\n\nThe `python -m lento` command line; returns the "
     "exit status."},
    {NULL, NULL, 0, NULL},
};

static int module_exec(PyObject *m)
{
    module_state *st = module_get_state(m);
    st->recorder_type = recorder_type_new(m);
    if (!st->recorder_type)
        return -1;
    st->profile_type = profiler_type_new(m);
    if (!st->profile_type)
        return -1;
    if (PyModule_AddObjectRef(m, "Profile", st->profile_type) < 0)
        return -1;
    if (lines_init() < 0 || engine_init(m) < 0)
        return -1;
    st->lineprof_type = lineprof_type_new(m);
    if (!st->lineprof_type ||
        PyModule_AddObjectRef(m, "LineProfiler", st->lineprof_type) < 0)
        return -1;
    return 0;
}

static int module_traverse(PyObject *m, visitproc visit, void *arg)
{
    module_state *st = module_get_state(m);
    Py_VISIT(st->profile_type);
    Py_VISIT(st->recorder_type);
    Py_VISIT(st->lineprof_type);
    return 0;
}

static int module_clear(PyObject *m)
{
    module_state *st = module_get_state(m);
    Py_CLEAR(st->profile_type);
    Py_CLEAR(st->recorder_type);
    Py_CLEAR(st->lineprof_type);
    return 0;
}

static void module_free(void *m)
{
    module_clear((PyObject *)m);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

/* Sub-interpreters are not supported: the profile hooks are per thread
 * state, and nothing here has been checked with more than one
 * interpreter. */
PyModuleDef lento_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "lento._lento",
    .m_doc = "lento's tracer: exact function profiles, in C.",
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit__lento(void)
{
    return PyModuleDef_Init(&lento_module_def);
}
