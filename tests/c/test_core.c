/* test_core.c: unit tests of src/core (profile, flat, buf, store, pstats,
 * system figures).
 *
 * Usage: test_core [DIR]            run the tests, scratch files in DIR
 *                                   (default: a new directory in /tmp)
 *        test_core --write-seed F   write the sample profile to F (the
 *                                   fuzzing seed) and exit
 *
 * The expected flat figures were derived from Modules/_lsprof.c's
 * initContext/Stop and cross-checked against cProfile run with a fake
 * timer; each test quotes the Python program it mirrors.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/core/buf.h"
#include "../../src/core/flat.h"
#include "../../src/core/profile.h"
#include "../../src/core/pstats.h"
#include "../../src/core/store.h"
#include "check.h"

/* ---- helpers ----------------------------------------------------------- */

static uint32_t func(profile *p, func_kind kind, const char *file,
                     uint32_t line, const char *name)
{
    int64_t f = profile_add_func(p, kind, file, line, name);
    if (!CHECK(f >= 0))
        exit(2); /* out of memory in a test: nothing sensible to go on */
    return (uint32_t)f;
}

static uint32_t pyfunc(profile *p, const char *name)
{
    return func(p, FUNC_PYTHON, "t.py", 1, name);
}

static uint32_t node(profile_thread *t, uint32_t parent, uint32_t f,
                     uint64_t calls, int64_t total, int64_t self)
{
    int64_t n = profile_thread_add_node(t, parent, f, calls, total, self);
    if (!CHECK(n >= 0))
        exit(2);
    return (uint32_t)n;
}

static profile_thread *thread(profile *p, uint64_t ident, const char *name)
{
    profile_thread *t = profile_add_thread(p, ident, name);
    if (!CHECK(t != NULL))
        exit(2);
    return t;
}

static const flat_edge *find_edge(const flat_profile *f, uint32_t caller,
                                  uint32_t callee)
{
    for (uint32_t i = 0; i < f->n_edges; i++)
        if (f->edges[i].caller == caller && f->edges[i].callee == callee)
            return &f->edges[i];
    return NULL;
}

static void check_stat_at(const flat_stat *s, uint64_t calls, uint64_t prim,
                          int64_t cum, int64_t self, int line)
{
    if (!check_at(s != NULL, "stat exists", __FILE__, line))
        return;
    check_u64_at(s->calls, calls, "calls", __FILE__, line);
    check_u64_at(s->prim_calls, prim, "prim_calls", __FILE__, line);
    check_i64_at(s->cum, cum, "cum", __FILE__, line);
    check_i64_at(s->self, self, "self", __FILE__, line);
}

/* CHECK_STAT(stat, calls, prim_calls, cum, self) */
#define CHECK_STAT(s, calls, prim, cum, self)                               \
    check_stat_at((s), (calls), (prim), (cum), (self), __LINE__)
#define EDGE(fl, a, b)                                                      \
    (find_edge((fl), (a), (b)) ? &find_edge((fl), (a), (b))->stat : NULL)

static int build(const profile *p, flat_profile *fl)
{
    int rc = flat_build(p, fl);
    CHECK_I64(rc, 0);
    return rc;
}

/* ---- profile.c --------------------------------------------------------- */

static void test_profile_basics(void)
{
    profile *p = profile_new(1e-9);
    CHECK(p != NULL);
    char file[] = "a.py";
    uint32_t a = func(p, FUNC_PYTHON, file, 3, "a");
    uint32_t l = func(p, FUNC_BUILTIN, "~", 0, "<built-in method len>");
    file[0] = 'X'; /* the profile keeps its own copy */
    CHECK_U64(a, 0);
    CHECK_U64(l, 1);
    CHECK_STR(p->funcs[a].file, "a.py");
    CHECK_U64(p->funcs[a].line, 3);
    CHECK(p->funcs[l].kind == FUNC_BUILTIN);

    CHECK_I64(profile_set_meta(p, "cmd", "x"), 0);
    CHECK_I64(profile_set_meta(p, "py", "3.11"), 0);
    CHECK_I64(profile_set_meta(p, "cmd", "y"), 0); /* replaces */
    CHECK_U64(p->n_meta, 2);
    CHECK_STR(profile_get_meta(p, "cmd"), "y");
    CHECK(profile_get_meta(p, "nope") == NULL);

    profile_thread *t = thread(p, 42, NULL);
    CHECK_STR(t->name, "");
    CHECK_U64(t->n_nodes, 1);
    CHECK_U64(t->nodes[0].func, PROFILE_NO_FUNC);
    CHECK_U64(node(t, 0, a, 1, 10, 5), 1);
    CHECK_U64(node(t, 1, l, 2, 5, 5), 2);
    CHECK_I64(profile_validate(p), 0);

    /* Each invariant profile_validate promises, broken one at a time. */
    t->nodes[2].parent = 2;
    CHECK_I64(profile_validate(p), -EINVAL);
    t->nodes[2].parent = 1;
    t->nodes[2].func = 2;
    CHECK_I64(profile_validate(p), -EINVAL);
    t->nodes[2].func = PROFILE_NO_FUNC;
    CHECK_I64(profile_validate(p), -EINVAL);
    t->nodes[2].func = l;
    t->nodes[0].func = a;
    CHECK_I64(profile_validate(p), -EINVAL);
    t->nodes[0].func = PROFILE_NO_FUNC;
    t->nodes[0].parent = 1;
    CHECK_I64(profile_validate(p), -EINVAL);
    t->nodes[0].parent = 0;
    p->funcs[a].kind = (func_kind)7;
    CHECK_I64(profile_validate(p), -EINVAL);
    p->funcs[a].kind = FUNC_PYTHON;
    double bad_ticks[] = {0, -1e-9, NAN, INFINITY, 1e4};
    for (size_t i = 0; i < sizeof bad_ticks / sizeof *bad_ticks; i++) {
        p->tick = bad_ticks[i];
        CHECK_I64(profile_validate(p), -EINVAL);
    }
    p->tick = 1e-9;
    CHECK_I64(profile_validate(p), 0);

    /* Many threads and nodes: the arrays grow. */
    for (int i = 0; i < 100; i++) {
        t = thread(p, (uint64_t)i, "w");
        for (uint32_t j = 1; j < 50; j++)
            node(t, j - 1, a, 1, 1, 1);
    }
    CHECK_U64(p->n_threads, 101);
    CHECK_U64(p->threads[100].n_nodes, 50);
    CHECK_I64(profile_validate(p), 0);
    profile_free(p);
    profile_free(NULL);
}

/* ---- flat.c ------------------------------------------------------------ */

/*  def b(): T += 5
 *  def a(): T += 3; b()
 *  def b2(): T += 2
 *  def main(): T += 1; a(); b2()                                          */
static void test_flat_nesting(void)
{
    profile *p = profile_new(1.0);
    uint32_t main_ = pyfunc(p, "main"), a = pyfunc(p, "a"),
             b = pyfunc(p, "b"), b2 = pyfunc(p, "b2");
    profile_thread *t = thread(p, 1, "MainThread");
    uint32_t nm = node(t, 0, main_, 1, 11, 1);
    uint32_t na = node(t, nm, a, 1, 8, 3);
    node(t, na, b, 1, 5, 5);
    node(t, nm, b2, 1, 2, 2);

    flat_profile fl;
    if (build(p, &fl) == 0) {
        CHECK_U64(fl.n_funcs, 4);
        CHECK_I64(fl.total, 11);
        CHECK_STAT(&fl.funcs[main_], 1, 1, 11, 1);
        CHECK_STAT(&fl.funcs[a], 1, 1, 8, 3);
        CHECK_STAT(&fl.funcs[b], 1, 1, 5, 5);
        CHECK_STAT(&fl.funcs[b2], 1, 1, 2, 2);
        CHECK_U64(fl.n_edges, 3); /* no edge into main: it has no caller */
        CHECK_STAT(EDGE(&fl, main_, a), 1, 1, 8, 3);
        CHECK_STAT(EDGE(&fl, a, b), 1, 1, 5, 5);
        CHECK_STAT(EDGE(&fl, main_, b2), 1, 1, 2, 2);
        for (uint32_t i = 1; i < fl.n_edges; i++)
            CHECK(fl.edges[i - 1].caller < fl.edges[i].caller ||
                  (fl.edges[i - 1].caller == fl.edges[i].caller &&
                   fl.edges[i - 1].callee < fl.edges[i].callee));
        flat_free(&fl);
    }
    profile_free(p);
}

/*  def f(n):
 *      T += 1
 *      if n < 2: return
 *      f(n - 1); f(n - 2)
 *  run = lambda: f(3)
 * cProfile: f 5/1 calls, tottime 5, cumtime 5, callers
 * {run: (1, 1, 1, 5), f: (4, 2, 4, 4)}.                                    */
