/* graph.h: the call graph as Graphviz DOT, in the spirit of gprof2dot.
 *
 * A node per function: name, file:line, total % (inclusive time of its
 * primitive calls, as pstats' cumtime), self % in parentheses, and calls.
 * An edge per caller->callee: the share of time spent in those calls and
 * their count.  Nodes and edges are coloured from blue (little) to red
 * (most) by their share, and edges drawn thicker.  Nodes under
 * node_thres % of the total and edges under edge_thres % are left out, as
 * gprof2dot does (its defaults: 0.5 and 0.1). */
#ifndef LENTO_GRAPH_H
#define LENTO_GRAPH_H

#include "../core/buf.h"
#include "../core/profile.h"

#define GRAPH_NODE_THRES 0.5
#define GRAPH_EDGE_THRES 0.1

typedef struct {
    double node_thres; /* percent of the total, 0..100 */
    double edge_thres; /* percent of the total, 0..100 */
    const char *title; /* a heading, may be NULL */
} graph_opts;

/* Appends the DOT text to out.  0, -ENOMEM, -E2BIG or -EINVAL. */
int graph_dot(const profile *p, const graph_opts *o, buf *out);

/* The colour of a share w in [0, 1] as "#rrggbb" into dst (8 bytes), and
 * whether text on it should be white (1) or black (0). */
int graph_color(double w, char dst[8]);

#endif
