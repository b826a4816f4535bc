/* graph.c: `lento graph PROFILE -o callgraph.(png|svg|dot)`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/outfile.h"
#include "../core/paths.h"
#include "../report/export.h"
#include "../report/graph.h"
#include "cli.h"
#include "dot.h"

static const char help[] =
    "usage: lento graph PROFILE -o FILE [--node-thres PCT] [--edge-thres "
    "PCT]\n"
    "\n"
    "Draws the call graph of a saved profile, as gprof2dot does: a box per\n"
    "function with its total time (itself and all it calls) and, in\n"
    "parentheses, its self time, as % of the run, and its calls; an arrow\n"
    "per caller->callee with the share of time spent in those calls and\n"
    "their count.  Colours go from blue (cold) to red (hot).\n"
    "\n"
    "options:\n"
    "  -o FILE           FILE.svg or FILE.png: drawn by Graphviz's `dot`;\n"
    "                    FILE.dot (or .gv): the graph itself, for dot or\n"
    "                    xdot.  Without `dot` installed, a .svg/.png request\n"
    "                    writes the .dot beside it and tells how to draw it.\n"
    "                    '-': the .dot graph on standard output.\n"
    "                    An existing file is replaced only by one of its\n"
    "                    kind.\n"
    "  --node-thres PCT  leave out functions under PCT % of the total time\n"
    "                    (default 0.5)\n"
    "  --edge-thres PCT  leave out calls under PCT % (default 0.1)\n"
    "\n"
    "examples:\n"
    "  lento graph app.lento -o callgraph.svg\n"
    "  lento graph app.lento -o all.dot --node-thres 0 --edge-thres 0\n"
    "  dot -Tpdf -o callgraph.pdf all.dot\n";

static int parse_pct(const char *s, double *v)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno || !(d >= 0 && d <= 100))
        return -1;
    *v = d;
    return 0;
}

/* "x.png" -> "x.dot" into dst */
static void dot_name(char *dst, size_t cap, const char *out)
{
    const char *slash = strrchr(out, '/');
    const char *dot = strrchr(out, '.');
    size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - out)
                                              : strlen(out);
    snprintf(dst, cap, "%.*s.dot", (int)n, out);
}

int cli_graph(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    graph_opts o = {GRAPH_NODE_THRES, GRAPH_EDGE_THRES, NULL};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--node-thres") ||
                   !strcmp(a, "--edge-thres")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lento: %s needs a value (lento graph "
                                "--help)\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-o")) {
                out = v;
            } else if (parse_pct(v, !strcmp(a, "--node-thres")
                                        ? &o.node_thres
                                        : &o.edge_thres) < 0) {
                fprintf(stderr, "lento: %s takes a percentage from 0 to 100 "
                                "(got '%s')\n", a, v);
                return 2;
            }
        } else if (cli_take_arg("graph", a, &in)) {
            return 2;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "lento: graph needs a profile and -o FILE (lento "
                        "graph --help)\n");
        return 2;
    }
    const char *fmt = outfile_is_stdout(out)        ? "dot"
                      : path_ends_with(out, ".svg") ? "svg"
                      : path_ends_with(out, ".png") ? "png"
                      : path_ends_with(out, ".dot") ||
                              path_ends_with(out, ".gv")
                          ? "dot"
                          : NULL;
    if (!fmt) {
        fprintf(stderr, "lento: -o must end in .svg, .png or .dot (got "
                        "'%s')\n", out);
        return 2;
    }
    profile *p;
    int st = cli_open(in, out, fmt, &p);
    if (st)
        return st;
    o.title = profile_get_meta(p, "command");
    buf g, img;
    buf_init(&g, EXPORT_MAX_SIZE);
    buf_init(&img, EXPORT_MAX_SIZE);
    int status = 1;
    int rc = graph_dot(p, &o, &g);
    if (rc < 0) {
        fprintf(stderr, "lento: cannot draw '%s': %s\n", in,
                cli_strerror(rc));
        goto done;
    }
    if (!strcmp(fmt, "dot")) {
        if (cli_write(&g, out) == 0) {
            fprintf(stderr, "lento: wrote %s (draw it: dot -Tsvg -o "
                            "callgraph.svg %s)\n", cli_out_name(out),
                    outfile_is_stdout(out) ? "FILE.dot" : out);
            status = 0;
        }
        goto done;
    }
    rc = dot_render(&g, fmt, &img, 120);
    if (rc == 0) {
        if (cli_write(&img, out) == 0) {
            fprintf(stderr, "lento: wrote %s\n", out);
            status = 0;
        }
        goto done;
    }
    /* No dot, or dot failed: the graph itself is still the answer. */
    char dname[4096];
    dot_name(dname, sizeof dname, out);
    if (cli_check_output(dname, in, "dot") < 0 || cli_write(&g, dname) < 0)
        goto done;
    if (rc == -ENOENT) {
        fprintf(stderr, "lento: Graphviz's `dot` is not installed, so wrote "
                        "%s; draw it with: dot -T%s -o %s %s (Debian: "
                        "apt-get install graphviz)\n",
                dname, fmt, out, dname);
        status = 0;
    } else {
        fprintf(stderr, "lento: dot could not draw the graph (%s); wrote "
                        "%s\n", rc == -ECHILD ? "see above" :
                        strerror(-rc), dname);
    }
done:
    buf_free(&g);
    buf_free(&img);
    profile_free(p);
    return status;
}