static void test_flat_fib(void)
{
    profile *p = profile_new(1.0);
    uint32_t run = pyfunc(p, "<lambda>"), f = pyfunc(p, "f");
    profile_thread *t = thread(p, 1, "");
    uint32_t nr = node(t, 0, run, 1, 5, 0);
    uint32_t f3 = node(t, nr, f, 1, 5, 1);         /* f(3) */
    uint32_t ff = node(t, f3, f, 2, 3 + 1, 1 + 1); /* f(2), f(1) */
    node(t, ff, f, 2, 2, 2);                       /* f(1), f(0) under f(2) */

    flat_profile fl;
    if (build(p, &fl) == 0) {
        CHECK_STAT(&fl.funcs[run], 1, 1, 5, 0);
        CHECK_STAT(&fl.funcs[f], 5, 1, 5, 5);
        CHECK_STAT(EDGE(&fl, run, f), 1, 1, 5, 1);
        CHECK_STAT(EDGE(&fl, f, f), 4, 2, 4, 4);
        CHECK_U64(fl.n_edges, 2);
        flat_free(&fl);
    }
    profile_free(p);
}

/*  def ma(n): T += 1; n and mb(n)
 *  def mb(n): T += 1; n > 1 and ma(n - 1)
 *  run = lambda: ma(2)            # ma -> mb -> ma -> mb
 * cProfile: ma 2/1 cum 4 self 2, callers {run: (1,1,1,4), mb: (1,1,1,2)};
 * mb 2/1 cum 3 self 2, callers {ma: (2,1,2,3)}.  Note mb->ma is primitive
 * although ma is recursive: the *pair* mb->ma was not yet on the stack. */
static void test_flat_mutual(void)
{
    profile *p = profile_new(1.0);
    uint32_t run = pyfunc(p, "<lambda>"), a = pyfunc(p, "ma"),
             b = pyfunc(p, "mb");
    profile_thread *t = thread(p, 1, "");
    uint32_t n = node(t, 0, run, 1, 4, 0);
    n = node(t, n, a, 1, 4, 1);
    n = node(t, n, b, 1, 3, 1);
    n = node(t, n, a, 1, 2, 1);
    node(t, n, b, 1, 1, 1);

    flat_profile fl;
    if (build(p, &fl) == 0) {
        CHECK_STAT(&fl.funcs[a], 2, 1, 4, 2);
        CHECK_STAT(&fl.funcs[b], 2, 1, 3, 2);
        CHECK_STAT(EDGE(&fl, run, a), 1, 1, 4, 1);
        CHECK_STAT(EDGE(&fl, a, b), 2, 1, 3, 2);
        CHECK_STAT(EDGE(&fl, b, a), 1, 1, 2, 1);
        CHECK_U64(fl.n_edges, 3);
        flat_free(&fl);
    }
    profile_free(p);
}

/*  def c(): T += 2
 *  def pa(): T += 1; c()
 *  def pb(): T += 1; c(); c()
 *  def main(): pa(); pb()
 * cProfile: c 3 calls, tottime 6, cumtime 6, callers
 * {pa: (1,1,2,2), pb: (2,2,4,4)}.                                          */
static void test_flat_two_paths(void)
{
    profile *p = profile_new(1.0);
    uint32_t main_ = pyfunc(p, "main"), pa = pyfunc(p, "pa"),
             pb = pyfunc(p, "pb"), c = pyfunc(p, "c");
    profile_thread *t = thread(p, 1, "");
    uint32_t nm = node(t, 0, main_, 1, 8, 0);
    uint32_t na = node(t, nm, pa, 1, 3, 1);
    node(t, na, c, 1, 2, 2);
    uint32_t nb = node(t, nm, pb, 1, 5, 1);
    node(t, nb, c, 2, 4, 4);

    flat_profile fl;
    if (build(p, &fl) == 0) {
        CHECK_STAT(&fl.funcs[main_], 1, 1, 8, 0);
        CHECK_STAT(&fl.funcs[c], 3, 3, 6, 6);
        CHECK_STAT(EDGE(&fl, pa, c), 1, 1, 2, 2);
        CHECK_STAT(EDGE(&fl, pb, c), 2, 2, 4, 4);
        CHECK_STAT(EDGE(&fl, main_, pa), 1, 1, 3, 1);
        CHECK_STAT(EDGE(&fl, main_, pb), 1, 1, 5, 1);
        CHECK_U64(fl.n_edges, 4);
        flat_free(&fl);
    }
    profile_free(p);
}

/*  def ea(n): T += 1; eb(n)
 *  def eb(n): T += 1; n and ec(n)
 *  def ec(n): T += 1; ea(n - 1)
 *  run = lambda: ea(1)            # ea -> eb -> ec -> ea -> eb
 * cProfile: ea 2/1 cum 5 self 2; eb 2/1 cum 4 self 2, callers
 * {ea: (2,1,2,4)}: the second ea->eb is recursive for the edge;
 * ec 1 cum 3 self 1; ec->ea (1,1,1,2).                                     */
static void test_flat_edge_recursion(void)
{
    profile *p = profile_new(1.0);
    uint32_t run = pyfunc(p, "<lambda>"), a = pyfunc(p, "ea"),
             b = pyfunc(p, "eb"), c = pyfunc(p, "ec");
    profile_thread *t = thread(p, 1, "");
    uint32_t n = node(t, 0, run, 1, 5, 0);
    n = node(t, n, a, 1, 5, 1);
    n = node(t, n, b, 1, 4, 1);
    n = node(t, n, c, 1, 3, 1);
    n = node(t, n, a, 1, 2, 1);
    node(t, n, b, 1, 1, 1);

    flat_profile fl;
    if (build(p, &fl) == 0) {
        CHECK_STAT(&fl.funcs[a], 2, 1, 5, 2);
        CHECK_STAT(&fl.funcs[b], 2, 1, 4, 2);
        CHECK_STAT(&fl.funcs[c], 1, 1, 3, 1);
        CHECK_STAT(EDGE(&fl, run, a), 1, 1, 5, 1);
        CHECK_STAT(EDGE(&fl, a, b), 2, 1, 4, 2);
        CHECK_STAT(EDGE(&fl, b, c), 1, 1, 3, 1);
        CHECK_STAT(EDGE(&fl, c, a), 1, 1, 2, 1);
        CHECK_U64(fl.n_edges, 4);
        flat_free(&fl);
    }
    profile_free(p);
}

/* Threads are walked separately (recursion is per thread stack) and then
 * summed; a sibling subtree after a recursive one must see clean counters. */
static void test_flat_threads(void)
{
    profile *p = profile_new(1.0);
    uint32_t f = pyfunc(p, "f"), g = pyfunc(p, "g");
    profile_thread *t = thread(p, 1, "one");
    uint32_t n1 = node(t, 0, f, 1, 10, 4);
    node(t, n1, f, 1, 6, 6);   /* recursive f */
    node(t, 0, f, 2, 7, 7);    /* a later top-level f: primitive again */
    t = thread(p, 2, "two");   /* t from thread 1 is now invalid */
    uint32_t n2 = node(t, 0, g, 1, 9, 3);
    node(t, n2, f, 1, 6, 6);   /* f under g: primitive on this thread */

    flat_profile fl;
    if (build(p, &fl) == 0) {
        CHECK_I64(fl.total, 10 + 7 + 9);
        CHECK_STAT(&fl.funcs[f], 5, 4, 10 + 7 + 6, 4 + 6 + 7 + 6);
        CHECK_STAT(&fl.funcs[g], 1, 1, 9, 3);
        CHECK_STAT(EDGE(&fl, f, f), 1, 1, 6, 6);
        CHECK_STAT(EDGE(&fl, g, f), 1, 1, 6, 6);
        CHECK_U64(fl.n_edges, 2);
        flat_free(&fl);
    }
    profile_free(p);
}

/* A recursion 200000 deep: the walk must not use the C stack per level. */
static void test_flat_deep(void)
{
    enum { DEPTH = 200000 };
    profile *p = profile_new(1.0);
    uint32_t f = pyfunc(p, "f");
    profile_thread *t = thread(p, 1, "");
    for (uint32_t i = 0; i < DEPTH; i++)
        node(t, i, f, 1, DEPTH - i, 1);
    flat_profile fl;
    if (build(p, &fl) == 0) {
        CHECK_STAT(&fl.funcs[f], DEPTH, 1, DEPTH, DEPTH);
        CHECK_STAT(EDGE(&fl, f, f), DEPTH - 1, 1, DEPTH - 1, DEPTH - 1);
        flat_free(&fl);
    }
    profile_free(p);
}

