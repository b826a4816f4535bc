/* lines.h: the line-by-line report, in line_profiler's layout.
 *
 * Per function: "Total time", "File", "Function: name at line N", then
 * Line #, Hits, Time, Per Hit, % Time (of the function's time), optionally
 * % Prog (of the whole program's time, which line_profiler lacks), and the
 * source line.  Plain C: the caller says how to get source lines, so the
 * `lento` command reads files and the extension can use linecache. */
#ifndef LENTO_REPORT_LINES_H
#define LENTO_REPORT_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/profile.h"

/* Returns the text of line `line` (from 1) of file, without its line end,
 * valid until the next call; NULL if there is no such line.  line 0 asks
 * whether the file can be read at all ("" if so, NULL if not). */
typedef const char *(*report_source_fn)(void *ctx, const char *file,
                                        uint32_t line, size_t *len);

typedef struct {
    double output_unit; /* seconds per displayed time unit; 0: p->tick */
    int stripzeros;     /* leave out functions that were never hit */
    int header;         /* print "Timer unit: ..." first */
    double program;     /* the whole program's time in seconds; > 0 adds
                           the "% Prog" column */
    report_source_fn source;
    void *ctx;
} report_lines_opts;

/* Appends the report of p's line tables to out.  0, -ENOMEM or -E2BIG. */
int report_lines(buf *out, const profile *p, const report_lines_opts *o);

/* A report_source_fn reading files from disk (ctx: a report_file_cache). */
typedef struct {
    char *path;     /* the file cached, or NULL */
    int ok;         /* it could be read */
    buf text;
    size_t *starts; /* offset of each line in text */
    uint32_t n;
} report_file_cache;

void report_file_cache_init(report_file_cache *c);
void report_file_cache_free(report_file_cache *c);
const char *report_file_source(void *ctx, const char *file, uint32_t line,
                               size_t *len);

#endif
