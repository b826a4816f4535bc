/* export.c: `lento export PROFILE [--format FMT] -o FILE`. */
#include <stdio.h>
#include <string.h>

#include "../core/store.h"
#include "../report/export.h"
#include "cli.h"

static void usage(FILE *f)
{
    fputs("usage: lento export PROFILE [--format FORMAT] -o FILE\n"
          "\n"
          "Writes a saved profile (a .lento file from `lento run`) in the\n"
          "format of a viewer you already use.  Without --format, the\n"
          "format follows the name of FILE:\n"
          "\n",
          f);
    unsigned n;
    const export_format *fm = export_formats(&n);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "  %-11s %-27s %s\n", fm[i].name, fm[i].exts, fm[i].what);
    fputs("\n"
          "options:\n"
          "  -o FILE          where to write ('-': standard output, with\n"
          "                   --format).  An existing file is replaced\n"
          "                   atomically, and only if it is of the same\n"
          "                   format; a device or FIFO is written into\n"
          "  --format FORMAT  one of the names above, whatever FILE is "
          "called\n"
          "\n"
          "examples:\n"
          "  lento export app.lento -o app.pstats     # snakeviz app.pstats\n"
          "  lento export app.lento -o callgrind.out.app  # kcachegrind\n"
          "  lento export app.lento -o app.folded     # flamegraph.pl "
          "app.folded > app.svg\n"
          "  lento export app.lento -o app.speedscope.json  # speedscope\n"
          "  lento export app.lento -o app.pb.gz      # go tool pprof "
          "-http=: app.pb.gz\n"
          "  lento export app.lento --format chrome -o trace  # "
          "ui.perfetto.dev\n"
          "\n"
          "What each format holds: docs/exports.md.\n",
          f);
}

int cli_export(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *fmt_name = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--format") ||
                   !strcmp(a, "-f")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lento: %s needs a value (lento export "
                                "--help)\n", a);
                return 2;
            }
            if (!strcmp(a, "-o"))
                out = argv[++i];
            else
                fmt_name = argv[++i];
        } else if (cli_take_arg("export", a, &in)) {
            return 2;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "lento: export needs a profile and -o FILE (lento "
                        "export --help)\n");
        return 2;
    }
    const export_format *fm;
    if (fmt_name) {
        if (!(fm = export_by_name(fmt_name))) {
            fprintf(stderr, "lento: unknown format '%s' (pstats, callgrind, "
                            "folded, speedscope, chrome, pprof, json)\n",
                    fmt_name);
            return 2;
        }
    } else if (!(fm = export_for_path(out))) {
        fprintf(stderr, "lento: cannot tell the format from the name '%s'; "
                        "give --format (lento export --help)\n", out);
        return 2;
    }
    profile *p;
    int st = cli_open(in, out, fm->name, &p);
    if (st)
        return st;
    buf b;
    buf_init(&b, EXPORT_MAX_SIZE);
    int status = 0;
    int rc = fm->write(p, &b);
    if (rc < 0) {
        fprintf(stderr, "lento: cannot export '%s' as %s: %s\n", in,
                fm->name, cli_strerror(rc));
        status = 1;
    } else if (cli_write(&b, out) < 0) {
        status = 1;
    } else {
        fprintf(stderr, "lento: wrote %s (%s)\n", cli_out_name(out), fm->name);
    }
    buf_free(&b);
    profile_free(p);
    return status;
}