static void test_flat_edge_cases(void)
{
    /* No threads, no functions. */
    profile *p = profile_new(1.0);
    flat_profile fl;
    if (build(p, &fl) == 0) {
        CHECK_U64(fl.n_funcs, 0);
        CHECK_U64(fl.n_edges, 0);
        CHECK_I64(fl.total, 0);
        flat_free(&fl);
    }
    /* Many distinct edges: the edge map rehashes several times. */
    enum { N = 3000 };
    for (int i = 0; i < N; i++)
        pyfunc(p, "f");
    profile_thread *t = thread(p, 1, "");
    for (uint32_t i = 0; i + 1 < N; i++) {
        uint32_t n = node(t, 0, i, 1, 2, 1);
        node(t, n, i + 1, 1, 1, 1);
    }
    if (build(p, &fl) == 0) {
        CHECK_U64(fl.n_edges, N - 1);
        CHECK_STAT(&fl.funcs[0], 1, 1, 2, 1);
        CHECK_STAT(&fl.funcs[N / 2], 2, 2, 3, 2);
        CHECK_STAT(EDGE(&fl, N / 2, N / 2 + 1), 1, 1, 1, 1);
        flat_free(&fl);
    }
    /* An invalid profile is refused, and fl is left empty. */
    t->nodes[3].parent = 7;
    CHECK_I64(flat_build(p, &fl), -EINVAL);
    CHECK(fl.funcs == NULL && fl.edges == NULL);
    profile_free(p);
}

/* ---- buf.c ------------------------------------------------------------- */

static void test_buf(void)
{
    buf b;
    buf_init(&b, 16);
    CHECK(b.data == NULL && b.len == 0);
    CHECK_I64(buf_addstr(&b, "hello"), 0);
    CHECK_I64(buf_printf(&b, " %d+%s", 42, "x"), 0);
    CHECK_STR(b.data, "hello 42+x");
    CHECK_U64(b.len, 10);
    /* Past the cap: refused, buffer unchanged. */
    CHECK_I64(buf_add(&b, "0123456789", 7), -E2BIG);
    CHECK_I64(buf_printf(&b, "%s", "0123456789"), -E2BIG);
    CHECK_STR(b.data, "hello 42+x");
    CHECK_U64(b.len, 10);
    CHECK_I64(buf_add(&b, "012345", 6), 0); /* exactly at the cap */
    CHECK_U64(b.len, 16);
    CHECK_I64(buf_put_u8(&b, 1), -E2BIG);
    CHECK(b.alloc <= 17);
    buf_free(&b);

    /* Growth through printf, far beyond the first allocation. */
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        CHECK_I64(buf_printf(&b, "%04d,", i), 0);
    CHECK_U64(b.len, 5000);
    CHECK(memcmp(b.data + 4995, "0999,", 5) == 0);
    CHECK(b.data[b.len] == '\0');
    buf_reset(&b);
    CHECK_U64(b.len, 0);

    /* Little-endian helpers. */
    CHECK_I64(buf_put_u16(&b, 0x0102), 0);
    CHECK_I64(buf_put_u32(&b, 0x03040506u), 0);
    CHECK_I64(buf_put_u64(&b, 0x0708090a0b0c0d0eULL), 0);
    CHECK_I64(buf_put_f64(&b, -2.5), 0);
    static const unsigned char want[] = {2, 1, 6, 5, 4, 3, 0x0e, 0x0d,
                                         0x0c, 0x0b, 0x0a, 9, 8, 7};
    CHECK_U64(b.len, 22);
    CHECK(memcmp(b.data, want, sizeof want) == 0);
    CHECK_U64(buf_get_u32(b.data + 2), 0x03040506u);
    CHECK_U64(buf_get_u64(b.data + 6), 0x0708090a0b0c0d0eULL);
    CHECK(buf_get_f64(b.data + 14) == -2.5);
    size_t n;
    char *d = buf_detach(&b, &n);
    CHECK(d != NULL && n == 22 && b.data == NULL && b.len == 0);
    free(d);
    buf_free(&b);

    /* A zero cap holds nothing but the empty string. */
    buf_init(&b, 0);
    CHECK_I64(buf_add(&b, "", 0), 0);
    CHECK_I64(buf_addstr(&b, "x"), -E2BIG);
    buf_free(&b);
}

/* ---- store.c ----------------------------------------------------------- */

/* A profile that uses every feature of the format. */
/* System figures with every field set to something distinct. */
static profile_system *make_system(void)
{
    profile_system *s = system_new();
    if (!s)
        exit(2);
    s->wall = 1.25;
    s->exit_status = 143;
    s->term_signal = 15;
    s->user = 0.75;
    s->sys = 0.125;
    s->runq_wait = 0.0625;
    s->cores = 2;
    s->peak_rss = 5000000000ULL;
    s->peak_tree_rss = 5000004096ULL;
    s->minflt = 1234;
    s->majflt = 5;
    s->nvcsw = 7;
    s->nivcsw = 8;
    s->read_bytes = 1ULL << 40;
    s->write_bytes = 3;
    s->disk_read = 4096;
    s->disk_write = 8192;
    s->read_calls = 11;
    s->write_calls = 12;
    s->max_threads = 5;
    s->max_procs = 2;
    s->procs_seen = 3;
    s->busy_threads = 4;
    s->samples = 25;
    s->samples_busy = 20;
    s->samples_multi = 6;
    s->samples_io = 2;
    s->samples_wait = 3;
    s->waits_lock = 30;
    s->waits_sleep = 31;
    s->waits_io = 32;
    s->waits_child = 33;
    s->waits_other = 34;
    s->busy_lock_share = 0.5;
    s->other_cpu = 0.5;
    s->steal = 0.25;
    s->perf_available = 1;
    s->counter[SYSCTR_INSTRUCTIONS] = UINT64_MAX; /* all 64 bits kept */
    s->counter[SYSCTR_CYCLES] = 2000;
    s->counter_ok[SYSCTR_INSTRUCTIONS] = 1;
    s->counter_ok[SYSCTR_CYCLES] = 1;
    s->counter_running[SYSCTR_INSTRUCTIONS] = 1;
    s->counter_running[SYSCTR_CYCLES] = 0.5;
    s->interval = 0.05;
    if (system_set_perf_reason(s, "caf\xc3\xa9") < 0)
        exit(2);
    for (int i = 0; i < 3; i++) {
        system_sample x = {0.05 * (i + 1), 0.5 * i, 1e6 * i, 10, 20,
                           30,          40,        3,       1, (double)i};
        if (system_add_sample(s, &x) < 0)
            exit(2);
    }
    return s;
}

static profile *make_sample(void)
{
    profile *p = profile_new(1e-9);
    if (!p)
        exit(2);
    profile_set_meta(p, "command", "python app.py --flag");
    profile_set_meta(p, "python", "3.11.7 (main) [GCC 12]");
    profile_set_meta(p, "note", "caf\xc3\xa9 \xe2\x98\x95");
    profile_set_meta(p, "empty", "");
    uint32_t main_ = func(p, FUNC_PYTHON, "/srv/app.py", 1, "<module>");
    uint32_t fib = func(p, FUNC_PYTHON, "/srv/app.py", 10, "fib");
    uint32_t len = func(p, FUNC_BUILTIN, "~", 0,
                        "<built-in method builtins.len>");
    uint32_t uni = func(p, FUNC_PYTHON, "/tmp/donn\xc3\xa9\x65s.py",
                        4000000000u, "\xe5\x87\xbd\xe6\x95\xb0");
    func(p, FUNC_PYTHON, "", 0, ""); /* unused, empty strings */
    profile_thread *t = thread(p, 140000000000001ULL, "MainThread");
    uint32_t m = node(t, 0, main_, 1, 1000, 100);
    uint32_t f = node(t, m, fib, 1, 500, 100);
    f = node(t, f, fib, 2, 400, 300);
    node(t, f, fib, 1, 100, 100);
    node(t, m, len, 5000000000ULL, 250, 250);
    node(t, m, uni, 3, 150, -20); /* a negative self survives the trip */
    t = thread(p, 7, "worker \xce\xb1");
    node(t, 0, len, 1, INT64_MAX / 4, INT64_MAX / 4);
    thread(p, 8, ""); /* a thread that called nothing */
    p->system = make_system();
    return p;
}

