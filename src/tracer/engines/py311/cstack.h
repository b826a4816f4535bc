/* cstack.h: room on the C stack for deep recursion under the 3.11
 * frame-evaluation hook.
 *
 * Why: CPython 3.11 runs a Python-to-Python call inside the caller's
 * evaluation loop (no C recursion) only when no frame-evaluation hook is
 * installed.  With lento's hook (fast mode, line timing) every Python call
 * goes through the hook and so recurses on the C stack, about half a
 * kilobyte per frame: the thread's 8 MiB end near 16,000 frames, where the
 * bare interpreter, with its recursion limit raised, goes on to hundreds
 * of thousands.  So before each frame the hook compares the stack pointer
 * with the thread's floor (its stack's end plus a margin); below it, the
 * frame runs on a new stack segment of its own, mapped here, and everything
 * deeper runs there until that segment's floor in turn.  Nothing is left
 * out: every frame is recorded as it would be on a large enough stack.
 *
 * The state is per thread; what it did is counted in notes.h, so the
 * profile says so. */
#ifndef LENTO_CSTACK_H
#define LENTO_CSTACK_H

#include <stdint.h>

#define Py_BUILD_CORE_MODULE 1
#include <Python.h>
#include <internal/pycore_frame.h>

/* The lowest address the running stack may reach before a frame moves to
 * a new segment; UINTPTR_MAX until the thread's stack bounds are known
 * (so the first frame of each thread takes the cold path once). */
extern _Thread_local uintptr_t cstack_floor
    __attribute__((tls_model("initial-exec")));

typedef PyObject *(*cstack_eval)(PyThreadState *ts,
                                 struct _PyInterpreterFrame *f,
                                 int throwflag);

/* Whether the caller is below its thread's floor: the hook's one compare. */
static inline int cstack_low(void)
{
    return (uintptr_t)__builtin_frame_address(0) < cstack_floor;
}

/* Runs eval(ts, f, throwflag) with room on the C stack: in place if the
 * stack turns out to have room (the thread's first frame), else on a new
 * segment.  0 with *res set, or -ENOMEM if no segment could be mapped
 * (nothing ran). */
int cstack_run(cstack_eval eval, PyThreadState *ts,
               struct _PyInterpreterFrame *f, int throwflag, PyObject **res);

/* For tests: at most n more segments may be mapped (-1: no limit). */
void cstack_set_budget(long n);

#endif
