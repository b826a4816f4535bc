/* monitor.h: lento's sys.monitoring tool (PEP 669): its id, its callbacks
 * and the events it asks for.
 *
 * Tools share six ids.  By convention cProfile and line_profiler take
 * PROFILER_ID (2), coverage COVERAGE_ID (1), pdb DEBUGGER_ID (0), and 5 is
 * OPTIMIZER_ID; lento takes an id no convention names (4, else 3, else 5)
 * so that a program running its own cProfile, coverage or pdb keeps
 * working under lento.  The id is held while anything of lento's records,
 * and given back when nothing does.
 *
 * The callbacks are C functions called by the interpreter with the GIL
 * held, in any thread; they never raise and never return DISABLE.  Events
 * do not fire while a callback runs (the interpreter's tstate->tracing),
 * so Python code a callback calls (a custom timer) is not recorded. */
#ifndef LENTO_MONITOR_H
#define LENTO_MONITOR_H

#include <Python.h>

/* The events lento uses.  Their bits (sys.monitoring.events) differ
 * between versions: they are read at monitor_init. */
enum {
    MON_PY_START, MON_PY_RESUME, MON_PY_THROW,
    MON_PY_RETURN, MON_PY_YIELD, MON_PY_UNWIND,
    MON_CALL, MON_C_RETURN, MON_C_RAISE,
    MON_LINE, MON_RAISE, MON_RERAISE,
    MON_N_EVENTS
};

/* sys.monitoring.events bits of line timing's local events (those a code
 * object can have on its own: PY_START, PY_RESUME, PY_RETURN, PY_YIELD,
 * LINE). */
extern int monitor_line_events;

/* sys.monitoring.MISSING: the arg0 of a call without arguments. */
extern PyObject *monitor_missing;

/* The tool id lento holds, or -1. */
extern int monitor_tool;

/* Once: the event numbers and the callbacks.  0, or -1 with an exception
 * set. */
int monitor_init(void);

/* Takes a free tool id if none is held, registering the callbacks.  0, or
 * -1 with an exception set that names the tools holding the ids. */
int monitor_acquire(void);

/* Gives the tool id back if nothing of lento's needs it (no profile
 * recording, no line timing enabled).  Never raises. */
void monitor_release_if_idle(void);

/* Sets the events delivered for every code object from what records now:
 * the function profile's (current.h), and, while line timing is enabled,
 * the events that cannot be local (PY_THROW, PY_UNWIND, RAISE, RERAISE).
 * 0, or -1 with an exception set. */
int monitor_update_global(void);

/* The events delivered for code only, on top of the global ones.  0, or
 * -1 with an exception set. */
int monitor_set_local(PyCodeObject *code, int events);

#endif
