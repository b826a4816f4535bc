/* html.c: the HTML report (see html.h). */
#include "html.h"

#include "escape.h"
#include "export.h"
#include "html_assets.h" /* report_js, report_css: made by embed.c */
#include "lento_config.h"

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
        (rc = buf_addstr(out, "}</script>\n<script>\n")) < 0 ||
        (rc = buf_addstr(out, report_js)) < 0)
        return rc;
    return buf_addstr(out, "</script>\n</body>\n</html>\n");
}
