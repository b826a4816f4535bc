/* engine_types.h: the 3.11 engine's fields in shared structures
 * (engine.h). */
#ifndef LENTO_ENGINE_TYPES_H
#define LENTO_ENGINE_TYPES_H

#include <Python.h>

/* In each profiler: the default mode follows new threads through
 * threading.setprofile. */
typedef struct {
    PyObject *thread_hook; /* our callable given to threading.setprofile */
    PyObject *saved_hook;  /* threading's profile hook before enable() */
    int detached;          /* a thread was detached (its hook removed by
                              lento, not by the program): ... */
    uint64_t detached_tsid; /* ... this one (PyThreadState_GetID) */
} engine_profiler;

static inline int engine_profiler_visit(engine_profiler *e, visitproc visit,
                                        void *arg)
{
    Py_VISIT(e->thread_hook);
    Py_VISIT(e->saved_hook);
    return 0;
}

static inline void engine_profiler_clear(engine_profiler *e)
{
    Py_CLEAR(e->thread_hook);
    Py_CLEAR(e->saved_hook);
}

/* In each code object's slot (lines.h): its twin (twin.h). */
typedef struct {
    PyObject *twin;      /* strong: the code with probes, or NULL */
    int twin_tried;      /* twin_build was called (NULL: tracing path) */
    PyCodeObject *orig;  /* in a twin's slot: the code it was made from,
                            NULL once that is freed */
} engine_slot;

#endif
