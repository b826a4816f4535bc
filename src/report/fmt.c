/* fmt.c: numbers as the reports print them (see fmt.h). */
#include "fmt.h"

#include <math.h>
#include <stdio.h>

void fmt_time(char *dst, size_t cap, double s)
{
    if (s == 0)
        snprintf(dst, cap, "0 s");
    else if (s >= 1.0)
        snprintf(dst, cap, "%.3f s", s);
    else if (s >= 1e-3)
        snprintf(dst, cap, "%.2f ms", s * 1e3);
    else
        snprintf(dst, cap, "%.2f us", s * 1e6);
}

void fmt_count(char *dst, size_t cap, uint64_t n)
{
    char raw[32];
    int len = snprintf(raw, sizeof raw, "%llu", (unsigned long long)n);
    size_t j = 0;
    for (int i = 0; i < len && j + 2 < cap; i++) {
        if (i && (len - i) % 3 == 0)
            dst[j++] = ',';
        dst[j++] = raw[i];
    }
    dst[j] = '\0';
}

void fmt_bytes(char *dst, size_t cap, double n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB",
                                       "PiB"};
    int u = 0;
    while (n >= 1024 && u < 5) {
        n /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(dst, cap, "%.0f B", n);
    else
        snprintf(dst, cap, n < 10 ? "%.1f %s" : "%.0f %s", n, unit[u]);
}

void fmt_speedup(char *dst, size_t cap, double x)
{
    if (!isfinite(x) || x >= 1000)
        snprintf(dst, cap, x >= 1000 && isfinite(x) ? ">999x" : "inf");
    else if (x < 10)
        snprintf(dst, cap, "%.2fx", x);
    else
        snprintf(dst, cap, "%.1fx", x);
}
