/* flame.c: the flame graph as SVG (see flame.h). */
#include "flame.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "export.h"
#include "label.h"
#include "tree.h"

typedef struct {
    const profile *p;
    buf *out;
    buf name;
    double scale;    /* px per tick */
    uint32_t height; /* y of the bottom edge of the root bar's row */
} fl;

/* FNV-1a of the name picks a warm colour, the same for every bar of one
 * function. */
static void colour(const char *s, char dst[8])
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    snprintf(dst, 8, "#%02x%02x%02x", 205 + (h & 31), 80 + ((h >> 5) & 127),
             40 + ((h >> 12) & 47));
}

static int put_bar(fl *f, const char *label, double x, uint32_t depth,
                   int64_t total, int64_t self, uint64_t calls, int func)
{
    double w = (double)total * f->scale, px = x * f->scale;
    double y = (double)(f->height - (depth + 1) * FLAME_ROW);
    char col[8] = "#c8c8d2";
    if (func)
        colour(label, col);
    int rc;
    if ((rc = buf_printf(f->out, "<g><title>")) < 0 ||
        (rc = esc_html(f->out, label)) < 0)
        return rc;
    double pct = f->scale > 0 ? 100.0 * w / FLAME_WIDTH : 0;
    if (func)
        rc = buf_printf(f->out,
                        " &#10;%.2f%% of the time, %.6g s; self %.6g s; "
                        "%" PRIu64 " calls",
                        pct, (double)total * f->p->tick,
                        (double)self * f->p->tick, calls);
    else
        rc = buf_printf(f->out, " &#10;%.2f%% of the time, %.6g s", pct,
                        (double)total * f->p->tick);
    if (rc < 0 ||
        (rc = buf_printf(f->out,
                         "</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" "
                         "height=\"%d\" fill=\"%s\"/>",
                         px, y, w, FLAME_ROW - 1, col)) < 0)
        return rc;
    /* the name, if at least a few characters fit (about 6.6 px each) */
    size_t fit = w > 8 ? (size_t)((w - 6) / 6.6) : 0;
    if (fit >= 3) {
        if ((rc = buf_printf(f->out, "<text x=\"%.2f\" y=\"%.0f\">",
                             px + 3, y + FLAME_ROW - 5)) < 0)
            return rc;
        size_t n = strlen(label);
        if (n <= fit) {
            rc = esc_html(f->out, label);
        } else {
            /* cut on a UTF-8 boundary, then an ellipsis */
            size_t cut = fit > 2 ? fit - 2 : 0;
            while (cut > 0 && ((unsigned char)label[cut] & 0xC0) == 0x80)
                cut--;
            buf_reset(&f->name);
            if ((rc = buf_add(&f->name, label, cut)) < 0 ||
                (rc = esc_html(f->out, f->name.data ? f->name.data : "")) <
                    0)
                return rc;
            rc = buf_addstr(f->out, "..");
        }
        if (rc < 0 || (rc = buf_addstr(f->out, "</text>")) < 0)
            return rc;
    }
    return buf_addstr(f->out, "</g>\n");
}

static int64_t thread_total(const profile_thread *t)
{
    int64_t s = 0;
    for (uint32_t i = 1; i < t->n_nodes; i++)
        if (t->nodes[i].parent == 0 && t->nodes[i].total > 0)
            s += t->nodes[i].total;
    return s;
}

typedef struct {
    int64_t total;
    uint32_t node;
} kid;

