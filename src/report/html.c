/* html.c: the HTML report (see html.h). */
#include "html.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "export.h"
#include "hotspots.h"
#include "json.h"
#include "verdict.h"
#include "html_assets.h" /* report_js, report_css: made by embed.c */
#include "lento_config.h"

enum { HTML_N_HOT = 10 }; /* as `lento report` */

/* The "system" member of the page's data: when p has system figures, the
 * object `lento report FILE --json` prints (docs/json.md: the figures, the
 * timeline, the verdict with its evidence, the advice, the warnings and
 * the hotspots), from the same verdict.c, hotspots.c and json.c; made
 * safe for the <script> element by esc_json_text.  null otherwise. */
static int system_json(const profile *p, buf *out)
{
    if (!p->system)
        return buf_addstr(out, "null");
    hotspot hot[HTML_N_HOT];
    size_t n_hot = 0;
    verdict v;
    buf js;
    buf_init(&js, out->cap ? out->cap : (size_t)64 << 20);
    int rc = hotspots_verdict(p, hot, HTML_N_HOT, &n_hot, &v);
    if (rc == 0) {
        json_report jr = {"report", NULL, profile_get_meta(p, "command"),
                          NULL, p->system, &v, hot, n_hot, p};
        rc = json_encode(&js, &jr);
    }
    if (rc == 0)
        rc = esc_json_text(out, js.data ? js.data : "null",
                           js.data ? js.len : 4);
    verdict_free(&v);
    buf_free(&js);
    return rc;
}

/* ---- "lines": the line tables with their source ---------------------- */

typedef struct {
    const profile_line_func *f;
    int64_t total; /* ticks */
    uint64_t hits;
} line_func_ref;

static int by_total_desc(const void *a, const void *b)
{
    const line_func_ref *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return x->f < y->f ? -1 : x->f > y->f; /* stable: profile order */
}

/* ticks in seconds, as JSON: divided by the ticks per second when that
 * is a whole number (163 ns is 1.63e-07, not 1.6300000000000002e-07) */
static int put_seconds(buf *out, const profile *p, int64_t ticks)
{
    double per = 1.0 / p->tick;
    if (per >= 1 && per == (double)(int64_t)per)
        return export_put_double(out, (double)ticks / per);
    return export_put_double(out, (double)ticks * p->tick);
}

/* One source line as a JSON string, cut after HTML_LINES_MAX_TEXT bytes
 * (at a character boundary, with "…" added); a NUL ends it. */
static int put_text(buf *out, const char *text, size_t len)
{
    char tmp[HTML_LINES_MAX_TEXT + 4];
    int cut = len > HTML_LINES_MAX_TEXT;
    if (cut) {
        len = HTML_LINES_MAX_TEXT;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--; /* do not split a UTF-8 sequence */
    }
    memcpy(tmp, text, len);
    if (cut)
        memcpy(tmp + len, "\xE2\x80\xA6", 3), len += 3;
    tmp[len] = '\0';
    return esc_json(out, tmp);
}

/* Bytes of source text of f's lines (0 if the file cannot be read). */
static size_t text_size(const profile_line_func *f, const html_opts *o)
{
    size_t n = 0, len;
    for (uint32_t line = f->first_line; line <= f->last_line; line++) {
        if (o->source(o->source_ctx, f->file, line, &len))
            n += len < HTML_LINES_MAX_TEXT ? len : HTML_LINES_MAX_TEXT + 3;
        if (line == UINT32_MAX)
            break;
    }
    return n;
}

/* One function: {"file","name","first_line","last_line","total" (s),
 * "hits","source": "ok" | "unreadable" | "too_long" | "budget" | "none",
 * "lines": [[line, hits, seconds, text], ...]}; every line of the span
 * when "source" is "ok" or "unreadable" (hits and seconds null for lines
 * never reached, text null when not read), else the timed lines only. */
static int put_line_func(buf *out, const profile *p, const line_func_ref *r,
                         const html_opts *o, size_t *budget)
{
    const profile_line_func *f = r->f;
    uint64_t span = (uint64_t)f->last_line - f->first_line + 1;
    const char *source = "none";
    size_t len;
    if (span > HTML_LINES_MAX_SPAN)
        source = "too_long";
    else if (!o->source || !o->source(o->source_ctx, f->file, 0, &len))
        source = "unreadable";
    else {
        size_t need = text_size(f, o);
        if (need > *budget)
            source = "budget";
        else
            *budget -= need, source = "ok";
    }
    int all = !strcmp(source, "ok") || !strcmp(source, "unreadable");
    int rc;
    if ((rc = buf_addstr(out, "{\"file\":")) < 0 ||
        (rc = esc_json(out, f->file)) < 0 ||
        (rc = buf_addstr(out, ",\"name\":")) < 0 ||
        (rc = esc_json(out, f->name)) < 0 ||
        (rc = buf_printf(out,
                         ",\"first_line\":%" PRIu32 ",\"last_line\":%" PRIu32
                         ",\"total\":",
                         f->first_line, f->last_line)) < 0 ||
        (rc = put_seconds(out, p, r->total)) < 0 ||
        (rc = buf_printf(out,
                         ",\"hits\":%" PRIu64 ",\"source\":\"%s\",\"lines\":[",
                         r->hits, source)) < 0)
        return rc;
    uint32_t j = 0;
    int first = 1;
    for (uint32_t line = f->first_line; line <= f->last_line; line++) {
        while (j < f->n_lines && f->lines[j].line < line)
            j++;
        const profile_line *l =
            j < f->n_lines && f->lines[j].line == line ? &f->lines[j] : NULL;
        if (l || all) {
            if ((rc = buf_printf(out, "%s[%" PRIu32 ",", first ? "" : ",",
                                 line)) < 0)
                return rc;
            first = 0;
            if (l)
                rc = buf_printf(out, "%" PRIu64 ",", l->hits);
            else
                rc = buf_addstr(out, "null,null,");
            if (rc == 0 && l && (rc = put_seconds(out, p, l->time)) == 0)
                rc = buf_addstr(out, ",");
            const char *text = NULL;
            if (rc == 0 && !strcmp(source, "ok"))
                text = o->source(o->source_ctx, f->file, line, &len);
            if (rc == 0)
                rc = text ? put_text(out, text, len)
                          : buf_addstr(out, "null");
            if (rc == 0)
                rc = buf_addstr(out, "]");
            if (rc < 0)
                return rc;
        }
        if (line == UINT32_MAX)
            break;
    }
    return buf_addstr(out, "]}");
}

