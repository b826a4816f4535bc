/* supervise.h: run a command as a child and measure the whole run from
 * outside it: the kernel's accounting of the process tree (wait4), a
 * timeline sampled from /proc, the machine's other load, and hardware
 * counters when the kernel allows them.  Shared by `lento stat` and
 * `lento run`.
 *
 * While it runs, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2
 * sent to this process are passed on to the program (those a terminal
 * sends to the whole foreground group already reached it and are not sent
 * twice), and the figures of the run so far are still returned when the
 * program dies of them.
 */
#ifndef LENTO_SUPERVISE_H
#define LENTO_SUPERVISE_H

#include "../core/system.h"

typedef struct {
    char *const *argv;     /* the command; argv[0] is looked up on PATH */
    const char *proc_root; /* "/proc" unless testing */
    double interval;       /* seconds between samples (e.g. 0.05) */
    int perf;              /* 1: try the hardware counters */
} supervise_opts;

typedef struct {
    int exec_errno; /* not 0: the command could not be started (ENOENT,
                       EACCES, ...) and status is 127 or 126 as a shell
                       says; fig is NULL */
    int status;     /* the program's exit status, or 128+N if signal N
                       ended it */
    profile_system *fig; /* the figures; the caller frees (system_free) */
} supervise_result;

/* Runs o->argv to its end.  0 (see r for how the program fared), or
 * -errno if the supervisor itself could not work (no fork, no memory);
 * then nothing was run. */
int supervise_run(const supervise_opts *o, supervise_result *r);

/* The message for a command that could not be started, e.g. "command not
 * found" for ENOENT, into dst. */
void supervise_exec_error(char *dst, size_t cap, int err);

#endif
