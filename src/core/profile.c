/* profile.c: the profile model's storage (see profile.h). */
#include "profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Grows *arr (of elements of size elem) so that it can hold need elements.
 * 0 or -ENOMEM; on failure *arr is untouched. */
static int grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    uint64_t ncap = *cap ? (uint64_t)*cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX)
        ncap = UINT32_MAX;
    if (ncap < need)
        return -ENOMEM;
    void *n = realloc(*arr, (size_t)ncap * elem);
    if (!n)
        return -ENOMEM;
    *arr = n;
    *cap = (uint32_t)ncap;
    return 0;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

profile *profile_new(double tick)
{
    profile *p = calloc(1, sizeof *p);
    if (p)
        p->tick = tick;
    return p;
}

void profile_free(profile *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n_funcs; i++) {
        free(p->funcs[i].file);
        free(p->funcs[i].name);
    }
    free(p->funcs);
    for (uint32_t i = 0; i < p->n_threads; i++) {
        free(p->threads[i].name);
        free(p->threads[i].nodes);
    }
    free(p->threads);
    for (uint32_t i = 0; i < p->n_meta; i++) {
        free(p->meta[i].key);
        free(p->meta[i].value);
    }
    free(p->meta);
    system_free(p->system);
    for (uint32_t i = 0; i < p->n_line_funcs; i++) {
        free(p->line_funcs[i].file);
        free(p->line_funcs[i].name);
        free(p->line_funcs[i].lines);
    }
    free(p->line_funcs);
    for (uint32_t i = 0; i < p->n_procs; i++)
        free(p->procs[i].command);
    free(p->procs);
    free(p);
}

int64_t profile_add_func(profile *p, func_kind kind, const char *file,
                         uint32_t line, const char *name)
{
    /* an index must never reach PROFILE_NO_FUNC */
    if (p->n_funcs >= PROFILE_NO_FUNC - 1)
        return -ENOMEM;
    if (grow((void **)&p->funcs, &p->cap_funcs, p->n_funcs + 1,
             sizeof *p->funcs) < 0)
        return -ENOMEM;
    profile_func *f = &p->funcs[p->n_funcs];
    f->kind = kind;
    f->line = line;
    f->file = dupstr(file);
    f->name = dupstr(name);
    if (!f->file || !f->name) {
        free(f->file);
        free(f->name);
        return -ENOMEM;
    }
    return p->n_funcs++;
}

profile_thread *profile_add_thread(profile *p, uint64_t ident,
                                   const char *name)
{
    if (grow((void **)&p->threads, &p->cap_threads, p->n_threads + 1,
             sizeof *p->threads) < 0)
        return NULL;
    profile_thread *t = &p->threads[p->n_threads];
    memset(t, 0, sizeof *t);
    t->ident = ident;
    t->name = dupstr(name ? name : "");
    if (!t->name)
        return NULL;
    if (profile_thread_add_node(t, 0, PROFILE_NO_FUNC, 0, 0, 0) < 0) {
        free(t->name);
        return NULL;
    }
    p->n_threads++;
    return t;
}

int profile_copy_thread(profile *p, const profile_thread *t,
                        const uint32_t *fmap)
{
    profile_thread *d = profile_add_thread(p, t->ident, t->name);
    if (!d)
        return -ENOMEM;
    for (uint32_t i = 1; i < t->n_nodes; i++) {
        const cct_node *n = &t->nodes[i];
        if (profile_thread_add_node(d, n->parent,
                                    fmap ? fmap[n->func] : n->func, n->calls,
                                    n->total, n->self) < 0)
            return -ENOMEM;
    }
    return 0;
}

profile_process *profile_add_process(profile *p, uint64_t pid,
                                     uint64_t ppid, uint32_t first_thread,
                                     uint32_t n_threads, const char *command)
{
    if (grow((void **)&p->procs, &p->cap_procs, p->n_procs + 1,
             sizeof *p->procs) < 0)
        return NULL;
    profile_process *r = &p->procs[p->n_procs];
    memset(r, 0, sizeof *r);
    r->command = dupstr(command ? command : "");
    if (!r->command)
        return NULL;
    r->pid = pid;
    r->ppid = ppid;
    r->first_thread = first_thread;
    r->n_threads = n_threads;
    r->exit_status = PROC_STATUS_UNKNOWN;
    p->n_procs++;
    return r;
}

