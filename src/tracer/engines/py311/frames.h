/* frames.h: the 3.11 engine's frame-evaluation hook (PEP 523): the fast
 * mode's Python frames, and line timing's selected frames (lines_hot.h).
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
 * The fast mode records into current.h's owner: one profiler at a time per
 * process (the hook is the interpreter's, not a thread's); sub-interpreters
 * are not supported. */
#ifndef LENTO_FRAMES_H
#define LENTO_FRAMES_H

/* Installs the frame-evaluation hook if the fast mode (current.h has an
 * owner) or line timing (lines.h) needs it, removes it if neither does.
 * Always 0. */
int frames_hook_update(void);

/* --lines=auto's switch, now, in the calling thread (lines.h). */
void frames_auto_switch_now(void);

#endif
