/* summary.c: the text summary of a profile. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* PATH_MAX, getcwd under -std=c11 */
#endif
#include "summary.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/flat.h"
#include "fmt.h"
#include "procs.h"
#include "verdict.h"

void summary_func_name(char *dst, size_t cap, const profile_func *f)
{
    if (f->kind == FUNC_BUILTIN) {
        /* pstats shows "<built-in method x>" as "{built-in method x}" */
        size_t n = strlen(f->name);
        if (n >= 2 && f->name[0] == '<' && f->name[n - 1] == '>')
            snprintf(dst, cap, "{%.*s}", (int)(n - 2), f->name + 1);
        else
            snprintf(dst, cap, "%s", f->name);
        return;
    }
    const char *file = f->file;
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd)) {
        size_t n = strlen(cwd);
        if (strncmp(file, cwd, n) == 0 && file[n] == '/')
            file += n + 1;
    }
    if (file[0] == '/') {
        /* outside the current directory: keep the last two components */
        const char *last = strrchr(file, '/'), *p = last;
        while (p > file && *--p != '/')
            ;
        if (p > file)
            file = p + 1;
    }
    snprintf(dst, cap, "%s:%u(%s)", file, f->line, f->name);
}

typedef struct {
    const flat_stat *s;
    uint32_t id;
} row;

static int by_cum(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->s->cum != y->s->cum)
        return x->s->cum > y->s->cum ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int by_self(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->s->self != y->s->self)
        return x->s->self > y->s->self ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void print_table(FILE *out, const profile *p, row *rows, uint32_t n,
                        unsigned top, double total, int cum_first)
{
    char a[32], b[32], c[64], d[32], g[32], name[512];
    if (cum_first)
        fprintf(out, "  %6s  %8s  %10s  %10s  %12s  %10s  %s\n", "%",
                "max gain", "cumtime", "tottime", "calls", "per call",
                "function");
    else
        fprintf(out, "  %6s  %10s  %10s  %12s  %10s  %s\n", "%", "tottime",
                "cumtime", "calls", "per call", "function");
    for (uint32_t i = 0; i < n && i < top; i++) {
        const flat_stat *s = rows[i].s;
        double main = (double)(cum_first ? s->cum : s->self) * p->tick;
        double other = (double)(cum_first ? s->self : s->cum) * p->tick;
        if (main <= 0 && i > 0)
            break;
        fmt_time(a, sizeof a, main);
        fmt_time(b, sizeof b, other);
        if (s->calls == s->prim_calls)
            fmt_count(c, sizeof c, s->calls);
        else {
            char x[24], y[24];
            fmt_count(x, sizeof x, s->calls);
            fmt_count(y, sizeof y, s->prim_calls);
            snprintf(c, sizeof c, "%s/%s", x, y);
        }
        fmt_time(d, sizeof d, s->calls ? main / (double)s->calls : 0);
        summary_func_name(name, sizeof name, &p->funcs[rows[i].id]);
        double share = total > 0 ? main / total : 0.0;
        if (cum_first) {
            /* Amdahl: the whole program if this function took no time */
            fmt_speedup(g, sizeof g, verdict_amdahl(share));
            fprintf(out, "  %5.1f%%  %8s  %10s  %10s  %12s  %10s  %s\n",
                    100.0 * share, g, a, b, c, d, name);
        } else {
            fprintf(out, "  %5.1f%%  %10s  %10s  %12s  %10s  %s\n",
                    100.0 * share, a, b, c, d, name);
        }
    }
}

int summary_print(FILE *out, const profile *p, const summary_opts *o)
{
    flat_profile flat;
    int rc = flat_build(p, &flat);
    if (rc < 0)
        return rc;
    row *rows = malloc(((size_t)flat.n_funcs + 1) * sizeof *rows);
    if (!rows) {
        flat_free(&flat);
        return -ENOMEM;
    }
    uint64_t calls = 0;
    for (uint32_t i = 0; i < flat.n_funcs; i++) {
        rows[i] = (row){&flat.funcs[i], i};
        calls += flat.funcs[i].calls;
    }
    double total = (double)flat.total * p->tick;
    char t[32], c[32];
    fmt_time(t, sizeof t, total);
    fmt_count(c, sizeof c, calls);
    char procs[48] = "";
    if (p->n_procs > 1)
        snprintf(procs, sizeof procs, " of %u processes", p->n_procs);
    fprintf(out, "\nlento: %s%s%s profiled time, %s calls of %u functions "
                 "in %u thread%s%s\n",
            o->label ? o->label : "", o->label ? ": " : "", t, c,
            flat.n_funcs, p->n_threads, p->n_threads == 1 ? "" : "s", procs);
    const char *b = profile_get_meta(p, "builtins");
    if (b && !strcmp(b, "no"))
        fprintf(out, "(--no-builtins: C functions are not timed apart; "
                     "their time is in the self time of their callers)\n");
    /* what the tracer had to do that changes what the figures cover
     * (src/tracer/notes.h) */
    for (uint32_t i = 0; i < p->n_meta; i++)
        if (!strncmp(p->meta[i].key, "note.", 5))
            fprintf(out, "lento: note: %s\n", p->meta[i].value);
    unsigned top = o->top ? o->top : 10;
    if (flat.n_funcs) {
        qsort(rows, flat.n_funcs, sizeof *rows, by_cum);
        fprintf(out, "\nWhere the time goes, cumulative (in the function and "
                     "all it calls):\n");
        print_table(out, p, rows, flat.n_funcs, top, total, 1);
        fprintf(out, "  (max gain: how much faster the whole program could "
                     "be if that function took\n   no time at all, by "
                     "Amdahl's law: 1 / (1 - share))\n");
        qsort(rows, flat.n_funcs, sizeof *rows, by_self);
        fprintf(out, "\nWhere the time goes, self (in the function's own "
                     "code):\n");
        print_table(out, p, rows, flat.n_funcs, top, total, 0);
    }
    free(rows);
    flat_free(&flat);
    return procs_print(out, p);
}