static int same_system(const profile_system *a, const profile_system *b)
{
    int ok = CHECK((a == NULL) == (b == NULL));
    if (!a || !b)
        return ok;
    /* every named figure, through the store's own table */
    for (size_t i = 0; i < system_n_fields; i++) {
        const system_field *f = &system_fields[i];
        size_t n = f->type == SYSF_U8                          ? 1
                   : f->type == SYSF_I32 || f->type == SYSF_U32 ? 4
                                                                : 8;
        if (!check_at(memcmp((const char *)a + f->offset,
                             (const char *)b + f->offset, n) == 0,
                      f->name, __FILE__, __LINE__))
            ok = 0;
    }
    ok &= CHECK_STR(a->perf_reason, b->perf_reason);
    ok &= CHECK_U64(a->n_samples, b->n_samples);
    for (uint32_t i = 0; ok && i < a->n_samples; i++)
        ok &= CHECK(memcmp(&a->timeline[i], &b->timeline[i],
                           sizeof a->timeline[i]) == 0);
    return ok;
}

static int same_profile(const profile *a, const profile *b)
{
    int ok = 1;
    ok &= same_system(a->system, b->system);
    ok &= CHECK(memcmp(&a->tick, &b->tick, sizeof a->tick) == 0);
    ok &= CHECK_U64(a->n_meta, b->n_meta);
    for (uint32_t i = 0; ok && i < a->n_meta; i++) {
        ok &= CHECK_STR(a->meta[i].key, b->meta[i].key);
        ok &= CHECK_STR(a->meta[i].value, b->meta[i].value);
    }
    ok &= CHECK_U64(a->n_funcs, b->n_funcs);
    for (uint32_t i = 0; ok && i < a->n_funcs; i++) {
        ok &= CHECK(a->funcs[i].kind == b->funcs[i].kind);
        ok &= CHECK_U64(a->funcs[i].line, b->funcs[i].line);
        ok &= CHECK_STR(a->funcs[i].file, b->funcs[i].file);
        ok &= CHECK_STR(a->funcs[i].name, b->funcs[i].name);
    }
    ok &= CHECK_U64(a->n_threads, b->n_threads);
    for (uint32_t i = 0; ok && i < a->n_threads; i++) {
        const profile_thread *x = &a->threads[i], *y = &b->threads[i];
        ok &= CHECK_U64(x->ident, y->ident);
        ok &= CHECK_STR(x->name, y->name);
        ok &= CHECK_U64(x->n_nodes, y->n_nodes);
        for (uint32_t j = 0; ok && j < x->n_nodes; j++) {
            const cct_node *u = &x->nodes[j], *v = &y->nodes[j];
            ok &= CHECK(u->parent == v->parent && u->func == v->func &&
                        u->calls == v->calls && u->total == v->total &&
                        u->self == v->self);
        }
    }
    return ok;
}

static void test_store_round_trip(void)
{
    profile *p = make_sample();
    buf b, b2;
    buf_init(&b, STORE_MAX_SIZE);
    buf_init(&b2, STORE_MAX_SIZE);
    CHECK_I64(store_encode(p, &b), 0);
    CHECK(memcmp(b.data, "LENTOPRF\x01\0\0\0", 12) == 0);
    profile *q = NULL;
    const char *why = "unset";
    CHECK_I64(store_decode(b.data, b.len, &q, &why), 0);
    CHECK(why == NULL);
    if (q) {
        same_profile(p, q);
        CHECK_STR(profile_get_meta(q, "note"), "caf\xc3\xa9 \xe2\x98\x95");
        /* Decoding then encoding gives the same bytes. */
        CHECK_I64(store_encode(q, &b2), 0);
        CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
        /* A decoded profile is usable: more can be added to it. */
        CHECK(profile_add_func(q, FUNC_PYTHON, "x", 1, "y") >= 0);
        CHECK(profile_add_thread(q, 99, "new") != NULL);
        CHECK_I64(profile_set_meta(q, "extra", "1"), 0);
        CHECK_I64(profile_validate(q), 0);
    }
    profile_free(q);

    /* An empty profile round-trips too. */
    profile *e = profile_new(0.5);
    buf_reset(&b);
    CHECK_I64(store_encode(e, &b), 0);
    CHECK_I64(store_decode(b.data, b.len, &q, &why), 0);
    if (q) {
        same_profile(e, q);
        profile_free(q);
    }
    profile_free(e);

    /* The encoder refuses an invalid profile and respects out's cap. */
    p->threads[0].nodes[2].parent = 9;
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), -EINVAL);
    p->threads[0].nodes[2].parent = 1;
    buf tiny;
    buf_init(&tiny, 100);
    CHECK_I64(store_encode(p, &tiny), -E2BIG);
    /* Nor does it write what the reader would refuse as "too large". */
    profile_thread *w = &p->threads[1];
    int64_t saved = w->nodes[1].total;
    w->nodes[1].total = INT64_MIN;
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), -EOVERFLOW);
    w->nodes[1].total = INT64_MAX;
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), -EOVERFLOW);
    w->nodes[1].total = saved;
    w->nodes[1].calls = UINT64_MAX;
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), -EOVERFLOW);
    w->nodes[1].calls = 1;
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), 0);
    buf_free(&tiny);
    profile_free(p);
    buf_free(&b);
    buf_free(&b2);
}

static void test_store_truncations(void)
{
    profile *p = make_sample();
    buf b;
    buf_init(&b, STORE_MAX_SIZE);
    CHECK_I64(store_encode(p, &b), 0);
    unsigned bad = 0;
    for (size_t n = 0; n < b.len; n++) {
        /* A fresh allocation of exactly n bytes, so that ASan sees any
         * read past the end. */
        char *copy = malloc(n ? n : 1);
        memcpy(copy, b.data, n);
        profile *q = (profile *)&bad; /* must be reset to NULL */
        const char *why = NULL;
        int rc = store_decode(copy, n, &q, &why);
        if (rc != -EINVAL || q != NULL || why == NULL)
            bad++;
        free(copy);
    }
    CHECK_U64(bad, 0);
    profile_free(p);
    buf_free(&b);
}

/* xorshift64*: deterministic, so a failure can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Whatever decodes must be fully usable: validate, flatten, re-encode. */
static int decoded_is_sound(const profile *q)
{
    if (profile_validate(q) != 0)
        return 0;
    flat_profile fl;
    if (flat_build(q, &fl) != 0)
        return 0;
    flat_free(&fl);
    buf b;
    buf_init(&b, STORE_MAX_SIZE);
    int ok = store_encode(q, &b) == 0;
    buf_free(&b);
    buf_init(&b, PSTATS_MAX_SIZE);
    ok &= pstats_encode(q, &b) == 0;
    buf_free(&b);
    return ok;
}

static void test_store_flips(void)
{
    profile *p = make_sample();
    buf b;
    buf_init(&b, STORE_MAX_SIZE);
    CHECK_I64(store_encode(p, &b), 0);
    unsigned decoded = 0, refused = 0, bad = 0;
    char *copy = malloc(b.len);
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(copy, b.data, b.len);
        int flips = 1 + (int)(rng() % 4);
        for (int i = 0; i < flips; i++) {
            size_t at = rng() % b.len;
            /* Mostly single-bit flips, sometimes a whole random byte, and
             * sometimes a 0xff run (huge counts and lengths). */
            uint64_t r = rng();
            if (r % 8 == 0)
                copy[at] = (char)(r >> 8);
            else if (r % 8 == 1)
                for (size_t j = at; j < b.len && j < at + 4; j++)
                    copy[j] = (char)0xff;
            else
                copy[at] ^= (char)(1u << (r >> 8) % 8);
        }
        profile *q = NULL;
        const char *why = NULL;
        int rc = store_decode(copy, b.len, &q, &why);
        if (rc == 0) {
            decoded++;
            if (!decoded_is_sound(q))
                bad++;
        } else if (rc == -EINVAL && why && q == NULL) {
            refused++;
        } else {
            bad++;
        }
        profile_free(q);
    }
    CHECK_U64(bad, 0);
    CHECK(decoded > 0 && refused > 0); /* both outcomes were exercised */

    /* Random bytes after a valid header. */
    for (int iter = 0; iter < 5000; iter++) {
        size_t n = 20 + rng() % 200;
        memcpy(copy, b.data, 20);
        for (size_t i = 20; i < n && i < b.len; i++)
            copy[i] = (char)rng();
        profile *q = NULL;
        const char *why = NULL;
        int rc = store_decode(copy, n < b.len ? n : b.len, &q, &why);
        if (rc == 0 ? !decoded_is_sound(q) : (rc != -EINVAL || !why))
            bad++;
        profile_free(q);
    }
    CHECK_U64(bad, 0);
    free(copy);
    profile_free(p);
    buf_free(&b);
}

/* Hand-made files, for the reader's specific refusals. */
static void hdr(buf *b, uint32_t version, double tick)
{
    buf_reset(b);
    buf_add(b, "LENTOPRF", 8);
    buf_put_u32(b, version);
    buf_put_f64(b, tick);
}

