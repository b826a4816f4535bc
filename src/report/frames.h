/* frames.h: every function's frame name (label_frame), escaped once for a
 * line format, kept for writers that print it once per call path. */
#ifndef LENTO_FRAMES_H
#define LENTO_FRAMES_H

#include "../core/buf.h"
#include "../core/profile.h"

typedef struct {
    buf text;      /* all names, each followed by a NUL */
    size_t *off;   /* per function: offset of its name in text */
    uint32_t n;
} frames;

typedef enum {
    FRAMES_FOLDED, /* esc_line, with ';' written as ',' */
    FRAMES_JSON,   /* esc_json: a JSON string literal, quotes included */
} frames_style;

/* 0 or -ENOMEM/-E2BIG; the caller frees with frames_free (also after
 * failure). */
int frames_build(frames *fr, const profile *p, frames_style style);
void frames_free(frames *fr);

static inline const char *frames_name(const frames *fr, uint32_t f)
{
    return fr->text.data + fr->off[f];
}

#endif
