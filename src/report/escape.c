/* escape.c: escaping per output language (see escape.h). */
#include "escape.h"

#include <string.h>

#define REPLACEMENT 0xFFFDu

/* Decodes one code point at s.  Returns its length in bytes (1..4) and
 * stores the code point in *cp, or *cp = -1 (length 1) for a byte that
 * does not start a well-formed sequence.  Well-formed means RFC 3629 (no
 * overlong forms, nothing above U+10FFFF) except that encoded surrogates
 * are accepted, as the store accepts them; callers decide what to do with
 * them. */
static int decode(const unsigned char *s, long *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int n;
    long v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = -1;
        return 1;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) { /* also stops at the NUL */
            *cp = -1;
            return 1;
        }
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return n;
}

static int is_surrogate(long cp)
{
    return cp >= 0xD800 && cp <= 0xDFFF;
}

/* Appends code point cp (not a surrogate) as UTF-8. */
static int put_utf8(buf *out, unsigned long cp)
{
    unsigned char b[4];
    int n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_add(out, b, (size_t)n);
}

static int put_u_escape(buf *out, unsigned long cp)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15],
                 hex[cp >> 4 & 15], hex[cp & 15]};
    return buf_add(out, e, sizeof e);
}

int esc_json(buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = buf_add(out, "\"", 1);
    while (rc == 0 && *p) {
        long cp;
        int n = decode(p, &cp);
        switch (cp) {
        case '"': rc = buf_add(out, "\\\"", 2); break;
        case '\\': rc = buf_add(out, "\\\\", 2); break;
        case '\n': rc = buf_add(out, "\\n", 2); break;
        case '\t': rc = buf_add(out, "\\t", 2); break;
        case '\r': rc = buf_add(out, "\\r", 2); break;
        case '<': case '>': case '&':     /* no "</script>" or "<!--" */
        case 0x2028: case 0x2029:         /* line breaks to old JS */
            rc = put_u_escape(out, (unsigned long)cp);
            break;
        case -1: rc = put_u_escape(out, REPLACEMENT); break;
        default:
            if (cp < 0x20 || is_surrogate(cp))
                rc = put_u_escape(out, (unsigned long)cp);
            else
                rc = buf_add(out, p, (size_t)n);
        }
        p += n;
    }
    return rc ? rc : buf_add(out, "\"", 1);
}

int esc_json_text(buf *out, const char *json, size_t n)
{
    const unsigned char *p = (const unsigned char *)json;
    size_t start = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned long cp = 0;
        size_t len = 1;
        if (p[i] == '<' || p[i] == '>' || p[i] == '&') {
            cp = p[i];
        } else if (p[i] == 0xe2 && i + 2 < n && p[i + 1] == 0x80 &&
                   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
            cp = p[i + 2] == 0xa8 ? 0x2028 : 0x2029;
            len = 3;
        } else {
            continue;
        }
        if ((rc = buf_add(out, p + start, i - start)) == 0)
            rc = put_u_escape(out, cp);
        i += len - 1;
        start = i + 1;
    }
    return rc ? rc : buf_add(out, p + start, n - start);
}

int esc_dot(buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = 0;
    while (rc == 0 && *p) {
        long cp;
        int n = decode(p, &cp);
        if (cp == '"')
            rc = buf_add(out, "\\\"", 2);
        else if (cp == '\\')
            rc = buf_add(out, "\\\\", 2);
        else if (cp >= 0 && (cp < 0x20 || cp == 0x7F))
            rc = buf_add(out, " ", 1);
        else if (cp < 0 || is_surrogate(cp))
            rc = put_utf8(out, REPLACEMENT);
        else
            rc = buf_add(out, p, (size_t)n);
        p += n;
    }
    return rc;
}

int esc_html(buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = 0;
    while (rc == 0 && *p) {
        long cp;
        int n = decode(p, &cp);
        switch (cp) {
        case '&': rc = buf_add(out, "&amp;", 5); break;
        case '<': rc = buf_add(out, "&lt;", 4); break;
        case '>': rc = buf_add(out, "&gt;", 4); break;
        case '"': rc = buf_add(out, "&quot;", 6); break;
        case '\'': rc = buf_add(out, "&#39;", 5); break;
        case '\t': case '\n': rc = buf_add(out, p, 1); break;
        default:
            if (cp < 0x20 || cp == 0x7F || is_surrogate(cp) ||
                cp == 0xFFFE || cp == 0xFFFF)
                rc = put_utf8(out, REPLACEMENT);
            else
                rc = buf_add(out, p, (size_t)n);
        }
        p += n;
    }
    return rc;
}

int esc_line(buf *out, const char *s, const char *bad, char repl)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = 0;
    while (rc == 0 && *p) {
        long cp;
        int n = decode(p, &cp);
        if (cp >= 0 && cp < 0x80 && bad && strchr(bad, (int)cp))
            rc = buf_add(out, &repl, 1);
        else if (cp >= 0 && (cp < 0x20 || cp == 0x7F))
            rc = buf_add(out, " ", 1);
        else if (cp < 0 || is_surrogate(cp))
            rc = put_utf8(out, REPLACEMENT);
        else
            rc = buf_add(out, p, (size_t)n);
        p += n;
    }
    return rc;
}

int esc_utf8(buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = 0;
    while (rc == 0 && *p) {
        long cp;
        int n = decode(p, &cp);
        if (cp < 0 || is_surrogate(cp))
            rc = put_utf8(out, REPLACEMENT);
        else
            rc = buf_add(out, p, (size_t)n);
        p += n;
    }
    return rc;
}
