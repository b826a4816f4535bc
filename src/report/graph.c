/* graph.c: the call graph in DOT (see graph.h). */
#include "graph.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/flat.h"
#include "escape.h"
#include "label.h"

/* HSL (all in [0, 1]) to an sRGB byte triple. */
static void hsl_rgb(double h, double s, double l, unsigned char rgb[3])
{
    double c = (1 - fabs(2 * l - 1)) * s;
    double hp = h * 6, x = c * (1 - fabs(fmod(hp, 2) - 1)), m = l - c / 2;
    double r = 0, g = 0, b = 0;
    if (hp < 1)
        r = c, g = x;
    else if (hp < 2)
        r = x, g = c;
    else if (hp < 3)
        g = c, b = x;
    else if (hp < 4)
        g = x, b = c;
    else if (hp < 5)
        r = x, b = c;
    else
        r = c, b = x;
    double v[3] = {r + m, g + m, b + m};
    for (int i = 0; i < 3; i++)
        rgb[i] = (unsigned char)lround(fmin(fmax(v[i], 0), 1) * 255);
}

int graph_color(double w, char dst[8])
{
    if (!(w > 0))
        w = 0;
    if (w > 1)
        w = 1;
    /* Small shares are the common case: a square root spreads them over
     * more of the scale.  Hue runs blue (2/3) -> cyan -> green -> yellow
     * -> red (0); hotter nodes also get more saturated and darker. */
    double t = sqrt(w);
    unsigned char rgb[3];
    double l = 0.62 - 0.22 * t;
    hsl_rgb((1 - t) * (2.0 / 3.0), 0.55 + 0.45 * t, l, rgb);
    snprintf(dst, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    /* relative luminance (Rec. 709 weights) decides the text colour */
    double y = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
    return y < 0.55;
}

static double share(int64_t part, int64_t total)
{
    return total > 0 ? (double)part / (double)total : 0;
}

/* "12,345" */
static int put_count(buf *out, uint64_t n)
{
    char raw[32], grouped[48];
    int len = snprintf(raw, sizeof raw, "%" PRIu64, n);
    size_t j = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            grouped[j++] = ',';
        grouped[j++] = raw[i];
    }
    grouped[j] = '\0';
    return buf_addstr(out, grouped);
}

static int put_node(buf *out, const profile *p, const flat_profile *fl,
                    uint32_t f)
{
    const profile_func *pf = &p->funcs[f];
    const flat_stat *s = &fl->funcs[f];
    double w = share(s->cum, fl->total);
    char color[8];
    int white = graph_color(w, color);
    int rc;
    if ((rc = buf_printf(out, "  f%" PRIu32 " [label=\"", f)) < 0 ||
        (rc = esc_dot(out, pf->name)) < 0)
        return rc;
    if (pf->kind == FUNC_PYTHON &&
        ((rc = buf_addstr(out, "\\n")) < 0 ||
         (rc = esc_dot(out, label_short_file(pf->file))) < 0 ||
         (rc = buf_printf(out, ":%" PRIu32, pf->line)) < 0))
        return rc;
    if ((rc = buf_printf(out, "\\n%.2f%%\\n(%.2f%%)\\n",
                         100 * w, 100 * share(s->self, fl->total))) < 0 ||
        (rc = put_count(out, s->calls)) < 0)
        return rc;
    if (s->calls != s->prim_calls &&
        ((rc = buf_addstr(out, "/")) < 0 ||
         (rc = put_count(out, s->prim_calls)) < 0))
        return rc;
    /* the multiplication sign, as gprof2dot writes counts */
    if ((rc = buf_addstr(out, "\xc3\x97\", tooltip=\"")) < 0 ||
        (rc = esc_dot(out, pf->kind == FUNC_PYTHON ? pf->file : pf->name)) <
            0)
        return rc;
    return buf_printf(out, "\", fillcolor=\"%s\", fontcolor=\"%s\"];\n",
                      color, white ? "#ffffff" : "#000000");
}

static int put_edge(buf *out, const flat_profile *fl, const flat_edge *e)
{
    double w = share(e->stat.cum, fl->total);
    char color[8];
    graph_color(w, color);
    int rc;
    if ((rc = buf_printf(out,
                         "  f%" PRIu32 " -> f%" PRIu32 " [label=\"%.2f%%\\n",
                         e->caller, e->callee, 100 * w)) < 0 ||
        (rc = put_count(out, e->stat.calls)) < 0)
        return rc;
    return buf_printf(out,
                      "\xc3\x97\", color=\"%s\", fontcolor=\"%s\", "
                      "penwidth=%.2f, arrowsize=%.2f];\n",
                      color, color, 0.5 + 5.5 * sqrt(w), 0.5 + 0.5 * sqrt(w));
}

int graph_dot(const profile *p, const graph_opts *o, buf *out)
{
    flat_profile fl;
    int rc = flat_build(p, &fl);
    if (rc < 0)
        return rc;
    uint8_t *keep = calloc((size_t)p->n_funcs + 1, 1);
    if (!keep) {
        rc = -ENOMEM;
        goto done;
    }
    double nt = o->node_thres / 100, et = o->edge_thres / 100;
    uint32_t kept = 0, pruned = 0;
    for (uint32_t f = 0; f < p->n_funcs; f++) {
        if (fl.funcs[f].calls == 0 && fl.funcs[f].cum == 0)
            continue; /* never ran: not part of the graph at all */
        keep[f] = share(fl.funcs[f].cum, fl.total) >= nt;
        kept += keep[f];
        pruned += !keep[f];
    }
    if ((rc = buf_addstr(out, "digraph lento {\n  graph [fontname=\"Helvetica"
                              "\", nodesep=0.2, ranksep=0.3, labelloc=t, "
                              "label=\"")) < 0 ||
        (o->title && ((rc = esc_dot(out, o->title)) < 0 ||
                      (rc = buf_addstr(out, "\\n")) < 0)) ||
        (rc = buf_printf(out,
                         "%" PRIu32 " functions shown, %" PRIu32
                         " under %.2f%% of the time left out; edges under "
                         "%.2f%% left out\"];\n"
                         "  node [fontname=\"Helvetica\", shape=box, "
                         "style=filled, width=0, height=0, fontsize=10];\n"
                         "  edge [fontname=\"Helvetica\", fontsize=9];\n",
                         kept, pruned, o->node_thres, o->edge_thres)) < 0)
        goto done;
    for (uint32_t f = 0; f < p->n_funcs; f++)
        if (keep[f] && (rc = put_node(out, p, &fl, f)) < 0)
            goto done;
    for (uint32_t e = 0; e < fl.n_edges; e++) {
        const flat_edge *fe = &fl.edges[e];
        if (keep[fe->caller] && keep[fe->callee] &&
            share(fe->stat.cum, fl.total) >= et &&
            (rc = put_edge(out, &fl, fe)) < 0)
            goto done;
    }
    rc = buf_addstr(out, "}\n");
done:
    free(keep);
    flat_free(&fl);
    return rc;
}
