/* lines.c: the line-by-line report (see lines.h).  The columns and number
 * formats follow line_profiler's show_func so that its users read it at
 * once: minimum widths 6/9/12/8/8, widened to fit, "%5.1f" falling back to
 * "%5.3g" when too wide. */
#include "lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W_LINE 6
#define W_HITS 9
#define W_TIME 12
#define W_PERHIT 8
#define W_PERCENT 8
/* The longest run of filler rows (no hits, no text) shown between two hit
 * lines; a longer one is one "..." row. */
#define LINES_GAP_MAX 1000

typedef struct {
    char hits[32], time[32], perhit[32], pct[16], prog[16];
} cells;

static void fmt_num(char *dst, size_t cap, double v, size_t width)
{
    snprintf(dst, cap, "%5.1f", v);
    if (strlen(dst) > width)
        snprintf(dst, cap, "%5.3g", v);
}

static size_t max_sz(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* One function's table. */
static int report_func(buf *out, const profile *p,
                       const profile_line_func *f,
                       const report_lines_opts *o, double scalar)
{
    uint64_t hits = 0;
    int64_t total = 0;
    for (uint32_t i = 0; i < f->n_lines; i++) {
        hits += f->lines[i].hits;
        total += f->lines[i].time;
    }
    if (o->stripzeros && hits == 0)
        return 0;
    size_t len;
    int readable = o->source && o->source(o->ctx, f->file, 0, &len) != NULL;
    int rc;
    if ((rc = buf_printf(out, "Total time: %g s\n",
                         (double)total * p->tick)) < 0 ||
        (rc = buf_printf(out, "File: %s%s\n", f->file,
                         readable ? "" : " (cannot be read: line contents "
                                         "not shown)")) < 0 ||
        (rc = buf_printf(out, "Function: %s at line %u\n", f->name,
                         f->first_line)) < 0)
        return rc;
    cells *c = calloc(f->n_lines ? f->n_lines : 1, sizeof *c);
    if (!c)
        return -ENOMEM;
    size_t wh = W_HITS, wt = W_TIME, wp = W_PERHIT;
    for (uint32_t i = 0; i < f->n_lines; i++) {
        const profile_line *l = &f->lines[i];
        double t = (double)l->time;
        if (total)
            snprintf(c[i].pct, sizeof c[i].pct, "%5.1f", 100.0 * t / total);
        fmt_num(c[i].time, sizeof c[i].time, t * scalar, W_TIME);
        fmt_num(c[i].perhit, sizeof c[i].perhit,
                l->hits ? t * scalar / (double)l->hits : 0.0, W_PERHIT);
        snprintf(c[i].hits, sizeof c[i].hits, "%llu",
                 (unsigned long long)l->hits);
        if (strlen(c[i].hits) > W_HITS)
            snprintf(c[i].hits, sizeof c[i].hits, "%g", (double)l->hits);
        if (o->program > 0)
            snprintf(c[i].prog, sizeof c[i].prog, "%5.1f",
                     100.0 * t * p->tick / o->program);
        wh = max_sz(wh, strlen(c[i].hits));
        wt = max_sz(wt, strlen(c[i].time));
        wp = max_sz(wp, strlen(c[i].perhit));
    }
    int prog = o->program > 0;
    size_t head_start = out->len;
    rc = buf_printf(out, "\n%*s %*s %*s %*s %*s", W_LINE, "Line #", (int)wh,
                    "Hits", (int)wt, "Time", (int)wp, "Per Hit", W_PERCENT,
                    "% Time");
    if (rc == 0 && prog)
        rc = buf_printf(out, " %*s", W_PERCENT, "% Prog");
    if (rc == 0)
        rc = buf_printf(out, "  %s\n", "Line Contents");
    size_t hl = out->len - head_start - 2; /* without "\n" before, after */
    for (size_t k = 0; rc == 0 && k < hl; k++)
        rc = buf_addstr(out, "=");
    if (rc == 0)
        rc = buf_addstr(out, "\n");
    uint32_t j = 0;
    for (uint32_t line = f->first_line; rc == 0 && line <= f->last_line;
         line++) {
        static const cells empty;
        const cells *cl = &empty;
        while (j < f->n_lines && f->lines[j].line < line)
            j++;
        if (j < f->n_lines && f->lines[j].line == line)
            cl = &c[j];
        const char *text = readable ? o->source(o->ctx, f->file, line, &len)
                                    : NULL;
        /* A row with neither hits nor text is filler: none after the last
         * hit line (line_profiler, when the source is gone, stops there;
         * a source's own lines bound the rest), and a longer run than
         * LINES_GAP_MAX between hits is one "..." row.  Otherwise a
         * profile's last_line could ask for 4 billion rows (found by
         * fuzz/fuzz_report.c, corpus/report/regress-lines-span). */
        if (cl == &empty && !text) {
            if (j >= f->n_lines)
                break;
            if (f->lines[j].line - line > LINES_GAP_MAX) {
                rc = buf_printf(out, "%*s\n", W_LINE, "...");
                line = f->lines[j].line - 1;
                continue;
            }
        }
        rc = buf_printf(out, "%*u %*s %*s %*s %*s", W_LINE, line, (int)wh,
                        cl->hits, (int)wt, cl->time, (int)wp, cl->perhit,
                        W_PERCENT, cl->pct);
        if (rc == 0 && prog)
            rc = buf_printf(out, " %*s", W_PERCENT, cl->prog);
        if (rc == 0)
            rc = buf_addstr(out, "  ");
        if (rc == 0 && text)
            rc = buf_add(out, text, len);
        if (rc == 0)
            rc = buf_addstr(out, "\n");
        if (line == UINT32_MAX)
            break;
    }
    if (rc == 0)
        rc = buf_addstr(out, "\n");
    free(c);
    return rc;
}

int report_lines(buf *out, const profile *p, const report_lines_opts *o)
{
    double unit = o->output_unit > 0 ? o->output_unit : p->tick;
    int rc = 0;
    if (o->header)
        rc = buf_printf(out, "Timer unit: %g s\n\n", unit);
    for (uint32_t i = 0; rc == 0 && i < p->n_line_funcs; i++)
        rc = report_func(out, p, &p->line_funcs[i], o, p->tick / unit);
    return rc;
}

/* ---- reading sources from disk ---------------------------------------- */

void report_file_cache_init(report_file_cache *c)
{
    memset(c, 0, sizeof *c);
    buf_init(&c->text, (size_t)64 << 20);
}

void report_file_cache_free(report_file_cache *c)
{
    free(c->path);
    free(c->starts);
    buf_free(&c->text);
    memset(c, 0, sizeof *c);
}

static void load(report_file_cache *c, const char *file)
{
    free(c->path);
    free(c->starts);
    c->starts = NULL;
    c->n = 0;
    c->ok = 0;
    size_t n = strlen(file);
    c->path = malloc(n + 1);
    if (!c->path)
        return;
    memcpy(c->path, file, n + 1);
    if (buf_read_file(&c->text, file) < 0)
        return;
    uint32_t lines = 1;
    for (size_t i = 0; i < c->text.len; i++)
        lines += c->text.data[i] == '\n';
    c->starts = malloc((size_t)(lines + 1) * sizeof *c->starts);
    if (!c->starts)
        return;
    c->starts[0] = 0;
    for (size_t i = 0; i < c->text.len; i++)
        if (c->text.data[i] == '\n')
            c->starts[++c->n] = i + 1;
    c->starts[++c->n] = c->text.len + 1; /* end of the last line */
    c->ok = 1;
}

const char *report_file_source(void *ctx, const char *file, uint32_t line,
                               size_t *len)
{
    report_file_cache *c = ctx;
    if (!c->path || strcmp(c->path, file) != 0)
        load(c, file);
    if (!c->ok)
        return NULL;
    *len = 0;
    if (line == 0)
        return "";
    if (line > c->n)
        return NULL;
    size_t a = c->starts[line - 1], b = c->starts[line] - 1;
    if (b > c->text.len)
        b = c->text.len;
    while (b > a && (c->text.data[b - 1] == '\n' || c->text.data[b - 1] == '\r'))
        b--;
    *len = b - a;
    return c->text.data ? c->text.data + a : "";
}
