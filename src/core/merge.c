/* merge.c: see merge.h.  Functions are matched by everything that labels
 * them (kind, file, line, name), through an open-addressing table of dst's
 * function indices, so merging n processes costs time linear in what they
 * hold. */
#include "merge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct merge {
    profile *dst;
    uint32_t *slots; /* dst function index + 1; 0 is empty */
    uint32_t mask, used;
};

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

static uint64_t hash_func(const profile_func *f)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)f->kind;
    h = (h ^ f->line) * 0x100000001b3ULL;
    h = hash_str(h, f->file);
    return hash_str(h ^ 0xff, f->name);
}

static int same_func(const profile_func *a, const profile_func *b)
{
    return a->kind == b->kind && a->line == b->line &&
           !strcmp(a->file, b->file) && !strcmp(a->name, b->name);
}

static int slots_resize(merge *m, uint32_t cap)
{
    uint32_t *s = calloc(cap, sizeof *s);
    if (!s)
        return -ENOMEM;
    for (uint32_t i = 0; m->slots && i <= m->mask; i++) {
        if (!m->slots[i])
            continue;
        uint32_t h = (uint32_t)hash_func(&m->dst->funcs[m->slots[i] - 1]) &
                     (cap - 1);
        while (s[h])
            h = (h + 1) & (cap - 1);
        s[h] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->mask = cap - 1;
    return 0;
}

merge *merge_new(profile *dst)
{
    merge *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->dst = dst;
    if (slots_resize(m, 1024) < 0) {
        free(m);
        return NULL;
    }
    /* functions dst already has (none in lento's use; kept correct) */
    for (uint32_t i = 0; i < dst->n_funcs; i++) {
        if ((uint64_t)(m->used + 1) * 2 > (uint64_t)m->mask + 1 &&
            slots_resize(m, (m->mask + 1) * 2) < 0) {
            merge_free(m);
            return NULL;
        }
        uint32_t h = (uint32_t)hash_func(&dst->funcs[i]) & m->mask;
        while (m->slots[h])
            h = (h + 1) & m->mask;
        m->slots[h] = i + 1;
        m->used++;
    }
    return m;
}

void merge_free(merge *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

/* dst's index of f, added if new; or -ENOMEM. */
static int64_t func_index(merge *m, const profile_func *f)
{
    uint32_t h = (uint32_t)hash_func(f) & m->mask;
    for (; m->slots[h]; h = (h + 1) & m->mask)
        if (same_func(&m->dst->funcs[m->slots[h] - 1], f))
            return m->slots[h] - 1;
    int64_t idx = profile_add_func(m->dst, f->kind, f->file, f->line,
                                   f->name);
    if (idx < 0)
        return idx;
    m->slots[h] = (uint32_t)idx + 1;
    m->used++;
    if ((uint64_t)m->used * 2 > (uint64_t)m->mask + 1 &&
        slots_resize(m, (m->mask + 1) * 2) < 0)
        return -ENOMEM;
    return idx;
}

/* The line table of (file, first line, name) in dst, or NULL. */
static profile_line_func *find_line_func(profile *dst,
                                         const profile_line_func *f)
{
    for (uint32_t i = 0; i < dst->n_line_funcs; i++) {
        profile_line_func *g = &dst->line_funcs[i];
        if (g->first_line == f->first_line && !strcmp(g->file, f->file) &&
            !strcmp(g->name, f->name))
            return g;
    }
    return NULL;
}

/* Adds f's lines into g (both sorted by line): a sorted merge into a new
 * array, summing the lines both have. */
static int add_lines(profile_line_func *g, const profile_line_func *f)
{
    uint32_t cap = g->n_lines + f->n_lines, n = 0, i = 0, j = 0;
    if (cap == 0)
        return 0;
    profile_line *out = malloc((size_t)cap * sizeof *out);
    if (!out)
        return -ENOMEM;
    while (i < g->n_lines || j < f->n_lines) {
        if (j == f->n_lines ||
            (i < g->n_lines && g->lines[i].line < f->lines[j].line)) {
            out[n++] = g->lines[i++];
        } else if (i == g->n_lines || f->lines[j].line < g->lines[i].line) {
            out[n++] = f->lines[j++];
        } else {
            out[n] = g->lines[i++];
            out[n].hits += f->lines[j].hits;
            out[n++].time += f->lines[j++].time;
        }
    }
    free(g->lines);
    g->lines = out;
    g->n_lines = g->cap_lines = n;
    if (f->last_line > g->last_line)
        g->last_line = f->last_line;
    return 0;
}

static int merge_line_funcs(profile *dst, const profile *src)
{
    for (uint32_t i = 0; i < src->n_line_funcs; i++) {
        const profile_line_func *f = &src->line_funcs[i];
        profile_line_func *g = find_line_func(dst, f);
        if (!g) {
            g = profile_add_line_func(dst, f->file, f->first_line,
                                      f->last_line, f->name);
            if (!g)
                return -ENOMEM;
        }
        if (add_lines(g, f) < 0)
            return -ENOMEM;
    }
    return 0;
}

static uint64_t meta_u64(const profile *p, const char *key)
{
    const char *v = profile_get_meta(p, key);
    return v ? strtoull(v, NULL, 10) : 0;
}

static int meta_yes(const profile *p, const char *key)
{
    const char *v = profile_get_meta(p, key);
    return v && !strcmp(v, "yes");
}

int merge_add(merge *m, const profile *src)
{
    profile *dst = m->dst;
    if (src->tick != dst->tick)
        return -EINVAL;
    uint32_t *fmap = malloc(((size_t)src->n_funcs + 1) * sizeof *fmap);
    if (!fmap)
        return -ENOMEM;
    int rc = 0;
    for (uint32_t i = 0; i < src->n_funcs; i++) {
        int64_t idx = func_index(m, &src->funcs[i]);
        if (idx < 0) {
            rc = (int)idx;
            goto done;
        }
        fmap[i] = (uint32_t)idx;
    }
    uint32_t first = dst->n_threads;
    for (uint32_t t = 0; t < src->n_threads; t++)
        if ((rc = profile_copy_thread(dst, &src->threads[t], fmap)) < 0)
            goto done;
    if ((rc = merge_line_funcs(dst, src)) < 0)
        goto done;
    const char *cmd = profile_get_meta(src, "command");
    profile_process *r = profile_add_process(
        dst, meta_u64(src, "pid"), meta_u64(src, "ppid"), first,
        src->n_threads, cmd ? cmd : "");
    if (!r) {
        rc = -ENOMEM;
        goto done;
    }
    const char *st = profile_get_meta(src, "exit_status");
    if (st && *st)
        r->exit_status = strtoll(st, NULL, 10);
    const char *wall = profile_get_meta(src, "wall_seconds");
    double w = wall ? strtod(wall, NULL) : 0;
    r->wall = w >= 0 && w <= 1e9 ? w : 0;
    r->flags = (meta_yes(src, "partial") ? PROC_PARTIAL : 0) |
               (meta_yes(src, "os_exit") ? PROC_OS_EXIT : 0) |
               (meta_yes(src, "forked") ? PROC_FORKED : 0);
done:
    free(fmap);
    return rc;
}
