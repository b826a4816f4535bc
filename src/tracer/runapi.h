/* runapi.h: run(), runctx() and runcall() of the profiler objects.
 *
 * cProfile.Profile and line_profiler.LineProfiler share these three
 * methods and their meaning; lento.Profile and lento.LineProfiler share
 * this one implementation, each giving the function that calls a callable
 * with its recording on. */
#ifndef LENTO_RUNAPI_H
#define LENTO_RUNAPI_H

#include <Python.h>

/* Calls func(*args, **kw) with self's recording on.  New reference, or
 * NULL with an exception set. */
typedef PyObject *(*runapi_around)(PyObject *self, PyObject *func,
                                   PyObject *args, PyObject *kw);

/* runcall(func, /, *args, **kw): func's result. */
PyObject *runapi_runcall(PyObject *self, PyObject *args, PyObject *kw,
                         runapi_around around);
/* runctx(cmd, globals, locals): exec under recording; returns self. */
PyObject *runapi_runctx(PyObject *self, PyObject *args, runapi_around around);
/* run(cmd): runctx in __main__'s namespace; returns self. */
PyObject *runapi_run(PyObject *self, PyObject *cmd, runapi_around around);

#endif
