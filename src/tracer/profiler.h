/* profiler.h: lento.Profile, a drop-in for cProfile.Profile. */
#ifndef LENTO_PROFILER_H
#define LENTO_PROFILER_H

#include <Python.h>

#include "../core/profile.h"
#include "engine_types.h"
#include "recorder.h"
#include "tracer.h"

typedef struct {
    PyObject_HEAD
    PyObject *dict;          /* instance __dict__ (holds .stats) */
    tracer tr;
    int enabled;
    int fast;                /* enabled without builtins (the fast mode) */
    PyTypeObject *recorder_type;
    engine_profiler eng;     /* the engine's (engine_types.h) */
} profiler;

PyObject *profiler_type_new(PyObject *module);

/* Starts recording in the calling thread (and, if the profiler follows
 * threads, in every thread).  Returns the calling thread's recorder
 * (borrowed), or NULL with an exception set. */
recorder *profiler_enable(profiler *p);
/* Stops recording everywhere and closes open activations.  0, or -1 with
 * an exception set (MemoryError if a hook ran out of memory). */
int profiler_disable(profiler *p);

/* Threads are told apart by their ident and their thread state's id
 * (PyThreadState_GetID): a thread that starts after another ended may get
 * its ident, and is still another thread of the profile. */

/* The recorder of the calling thread, or NULL.  Borrowed. */
recorder *profiler_find_recorder(profiler *p);
/* The recorder of the calling thread, made on first use; borrowed, or
 * NULL with an exception set.  May run Python (the thread's name). */
recorder *profiler_recorder_for(profiler *p);
/* The recorder of another thread (its state ts), made on first use
 * without a name; borrowed, or NULL with an exception set. */
recorder *profiler_recorder_of(profiler *p, PyThreadState *ts);

/* A new profile model of everything recorded, or NULL with an exception
 * set.  The caller frees it with profile_free. */
profile *profiler_snapshot(profiler *p);

#endif
