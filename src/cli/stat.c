/* stat.c: `lento stat`: run any command under the supervisor and say what
 * limited it (like /usr/bin/time -v, plus the verdict). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../monitor/supervise.h"
#include "../report/bottleneck.h"
#include "../report/json.h"
#include "../report/verdict.h"
#include "cli.h"

static const char help[] =
    "usage: lento stat [options] [--] COMMAND [ARGS...]\n"
    "\n"
    "Runs COMMAND (any program, Python or not) and measures the whole run\n"
    "from outside it, children included, then says what limited it:\n"
    "\n"
    "  CPU-bound     computing: a better algorithm, C libraries, compiled\n"
    "                code or more cores help\n"
    "  memory-bound  waiting for memory: use less of it, or use it in order\n"
    "  IO-bound      waiting for storage: cache, read sequentially, in\n"
    "                bigger blocks, overlap the waits\n"
    "  waiting       asleep: sleeps, locks, network, child processes\n"
    "  thrashing     paging: the program needs more memory than it gets\n"
    "  mixed         two of these, with their shares\n"
    "\n"
    "with the figures that say so and how sure it is, what to do about it,\n"
    "and warnings about the measurement itself (other load on the machine,\n"
    "a cold cache).  Threads held to one core (Python's GIL) are called out.\n"
    "\n"
    "The figures: wall, user and system time; CPU use in cores and as a\n"
    "share of the cores available; peak memory; page faults; context\n"
    "switches; bytes read and written (and how much from storage); threads\n"
    "and processes; a timeline sampled every 50 ms; hardware counters\n"
    "(instructions, cycles, cache misses) when the kernel allows them.\n"
    "\n"
    "options:\n"
    "  --json          print one JSON object instead of the text (schema:\n"
    "                  docs/json.md)\n"
    "  -o FILE         write the report to FILE instead of standard error\n"
    "                  ('-' for standard output)\n"
    "  --interval MS   milliseconds between samples (default 50, 10..100)\n"
    "  --no-counters   do not try the hardware counters\n"
    "  -h, --help      show this help\n"
    "\n"
    "The program's input, output and exit status are its own: lento exits\n"
    "with the program's status (128+N if signal N ended it; 127 if the\n"
    "command is not found, 126 if it cannot be run).  Ctrl-C and SIGTERM\n"
    "sent to lento reach the program, and the figures so far are reported.\n"
    "The rules behind the verdict: docs/verdict.md.\n"
    "\n"
    "examples:\n"
    "  lento stat -- python3 train.py --epochs 1\n"
    "  lento stat --json -o figures.json make -j4\n";

/* The command as one line, for the heading. */
static void join(buf *b, char *const *argv)
{
    for (size_t i = 0; argv[i]; i++) {
        if (i)
            buf_addstr(b, " ");
        if (strchr(argv[i], ' ') || !argv[i][0])
            buf_printf(b, "'%s'", argv[i]);
        else
            buf_addstr(b, argv[i]);
    }
}

int cli_stat(int argc, char **argv)
{
    int json = 0, perf = 1, i = 0;
    const char *outpath = NULL;
    double interval = 0.05;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--no-counters")) {
            perf = 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--interval")) {
            if (i + 1 >= argc) {
                fprintf(stderr,
                        "lento: %s needs a value (lento stat --help)\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-o")) {
                outpath = v;
            } else {
                char *end;
                long ms = strtol(v, &end, 10);
                if (*v == '\0' || *end || ms < 10 || ms > 100) {
                    fprintf(stderr, "lento: --interval takes milliseconds "
                                    "from 10 to 100\n");
                    return 2;
                }
                interval = (double)ms / 1000;
            }
        } else if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "lento: unknown option '%s' (lento stat --help)\n",
                    a);
            return 2;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "lento: nothing to run (lento stat -- COMMAND "
                        "[ARGS...]; lento stat --help)\n");
        return 2;
    }
    char **cmd = argv + i;

    /* Open the report's file first: a typo must not cost a long run. */
    FILE *out = stderr;
    if (outpath && strcmp(outpath, "-") == 0) {
        out = stdout;
    } else if (outpath) {
        out = fopen(outpath, "w");
        if (!out) {
            fprintf(stderr, "lento: cannot write '%s': %s\n", outpath,
                    strerror(errno));
            return 2;
        }
    }

    supervise_opts o = {cmd, "/proc", interval, perf};
    supervise_result r;
    int rc = supervise_run(&o, &r);
    signal(SIGPIPE, SIG_IGN); /* after the run: the program must not inherit it */
    int status;
    if (rc < 0) {
        fprintf(stderr, "lento: cannot start '%s': %s\n", cmd[0],
                strerror(-rc));
        status = 125;
        goto done;
    }
    status = r.status;
    if (r.exec_errno) {
        char why[256];
        supervise_exec_error(why, sizeof why, r.exec_errno);
        fprintf(stderr, "lento: %s: %s\n", cmd[0], why);
        goto done;
    }
    verdict v;
    if ((rc = verdict_compute(r.fig, NULL, 0, &v)) < 0) {
        fprintf(stderr, "lento: out of memory\n");
    } else if (json) {
        json_report jr = {"stat", cmd, NULL, NULL, r.fig, &v, NULL, 0, NULL};
        rc = json_write(out, &jr);
    } else {
        buf label;
        buf_init(&label, 4096);
        join(&label, cmd);
        fflush(stdout);
        fprintf(out, "\nlento stat: %s\n", label.data ? label.data : "");
        buf_free(&label);
        rc = bottleneck_print(out, r.fig, &v);
    }
    verdict_free(&v);
    system_free(r.fig);
    if (rc < 0 || fflush(out) != 0)
        fprintf(stderr, "lento: cannot write the report%s%s\n",
                outpath ? " to " : "", outpath ? outpath : "");
done:
    if (out != stderr && out != stdout)
        fclose(out);
    return status;
}
