/* interp.h: the one interpreter structure the sys.monitoring engine reads,
 * per version: which frame is running.
 *
 * A sys.monitoring callback is given the code object but not the frame;
 * line timing keeps its counts per running frame (recursion), so it needs
 * the frame's identity: the thread's current interpreter frame, a field of
 * PyThreadState (not an internal header).  Checked on 3.13, 3.14 and 3.15;
 * 3.12 is written to its headers but not tested here (no 3.12 can be
 * had). */
#ifndef LENTO_INTERP_H
#define LENTO_INTERP_H

#include <Python.h>

#if PY_VERSION_HEX < 0x030C0000 || PY_VERSION_HEX >= 0x03100000
#error "the sys.monitoring engine is for CPython 3.12 to 3.15"
#endif

/* The running frame of the calling thread, as an identity only. */
static inline const void *interp_current_frame(void)
{
    PyThreadState *ts = PyThreadState_Get();
#if PY_VERSION_HEX >= 0x030D0000
    return ts->current_frame;
#else
    return ts->cframe->current_frame;
#endif
}

#endif
