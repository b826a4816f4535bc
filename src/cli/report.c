/* report.c: `lento report FILE`: the summary of a saved profile, and the
 * Bottleneck section again when the profile has the run's figures. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../core/store.h"
#include "../report/bottleneck.h"
#include "../report/hotspots.h"
#include "../report/json.h"
#include "../report/procs.h"
#include "../report/summary.h"
#include "../report/verdict.h"
#include "cli.h"

static const char help[] =
    "usage: lento report [--top N] [--json] [--lines] [--pid PID] PROFILE\n"
    "\n"
    "Prints the summary of a profile saved by `lento run` (a .lento file):\n"
    "the functions with the most cumulative and the most self time, with\n"
    "Amdahl's law on each (how much faster the whole program could be if\n"
    "that function took no time), then the Bottleneck section: the run's\n"
    "system figures, what limited it, and what to do about it.\n"
    "\n"
    "  --top N   rows in each table (default 10)\n"
    "  --json    print the figures, verdict and hotspots as one JSON object\n"
    "            (docs/json.md)\n"
    "  --lines   print the line-by-line timings instead (saved by\n"
    "            lento run --lines)\n"
    "  --pid PID one process's own profile, when the program started others\n"
    "            (the summary lists them; without --pid, the tables are\n"
    "            their sum)\n";

int cli_report(int argc, char **argv)
{
    summary_opts o = {10, NULL};
    const char *path = NULL;
    int json = 0, lines = 0;
    const char *pid = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--top")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lento: --top needs a value (lento report "
                                "--help)\n");
                return 2;
            }
            if (!(o.top = cli_parse_top(argv[++i]))) {
                fprintf(stderr, "lento: --top takes a positive number\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--pid")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lento: --pid needs a value (lento report "
                                "--help)\n");
                return 2;
            }
            pid = argv[++i];
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--lines")) {
            lines = 1;
        } else if (cli_take_arg("report", argv[i], &path)) {
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "lento: report needs a profile (lento report "
                        "--help)\n");
        return 2;
    }
    profile *p = NULL;
    if (cli_load_profile(path, &p) < 0)
        return 1;
    int rc;
    if (pid) {
        char *end;
        unsigned long long n = strtoull(pid, &end, 10);
        int found = 0;
        profile *one = *pid && !*end ? procs_pick(p, n, &found) : NULL;
        if (!one) {
            if (found)
                fprintf(stderr, "lento: out of memory\n");
            else
                fprintf(stderr, "lento: '%s' has no process %s (lento "
                                "report lists them)\n", path, pid);
            profile_free(p);
            return found ? 1 : 2;
        }
        profile_free(p);
        p = one; /* without the run's figures: they are the whole tree's */
    }
    o.label = profile_get_meta(p, "command");
    if (lines) {
        rc = cli_lines_print(stdout, p);
        profile_free(p);
        return rc < 0 ? 1 : 0;
    }
    enum { N_HOT = 10 };
    hotspot hot[N_HOT];
    size_t n_hot = 0;
    verdict v;
    if ((rc = hotspots_verdict(p, hot, N_HOT, &n_hot, &v)) < 0)
        goto done;
    if (json) {
        json_report jr = {"report", NULL, o.label, path, p->system,
                          p->system ? &v : NULL, hot, n_hot, p};
        rc = json_write(stdout, &jr);
    } else {
        rc = summary_print(stdout, p, &o);
        if (rc == 0 && p->system)
            rc = bottleneck_print(stdout, p->system, &v);
    }
done:
    verdict_free(&v);
    profile_free(p);
    if (rc < 0 && ferror(stdout)) {
        /* the reason is the output's, told once at exit (main.c) */
        cli_stdout_failed(rc != -EIO ? -rc : errno);
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "lento: cannot report '%s': %s\n", path,
                strerror(-rc));
        return 1;
    }
    return 0;
}
