/* tree.h: children lists of a calling-context tree, for the writers that
 * walk it depth-first (folded stacks, traces, flame graphs).
 *
 * The store keeps only parent links.  first[i] is node i's first child
 * and next[c] the following sibling, NONE at the end; siblings are in
 * node order, which is the order in which the paths were first called. */
#ifndef LENTO_TREE_H
#define LENTO_TREE_H

#include "../core/profile.h"

#define TREE_NONE UINT32_MAX

typedef struct {
    uint32_t n;
    uint32_t *first; /* owned, n entries */
    uint32_t *next;  /* owned, n entries */
    uint32_t *stack; /* owned scratch for walks, n entries */
} tree_kids;

/* Builds the lists of t (which must pass profile_validate).  0 or
 * -ENOMEM; the caller frees with tree_kids_free (also after failure). */
int tree_kids_build(const profile_thread *t, tree_kids *k);
void tree_kids_free(tree_kids *k);

/* Depth of every node (root 0) into depth[n].  Parents precede children,
 * so one forward pass does it. */
void tree_depths(const profile_thread *t, uint32_t *depth);

#endif
