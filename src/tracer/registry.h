/* registry.h: the functions a profiler has seen, shared by its threads.
 *
 * A function is identified by a key pointer: the code object for Python
 * functions, the PyMethodDef for C functions (as cProfile does, so a bound
 * method made anew at each call is still one function).  The registry keeps
 * a strong reference to each code object so that its address is never
 * reused for another function while the profile lives.
 *
 * Not on the hot path: recorders consult it only the first time a call
 * path is seen.  Protected by the GIL.
 */
#ifndef LENTO_REGISTRY_H
#define LENTO_REGISTRY_H

#include <Python.h>
#include <stdint.h>

#include "../core/profile.h"

typedef struct {
    const void *key;
    func_kind kind;
    PyObject *file;  /* str; "~" for builtins */
    int line;
    PyObject *name;  /* str: co_name, or cProfile's label for builtins */
    PyObject *keep;  /* strong reference keeping key alive, or NULL */
} registry_func;

typedef struct {
    const void **slot_keys; /* open addressing; NULL = empty */
    uint32_t *slot_ids;
    uint32_t mask;
    uint32_t n, cap;
    registry_func *funcs;
} registry;

void registry_init(registry *r);
void registry_clear(registry *r);

/* Returns the function id of a code object or a C function object
 * (PyCFunction), adding it on first sight.  -1 on out-of-memory, with no
 * Python exception set (hooks must not raise). */
int64_t registry_code(registry *r, PyCodeObject *code);
int64_t registry_cfunc(registry *r, PyCFunctionObject *fn);
/* A method descriptor (PyMethodDescr_Type) called on self: the C function
 * self.NAME would be, keyed and named as cProfile names that bound
 * method. */
int64_t registry_cmethod(registry *r, PyObject *descr, PyObject *self);

/* Fills p->funcs from the registry, in id order.  0 or -ENOMEM. */
int registry_export(const registry *r, profile *p);

/* The pstats key (file, line, name) of function id; new reference. */
PyObject *registry_label(const registry *r, uint32_t id);

#endif
