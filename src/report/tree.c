/* tree.c: children lists (see tree.h). */
#include "tree.h"

#include <errno.h>
#include <stdlib.h>

int tree_kids_build(const profile_thread *t, tree_kids *k)
{
    uint32_t n = t->n_nodes;
    k->n = n;
    k->first = malloc(((size_t)n + 1) * sizeof *k->first);
    k->next = malloc(((size_t)n + 1) * sizeof *k->next);
    k->stack = malloc(((size_t)n + 1) * sizeof *k->stack);
    if (!k->first || !k->next || !k->stack)
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        k->first[i] = k->next[i] = TREE_NONE;
    /* backwards, so that each list comes out in node order */
    for (uint32_t i = n; i-- > 1;) {
        uint32_t p = t->nodes[i].parent;
        k->next[i] = k->first[p];
        k->first[p] = i;
    }
    return 0;
}

void tree_kids_free(tree_kids *k)
{
    free(k->first);
    free(k->next);
    free(k->stack);
    k->first = k->next = k->stack = NULL;
    k->n = 0;
}

void tree_depths(const profile_thread *t, uint32_t *depth)
{
    if (t->n_nodes)
        depth[0] = 0;
    for (uint32_t i = 1; i < t->n_nodes; i++)
        depth[i] = depth[t->nodes[i].parent] + 1;
}