/* The "lines" member: {"functions": [...] (most time first), "omitted":
 * functions left out past HTML_LINES_MAX_FUNCS, "mode": how the lines
 * were chosen (the "lines" metadata) or null}; null when p has no line
 * tables. */
static int lines_json(const profile *p, const html_opts *o, buf *out)
{
    if (!p->n_line_funcs)
        return buf_addstr(out, "null");
    line_func_ref *r = calloc(p->n_line_funcs, sizeof *r);
    if (!r)
        return -ENOMEM;
    for (uint32_t i = 0; i < p->n_line_funcs; i++) {
        const profile_line_func *f = &p->line_funcs[i];
        r[i].f = f;
        for (uint32_t k = 0; k < f->n_lines; k++) {
            r[i].total += f->lines[k].time;
            r[i].hits += f->lines[k].hits;
        }
    }
    qsort(r, p->n_line_funcs, sizeof *r, by_total_desc);
    uint32_t n = p->n_line_funcs < HTML_LINES_MAX_FUNCS ? p->n_line_funcs
                                                        : HTML_LINES_MAX_FUNCS;
    size_t budget = HTML_LINES_TEXT_BUDGET;
    const char *mode = profile_get_meta(p, "lines");
    int rc = buf_addstr(out, "{\"mode\":");
    if (rc == 0)
        rc = mode ? esc_json(out, mode) : buf_addstr(out, "null");
    if (rc == 0)
        rc = buf_printf(out, ",\"omitted\":%" PRIu32 ",\"functions\":[\n",
                        p->n_line_funcs - n);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if (i && (rc = buf_addstr(out, ",\n")) < 0)
            break;
        rc = put_line_func(out, p, &r[i], o, &budget);
    }
    if (rc == 0)
        rc = buf_addstr(out, "]}");
    free(r);
    return rc;
}

int html_write(const profile *p, const html_opts *o, buf *out)
{
    const char *cmd = profile_get_meta(p, "command");
    int rc;
    if ((rc = buf_addstr(out,
                         "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                         "<meta charset=\"utf-8\">\n"
                         "<meta http-equiv=\"Content-Security-Policy\" "
                         "content=\"default-src 'none'; script-src "
                         "'unsafe-inline'; style-src 'unsafe-inline'; "
                         "img-src data:\">\n"
                         "<meta name=\"viewport\" content=\"width=device-"
                         "width, initial-scale=1\">\n<title>lento: ")) < 0 ||
        (rc = esc_html(out, cmd ? cmd : "profile")) < 0 ||
        (rc = buf_addstr(out, "</title>\n<style>\n")) < 0 ||
        (rc = buf_addstr(out, report_css)) < 0 ||
        (rc = buf_addstr(out,
                         "</style>\n</head>\n<body>\n"
                         "<noscript><p>This report is drawn by JavaScript; "
                         "enable it for this file, or use `lento report` "
                         "for text.</p></noscript>\n<div id=\"app\"></div>\n"
                         "<script type=\"application/json\" "
                         "id=\"lento-data\">{\"generator\":\"lento "
                         LENTO_VERSION "\",\n\"graph\":{\"svg\":")) < 0)
        return rc;
    if ((rc = o->graph_svg ? esc_json(out, o->graph_svg)
                           : buf_addstr(out, "null")) < 0 ||
        (rc = buf_addstr(out, ",\"note\":")) < 0 ||
        (rc = esc_json(out, o->graph_note ? o->graph_note : "")) < 0 ||
        (rc = buf_addstr(out, "},\n\"profile\":")) < 0 ||
        (rc = export_json(p, out)) < 0 ||
        (rc = buf_addstr(out, ",\n\"system\":")) < 0 ||
        (rc = system_json(p, out)) < 0 ||
        (rc = buf_addstr(out, ",\n\"lines\":")) < 0 ||
        (rc = lines_json(p, o, out)) < 0 ||
        (rc = buf_addstr(out, "}</script>\n<script>\n")) < 0 ||
        (rc = buf_addstr(out, report_js)) < 0)
        return rc;
    return buf_addstr(out, "</script>\n</body>\n</html>\n");
}
