/* clock.h: the tracer's default clock.
 *
 * CLOCK_MONOTONIC is what time.perf_counter() and cProfile read on Linux;
 * through the vDSO it costs ~20-30 ns and makes no system call. */
#ifndef LENTO_CLOCK_H
#define LENTO_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_TICK_SECONDS (1.0 / 1000000000.0)

static inline int64_t clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
