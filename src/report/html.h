/* html.h: the self-contained HTML report.
 *
 * One file that opens offline from a path: the summary, the sortable and
 * filterable function table, the call graph (Graphviz's SVG when the
 * caller could draw it, and a caller/callee explorer), and the flame
 * graph of the calling-context trees; when the profile has system
 * figures, the bottleneck verdict (evidence, advice, warnings, figures)
 * and the timeline chart; when the profile has line tables (`lento run
 * --lines`), each timed function's source with every line's hits, time
 * and heat (see HTML_LINES_* below for what is left out of large
 * profiles).  The profile goes in as the JSON of
 * export_json inside <script type="application/json">, escaped so that no
 * name can close the element (esc_json); the figures and verdict go in
 * beside it as "system", the object of `lento report --json`
 * (docs/json.md), or null; the line tables as "lines", or null; the page's own script and style
 * (src/report/html/) are embedded at build time and render the data with
 * text nodes only.  A Content-Security-Policy forbids every network
 * request. */
#ifndef LENTO_HTML_H
#define LENTO_HTML_H

#include "../core/buf.h"
#include "../core/profile.h"
#include "lines.h"

/* Limits of the "lines" data, so that the page stays small: the functions
 * with the most time first, at most HTML_LINES_MAX_FUNCS of them (the
 * others are counted, not shown); a function spanning more than
 * HTML_LINES_MAX_SPAN lines has only its timed lines and no source text;
 * a source line is cut after HTML_LINES_MAX_TEXT bytes; once
 * HTML_LINES_TEXT_BUDGET bytes of source are in the page, the remaining
 * functions come without source text. */
enum {
    HTML_LINES_MAX_FUNCS = 200,
    HTML_LINES_MAX_SPAN = 2000,
    HTML_LINES_MAX_TEXT = 500,
    HTML_LINES_TEXT_BUDGET = 4 << 20,
};

typedef struct {
    const char *graph_svg;  /* the call graph drawn by dot -Tsvg, or NULL */
    const char *graph_note; /* a sentence about the drawing, or NULL */
    report_source_fn source; /* reads the line tables' source lines, or
                                NULL (numbers without contents) */
    void *source_ctx;
} html_opts;

/* Appends the page to out.  0, -ENOMEM, -E2BIG or -EINVAL. */
int html_write(const profile *p, const html_opts *o, buf *out);

#endif