static void sec(buf *b, const char *tag, const void *payload, size_t n)
{
    buf_add(b, tag, 4);
    buf_put_u64(b, n);
    buf_add(b, payload, n);
}

static void str(buf *b, const char *s, size_t n)
{
    buf_put_u32(b, (uint32_t)n);
    buf_add(b, s, n);
}

static void func_rec(buf *b, uint8_t kind, const char *name, size_t n)
{
    buf_put_u8(b, kind);
    buf_put_u32(b, 1);
    str(b, "f.py", 4);
    str(b, name, n);
}

static void node_rec(buf *b, uint32_t parent, uint32_t func, uint64_t calls,
                     int64_t total, int64_t self)
{
    buf_put_u32(b, parent);
    buf_put_u32(b, func);
    buf_put_u64(b, calls);
    buf_put_u64(b, (uint64_t)total);
    buf_put_u64(b, (uint64_t)self);
}

/* Decodes b and checks the outcome: want_why NULL means success. */
static void expect_at(const buf *b, const char *want_why, int line)
{
    profile *q = NULL;
    const char *why = NULL;
    int rc = store_decode(b->data, b->len, &q, &why);
    if (!want_why) {
        check_i64_at(rc, 0, "decodes", __FILE__, line);
        if (q)
            check_at(decoded_is_sound(q), "decoded is sound", __FILE__, line);
    } else {
        check_i64_at(rc, -EINVAL, "refused", __FILE__, line);
        check_str_at(why, want_why, "reason", __FILE__, line);
        check_at(q == NULL, "no profile", __FILE__, line);
    }
    profile_free(q);
}
#define EXPECT(b, why) expect_at((b), (why), __LINE__)