profile_line_func *profile_add_line_func(profile *p, const char *file,
                                         uint32_t first_line,
                                         uint32_t last_line,
                                         const char *name)
{
    if (last_line < first_line ||
        grow((void **)&p->line_funcs, &p->cap_line_funcs,
             p->n_line_funcs + 1, sizeof *p->line_funcs) < 0)
        return NULL;
    profile_line_func *f = &p->line_funcs[p->n_line_funcs];
    memset(f, 0, sizeof *f);
    f->file = dupstr(file);
    f->name = dupstr(name);
    if (!f->file || !f->name) {
        free(f->file);
        free(f->name);
        return NULL;
    }
    f->first_line = first_line;
    f->last_line = last_line;
    p->n_line_funcs++;
    return f;
}

int profile_line_func_add(profile_line_func *f, uint32_t line, uint64_t hits,
                          int64_t time)
{
    if (f->n_lines && line <= f->lines[f->n_lines - 1].line)
        return -EINVAL;
    if (grow((void **)&f->lines, &f->cap_lines, f->n_lines + 1,
             sizeof *f->lines) < 0)
        return -ENOMEM;
    f->lines[f->n_lines++] = (profile_line){line, hits, time};
    return 0;
}

int64_t profile_thread_add_node(profile_thread *t, uint32_t parent,
                                uint32_t func, uint64_t calls, int64_t total,
                                int64_t self)
{
    /* flat_build refuses trees of 2^31 nodes or more */
    if (t->n_nodes >= 0x7fffffffu)
        return -ENOMEM;
    if (grow((void **)&t->nodes, &t->cap_nodes, t->n_nodes + 1,
             sizeof *t->nodes) < 0)
        return -ENOMEM;
    t->nodes[t->n_nodes] = (cct_node){parent, func, calls, total, self};
    return t->n_nodes++;
}

int profile_set_meta(profile *p, const char *key, const char *value)
{
    char *v = dupstr(value);
    if (!v)
        return -ENOMEM;
    for (uint32_t i = 0; i < p->n_meta; i++) {
        if (strcmp(p->meta[i].key, key) == 0) {
            free(p->meta[i].value);
            p->meta[i].value = v;
            return 0;
        }
    }
    char *k = dupstr(key);
    if (!k || grow((void **)&p->meta, &p->cap_meta, p->n_meta + 1,
                   sizeof *p->meta) < 0) {
        free(k);
        free(v);
        return -ENOMEM;
    }
    p->meta[p->n_meta++] = (profile_meta){k, v};
    return 0;
}

const char *profile_get_meta(const profile *p, const char *key)
{
    for (uint32_t i = 0; i < p->n_meta; i++)
        if (strcmp(p->meta[i].key, key) == 0)
            return p->meta[i].value;
    return NULL;
}

int profile_validate(const profile *p)
{
    if (!(p->tick > 0) || p->tick > 1e3)
        return -EINVAL;
    if (p->system && system_validate(p->system) < 0)
        return -EINVAL;
    for (uint32_t i = 0; i < p->n_funcs; i++)
        if (!p->funcs[i].file || !p->funcs[i].name ||
            (p->funcs[i].kind != FUNC_PYTHON &&
             p->funcs[i].kind != FUNC_BUILTIN))
            return -EINVAL;
    for (uint32_t t = 0; t < p->n_threads; t++) {
        const profile_thread *th = &p->threads[t];
        if (th->n_nodes == 0 || th->nodes[0].func != PROFILE_NO_FUNC ||
            th->nodes[0].parent != 0)
            return -EINVAL;
        for (uint32_t i = 1; i < th->n_nodes; i++) {
            const cct_node *n = &th->nodes[i];
            if (n->parent >= i || n->func >= p->n_funcs)
                return -EINVAL;
        }
    }
    /* processes: consecutive thread ranges covering every thread */
    uint64_t next = 0;
    for (uint32_t i = 0; i < p->n_procs; i++) {
        const profile_process *r = &p->procs[i];
        if (!r->command || r->first_thread != next ||
            (r->flags & ~PROC_FLAGS_KNOWN) || !(r->wall >= 0) ||
            r->wall > 1e9)
            return -EINVAL;
        next += r->n_threads;
    }
    if (p->n_procs && next != p->n_threads)
        return -EINVAL;
    for (uint32_t i = 0; i < p->n_line_funcs; i++) {
        const profile_line_func *f = &p->line_funcs[i];
        if (!f->file || !f->name || f->last_line < f->first_line)
            return -EINVAL;
        for (uint32_t j = 1; j < f->n_lines; j++)
            if (f->lines[j].line <= f->lines[j - 1].line)
                return -EINVAL;
    }
    return 0;
}
