/* profile_hook.h: the 3.11 engine's default mode, a profile hook
 * (PyEval_SetProfile) per thread whose object is the thread's recorder,
 * so the hook finds its state in its first argument with no lookup. */
#ifndef LENTO_PROFILE_HOOK_H
#define LENTO_PROFILE_HOOK_H

#include <Python.h>

/* The profile hook (Py_tracefunc); obj is a recorder.  Never raises. */
int recorder_callback(PyObject *obj, PyFrameObject *frame, int what,
                      PyObject *arg);

#endif
