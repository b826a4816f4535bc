/* fmt.h: numbers as the reports print them, into a caller's small array
 * (every result fits in 32 bytes). */
#ifndef LENTO_FMT_H
#define LENTO_FMT_H

#include <stddef.h>
#include <stdint.h>

#define FMT_LEN 32

/* "1.234 s", "12.35 ms", "3.20 us" */
void fmt_time(char *dst, size_t cap, double s);
/* 1234567 -> "1,234,567" */
void fmt_count(char *dst, size_t cap, uint64_t n);
/* "0 B", "812 B", "1.2 KiB", "3.4 MiB", "1.0 GiB" */
void fmt_bytes(char *dst, size_t cap, double n);
/* Amdahl speed-up: "3.1x", "1.02x", "inf" */
void fmt_speedup(char *dst, size_t cap, double x);

#endif
