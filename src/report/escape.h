/* escape.h: the one place where text from a profile is made safe for each
 * output language.
 *
 * Names and paths in a profile come from the profiled program and may hold
 * anything a Python string can: quotes, '<script>', newlines, ';', NULs
 * are excluded by the store, but lone surrogates (U+D800..U+DFFF encoded
 * in three bytes, as CPython's surrogatepass writes them) are allowed, and
 * a hostile file may hold bytes that are not UTF-8 at all.  Every writer
 * in src/report passes such text through exactly one of these functions;
 * none of them writes profile text any other way.
 *
 * All append to out and return 0, -ENOMEM or -E2BIG (out's cap).  Invalid
 * UTF-8 bytes always become U+FFFD; what else changes is per language.
 */
#ifndef LENTO_ESCAPE_H
#define LENTO_ESCAPE_H

#include "../core/buf.h"

/* A JSON string literal, quotes included.  Escapes '"', '\\', control
 * characters, and also '<', '>', '&', U+2028 and U+2029 as \uXXXX, so the
 * result can be placed inside an HTML <script> element unchanged and is
 * still plain JSON.  Lone surrogates are written as \uDXXX escapes (valid
 * JSON, read back as the same code point by Python and JavaScript). */
int esc_json(buf *out, const char *s);

/* A JSON text made by another writer (json.c's, whose strings escape only
 * what JSON requires), copied so it too can sit inside an HTML <script>
 * element: '<', '>', '&', U+2028 and U+2029 become \uXXXX escapes.  These
 * can only occur inside JSON strings, where the escape means the same
 * character, so the result is the same JSON value.  n bytes of json. */
int esc_json_text(buf *out, const char *json, size_t n);

/* The inside of a DOT double-quoted string (quotes not added): '"' and
 * '\\' are backslash-escaped (so dot's own \n, \l, \N escapes cannot be
 * injected), control characters become spaces, surrogates U+FFFD. */
int esc_dot(buf *out, const char *s);

/* HTML or XML text or attribute value: & < > " ' become character
 * references, control characters other than tab/newline and surrogates
 * become U+FFFD (they are not allowed in XML). */
int esc_html(buf *out, const char *s);

/* Text for line-oriented formats (folded stacks, callgrind): valid UTF-8
 * on one line.  Control characters become spaces, surrogates U+FFFD, and
 * each byte of `bad` (ASCII only, may be NULL) becomes `repl`. */
int esc_line(buf *out, const char *s, const char *bad, char repl);

/* Valid UTF-8 (for protobuf strings, which must be): surrogates and
 * invalid bytes become U+FFFD, everything else is copied. */
int esc_utf8(buf *out, const char *s);

#endif
