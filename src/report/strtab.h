/* strtab.h: interning strings to small integers, for the formats with a
 * string table (pprof) or name compression (callgrind).
 *
 * The table does not copy: it keeps the caller's pointers, which must
 * outlive it (the profile's names and files do). */
#ifndef LENTO_STRTAB_H
#define LENTO_STRTAB_H

#include <stdint.h>

typedef struct {
    const char **strs;  /* by index, n entries */
    uint32_t n, cap;
    uint32_t *slots;    /* open addressing: index + 1, 0 = empty */
    uint32_t mask;
} strtab;

/* An empty table; strtab_free releases it. */
void strtab_init(strtab *t);
void strtab_free(strtab *t);

/* The index of s, adding it if new (*added set to 1, else 0; added may be
 * NULL).  Returns the index or -ENOMEM. */
int64_t strtab_intern(strtab *t, const char *s, int *added);

#endif
