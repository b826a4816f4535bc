/* module.h: the extension module lento._lento and its state. */
#ifndef LENTO_MODULE_H
#define LENTO_MODULE_H

#include <Python.h>

typedef struct {
    PyObject *profile_type;
    PyObject *recorder_type;
    PyObject *lineprof_type;
} module_state;

extern PyModuleDef lento_module_def;

static inline module_state *module_get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

#endif
