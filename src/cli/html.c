/* html.c: `lento html PROFILE -o report.html`, and the report that
 * `lento run --html FILE` writes after the run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../core/paths.h"
#include "../report/export.h"
#include "../report/graph.h"
#include "../report/html.h"
#include "cli.h"
#include "dot.h"

static const char help[] =
    "usage: lento html PROFILE -o REPORT.html\n"
    "\n"
    "Writes one self-contained HTML file from a saved profile: the\n"
    "summary, the bottleneck verdict and a timeline chart (when the run\n"
    "was measured by `lento run`), a sortable and filterable table of\n"
    "every function, the call graph (drawn by Graphviz's `dot` when it is\n"
    "installed) with a caller/callee explorer, and a flame graph of the\n"
    "call paths (click to zoom, type to search); for a profile with line\n"
    "timings (`lento run --lines`), each timed function's source with every\n"
    "line's hits, time and heat.  It needs no network\n"
    "and no other file: open it from disk, mail it, archive it.\n"
    "\n"
    "options:\n"
    "  -o FILE      where to write the report ('-': standard output); an\n"
    "               existing file is replaced only by one that is HTML\n"
    "  --no-graph   do not run `dot` (faster on huge profiles)\n"
    "\n"
    "examples:\n"
    "  lento html app.lento -o app.html && xdg-open app.html\n"
    "  lento run --html app.html app.py     # profile and report at once\n";

static int write_report(const profile *p, const char *path, int graph)
{
    buf dot, svg, page;
    buf_init(&dot, EXPORT_MAX_SIZE);
    buf_init(&svg, EXPORT_MAX_SIZE);
    buf_init(&page, EXPORT_MAX_SIZE);
    report_file_cache cache;
    report_file_cache_init(&cache);
    html_opts o = {NULL, NULL, report_file_source, &cache};
    graph_opts go = {GRAPH_NODE_THRES, GRAPH_EDGE_THRES, NULL};
    int status = -1, rc = 0;
    if (!graph) {
        o.graph_note = "The graph was not drawn (--no-graph).";
    } else if ((rc = graph_dot(p, &go, &dot)) < 0) {
        goto fail;
    } else if ((rc = dot_render(&dot, "svg", &svg, 60)) == 0) {
        o.graph_svg = svg.data ? svg.data : "";
        o.graph_note = "Functions under 0.5% of the time and calls under "
                       "0.1% are left out.";
    } else {
        o.graph_note = rc == -ENOENT
                           ? "Graphviz's dot was not installed when this "
                             "report was made, so the graph is not drawn; "
                             "`lento graph` writes it as a .dot file."
                           : "Graphviz's dot could not draw the graph.";
    }
    if ((rc = html_write(p, &o, &page)) < 0)
        goto fail;
    if (cli_write(&page, path) == 0)
        status = 0;
    goto done;
fail:
    fprintf(stderr, "lento: cannot make the report '%s': %s\n", path,
            cli_strerror(rc));
done:
    buf_free(&dot);
    buf_free(&svg);
    buf_free(&page);
    report_file_cache_free(&cache);
    return status;
}

int cli_html_write(const profile *p, const char *path)
{
    if (write_report(p, path, 1) < 0)
        return -1;
    fprintf(stderr, "Report written to %s\n", cli_out_name(path));
    return 0;
}

int cli_html(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int graph = 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(a, "--no-graph")) {
            graph = 0;
        } else if (!strcmp(a, "-o")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lento: -o needs a value (lento html "
                                "--help)\n");
                return 2;
            }
            out = argv[++i];
        } else if (cli_take_arg("html", a, &in)) {
            return 2;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "lento: html needs a profile and -o FILE (lento html "
                        "--help)\n");
        return 2;
    }
    profile *p;
    int st = cli_open(in, out, "html", &p);
    if (st)
        return st;
    int rc = write_report(p, out, graph);
    profile_free(p);
    if (rc < 0)
        return 1;
    fprintf(stderr, "lento: wrote %s\n", cli_out_name(out));
    return 0;
}
