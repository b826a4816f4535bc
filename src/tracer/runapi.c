/* runapi.c: run(), runctx() and runcall(), shared by the profilers. */
#include "runapi.h"

PyObject *runapi_runcall(PyObject *self, PyObject *args, PyObject *kw,
                         runapi_around around)
{
    if (PyTuple_GET_SIZE(args) < 1) {
        PyErr_SetString(PyExc_TypeError,
                        "runcall() needs the function to call");
        return NULL;
    }
    PyObject *rest = PyTuple_GetSlice(args, 1, PY_SSIZE_T_MAX);
    if (!rest)
        return NULL;
    PyObject *res = around(self, PyTuple_GET_ITEM(args, 0), rest, kw);
    Py_DECREF(rest);
    return res;
}

PyObject *runapi_runctx(PyObject *self, PyObject *args, runapi_around around)
{
    PyObject *cmd, *globals, *locals;
    if (!PyArg_ParseTuple(args, "OOO:runctx", &cmd, &globals, &locals))
        return NULL;
    PyObject *exec = PyDict_GetItemString(PyEval_GetBuiltins(), "exec");
    if (!exec) {
        PyErr_SetString(PyExc_RuntimeError, "lento: builtins.exec missing");
        return NULL;
    }
    PyObject *eargs = PyTuple_Pack(3, cmd, globals, locals);
    if (!eargs)
        return NULL;
    PyObject *res = around(self, exec, eargs, NULL);
    Py_DECREF(eargs);
    if (!res)
        return NULL;
    Py_DECREF(res);
    return Py_NewRef(self);
}

PyObject *runapi_run(PyObject *self, PyObject *cmd, runapi_around around)
{
    PyObject *main = PyImport_AddModule("__main__");
    if (!main)
        return NULL;
    PyObject *d = PyModule_GetDict(main);
    PyObject *args = Py_BuildValue("(OOO)", cmd, d, d);
    if (!args)
        return NULL;
    PyObject *r = runapi_runctx(self, args, around);
    Py_DECREF(args);
    return r;
}
