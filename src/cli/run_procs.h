/* run_procs.h: the processes of one `lento run`.
 *
 * lento run gives its program a private directory (in $TMPDIR) and tells
 * it through the environment (src/tracer/persist.h); every profiled
 * process saves there: the main program as main.lento, each child as
 * PID.lento, and each rewrites its file every second while it runs.  When
 * the program has ended, lento run reads them all into one profile and
 * removes the directory, so nothing is left beside the user's files. */
#ifndef LENTO_RUN_PROCS_H
#define LENTO_RUN_PROCS_H

#include <stdio.h>

#include "../core/profile.h"

/* Makes the run's directory (its path into dir, cap bytes).  0 or -errno. */
int run_dir_make(char *dir, size_t cap);

/* Sets the environment the program's processes read (persist.h). */
void run_env_set(const char *dir, int children, int builtins, int threads);
void run_env_clear(void);

/* Waits, at most `seconds`, for the processes the program started that
 * are still profiling (dir/PID.live) to end and save.  Returns how many
 * were still running then (their profiles are partial). */
unsigned run_wait_children(const char *dir, double seconds);

/* What the run's processes wrote saving their profiles: not the
 * program's IO. */
typedef struct {
    uint64_t bytes, calls;
} run_own_io;

/* Reads the main program's profile and every child's into one (*out, the
 * caller frees): the main one alone if no child saved one, else all of
 * them merged, with their processes (profile.procs).  Adds what their
 * saves wrote to *io.  0; or -ENOENT when the main program saved nothing;
 * or -EINVAL with *why. */
int run_collect(const char *dir, profile **out, const char **why,
                run_own_io *io);

/* Takes lento's own writes out of the run's IO figures (logical bytes and
 * calls; the storage figure and the timeline keep them, as the kernel
 * does not say which bytes were whose). */
void run_own_io_remove(profile_system *fig, const run_own_io *io);

/* Removes the directory and what is in it. */
void run_dir_remove(const char *dir);

/* One line on how the program ended when it did not end by exiting:
 * "killed by signal 11 (Segmentation fault)", and whether the profile is
 * partial (the time since its last save is missing).  Nothing if it
 * exited. */
void run_print_ending(FILE *out, int term_signal, const profile *p);

#endif
