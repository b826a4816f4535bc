/* notes.h: what the tracer had to do during a run that its profile must
 * say beside the figures (metadata keys "note.*", docs/format.md), such
 * as recursion deeper than the C stack holds under 3.11's
 * frame-evaluation hook.
 *
 * Engines count events into notes_now; a profiler copies the counts when
 * it is made or cleared (its mark), and its profile gets the notes of what
 * happened since.  Written only with the GIL held, which protects them. */
#ifndef LENTO_NOTES_H
#define LENTO_NOTES_H

#include <stdint.h>

#include "../core/profile.h"

typedef struct {
    uint64_t deep_moves;   /* frames moved to a new C stack segment */
    uint64_t deep_failed;  /* frames that found no segment: their callees
                              ran unrecorded */
    uint64_t hooks_taken;  /* threads whose profile hook the program
                              replaced with its own (sys.setprofile) */
    uint64_t deep_depth;   /* the smallest Python depth at which a frame
                              moved or failed to (not a count) */
} notes_counts;

extern notes_counts notes_now;

static inline void notes_deepest(int depth)
{
    if (depth > 0 && (!notes_now.deep_depth ||
                      (uint64_t)depth < notes_now.deep_depth))
        notes_now.deep_depth = (uint64_t)depth;
}

/* The counts now, as a profiler's mark. */
static inline notes_counts notes_mark(void)
{
    return notes_now;
}

/* Sets p's "note.*" entries for what happened since mark.  0 or -ENOMEM. */
int notes_add(profile *p, const notes_counts *mark);

/* The notes since mark as one line each ("lento: note: ..."), for a
 * Python-level warning, in buf (NUL-terminated, cut to size); 0 if none. */
size_t notes_text(const notes_counts *mark, char *buf, size_t size);

#endif