static void test_store_refusals(void)
{
    buf b, s;
    buf_init(&b, 1 << 20);
    buf_init(&s, 1 << 20);

    /* The smallest valid file: header, FUNC with no functions, END. */
    uint32_t zero = 0;
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, NULL);
    CHECK_U64(b.len, 20 + 16 + 12);

    buf_reset(&b);
    buf_addstr(&b, "PK\x03\x04 this is a zip file");
    EXPECT(&b, "not a lento profile");
    buf_reset(&b);
    buf_addstr(&b, "LENTO");
    EXPECT(&b, "truncated");
    hdr(&b, 7, 1e-9);
    EXPECT(&b, "unsupported version 7");
    hdr(&b, 0, 1e-9);
    EXPECT(&b, "unsupported version 0");
    hdr(&b, 0xffffffffu, 1e-9);
    EXPECT(&b, "unsupported version (from a newer lento?)");
    hdr(&b, 1, NAN);
    EXPECT(&b, "corrupt: bad tick");
    hdr(&b, 1, 0.0);
    EXPECT(&b, "corrupt: bad tick");
    hdr(&b, 1, 1e-9);
    EXPECT(&b, "truncated"); /* no END */
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: no FUNC section");

    /* Unknown sections are skipped, wherever they are. */
    hdr(&b, 1, 1e-9);
    sec(&b, "XTRA", "whatever", 8);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "xtra", "", 0);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, NULL);

    /* Ordering and framing. */
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "END ", NULL, 0);
    buf_put_u8(&b, 0);
    EXPECT(&b, "corrupt: data after END");
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "END ", "x", 1);
    EXPECT(&b, "corrupt: END section not empty");
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: more than one FUNC section");
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", "\0\0\0\0\0", 5);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: section longer than its contents");
    hdr(&b, 1, 1e-9);
    buf_add(&b, "FUNC", 4);
    buf_put_u64(&b, UINT64_MAX); /* a length far past the end */
    EXPECT(&b, "truncated");

    /* A hostile count must be refused before anything is allocated. */
    uint32_t huge = 0xffffffffu;
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &huge, 4);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: FUNC count exceeds its section");
    hdr(&b, 1, 1e-9);
    sec(&b, "META", &huge, 4);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: META count exceeds its section");

    /* Strings. */
    static const struct {
        const char *bytes;
        size_t n;
        const char *why;
    } strs[] = {
        {"ok", 2, NULL},
        {"\xe2\x82\xac uro", 6, NULL},
        {"\xf0\x9f\x98\x80", 4, NULL},       /* U+1F600 */
        {"\xed\xa0\x80", 3, NULL},           /* a surrogate, as marshal */
        {"a\0b", 3, "corrupt: string is not valid UTF-8 or contains NUL"},
        {"\xc0\xaf", 2, "corrupt: string is not valid UTF-8 or contains NUL"},
        {"\xe2\x82", 2, "corrupt: string is not valid UTF-8 or contains NUL"},
        {"\xf4\x90\x80\x80", 4,
         "corrupt: string is not valid UTF-8 or contains NUL"},
        {"\xff", 1, "corrupt: string is not valid UTF-8 or contains NUL"},
        {"\x80", 1, "corrupt: string is not valid UTF-8 or contains NUL"},
    };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        buf_reset(&s);
        buf_put_u32(&s, 1);
        func_rec(&s, FUNC_PYTHON, strs[i].bytes, strs[i].n);
        hdr(&b, 1, 1e-9);
        sec(&b, "FUNC", s.data, s.len);
        sec(&b, "END ", NULL, 0);
        EXPECT(&b, strs[i].why);
    }
    buf_reset(&s);
    buf_put_u32(&s, 1);
    buf_put_u8(&s, 2); /* no such kind */
    buf_put_u32(&s, 1);
    str(&s, "f.py", 4);
    str(&s, "f", 1);
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", s.data, s.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: unknown function kind");
    buf_reset(&s);
    buf_put_u32(&s, 1);
    buf_put_u8(&s, 0);
    buf_put_u32(&s, 1);
    buf_put_u32(&s, 1000); /* string length past the section */
    buf_add(&s, "f.py", 4);
    buf_add(&s, "\0\0\0\0", 4);
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", s.data, s.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: string overruns its section");

    /* META. */
    buf_reset(&s);
    buf_put_u32(&s, 2);
    str(&s, "k", 1);
    str(&s, "v1", 2);
    str(&s, "k", 1);
    str(&s, "v2", 2);
    hdr(&b, 1, 1e-9);
    sec(&b, "META", s.data, s.len);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: duplicate META key");
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "META", &zero, 4);
    sec(&b, "META", &zero, 4);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: more than one META section");

    /* Threads: each node rule, with one function f (index 0). */
    buf fsec;
    buf_init(&fsec, 1 << 10);
    buf_put_u32(&fsec, 1);
    func_rec(&fsec, FUNC_PYTHON, "f", 1);
    static const struct {
        uint32_t root_parent, root_func, parent, func;
        int64_t total;
        const char *why;
    } nodes[] = {
        {0, PROFILE_NO_FUNC, 0, 0, 5, NULL},
        {1, PROFILE_NO_FUNC, 0, 0, 5, "corrupt: bad root node"},
        {0, 0, 0, 0, 5, "corrupt: bad root node"},
        {0, PROFILE_NO_FUNC, 1, 0, 5, "corrupt: node parent out of range"},
        {0, PROFILE_NO_FUNC, 0, 1, 5, "corrupt: node function out of range"},
        {0, PROFILE_NO_FUNC, 0, PROFILE_NO_FUNC, 5,
         "corrupt: node function out of range"},
        {0, PROFILE_NO_FUNC, 0, 0, INT64_MIN, "corrupt: times too large"},
        {0, PROFILE_NO_FUNC, 0, 0, -5, NULL},
    };
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        buf_reset(&s);
        buf_put_u64(&s, 1);
        str(&s, "T", 1);
        buf_put_u32(&s, 2);
        node_rec(&s, nodes[i].root_parent, nodes[i].root_func, 0, 0, 0);
        node_rec(&s, nodes[i].parent, nodes[i].func, 1, nodes[i].total, 1);
        hdr(&b, 1, 1e-9);
        sec(&b, "FUNC", fsec.data, fsec.len);
        sec(&b, "THRD", s.data, s.len);
        sec(&b, "END ", NULL, 0);
        EXPECT(&b, nodes[i].why);
    }
    /* Sums that would overflow flat.c's int64 totals are refused. */
    buf_reset(&s);
    buf_put_u64(&s, 1);
    str(&s, "", 0);
    buf_put_u32(&s, 3);
    node_rec(&s, 0, PROFILE_NO_FUNC, 0, 0, 0);
    node_rec(&s, 0, 0, 1, INT64_MAX / 2 + 1, 0);
    node_rec(&s, 0, 0, 1, INT64_MAX / 2 + 1, 0);
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", fsec.data, fsec.len);
    sec(&b, "THRD", s.data, s.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: times too large");
    buf_reset(&s);
    buf_put_u64(&s, 1);
    str(&s, "", 0);
    buf_put_u32(&s, 3);
    node_rec(&s, 0, PROFILE_NO_FUNC, 0, 0, 0);
    node_rec(&s, 0, 0, UINT64_MAX, 1, 1);
    node_rec(&s, 0, 0, 1, 1, 1);
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", fsec.data, fsec.len);
    sec(&b, "THRD", s.data, s.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: call counts too large");
    /* Node count beyond the section; zero nodes; THRD before FUNC. */
    buf_reset(&s);
    buf_put_u64(&s, 1);
    str(&s, "", 0);
    buf_put_u32(&s, 0x7fffffff);
    node_rec(&s, 0, PROFILE_NO_FUNC, 0, 0, 0);
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", fsec.data, fsec.len);
    sec(&b, "THRD", s.data, s.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: node count exceeds its section");
    buf_reset(&s);
    buf_put_u64(&s, 1);
    str(&s, "", 0);
    buf_put_u32(&s, 0);
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", fsec.data, fsec.len);
    sec(&b, "THRD", s.data, s.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: thread without a root node");
    buf_reset(&s);
    buf_put_u64(&s, 1);
    str(&s, "", 0);
    buf_put_u32(&s, 1);
    node_rec(&s, 0, PROFILE_NO_FUNC, 0, 0, 0);
    hdr(&b, 1, 1e-9);
    sec(&b, "THRD", s.data, s.len);
    sec(&b, "FUNC", fsec.data, fsec.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: THRD section before FUNC");

    /* A NULL why is allowed. */
    profile *q = (profile *)&b;
    CHECK_I64(store_decode("nope", 4, &q, NULL), -EINVAL);
    CHECK(q == NULL);

    buf_free(&fsec);
    buf_free(&s);
    buf_free(&b);
}

/* ---- system figures (system.c, and their sections in store.c) ---------- */

static void test_system_model(void)
{
    profile_system *s = make_system();
    CHECK_I64(system_validate(s), 0);
    profile_system *c = system_copy(s);
    CHECK(c != NULL && c->timeline != s->timeline &&
          c->perf_reason != s->perf_reason);
    if (c)
        same_system(s, c);
    system_free(c);

    /* Each promise of system_validate, broken one at a time. */
    double saved = s->wall;
    s->wall = NAN;
    CHECK_I64(system_validate(s), -EINVAL);
    s->wall = -1;
    CHECK_I64(system_validate(s), -EINVAL);
    s->wall = saved;
    s->samples_busy = 26;
    CHECK_I64(system_validate(s), -EINVAL);
    s->samples_busy = 20;
    s->samples_multi = 21;
    CHECK_I64(system_validate(s), -EINVAL);
    s->samples_multi = 6;
    s->samples_wait = UINT64_MAX; /* the sum would wrap */
    CHECK_I64(system_validate(s), -EINVAL);
    s->samples_wait = 3;
    s->busy_lock_share = 1.5;
    CHECK_I64(system_validate(s), -EINVAL);
    s->busy_lock_share = 0.5;
    s->exit_status = 256;
    CHECK_I64(system_validate(s), -EINVAL);
    s->exit_status = 143;
    s->counter_running[0] = 2;
    CHECK_I64(system_validate(s), -EINVAL);
    s->counter_running[0] = 1;
    s->timeline[1].t = 0.01; /* out of time order */
    CHECK_I64(system_validate(s), -EINVAL);
    s->timeline[1].t = 0.1;
    s->timeline[2].rss = INFINITY;
    CHECK_I64(system_validate(s), -EINVAL);
    s->timeline[2].rss = 2e6;
    CHECK_I64(system_validate(s), 0);
    system_free(s);

    /* A long run: at the cap, neighbours merge and the interval doubles;
     * the timeline still covers the whole run, in order. */
    s = system_new();
    s->interval = 0.05;
    for (uint32_t i = 0; i <= SYSTEM_MAX_SAMPLES; i++) {
        system_sample x = {0.05 * (i + 1), i % 2 ? 1.0 : 0.0, (double)i,
                           0, 0, 0, 0, 1, 1, 0};
        CHECK_I64(system_add_sample(s, &x), 0);
    }
    CHECK_U64(s->n_samples, SYSTEM_MAX_SAMPLES / 2 + 1);
    CHECK(s->interval == 0.1);
    CHECK(s->timeline[0].cpu == 0.5);           /* averaged rates */
    CHECK(s->timeline[0].rss == 1.0);           /* the larger RSS */
    CHECK(s->timeline[0].t == 0.05 * 2);        /* the later time */
    CHECK(s->timeline[s->n_samples - 1].t == 0.05 * (SYSTEM_MAX_SAMPLES + 1));
    CHECK_I64(system_validate(s), 0);
    system_free(s);
    system_free(NULL);
}

/* A SYST entry: name, type, then 8 value bytes or a string. */
static void syst_u64(buf *b, const char *name, uint8_t type, uint64_t v)
{
    str(b, name, strlen(name));
    buf_put_u8(b, type);
    buf_put_u64(b, v);
}

static void syst_str(buf *b, const char *name, const char *v)
{
    str(b, name, strlen(name));
    buf_put_u8(b, 3);
    str(b, v, strlen(v));
}

/* A file: FUNC (empty), then the given SYST and TIME payloads (NULL: no
 * such section). */
static void sys_file(buf *b, const buf *syst, const buf *time_)
{
    uint32_t zero = 0;
    hdr(b, 1, 1e-9);
    sec(b, "FUNC", &zero, 4);
    if (syst)
        sec(b, "SYST", syst->data, syst->len);
    if (time_)
        sec(b, "TIME", time_->data, time_->len);
    sec(b, "END ", NULL, 0);
}

static void test_store_system(void)
{
    buf b, s, t;
    buf_init(&b, 1 << 20);
    buf_init(&s, 1 << 20);
    buf_init(&t, 1 << 20);

    /* Round trip of every figure (make_sample carries them) and of a
     * profile whose figures have an empty timeline. */
    profile *p = make_sample(), *q = NULL;
    const char *why = NULL;
    CHECK_I64(store_encode(p, &b), 0);
    CHECK_I64(store_decode(b.data, b.len, &q, &why), 0);
    if (q) {
        CHECK(q->system != NULL);
        same_profile(p, q);
    }
    profile_free(q);
    system_free(p->system);
    p->system = system_new();
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), 0);
    CHECK_I64(store_decode(b.data, b.len, &q, &why), 0);
    if (q)
        same_profile(p, q);
    profile_free(q);
    /* The writer refuses figures the reader would refuse. */
    p->system->wall = -1;
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), -EINVAL);
    profile_free(p);

    /* Hand-made SYST sections. */
    buf_reset(&s);
    buf_put_u32(&s, 6);
    syst_u64(&s, "peak_rss", 0, 77);
    syst_u64(&s, "exit_status", 1, (uint64_t)-1 & 0xff); /* 255 */
    double w = 2.5;
    uint64_t wbits;
    memcpy(&wbits, &w, 8);
    syst_u64(&s, "wall_s", 2, wbits);
    syst_u64(&s, "from_the_future", 0, 1); /* unknown names: skipped */
    syst_str(&s, "future_text", "x");
    syst_str(&s, "perf_reason", "no counters");
    sys_file(&b, &s, NULL);
    EXPECT(&b, NULL);
    CHECK_I64(store_decode(b.data, b.len, &q, &why), 0);
    if (q && CHECK(q->system != NULL)) {
        CHECK_U64(q->system->peak_rss, 77);
        CHECK_I64(q->system->exit_status, 255);
        CHECK(q->system->wall == 2.5);
        CHECK_STR(q->system->perf_reason, "no counters");
        CHECK_U64(q->system->n_samples, 0);
    }
    profile_free(q);

    static const struct {
        const char *name;
        uint8_t type;
        uint64_t v;
        const char *why;
    } bad[] = {
        {"peak_rss", 2, 0, "corrupt: system figure of the wrong type"},
        {"wall_s", 0, 1, "corrupt: system figure of the wrong type"},
        {"exit_status", 0, 1, "corrupt: system figure of the wrong type"},
        {"cores", 0, 1ULL << 32, "corrupt: system figure out of range"},
        {"instructions_ok", 0, 256, "corrupt: system figure out of range"},
        {"exit_status", 1, 1ULL << 40, "corrupt: system figure out of range"},
        {"peak_rss", 9, 0, "corrupt: unknown system figure type"},
        {"perf_reason", 0, 0, "corrupt: system figure of the wrong type"},
        {"exit_status", 1, 300, "corrupt: bad system figures"},
        {"samples_busy", 0, 1, "corrupt: bad system figures"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        buf_reset(&s);
        buf_put_u32(&s, 1);
        syst_u64(&s, bad[i].name, bad[i].type, bad[i].v);
        sys_file(&b, &s, NULL);
        EXPECT(&b, bad[i].why);
    }
    double nan = NAN;
    memcpy(&wbits, &nan, 8);
    buf_reset(&s);
    buf_put_u32(&s, 1);
    syst_u64(&s, "wall_s", 2, wbits);
    sys_file(&b, &s, NULL);
    EXPECT(&b, "corrupt: bad system figures");
    buf_reset(&s);
    buf_put_u32(&s, 2);
    syst_u64(&s, "cores", 0, 1);
    syst_u64(&s, "cores", 0, 2);
    sys_file(&b, &s, NULL);
    EXPECT(&b, "corrupt: duplicate system figure");
    buf_reset(&s);
    buf_put_u32(&s, 1);
    syst_str(&s, "cores", "two");
    sys_file(&b, &s, NULL);
    EXPECT(&b, "corrupt: system figure of the wrong type");
    buf_reset(&s);
    buf_put_u32(&s, 0xffffffffu);
    sys_file(&b, &s, NULL);
    EXPECT(&b, "corrupt: SYST count exceeds its section");
    buf_reset(&s);
    buf_put_u32(&s, 1);
    str(&s, "cores", 5);
    buf_put_u8(&s, 0);
    buf_put_u32(&s, 1); /* 4 of the 8 value bytes */
    sys_file(&b, &s, NULL);
    EXPECT(&b, "corrupt: system figure overruns its section");
    buf_reset(&s);
    buf_put_u32(&s, 0);
    {
        uint32_t zero = 0;
        hdr(&b, 1, 1e-9);
        sec(&b, "FUNC", &zero, 4);
        sec(&b, "SYST", s.data, s.len);
        sec(&b, "SYST", s.data, s.len);
        sec(&b, "END ", NULL, 0);
        EXPECT(&b, "corrupt: more than one SYST section");
    }

    /* Hand-made TIME sections: columns by name, in any order. */
    buf_reset(&t);
    buf_put_u32(&t, 3);
    str(&t, "rss", 3);
    str(&t, "t", 1);
    str(&t, "from_the_future", 15);
    buf_put_u32(&t, 2);
    buf_put_f64(&t, 100);
    buf_put_f64(&t, 0.05);
    buf_put_f64(&t, -7); /* unknown column: not checked, not kept */
    buf_put_f64(&t, 200);
    buf_put_f64(&t, 0.1);
    buf_put_f64(&t, 1);
    sys_file(&b, NULL, &t);
    EXPECT(&b, NULL);
    CHECK_I64(store_decode(b.data, b.len, &q, &why), 0);
    if (q && CHECK(q->system != NULL) && CHECK_U64(q->system->n_samples, 2)) {
        CHECK(q->system->timeline[1].rss == 200);
        CHECK(q->system->timeline[1].t == 0.1);
        CHECK(q->system->timeline[1].cpu == 0); /* missing: zero */
        CHECK_STR(q->system->perf_reason, "");
    }
    profile_free(q);

    buf_reset(&t);
    buf_put_u32(&t, 1);
    str(&t, "t", 1);
    buf_put_u32(&t, 2);
    buf_put_f64(&t, 0.1);
    buf_put_f64(&t, 0.05); /* back in time */
    sys_file(&b, NULL, &t);
    EXPECT(&b, "corrupt: bad system figures");
    buf_reset(&t);
    buf_put_u32(&t, 1);
    str(&t, "t", 1);
    buf_put_u32(&t, 2);
    buf_put_f64(&t, 0.1); /* one row of two */
    sys_file(&b, NULL, &t);
    EXPECT(&b, "corrupt: TIME size does not match its rows");
    buf_reset(&t);
    buf_put_u32(&t, 0);
    buf_put_u32(&t, 5); /* rows without columns */
    sys_file(&b, NULL, &t);
    EXPECT(&b, "corrupt: TIME size does not match its rows");
    buf_reset(&t);
    buf_put_u32(&t, 1);
    str(&t, "t", 1);
    buf_put_u32(&t, SYSTEM_MAX_SAMPLES + 1);
    for (uint32_t i = 0; i <= SYSTEM_MAX_SAMPLES; i++)
        buf_put_f64(&t, i);
    sys_file(&b, NULL, &t);
    EXPECT(&b, "corrupt: timeline too long");
    buf_reset(&t);
    buf_put_u32(&t, 2);
    str(&t, "t", 1);
    str(&t, "t", 1);
    buf_put_u32(&t, 0);
    sys_file(&b, NULL, &t);
    EXPECT(&b, "corrupt: duplicate TIME column");
    buf_reset(&t);
    buf_put_u32(&t, 0x7fffffffu);
    sys_file(&b, NULL, &t);
    EXPECT(&b, "corrupt: TIME column count exceeds its section");
    buf_reset(&t);
    buf_put_u32(&t, 1);
    str(&t, "t", 1);
    sys_file(&b, NULL, &t);
    EXPECT(&b, "corrupt: TIME section cut short");

    buf_free(&b);
    buf_free(&s);
    buf_free(&t);
}

/* ---- files ------------------------------------------------------------- */

static const char *scratch;

/* Joins scratch and name into out (a buffer the caller frees). */
static const char *in_scratch(buf *out, const char *name)
{
    buf_init(out, 4096);
    if (buf_printf(out, "%s/%s", scratch, name) < 0)
        exit(2);
    return out->data;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static int write_bytes(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -errno;
    ssize_t w = write(fd, data, n);
    close(fd);
    return w == (ssize_t)n ? 0 : -EIO;
}

static void test_store_files(void)
{
    buf pb, ob, db, bb;
    const char *path = in_scratch(&pb, "run.lento");
    const char *other = in_scratch(&ob, "notes.txt");
    const char *dir = in_scratch(&db, "adir");
    const char *big = in_scratch(&bb, "big.lento");
    profile *p = make_sample(), *q = NULL;
    const char *why = NULL;
    int before = count_entries(scratch);

    CHECK_I64(store_sniff(path), -ENOENT);
    CHECK_I64(store_read(path, &q, &why), -ENOENT);
    CHECK(q == NULL && why == NULL);
    CHECK_I64(store_write(p, path), 0);
    CHECK_I64(store_sniff(path), 1);
    CHECK_I64(store_read(path, &q, &why), 0);
    if (q)
        same_profile(p, q);
    profile_free(q);
    /* The new file gets the umask's mode, not mkstemp's 0600. */
    struct stat st;
    mode_t um = umask(022);
    umask(um);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~um));

    /* Overwrite with a different profile: replaced whole. */
    profile *e = profile_new(1.0);
    CHECK_I64(store_write(e, path), 0);
    CHECK_I64(store_read(path, &q, &why), 0);
    CHECK(q && q->n_funcs == 0 && q->n_threads == 0 && q->tick == 1.0);
    profile_free(q);
    profile_free(e);

    /* Refusals leave the old file and no temporaries behind. */
    CHECK_I64(write_bytes(other, "hello, world\n", 13), 0);
    CHECK_I64(store_sniff(other), 0);
    CHECK_I64(store_read(other, &q, &why), -EINVAL);
    CHECK_STR(why, "not a lento profile");
    CHECK_I64(write_bytes(other, "LENTO", 5), 0);
    CHECK_I64(store_sniff(other), 0);
    CHECK(mkdir(dir, 0755) == 0);
    CHECK_I64(store_sniff(dir), -EISDIR);
    CHECK_I64(store_read(dir, &q, &why), -EISDIR);
    CHECK(store_write(p, dir) < 0); /* rename onto a directory fails */
    p->threads[0].nodes[1].func = 99;
    CHECK_I64(store_write(p, path), -EINVAL);
    p->threads[0].nodes[1].func = 0;
    CHECK_I64(store_sniff(path), 1);
    CHECK_I64(count_entries(scratch), before + 3);
    buf nodir;
    CHECK_I64(store_write(p, in_scratch(&nodir, "no/such/dir/x.lento")),
              -ENOENT);
    buf_free(&nodir);

    /* Too large: refused from the size alone (a sparse file). */
    int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(ftruncate(fd, (off_t)STORE_MAX_SIZE + 1) == 0);
        close(fd);
        CHECK_I64(store_read(big, &q, &why), -EFBIG);
        CHECK_STR(why, "file too large (over 1 GiB)");
        unlink(big);
    }

    /* pstats_write is atomic in the same way. */
    CHECK_I64(pstats_write(p, other), 0);
    CHECK_I64(store_sniff(other), 0);
    CHECK_I64(count_entries(scratch), before + 3);

    unlink(path);
    unlink(other);
    rmdir(dir);
    profile_free(p);
    buf_free(&pb);
    buf_free(&ob);
    buf_free(&db);
    buf_free(&bb);
}

