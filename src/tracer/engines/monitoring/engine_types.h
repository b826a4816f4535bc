/* engine_types.h: the sys.monitoring engine's fields in shared structures
 * (engine.h): none, it keeps its state in monitor.c. */
#ifndef LENTO_ENGINE_TYPES_H
#define LENTO_ENGINE_TYPES_H

#include <Python.h>

typedef struct {
    char unused;
} engine_profiler;

static inline int engine_profiler_visit(engine_profiler *e, visitproc visit,
                                        void *arg)
{
    (void)e;
    (void)visit;
    (void)arg;
    return 0;
}

static inline void engine_profiler_clear(engine_profiler *e)
{
    (void)e;
}

typedef struct {
    char unused;
} engine_slot;

#endif
