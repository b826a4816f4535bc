/* frames.c: escaped frame names (see frames.h). */
#include "frames.h"

#include <errno.h>
#include <stdlib.h>

#include "escape.h"
#include "label.h"

int frames_build(frames *fr, const profile *p, frames_style style)
{
    buf raw;
    buf_init(&raw, (size_t)1 << 24);
    buf_init(&fr->text, (size_t)1 << 30);
    fr->n = p->n_funcs;
    fr->off = malloc(((size_t)p->n_funcs + 1) * sizeof *fr->off);
    int rc = fr->off ? 0 : -ENOMEM;
    for (uint32_t f = 0; rc == 0 && f < p->n_funcs; f++) {
        buf_reset(&raw);
        fr->off[f] = fr->text.len;
        if ((rc = label_frame(&raw, &p->funcs[f])) < 0)
            break;
        const char *s = raw.data ? raw.data : "";
        rc = style == FRAMES_JSON ? esc_json(&fr->text, s)
                                  : esc_line(&fr->text, s, ";", ',');
        if (rc < 0)
            break;
        rc = buf_add(&fr->text, "", 1);
    }
    buf_free(&raw);
    return rc;
}

void frames_free(frames *fr)
{
    buf_free(&fr->text);
    free(fr->off);
    fr->off = NULL;
}