/* ---- pstats.c (the content is checked from Python) --------------------- */

/* The LINE section: line tables round-trip exactly, sit after the threads,
 * and every hostile variant is refused with its reason. */
static void line_sec(buf *b, uint32_t first, uint32_t last, uint32_t n,
                     const uint32_t *lines, uint64_t hits, int64_t time)
{
    buf body;
    buf_init(&body, 1 << 16);
    buf_put_u32(&body, 1);
    str(&body, "f.py", 4);
    buf_put_u32(&body, first);
    buf_put_u32(&body, last);
    str(&body, "g", 1);
    buf_put_u32(&body, n);
    for (uint32_t i = 0; i < n; i++) {
        buf_put_u32(&body, lines[i]);
        buf_put_u64(&body, hits);
        buf_put_u64(&body, (uint64_t)time);
    }
    sec(b, "LINE", body.data, body.len);
    buf_free(&body);
}

static void lines_file(buf *b, uint32_t first, uint32_t last, uint32_t n,
                       const uint32_t *lines, uint64_t hits, int64_t time)
{
    uint32_t zero = 0;
    hdr(b, 1, 1e-9);
    sec(b, "FUNC", &zero, 4);
    line_sec(b, first, last, n, lines, hits, time);
    sec(b, "END ", NULL, 0);
}

