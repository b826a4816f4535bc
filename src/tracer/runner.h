/* runner.h: runs a program as `python` would, under a profiler.
 *
 * The program gets what it would get without lento: sys.argv, sys.path[0],
 * a real __main__ module in sys.modules (so pickle and multiprocessing
 * work), its exit status, Python's own traceback for an uncaught
 * exception. */
#ifndef LENTO_RUNNER_H
#define LENTO_RUNNER_H

#include <Python.h>

#include "profiler.h"

typedef enum { TARGET_SCRIPT, TARGET_MODULE, TARGET_CODE } target_kind;

typedef struct {
    target_kind kind;
    PyObject *what; /* str: script path, module name, or source code */
    PyObject *args; /* list of str: the program's arguments after it */
} run_target;

/* Exit statuses of lento's own failures, before the program starts. */
#define RUN_EXIT_USAGE 2   /* bad command line, missing script */
#define RUN_EXIT_FAILED 1  /* the program could not be started */
#define RUN_EXIT_SIGINT 130

/* Prints "lento: <prefix>: <ExcType>: <message>" for the pending
 * exception, on one line, and clears it. */
void runner_print_exc(const char *prefix);

/* Prepares the target (compiles it, makes its __main__) without running
 * it.  On failure prints one line "lento: ..." to stderr and returns the
 * exit status to use (> 0); returns 0 on success with *code and *globals
 * set (new references). */
int runner_prepare(const run_target *t, PyObject **code, PyObject **globals);

/* Runs code under p (enabled around it, disabled after, threads waited
 * for), printing any uncaught exception as Python does.  Returns the exit
 * status the program asked for: its sys.exit() code, 1 for an uncaught
 * exception, 130 for KeyboardInterrupt. */
int runner_run(profiler *p, PyObject *code, PyObject *globals);

#endif
