/* html.h: the self-contained HTML report.
 *
 * One file that opens offline from a path: the summary, the sortable and
 * filterable function table, the call graph (Graphviz's SVG when the
 * caller could draw it, and a caller/callee explorer), and the flame
 * graph of the calling-context trees; when the profile has system
 * figures, the bottleneck verdict (evidence, advice, warnings, figures)
 * and the timeline chart.  The profile goes in as the JSON of
 * export_json inside <script type="application/json">, escaped so that no
 * name can close the element (esc_json); the figures and verdict go in
 * beside it as "system", the object of `lento report --json`
 * (docs/json.md), or null; the page's own script and style
 * (src/report/html/) are embedded at build time and render the data with
 * text nodes only.  A Content-Security-Policy forbids every network
 * request. */
#ifndef LENTO_HTML_H
#define LENTO_HTML_H

#include "../core/buf.h"
#include "../core/profile.h"

typedef struct {
    const char *graph_svg;  /* the call graph drawn by dot -Tsvg, or NULL */
    const char *graph_note; /* a sentence about the drawing, or NULL */
} html_opts;

/* Appends the page to out.  0, -ENOMEM, -E2BIG or -EINVAL. */
int html_write(const profile *p, const html_opts *o, buf *out);

#endif