/* widest first, ties in node order */
static int cmp_kid(const void *a, const void *b)
{
    const kid *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* Draws one thread's tree from x0 (ticks) with its outermost calls at
 * depth base + 1.  xs and depth are scratch arrays of n_nodes entries. */
static int put_thread(fl *f, const profile_thread *t, double x0,
                      uint32_t base, buf *label, double *xs, uint32_t *depth)
{
    tree_kids k;
    kid *kids = malloc(((size_t)t->n_nodes + 1) * sizeof *kids);
    int rc = tree_kids_build(t, &k);
    if (rc == 0 && !kids)
        rc = -ENOMEM;
    if (rc < 0)
        goto done;
    uint32_t sp = 0;
    xs[0] = x0;
    depth[0] = base;
    k.stack[sp++] = 0;
    while (sp) {
        uint32_t i = k.stack[--sp];
        const cct_node *n = &t->nodes[i];
        if (i) {
            int64_t tot = n->total > 0 ? n->total : 0;
            if ((double)tot * f->scale < FLAME_MIN_PX)
                continue; /* too narrow to see, and so is all above it */
            buf_reset(label);
            if ((rc = label_frame(label, &f->p->funcs[n->func])) < 0 ||
                (rc = put_bar(f, label->data ? label->data : "", xs[i],
                              depth[i], tot, n->self, n->calls, 1)) < 0)
                goto done;
        }
        uint32_t nk = 0;
        for (uint32_t c = k.first[i]; c != TREE_NONE; c = k.next[c])
            kids[nk++] = (kid){t->nodes[c].total > 0 ? t->nodes[c].total : 0,
                               c};
        if (nk > 1)
            qsort(kids, nk, sizeof *kids, cmp_kid);
        double x = xs[i];
        for (uint32_t a = 0; a < nk; a++) {
            uint32_t c = kids[a].node;
            xs[c] = x;
            depth[c] = depth[i] + 1;
            x += (double)kids[a].total;
            k.stack[sp++] = c;
        }
    }
done:
    free(kids);
    tree_kids_free(&k);
    return rc;
}

int flame_svg(const profile *p, const char *title, buf *out)
{
    if (profile_validate(p) < 0)
        return -EINVAL;
    uint32_t max_nodes = 1, max_depth = 0;
    int64_t total = 0;
    for (uint32_t t = 0; t < p->n_threads; t++) {
        const profile_thread *th = &p->threads[t];
        if (th->n_nodes > max_nodes)
            max_nodes = th->n_nodes;
        total += thread_total(th);
    }
    double *xs = malloc((size_t)max_nodes * sizeof *xs);
    uint32_t *depth = malloc((size_t)max_nodes * sizeof *depth);
    buf label;
    buf_init(&label, 1 << 20);
    fl f = {p, out, {0}, total > 0 ? FLAME_WIDTH / (double)total : 0, 0};
    buf_init(&f.name, 1 << 20);
    int rc = -ENOMEM;
    if (!xs || !depth)
        goto done;
    /* the tallest stack decides the height */
    uint32_t extra = p->n_threads > 1 ? 2 : 1;
    for (uint32_t t = 0; t < p->n_threads; t++) {
        tree_depths(&p->threads[t], depth);
        for (uint32_t i = 0; i < p->threads[t].n_nodes; i++)
            if (depth[i] > max_depth)
                max_depth = depth[i];
    }
    f.height = (max_depth + extra) * FLAME_ROW + 40;
    if ((rc = buf_printf(out,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                         "width=\"%d\" height=\"%" PRIu32 "\" viewBox=\"0 0 "
                         "%d %" PRIu32 "\" font-family=\"monospace\" "
                         "font-size=\"11\">\n<text x=\"4\" y=\"14\" "
                         "font-size=\"13\">",
                         FLAME_WIDTH, f.height, FLAME_WIDTH, f.height)) < 0 ||
        (rc = esc_html(out, title ? title : "lento flame graph")) < 0 ||
        (rc = buf_printf(out, " — %.6g s; hover a bar for its figures"
                              "</text>\n",
                         (double)total * p->tick)) < 0)
        goto done;
    f.height -= 4; /* the bottom margin */
    if ((rc = put_bar(&f, "all", 0, 0, total, 0, 0, 0)) < 0)
        goto done;
    double x = 0;
    for (uint32_t t = 0; t < p->n_threads; t++) {
        const profile_thread *th = &p->threads[t];
        int64_t tt = thread_total(th);
        uint32_t base = 0;
        if (p->n_threads > 1) {
            if ((double)tt * f.scale < FLAME_MIN_PX) {
                x += (double)tt;
                continue;
            }
            buf_reset(&label);
            if ((rc = buf_printf(&label, "thread %s",
                                 th->name[0] ? th->name : "?")) < 0 ||
                (rc = put_bar(&f, label.data, x, 1, tt, 0, 0, 0)) < 0)
                goto done;
            base = 1;
        }
        if ((rc = put_thread(&f, th, x, base, &label, xs, depth)) < 0)
            goto done;
        x += (double)tt;
    }
    rc = buf_addstr(out, "</svg>\n");
done:
    free(xs);
    free(depth);
    buf_free(&label);
    buf_free(&f.name);
    return rc;
}
