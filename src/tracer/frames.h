/* frames.h: fast mode, Python frames timed through the frame-evaluation
 * hook of PEP 523 instead of a profile hook.
 *
 * Why: on CPython 3.11 any profile hook (PyEval_SetProfile) sends every
 * opcode of the program down the interpreter's tracing path, which turns
 * off its specialised instructions and makes a frame object per call; that
 * alone costs most of what cProfile costs.  A frame-evaluation hook is
 * called once per frame run (a call, or a generator resumed) and leaves
 * the interpreter's fast paths on.  What it cannot see is a call of a C
 * function: in fast mode their time counts in the Python function that
 * called them, exactly as cProfile counts it with builtins=False.
 *
 * One profiler at a time per process can be in fast mode (the hook is the
 * interpreter's, not a thread's); sub-interpreters are not supported. */
#ifndef LENTO_FRAMES_H
#define LENTO_FRAMES_H

#include "profiler.h"

/* Installs the hook for p; mine is the calling thread's recorder.  Other
 * threads get their recorder at their next frame if p follows threads.
 * 0, or -1 with an exception set (another profiler is in fast mode). */
int frames_start(profiler *p, recorder *mine);

/* Removes the hook (if p has it).  Frames still running finish untimed. */
void frames_stop(profiler *p);

/* Installs the frame-evaluation hook if fast mode or line timing
 * (lines.h) needs it, removes it if neither does.  Always 0. */
int frames_hook_update(void);

/* Stops recording the calling thread only, until frames_stop. */
void frames_detach_thread(void);

/* --lines=auto's switch, now, in the calling thread (lines.h). */
void frames_auto_switch_now(void);

#endif
