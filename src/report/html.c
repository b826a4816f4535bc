/* html.c: the HTML report (see html.h). */
#include "html.h"

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
                          NULL, p->system, &v, hot, n_hot};
        rc = json_encode(&js, &jr);
    }
    if (rc == 0)
        rc = esc_json_text(out, js.data ? js.data : "null",
                           js.data ? js.len : 4);
    verdict_free(&v);
    buf_free(&js);
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
        (rc = buf_addstr(out, "}</script>\n<script>\n")) < 0 ||
        (rc = buf_addstr(out, report_js)) < 0)
        return rc;
    return buf_addstr(out, "</script>\n</body>\n</html>\n");
}
