/* pstats_dump.c: writes a profile with known figures as a cProfile stats
 * file, for tests/test_core_c.py to load with pstats and marshal.
 *
 * Usage: pstats_dump OUT.prof
 *
 * tick is 1e-6, so every time in the file is (float)ticks * 1e-6; the
 * expected dict in the Python test is written in ticks with the same
 * multiplication, so the comparison is exact.
 *
 * Thread 1 (times in ticks; calls, total, self):
 *   main                     1   1000  100
 *   +- fib                   1    500  100
 *   |  +- fib                2    400  300
 *   |     +- fib             1    100  100     recursive for f and f->f
 *   +- len (builtin)         5     50   50
 *   +- lambda A              3     60   40
 *   |  +- len                3     20   20
 *   +- lambda B              2     30   20     same key as lambda A
 *   |  +- len                2     10   10
 *   +- naive (non-ASCII)     1     10   10
 *   +- hot          5000000000    250  250     calls beyond 2^32
 * Thread 2:
 *   lambda B                 1      7    7     no caller
 * The function "never" is in the table but on no path: not written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/profile.h"
#include "../../src/core/pstats.h"

static uint32_t fn(profile *p, func_kind kind, const char *file,
                   uint32_t line, const char *name)
{
    int64_t f = profile_add_func(p, kind, file, line, name);
    if (f < 0) {
        fputs("pstats_dump: out of memory\n", stderr);
        exit(1);
    }
    return (uint32_t)f;
}

static uint32_t nd(profile_thread *t, uint32_t parent, uint32_t f,
                   uint64_t calls, int64_t total, int64_t self)
{
    int64_t n = profile_thread_add_node(t, parent, f, calls, total, self);
    if (n < 0) {
        fputs("pstats_dump: out of memory\n", stderr);
        exit(1);
    }
    return (uint32_t)n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: pstats_dump OUT.prof\n", stderr);
        return 2;
    }
    profile *p = profile_new(1e-6);
    if (!p)
        return 1;
    uint32_t main_ = fn(p, FUNC_PYTHON, "app.py", 1, "main");
    uint32_t fib = fn(p, FUNC_PYTHON, "app.py", 10, "fib");
    uint32_t len = fn(p, FUNC_BUILTIN, "~", 0,
                      "<built-in method builtins.len>");
    uint32_t la = fn(p, FUNC_PYTHON, "app.py", 20, "<lambda>");
    uint32_t lb = fn(p, FUNC_PYTHON, "app.py", 20, "<lambda>");
    fn(p, FUNC_PYTHON, "app.py", 40, "never");
    uint32_t naive = fn(p, FUNC_PYTHON, "/tmp/donn\xc3\xa9\x65s/\xc3\xa9.py",
                        7, "na\xc3\xafve_\xe5\x87\xbd\xe6\x95\xb0");
    uint32_t hot = fn(p, FUNC_PYTHON, "app.py", 30, "hot");

    profile_thread *t = profile_add_thread(p, 1, "MainThread");
    if (!t)
        return 1;
    uint32_t m = nd(t, 0, main_, 1, 1000, 100);
    uint32_t f = nd(t, m, fib, 1, 500, 100);
    f = nd(t, f, fib, 2, 400, 300);
    nd(t, f, fib, 1, 100, 100);
    nd(t, m, len, 5, 50, 50);
    uint32_t a = nd(t, m, la, 3, 60, 40);
    nd(t, a, len, 3, 20, 20);
    uint32_t b = nd(t, m, lb, 2, 30, 20);
    nd(t, b, len, 2, 10, 10);
    nd(t, m, naive, 1, 10, 10);
    nd(t, m, hot, 5000000000ULL, 250, 250);
    t = profile_add_thread(p, 2, "worker");
    if (!t)
        return 1;
    nd(t, 0, lb, 1, 7, 7);

    int rc = pstats_write(p, argv[1]);
    profile_free(p);
    if (rc < 0) {
        fprintf(stderr, "pstats_dump: %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }
    return 0;
}
