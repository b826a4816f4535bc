/* recorder.h: one thread's calling-context tree and shadow stack.
 *
 * Engines (engine.h) call recorder_enter and recorder_leave
 * (recorder_hot.h) at every call and return they see.  Each call costs
 * one probe of an open-addressing table keyed by (caller path, function)
 * and two clock reads; nothing is allocated once a call path has been seen,
 * so memory grows with the program's shape, not with its number of calls.
 */
#ifndef LENTO_RECORDER_H
#define LENTO_RECORDER_H

#include <Python.h>

#include "../core/profile.h"
#include "tracer.h"

typedef struct {
    uint32_t node;  /* the CCT node of this activation */
    int64_t t0;     /* timer at entry */
    int64_t subt;   /* ticks spent in callees so far */
} rec_frame;

typedef struct {
    const void *key; /* function key (code object or PyMethodDef) */
    uint32_t parent; /* caller's node */
    uint32_t node;   /* the child node */
} rec_slot;

typedef struct {
    PyObject_HEAD
    tracer *tr;        /* borrowed: the profiler outlives its recorders'
                          use, and clears tr before it goes */
    PyObject *owner;   /* strong reference to the profiler object */
    uint64_t ident;    /* thread identifier */
    uint64_t tsid;     /* the thread state's id (PyThreadState_GetID):
                          the system reuses idents once a thread ends,
                          this tells a new thread from the old one */
    PyObject *name;    /* thread name (str) or NULL */
    cct_node *nodes;
    uint32_t n_nodes, cap_nodes;
    rec_slot *slots;
    uint32_t mask, used;
    rec_frame *stack;
    uint32_t depth, cap_stack;
    int dead;          /* ran out of memory: records nothing more */
    int busy;          /* running Python for itself (a custom timer, a
                          finalizer while registering): frames that start
                          meanwhile are not recorded */
    int name_tries;    /* the thread was not yet known to threading when
                          its recorder was made: look its name up again at
                          this many more events (recorder_name_retry) */
} recorder;

/* A new thread's first events come before threading registers it (in
 * Thread._bootstrap_inner, a few calls later). */
#define RECORDER_NAME_TRIES 64

/* Makes the recorder type (new reference), at module init. */
PyObject *recorder_type_new(PyObject *module);

/* A new recorder for the current thread (new reference), or NULL with an
 * exception set. */
recorder *recorder_new(PyTypeObject *type, tracer *tr, PyObject *owner,
                       uint64_t ident, uint64_t tsid, PyObject *name);

/* Pushes an activation by hand, for calls the interpreter does not report
 * (runcall of a builtin).  cfunc: a PyCFunction; other objects are
 * ignored.  recorder_leave (recorder_hot.h) pops it. */
void recorder_enter_cfunc(recorder *r, PyObject *cfunc);

/* The name threading gives thread ident, or NULL (no exception set) if
 * threading does not know it (yet).  Reads threading._active without
 * calling current_thread(), which would register a dummy thread. */
PyObject *recorder_thread_name(uint64_t ident);

/* One more try at r's thread name (name_tries > 0). */
void recorder_name_retry(recorder *r);

/* Ends every activation still open, as cProfile's disable() does. */
void recorder_flush(recorder *r);

/* Appends this recorder's tree as a thread of p.  0 or -ENOMEM. */
int recorder_export(const recorder *r, profile *p);

#endif
