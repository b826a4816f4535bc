/* flame.h: a flame graph of the calling-context trees as a standalone SVG
 * (no script: hovering a bar shows its <title>).
 *
 * One bar per call path, its width the path's inclusive time; the
 * outermost calls at the bottom, callees stacked above, siblings widest
 * first.  With several threads, each thread is a bar above the "all" root.
 * Bars narrower than FLAME_MIN_PX are left out with everything above
 * them, which bounds the file for any profile size. */
#ifndef LENTO_FLAME_H
#define LENTO_FLAME_H

#include "../core/buf.h"
#include "../core/profile.h"

#define FLAME_WIDTH 1200
#define FLAME_ROW 17
#define FLAME_MIN_PX 0.3

/* Appends the SVG to out.  title may be NULL.  0, -ENOMEM, -E2BIG or
 * -EINVAL. */
int flame_svg(const profile *p, const char *title, buf *out);

#endif
