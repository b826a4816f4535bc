/* strtab.c: string interning (see strtab.h). */
#include "strtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

void strtab_init(strtab *t)
{
    memset(t, 0, sizeof *t);
}

void strtab_free(strtab *t)
{
    free(t->strs);
    free(t->slots);
    strtab_init(t);
}

static int rehash(strtab *t, uint32_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t h = hash_str(t->strs[i]) & (nslots - 1);
        while (slots[h])
            h = (h + 1) & (nslots - 1);
        slots[h] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = nslots - 1;
    return 0;
}

int64_t strtab_intern(strtab *t, const char *s, int *added)
{
    if (added)
        *added = 0;
    if (!t->slots || (uint64_t)(t->n + 1) * 2 > (uint64_t)t->mask + 1) {
        uint32_t nslots = t->slots ? (t->mask + 1) * 2 : 64;
        if (nslots == 0 || rehash(t, nslots) < 0)
            return -ENOMEM;
    }
    uint32_t h = hash_str(s) & t->mask;
    while (t->slots[h]) {
        uint32_t i = t->slots[h] - 1;
        if (strcmp(t->strs[i], s) == 0)
            return i;
        h = (h + 1) & t->mask;
    }
    if (t->n == t->cap) {
        uint32_t ncap = t->cap ? t->cap * 2 : 64;
        const char **strs = realloc(t->strs, (size_t)ncap * sizeof *strs);
        if (!strs)
            return -ENOMEM;
        t->strs = strs;
        t->cap = ncap;
    }
    t->strs[t->n] = s;
    t->slots[h] = t->n + 1;
    if (added)
        *added = 1;
    return t->n++;
}
