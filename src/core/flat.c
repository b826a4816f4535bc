/* flat.c: cProfile's flat table and edges from the calling-context trees.
 *
 * Each CCT node aggregates every activation of one call path, and all those
 * activations have the same ancestors, so "was this function (or this
 * caller->callee pair) already active lower on the stack?" has one answer
 * per node.  A depth-first walk that counts the active functions and pairs
 * gives that answer, and sums of integer ticks give cProfile's figures
 * exactly.  Cost: O(nodes) time, O(funcs + edges + nodes) memory.
 */
#include "flat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

/* Open-addressing map (caller, callee) -> edge index, with the edge array
 * and the per-edge "active on the current path" counters. */
typedef struct {
    uint64_t *keys;   /* (caller << 32 | callee) + 1; 0 means empty */
    uint32_t *vals;
    uint32_t mask;    /* capacity - 1, capacity a power of two */
    uint32_t used;
    flat_edge *edges;
    uint32_t *active;
    uint32_t n, cap;
} edge_map;

static uint32_t hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (uint32_t)k;
}

static int edge_map_rehash(edge_map *m, uint32_t ncap)
{
    uint64_t *keys = calloc(ncap, sizeof *keys);
    uint32_t *vals = malloc((size_t)ncap * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -ENOMEM;
    }
    for (uint32_t i = 0; m->keys && i <= m->mask; i++) {
        if (!m->keys[i])
            continue;
        uint32_t h = hash64(m->keys[i]) & (ncap - 1);
        while (keys[h])
            h = (h + 1) & (ncap - 1);
        keys[h] = m->keys[i];
        vals[h] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->mask = ncap - 1;
    return 0;
}

/* Returns the index of edge (caller, callee), creating it; -ENOMEM. */
static int64_t edge_map_get(edge_map *m, uint32_t caller, uint32_t callee)
{
    if ((uint64_t)(m->used + 1) * 2 > (uint64_t)m->mask + 1 &&
        edge_map_rehash(m, (m->mask + 1) * 2) < 0)
        return -ENOMEM;
    uint64_t key = ((uint64_t)caller << 32 | callee) + 1;
    uint32_t h = hash64(key) & m->mask;
    while (m->keys[h]) {
        if (m->keys[h] == key)
            return m->vals[h];
        h = (h + 1) & m->mask;
    }
    if (m->n == m->cap) {
        uint32_t ncap = m->cap ? m->cap * 2 : 64;
        flat_edge *e = realloc(m->edges, (size_t)ncap * sizeof *e);
        if (!e)
            return -ENOMEM;
        m->edges = e;
        uint32_t *a = realloc(m->active, (size_t)ncap * sizeof *a);
        if (!a)
            return -ENOMEM;
        m->active = a;
        m->cap = ncap;
    }
    m->edges[m->n] = (flat_edge){caller, callee, {0, 0, 0, 0}};
    m->active[m->n] = 0;
    m->keys[h] = key;
    m->vals[h] = m->n;
    m->used++;
    return m->n++;
}

static void add_stat(flat_stat *s, const cct_node *n, int recursive)
{
    s->calls += n->calls;
    s->self += n->self;
    if (!recursive) {
        s->prim_calls += n->calls;
        s->cum += n->total;
    }
}

/* Walks one thread's tree; first/next/stack/edge_of are scratch arrays of
 * n_nodes entries (stack: 2 * n_nodes). */
static int walk_thread(const profile_thread *t, flat_profile *out,
                       edge_map *em, uint32_t *func_active, uint32_t *first,
                       uint32_t *next, uint32_t *stack, uint32_t *edge_of)
{
    uint32_t n = t->n_nodes;
    for (uint32_t i = 0; i < n; i++)
        first[i] = next[i] = NONE;
    for (uint32_t i = n; i-- > 1;) {
        next[i] = first[t->nodes[i].parent];
        first[t->nodes[i].parent] = i;
    }
    for (uint32_t c = first[0]; c != NONE; c = next[c])
        out->total += t->nodes[c].total;

    /* Entries with the top bit set mean "leave this node". */
    const uint32_t LEAVE = 0x80000000u;
    uint32_t sp = 0;
    for (uint32_t c = first[0]; c != NONE; c = next[c])
        stack[sp++] = c;
    while (sp) {
        uint32_t item = stack[--sp];
        if (item & LEAVE) {
            uint32_t i = item & ~LEAVE;
            func_active[t->nodes[i].func]--;
            if (edge_of[i] != NONE)
                em->active[edge_of[i]]--;
            continue;
        }
        const cct_node *nd = &t->nodes[item];
        add_stat(&out->funcs[nd->func], nd, func_active[nd->func] > 0);
        edge_of[item] = NONE;
        if (nd->parent != 0) {
            uint32_t caller = t->nodes[nd->parent].func;
            int64_t e = edge_map_get(em, caller, nd->func);
            if (e < 0)
                return (int)e;
            add_stat(&em->edges[e].stat, nd, em->active[e] > 0);
            em->active[e]++;
            edge_of[item] = (uint32_t)e;
        }
        func_active[nd->func]++;
        stack[sp++] = item | LEAVE;
        for (uint32_t c = first[item]; c != NONE; c = next[c])
            stack[sp++] = c;
    }
    return 0;
}

static int cmp_edge(const void *a, const void *b)
{
    const flat_edge *x = a, *y = b;
    if (x->caller != y->caller)
        return x->caller < y->caller ? -1 : 1;
    if (x->callee != y->callee)
        return x->callee < y->callee ? -1 : 1;
    return 0;
}

int flat_build(const profile *p, flat_profile *out)
{
    memset(out, 0, sizeof *out);
    if (profile_validate(p) < 0)
        return -EINVAL;
    uint32_t max_nodes = 0;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if (p->threads[t].n_nodes > max_nodes)
            max_nodes = p->threads[t].n_nodes;
    if (max_nodes >= 0x80000000u)
        return -EINVAL;

    int rc = -ENOMEM;
    edge_map em = {0};
    uint32_t *func_active = calloc(p->n_funcs + 1, sizeof *func_active);
    uint32_t *scratch = malloc(((size_t)max_nodes * 5 + 1) * sizeof *scratch);
    out->n_funcs = p->n_funcs;
    out->funcs = calloc(p->n_funcs + 1, sizeof *out->funcs);
    if (!func_active || !scratch || !out->funcs ||
        edge_map_rehash(&em, 64) < 0)
        goto done;
    for (uint32_t t = 0; t < p->n_threads; t++) {
        rc = walk_thread(&p->threads[t], out, &em, func_active, scratch,
                         scratch + max_nodes, scratch + 2 * (size_t)max_nodes,
                         scratch + 4 * (size_t)max_nodes);
        if (rc < 0)
            goto done;
    }
    if (em.n)
        qsort(em.edges, em.n, sizeof *em.edges, cmp_edge);
    out->edges = em.edges;
    out->n_edges = em.n;
    em.edges = NULL;
    rc = 0;
done:
    free(em.keys);
    free(em.vals);
    free(em.edges);
    free(em.active);
    free(func_active);
    free(scratch);
    if (rc < 0)
        flat_free(out);
    return rc;
}

void flat_free(flat_profile *f)
{
    free(f->funcs);
    free(f->edges);
    memset(f, 0, sizeof *f);
}
