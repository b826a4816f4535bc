/* lineprof.h: lento.LineProfiler, a drop-in for the core of
 * line_profiler.LineProfiler, on the line timing of lines.h. */
#ifndef LENTO_LINEPROF_H
#define LENTO_LINEPROF_H

#include <Python.h>

#include "../core/profile.h"
#include "lines.h"
#include "notes.h"

typedef struct {
    PyObject_HEAD
    PyObject *dict;       /* instance __dict__ */
    PyObject *functions;  /* list of what was added, as line_profiler */
    lines_owner o;
    long count;           /* enable_by_count depth */
    int decorated;        /* a decoration has enabled it (once) */
    notes_counts notes_since; /* notes.h's counts when made */
} lineprof;

PyObject *lineprof_type_new(PyObject *module);

/* Selects func's code (a function, a method, anything with __code__).
 * 0, or -1 with an exception set; a warning (not an error) for objects
 * without code, as line_profiler. */
int lineprof_add(lineprof *lp, PyObject *func);

/* Appends lp's line tables to p.  0 or -ENOMEM. */
int lineprof_export(lineprof *lp, profile *p);

/* The session of `lento run --lines`, while it runs (borrowed), or NULL:
 * what lento.profile and builtins.profile decorate into. */
extern lineprof *lineprof_session;

/* lento.profile(func): selects func in the running session, if any, and
 * returns func itself, so that without --lines it costs nothing. */
PyObject *lineprof_profile_decorator(PyObject *module, PyObject *func);

#endif
