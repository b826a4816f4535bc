/* flame.c: `lento flame PROFILE -o flame.svg`. */
#include <stdio.h>
#include <string.h>

#include "../core/outfile.h"
#include "../core/paths.h"
#include "../report/export.h"
#include "../report/flame.h"
#include "cli.h"

static const char help[] =
    "usage: lento flame PROFILE -o FLAME.svg\n"
    "\n"
    "Draws a flame graph of a saved profile as one SVG file: a bar per\n"
    "call path, as wide as the time spent in it and all it calls, with its\n"
    "callees stacked on top (widest first).  Hover a bar for its figures.\n"
    "The HTML report (`lento html`) has the same picture with zoom and\n"
    "search; for other viewers: lento export PROFILE -o x.folded.\n"
    "-o - writes the SVG to standard output; an existing file is replaced\n"
    "only by one that is SVG.\n"
    "\n"
    "example:\n"
    "  lento flame app.lento -o flame.svg && xdg-open flame.svg\n";

int cli_flame(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(a, "-o")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lento: -o needs a value (lento flame "
                                "--help)\n");
                return 2;
            }
            out = argv[++i];
        } else if (cli_take_arg("flame", a, &in)) {
            return 2;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "lento: flame needs a profile and -o FILE.svg (lento "
                        "flame --help)\n");
        return 2;
    }
    if (!path_ends_with(out, ".svg") && !outfile_is_stdout(out)) {
        fprintf(stderr, "lento: -o must end in .svg (got '%s')\n", out);
        return 2;
    }
    profile *p;
    int st = cli_open(in, out, "svg", &p);
    if (st)
        return st;
    buf b;
    buf_init(&b, EXPORT_MAX_SIZE);
    int status = 1;
    int rc = flame_svg(p, profile_get_meta(p, "command"), &b);
    if (rc < 0)
        fprintf(stderr, "lento: cannot draw '%s': %s\n", in,
                cli_strerror(rc));
    else if (cli_write(&b, out) == 0) {
        fprintf(stderr, "lento: wrote %s\n", cli_out_name(out));
        status = 0;
    }
    buf_free(&b);
    profile_free(p);
    return status;
}
