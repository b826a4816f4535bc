/* export.h: a profile in the formats of the viewers people already use.
 *
 * Each writer reads the profile model (and the flat table derived from it)
 * and appends its whole output to out, whose cap bounds the size.  All
 * return 0, -ENOMEM, -E2BIG (past out's cap) or -EINVAL (p fails
 * profile_validate); on failure out may hold a partial output, which the
 * caller discards.  What each format holds and how it maps the model is
 * in docs/exports.md.
 */
#ifndef LENTO_EXPORT_H
#define LENTO_EXPORT_H

#include <stdint.h>

#include "../core/buf.h"
#include "../core/profile.h"

/* Largest export we write. */
#define EXPORT_MAX_SIZE ((size_t)1 << 30)

int export_pstats(const profile *p, buf *out);     /* cProfile marshal */
int export_callgrind(const profile *p, buf *out);  /* callgrind text */
int export_folded(const profile *p, buf *out);     /* a;b;c ns */
int export_speedscope(const profile *p, buf *out); /* speedscope JSON */
int export_chrome(const profile *p, buf *out);     /* Chrome trace JSON */
int export_pprof(const profile *p, buf *out);      /* gzipped profile.proto */
int export_json(const profile *p, buf *out);       /* docs/json-profile.md */

typedef struct {
    const char *name;  /* for --format */
    const char *exts;  /* the extensions that choose it, for --help */
    const char *what;  /* one line: who reads it */
    int (*write)(const profile *p, buf *out);
} export_format;

/* The formats, in the order --help lists them; *n is set to the count. */
const export_format *export_formats(unsigned *n);

/* The format called name, or NULL. */
const export_format *export_by_name(const char *name);

/* The format an output path's name implies (.pstats, .callgrind, ...), or
 * NULL when the name says nothing. */
const export_format *export_for_path(const char *path);

/* Appends v with the fewest digits that read back as the same double
 * ("1e-09", not "1.0000000000000001e-09"); v must be finite. */
int export_put_double(buf *out, double v);

/* ticks of p in whole nanoseconds, rounded (exact when tick is 1 ns). */
int64_t export_ns(const profile *p, int64_t ticks);

#endif
