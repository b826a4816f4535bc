/* tracer.h: the state one profiler shares between its threads.
 *
 * Everything here is touched only with the GIL held (profile hooks run with
 * it), which is what protects it. */
#ifndef LENTO_TRACER_H
#define LENTO_TRACER_H

#include <Python.h>

#include "notes.h"
#include "registry.h"

typedef struct {
    registry reg;
    PyObject *timer;    /* custom timer callable, or NULL for the clock */
    double timeunit;    /* seconds per tick of an integer custom timer */
    int builtins;       /* record C function calls */
    int subcalls;       /* report caller->callee edges */
    int threads;        /* follow threads started while enabled */
    int nomem;          /* sticky: a hook ran out of memory */
    PyObject *recorders; /* list of recorder objects, one per thread */
    notes_counts notes_since; /* notes.h's counts when made or cleared */
    uint64_t warned_failed;   /* notes_now.deep_failed when last warned */
} tracer;

/* Seconds per tick of t's timer, as cProfile computes it. */
double tracer_tick(const tracer *t);

#endif
