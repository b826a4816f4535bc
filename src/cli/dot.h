/* dot.h: running Graphviz's `dot`, when it is installed, to draw a DOT
 * graph as SVG or PNG.  The only place lento starts a program other than
 * Python. */
#ifndef LENTO_DOT_H
#define LENTO_DOT_H

#include <stddef.h>

#include "../core/buf.h"

/* Finds `dot` on PATH: 1 (and its path into dst) or 0. */
int dot_find(char *dst, size_t cap);

/* Draws the DOT text in `graph` as format fmt ("svg", "png") into out
 * (appended).  0; -ENOENT when dot is not installed; -ECHILD when dot
 * failed or was stopped after timeout_s seconds (it printed why on stderr);
 * or -errno. */
int dot_render(const buf *graph, const char *fmt, buf *out, int timeout_s);

#endif