static void test_store_lines(void)
{
    profile *p = make_sample();
    profile_line_func *f = profile_add_line_func(p, "/src/app.py", 10, 14,
                                                 "Vec.add");
    CHECK(f != NULL);
    CHECK_I64(profile_line_func_add(f, 11, 3, 900), 0);
    CHECK_I64(profile_line_func_add(f, 13, 1, -5), 0);
    CHECK_I64(profile_line_func_add(f, 13, 1, 1), -EINVAL);
    CHECK(profile_add_line_func(p, "x.py", 5, 4, "bad") == NULL);
    profile_line_func *g = profile_add_line_func(p, "caf\xc3\xa9.py", 1, 1,
                                                 "never");
    CHECK(g != NULL);
    buf b, b2;
    buf_init(&b, STORE_MAX_SIZE);
    buf_init(&b2, STORE_MAX_SIZE);
    CHECK_I64(store_encode(p, &b), 0);
    profile *q = NULL;
    const char *why = NULL;
    CHECK_I64(store_decode(b.data, b.len, &q, &why), 0);
    if (q) {
        same_profile(p, q);
        CHECK_U64(q->n_line_funcs, 2);
        const profile_line_func *h = &q->line_funcs[0];
        CHECK_STR(h->file, "/src/app.py");
        CHECK_STR(h->name, "Vec.add");
        CHECK_U64(h->first_line, 10);
        CHECK_U64(h->last_line, 14);
        CHECK_U64(h->n_lines, 2);
        if (h->n_lines == 2) {
            CHECK(h->lines[0].line == 11 && h->lines[0].hits == 3 &&
                  h->lines[0].time == 900);
            CHECK(h->lines[1].line == 13 && h->lines[1].hits == 1 &&
                  h->lines[1].time == -5);
        }
        CHECK_U64(q->line_funcs[1].n_lines, 0);
        CHECK_STR(q->line_funcs[1].file, "caf\xc3\xa9.py");
        CHECK_I64(store_encode(q, &b2), 0);
        CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
        profile_free(q);
    }
    /* Every cut of the file is refused, never misread. */
    for (size_t cut = 0; cut < b.len; cut++) {
        CHECK(store_decode(b.data, cut, &q, &why) == -EINVAL);
        CHECK(q == NULL);
    }
    /* The writer refuses what the reader would: line times too large. */
    f->lines[0].time = INT64_MAX;
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), -EOVERFLOW);
    f->lines[0].time = 1;
    f->lines[0].hits = UINT64_MAX;
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), -EOVERFLOW);
    profile_free(p);

    /* A profile without line tables writes no LINE section. */
    p = make_sample();
    buf_reset(&b);
    CHECK_I64(store_encode(p, &b), 0);
    int has_line = 0;
    for (size_t i = 0; i + 4 <= b.len; i++)
        has_line |= memcmp(b.data + i, "LINE", 4) == 0;
    CHECK(!has_line);
    profile_free(p);

    /* Hand-made files: accepted and refused. */
    uint32_t ok[] = {3, 4, 9}, dup[] = {3, 3}, down[] = {4, 3};
    lines_file(&b, 2, 9, 3, ok, 1, 2);
    EXPECT(&b, NULL);
    lines_file(&b, 2, 9, 2, dup, 1, 2);
    EXPECT(&b, "corrupt: lines not in increasing order");
    lines_file(&b, 2, 9, 2, down, 1, 2);
    EXPECT(&b, "corrupt: lines not in increasing order");
    lines_file(&b, 9, 2, 3, ok, 1, 2);
    EXPECT(&b, "corrupt: line table ends before it starts");
    lines_file(&b, 2, 9, 3, ok, UINT64_MAX / 2, 2);
    EXPECT(&b, "corrupt: line hits too large");
    lines_file(&b, 2, 9, 3, ok, 1, INT64_MAX / 2);
    EXPECT(&b, "corrupt: line times too large");
    /* counts larger than the bytes behind them */
    uint32_t zero = 0, big = 0x10000000;
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "LINE", &big, 4);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: LINE count exceeds its section");
    buf body;
    buf_init(&body, 1 << 10);
    buf_put_u32(&body, 1);
    str(&body, "f.py", 4);
    buf_put_u32(&body, 1);
    buf_put_u32(&body, 2);
    str(&body, "g", 1);
    buf_put_u32(&body, 1000);
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "LINE", body.data, body.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: line count exceeds its section");
    /* two LINE sections */
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    line_sec(&b, 2, 9, 3, ok, 1, 2);
    line_sec(&b, 2, 9, 3, ok, 1, 2);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: more than one LINE section");
    /* bytes left over in the section */
    buf_reset(&body);
    buf_put_u32(&body, 0);
    buf_put_u32(&body, 0);
    hdr(&b, 1, 1e-9);
    sec(&b, "FUNC", &zero, 4);
    sec(&b, "LINE", body.data, body.len);
    sec(&b, "END ", NULL, 0);
    EXPECT(&b, "corrupt: section longer than its contents");
    buf_free(&body);
    buf_free(&b);
    buf_free(&b2);
}

static void test_pstats_encode(void)
{
    profile *p = make_sample();
    buf b;
    buf_init(&b, PSTATS_MAX_SIZE);
    CHECK_I64(pstats_encode(p, &b), 0);
    CHECK(b.len > 2 && b.data[0] == '{' && b.data[b.len - 1] == '0');
    /* 5e9 calls: TYPE_LONG with three 15-bit digits, least significant
     * first, each a little-endian uint16. */
    uint64_t v = 5000000000ULL;
    unsigned char want[1 + 4 + 6] = {'l', 3, 0, 0, 0};
    for (int i = 0; i < 3; i++) {
        want[5 + 2 * i] = (unsigned char)((v >> (15 * i)) & 0xff);
        want[6 + 2 * i] = (unsigned char)(((v >> (15 * i)) & 0x7fff) >> 8);
    }
    int found = 0;
    for (size_t i = 0; i + sizeof want <= b.len && !found; i++)
        found = memcmp(b.data + i, want, sizeof want) == 0;
    CHECK(found);
    buf tiny;
    buf_init(&tiny, 64);
    CHECK_I64(pstats_encode(p, &tiny), -E2BIG);
    buf_free(&tiny);
    p->threads[0].nodes[1].parent = 5;
    buf_reset(&b);
    CHECK_I64(pstats_encode(p, &b), -EINVAL);
    buf_free(&b);
    profile_free(p);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seed") == 0) {
        profile *p = make_sample();
        int rc = store_write(p, argv[2]);
        profile_free(p);
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", argv[2], strerror(-rc));
        return rc < 0;
    }
    char tmpl[] = "/tmp/lento-test-XXXXXX";
    if (argc == 2) {
        scratch = argv[1];
    } else if (!(scratch = mkdtemp(tmpl))) {
        perror("mkdtemp");
        return 2;
    }

    test_profile_basics();
    test_flat_nesting();
    test_flat_fib();
    test_flat_mutual();
    test_flat_two_paths();
    test_flat_edge_recursion();
    test_flat_threads();
    test_flat_deep();
    test_flat_edge_cases();
    test_buf();
    test_store_round_trip();
    test_store_truncations();
    test_store_flips();
    test_store_refusals();
    test_system_model();
    test_store_system();
    test_store_files();
    test_store_lines();
    test_pstats_encode();

    if (argc != 2)
        rmdir(scratch);
    return check_report();
}
