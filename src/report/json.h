/* json.h: the figures, the verdict and the hotspots as one JSON object
 * (`lento stat --json`, `lento run --json`, `lento report --json`).  The
 * schema is docs/json.md; keep the two in step. */
#ifndef LENTO_JSON_H
#define LENTO_JSON_H

#include <stdio.h>

#include "../core/buf.h"
#include "../core/profile.h"
#include "../core/system.h"
#include "hotspots.h"
#include "verdict.h"

#define JSON_SCHEMA_VERSION 1

typedef struct {
    const char *tool;          /* "stat", "run" or "report" */
    char *const *argv;         /* the command as run, or NULL */
    const char *label;         /* the command as a person typed it, or NULL */
    const char *profile_path;  /* the saved profile, or NULL */
    const profile_system *sys; /* NULL: no figures (then v is NULL too) */
    const verdict *v;
    const hotspot *hot; /* the top functions (run, report), or NULL */
    size_t n_hot;
    const profile *prof; /* its processes are listed, if it has several;
                            may be NULL */
} json_report;

/* Appends the object (and a newline) to out.  0, -ENOMEM or -E2BIG. */
int json_encode(buf *out, const json_report *r);

/* Encodes and writes to f.  0 or -errno. */
int json_write(FILE *f, const json_report *r);

/* Appends s as a JSON string (quotes included): the one place where text
 * is escaped for JSON.  Bytes that are not UTF-8 become U+FFFD; encoded
 * surrogates (Python's surrogatepass) become \uXXXX escapes. */
int json_str(buf *out, const char *s);

#endif
