/* lines.c: printing a profile's line tables (`lento run --lines`,
 * `lento report --lines`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/flat.h"
#include "../report/lines.h"
#include "cli.h"

/* The whole program's time in seconds: the profiled time of every thread,
 * as the summary states it; 0 if the profile has no function data. */
static double program_seconds(const profile *p)
{
    flat_profile flat;
    if (p->n_threads == 0 || flat_build(p, &flat) < 0)
        return 0;
    double s = (double)flat.total * p->tick;
    flat_free(&flat);
    return s;
}

int cli_lines_print(FILE *out, const profile *p)
{
    if (p->n_line_funcs == 0) {
        fprintf(out, "\nlento: no line timings in this profile (time lines "
                     "with lento run --lines)\n");
        return 0;
    }
    double prog = program_seconds(p);
    const char *mode = profile_get_meta(p, "lines");
    const char *since = profile_get_meta(p, "lines_since");
    const char *wall = profile_get_meta(p, "wall_seconds");
    buf b;
    buf_init(&b, (size_t)1 << 30);
    int rc = buf_addstr(&b, "\nLine by line");
    if (rc == 0 && mode && !strcmp(mode, "auto") && since) {
        rc = buf_printf(&b, " (--lines=auto: these functions had the most "
                            "self time in the first %.3f s; their lines "
                            "are timed from then to the end of the run",
                        atof(since));
        if (rc == 0 && wall)
            rc = buf_printf(&b, " at %.3f s", atof(wall));
        if (rc == 0)
            rc = buf_addstr(&b, "; a call running then in the main thread "
                                "from its next line, in other threads from "
                                "the next call)");
    }
    else if (rc == 0 && mode)
        rc = buf_addstr(&b, " (the whole run)");
    if (rc == 0 && prog > 0)
        rc = buf_printf(&b, "; %% Prog is the line's share of the program's "
                            "%.6g s", prog);
    if (rc == 0)
        rc = buf_addstr(&b, ":\n\n");
    report_file_cache cache;
    report_file_cache_init(&cache);
    report_lines_opts o = {0, 0, 1, prog, report_file_source, &cache};
    if (rc == 0)
        rc = report_lines(&b, p, &o);
    report_file_cache_free(&cache);
    if (rc == 0 && b.len && fwrite(b.data, 1, b.len, out) != b.len) {
        rc = -EIO;
        if (out == stdout) { /* told once at exit (main.c) */
            cli_stdout_failed(errno);
            buf_free(&b);
            return -1;
        }
    }
    buf_free(&b);
    if (rc < 0) {
        fprintf(stderr, "lento: cannot print the line report: %s\n",
                strerror(-rc));
        return -1;
    }
    return 0;
}
