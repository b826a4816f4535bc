/* persist.h: saving a running profile so that nothing is lost, and
 * following the program's child processes.
 *
 * A process that profiles into a file (python -m lento -o FILE, and every
 * process of `lento run`) saves through here:
 * - at its end (persist_save_final), or, if it ends by os._exit (which
 *   skips every normal end), in lento's os._exit before the real one;
 * - under `lento run`, also every second while it runs (marked partial),
 *   so a crash, a kill or a hang loses at most the last second;
 * - a fork()ed child never writes its parent's file: under `lento run` it
 *   starts its own profile (what the child does, from the fork on) in the
 *   run's directory, otherwise it saves nothing.
 * New interpreters the program starts (multiprocessing's spawn and
 * forkserver, subprocess running Python) start profiling themselves
 * through lento's .pth file and persist_child_start.
 *
 * `lento run` tells its processes through the environment:
 *   LENTO_RUN_DIR      the run's private directory; each process saves
 *                      there as PID.lento (the main program: main.lento)
 *   LENTO_RUN_PID      lento run's pid: the process it starts is the main
 *                      program, not a child
 *   LENTO_RUN_CHILDREN "0" under --no-children
 *   LENTO_RUN_MODE     "builtins" or "fast" (--no-builtins), then
 *                      ",nothreads" under --no-threads
 *
 * Everything here runs with the GIL held, which protects the state, but
 * the flush timer thread (see persist.c). */
#ifndef LENTO_PERSIST_H
#define LENTO_PERSIST_H

#include <Python.h>

#include "lineprof.h"
#include "profiler.h"

/* Starts keeping prof (and lp, if not NULL) saved to path; label is what
 * ran (a str, or NULL to name the process when it saves).  Takes
 * references.  0, or -1 with an exception set. */
int persist_begin(profiler *prof, lineprof *lp, const char *path,
                  PyObject *label);

/* What --lines did, for the metadata: "decorated", "patterns" or "auto",
 * and when the program started (clock ns). */
void persist_set_lines(const char *mode, int64_t start);

/* The profile's final save, with the program's exit status.  0; or 0
 * without saving in a forked child that is not followed; or -errno (the
 * caller says why). */
int persist_save_final(int status);

/* Stops keeping: the timer ends, the references go. */
void persist_end(void);

/* SIGTERM raises SystemExit(128 + SIGTERM) in the main thread, so the
 * program unwinds and the profile is saved, unless the program (or its
 * parent) already handles or ignores SIGTERM. */
void persist_save_on_sigterm(void);

/* _child_start(): called by lento's .pth in every new interpreter; under
 * `lento run` (and not in the main program, nor under --no-children)
 * profiles this process into the run's directory until it exits.  None. */
PyObject *persist_child_start(PyObject *module, PyObject *unused);

#endif
