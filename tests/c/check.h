/* check.h: a minimal test harness for the C unit tests.
 *
 * CHECK records a failure (file:line and the expression) and carries on,
 * so one run reports every broken assertion, not just the first.  The
 * CHECK_* forms also print both values.  check_report prints the summary
 * line the Python driver looks for ("N passed, N failed") and returns the
 * process exit status.  Include from one translation unit only: the
 * counters are static.
 */
#ifndef LENTO_CHECK_H
#define LENTO_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned check_passed, check_failed;

static inline int check_at(int ok, const char *what, const char *file,
                           int line)
{
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
    }
    return ok;
}

static inline int check_i64_at(int64_t a, int64_t b, const char *what,
                               const char *file, int line)
{
    if (!check_at(a == b, what, file, line))
        fprintf(stderr, "    got %" PRId64 ", expected %" PRId64 "\n", a, b);
    return a == b;
}

static inline int check_u64_at(uint64_t a, uint64_t b, const char *what,
                               const char *file, int line)
{
    if (!check_at(a == b, what, file, line))
        fprintf(stderr, "    got %" PRIu64 ", expected %" PRIu64 "\n", a, b);
    return a == b;
}

static inline int check_str_at(const char *a, const char *b,
                               const char *what, const char *file, int line)
{
    int ok = a && b && strcmp(a, b) == 0;
    if (!check_at(ok, what, file, line))
        fprintf(stderr, "    got \"%s\", expected \"%s\"\n", a ? a : "(null)",
                b ? b : "(null)");
    return ok;
}

/* Each evaluates its arguments once and yields whether the check held. */
#define CHECK(cond) check_at((cond) != 0, #cond, __FILE__, __LINE__)
#define CHECK_I64(a, b)                                                     \
    check_i64_at((a), (b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_U64(a, b)                                                     \
    check_u64_at((a), (b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_STR(a, b)                                                     \
    check_str_at((a), (b), #a " == " #b, __FILE__, __LINE__)

static inline int check_report(void)
{
    printf("%u passed, %u failed\n", check_passed, check_failed);
    return check_failed != 0;
}

#endif
