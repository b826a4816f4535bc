/* engine.h: what the shared tracer asks of the engine, the one part that
 * knows how this interpreter reports calls and lines.
 *
 * One engine is compiled in, chosen by meson from the Python it builds
 * for; each lives in its own folder and implements every function below:
 *
 *   engines/py311/       CPython 3.11.  The default mode is a profile hook
 *                        (PyEval_SetProfile); the fast mode and line timing
 *                        a PEP 523 frame-evaluation hook, with twins (code
 *                        rewritten with line probes) and the tracing path.
 *   engines/monitoring/  CPython 3.12 to 3.15.  PEP 669 sys.monitoring for
 *                        every mode: Python frames, C calls, and line
 *                        events as local events of the selected code only.
 *
 * The recorder, registry, line records, store, reports and the Python API
 * are shared and never ask which interpreter runs them; an engine's own
 * fields in shared structures come from its engine_types.h.
 *
 * Everything here runs with the GIL held. */
#ifndef LENTO_ENGINE_H
#define LENTO_ENGINE_H

#include <Python.h>

#include "lines.h"
#include "profiler.h"

/* Once, at module execution: the engine's tables, and the module
 * functions it adds (tests' private hooks).  0, or -1 with an exception
 * set. */
int engine_init(PyObject *module);

/* Starts recording function calls into p: every call including C
 * functions if p->tr.builtins, else Python frames only (the fast mode).
 * mine is the calling thread's recorder; other threads are recorded if p
 * follows threads.  0, or -1 with an exception set. */
int engine_profile_start(profiler *p, recorder *mine);

/* Stops recording into p everywhere (nothing if p is not recording). */
void engine_profile_stop(profiler *p);

/* Stops recording the calling thread only, until the next start: the
 * program's own part of the main thread is over. */
void engine_profile_detach_thread(profiler *p);

/* Line timing (lines.h).  o has just been enabled: deliver the line
 * events of its code.  0, or -1 with an exception set. */
int engine_lines_on(lines_owner *o);

/* o has just been disabled: stop delivering the line events of its code
 * that no other enabled owner has selected. */
void engine_lines_off(lines_owner *o);

/* c has just been selected by its owner (lines_add_code), enabled or
 * not.  0, or -1 with an exception set (c is then unselected). */
int engine_lines_selected(lines_code *c);

/* --lines=auto has just enabled its owner: frames of the chosen code
 * that are already running in this thread are timed from now on. */
void engine_lines_take_up_running(void);

/* --lines=auto's timer asks for the switch now, in the calling thread. */
void engine_lines_auto_switch_now(void);

/* The code-extra slot of a code object is being freed. */
void engine_slot_free(lines_slot *s);

#endif
