/* pstats.c: the flat table as a cProfile stats file (see pstats.h).
 *
 * The marshal encoding is written by hand, following the type codes of
 * CPython's Python/marshal.c.  marshal.load accepts every version's codes,
 * so we use the simplest ones: no FLAG_REF back-references, '(' tuples
 * with a 32-bit count, 'u' strings.
 */
#include "pstats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flat.h"
#include "outfile.h"
#include "paths.h"

/* marshal type codes (Python/marshal.c) */
#define M_NULL '0'
#define M_INT 'i'          /* int32, little-endian */
#define M_LONG 'l'         /* int32 digit count, then 15-bit digits */
#define M_BINARY_FLOAT 'g' /* IEEE 754 binary64, little-endian */
#define M_UNICODE 'u'      /* int32 byte length, then UTF-8 */
#define M_TUPLE '('        /* int32 count, then the items */
#define M_DICT '{'         /* key, value pairs, then M_NULL */

static int m_int(buf *out, uint64_t v)
{
    int rc;
    if (v <= INT32_MAX) {
        if ((rc = buf_put_u8(out, M_INT)) < 0)
            return rc;
        return buf_put_u32(out, (uint32_t)v);
    }
    /* marshal's TYPE_LONG: base 2**15 digits, least significant first;
     * the top digit must be nonzero ("unnormalized long data"). */
    uint32_t ndigits = 0;
    for (uint64_t x = v; x; x >>= 15)
        ndigits++;
    if ((rc = buf_put_u8(out, M_LONG)) < 0 ||
        (rc = buf_put_u32(out, ndigits)) < 0)
        return rc;
    for (uint64_t x = v; x; x >>= 15)
        if ((rc = buf_put_u16(out, (uint16_t)(x & 0x7fff))) < 0)
            return rc;
    return 0;
}

static int m_float(buf *out, double v)
{
    int rc = buf_put_u8(out, M_BINARY_FLOAT);
    return rc < 0 ? rc : buf_put_f64(out, v);
}

static int m_str(buf *out, const char *s)
{
    size_t n = strlen(s);
    if (n > INT32_MAX)
        return -E2BIG;
    int rc;
    if ((rc = buf_put_u8(out, M_UNICODE)) < 0 ||
        (rc = buf_put_u32(out, (uint32_t)n)) < 0)
        return rc;
    return buf_add(out, s, n);
}

static int m_tuple(buf *out, uint32_t n)
{
    int rc = buf_put_u8(out, M_TUPLE);
    return rc < 0 ? rc : buf_put_u32(out, n);
}

/* A function's pstats key, as cProfile's label() makes it. */
typedef struct {
    const char *file;
    uint32_t line;
    const char *name;
    uint32_t func;
} key;

static key key_of(const profile *p, uint32_t f)
{
    const profile_func *pf = &p->funcs[f];
    if (pf->kind == FUNC_BUILTIN)
        return (key){"~", 0, pf->name, f};
    return (key){pf->file, pf->line, pf->name, f};
}

static int cmp_key(const void *a, const void *b)
{
    const key *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->func < y->func ? -1 : x->func > y->func;
}

static int m_key(buf *out, const key *k)
{
    int rc;
    if ((rc = m_tuple(out, 3)) < 0 || (rc = m_str(out, k->file)) < 0 ||
        (rc = m_int(out, k->line)) < 0)
        return rc;
    return m_str(out, k->name);
}

/* A caller->callee edge between groups (functions merged by key). */
typedef struct {
    uint32_t callee, caller; /* group indices */
    flat_stat stat;
} gedge;

static int cmp_gedge(const void *a, const void *b)
{
    const gedge *x = a, *y = b;
    if (x->callee != y->callee)
        return x->callee < y->callee ? -1 : 1;
    if (x->caller != y->caller)
        return x->caller < y->caller ? -1 : 1;
    return 0;
}

static void add_flat(flat_stat *to, const flat_stat *s)
{
    to->calls += s->calls;
    to->prim_calls += s->prim_calls;
    to->cum += s->cum;
    to->self += s->self;
}

int pstats_encode(const profile *p, buf *out)
{
    flat_profile fl;
    int rc = flat_build(p, &fl);
    if (rc < 0)
        return rc;
    rc = -ENOMEM;
    uint32_t n_used = 0, n_groups = 0, n_gedges = 0;
    uint8_t *used = calloc((size_t)p->n_funcs + 1, 1);
    key *keys = malloc(((size_t)p->n_funcs + 1) * sizeof *keys);
    uint32_t *group_of = malloc(((size_t)p->n_funcs + 1) * sizeof *group_of);
    uint32_t *first_of = malloc(((size_t)p->n_funcs + 1) * sizeof *first_of);
    flat_stat *gstat = calloc((size_t)p->n_funcs + 1, sizeof *gstat);
    gedge *ge = malloc(((size_t)fl.n_edges + 1) * sizeof *ge);
    if (!used || !keys || !group_of || !first_of || !gstat || !ge)
        goto done;

    /* Which functions have an entry: those on some call path. */
    for (uint32_t t = 0; t < p->n_threads; t++)
        for (uint32_t i = 1; i < p->threads[t].n_nodes; i++)
            used[p->threads[t].nodes[i].func] = 1;
    for (uint32_t f = 0; f < p->n_funcs; f++)
        if (used[f])
            keys[n_used++] = key_of(p, f);

    /* Sort by key; runs of equal keys become one group. */
    if (n_used)
        qsort(keys, n_used, sizeof *keys, cmp_key);
    for (uint32_t i = 0; i < n_used; i++) {
        if (i == 0 || strcmp(keys[i].file, keys[i - 1].file) != 0 ||
            keys[i].line != keys[i - 1].line ||
            strcmp(keys[i].name, keys[i - 1].name) != 0)
            first_of[n_groups++] = i;
        group_of[keys[i].func] = n_groups - 1;
        add_flat(&gstat[n_groups - 1], &fl.funcs[keys[i].func]);
    }

    /* Edges between groups, summed where merging makes them coincide. */
    for (uint32_t e = 0; e < fl.n_edges; e++) {
        const flat_edge *fe = &fl.edges[e];
        ge[e] = (gedge){group_of[fe->callee], group_of[fe->caller],
                        fe->stat};
    }
    if (fl.n_edges)
        qsort(ge, fl.n_edges, sizeof *ge, cmp_gedge);
    for (uint32_t e = 0; e < fl.n_edges; e++) {
        if (n_gedges && ge[n_gedges - 1].callee == ge[e].callee &&
            ge[n_gedges - 1].caller == ge[e].caller)
            add_flat(&ge[n_gedges - 1].stat, &ge[e].stat);
        else
            ge[n_gedges++] = ge[e];
    }

    double tick = p->tick;
    uint32_t e = 0;
    if ((rc = buf_put_u8(out, M_DICT)) < 0)
        goto done;
    for (uint32_t g = 0; g < n_groups; g++) {
        const flat_stat *s = &gstat[g];
        if ((rc = m_key(out, &keys[first_of[g]])) < 0 ||
            (rc = m_tuple(out, 5)) < 0 ||
            (rc = m_int(out, s->prim_calls)) < 0 ||
            (rc = m_int(out, s->calls)) < 0 ||
            (rc = m_float(out, (double)s->self * tick)) < 0 ||
            (rc = m_float(out, (double)s->cum * tick)) < 0 ||
            (rc = buf_put_u8(out, M_DICT)) < 0)
            goto done;
        /* ge is sorted by callee group, so g's callers come next. */
        for (; e < n_gedges && ge[e].callee == g; e++) {
            const flat_stat *es = &ge[e].stat;
            if ((rc = m_key(out, &keys[first_of[ge[e].caller]])) < 0 ||
                (rc = m_tuple(out, 4)) < 0 ||
                (rc = m_int(out, es->calls)) < 0 ||
                (rc = m_int(out, es->prim_calls)) < 0 ||
                (rc = m_float(out, (double)es->self * tick)) < 0 ||
                (rc = m_float(out, (double)es->cum * tick)) < 0)
                goto done;
        }
        if ((rc = buf_put_u8(out, M_NULL)) < 0)
            goto done;
    }
    rc = buf_put_u8(out, M_NULL);
done:
    free(used);
    free(keys);
    free(group_of);
    free(first_of);
    free(gstat);
    free(ge);
    flat_free(&fl);
    return rc;
}

int pstats_write(const profile *p, const char *path)
{
    buf b;
    buf_init(&b, PSTATS_MAX_SIZE);
    int rc = pstats_encode(p, &b);
    if (rc == 0)
        rc = outfile_write(&b, path);
    buf_free(&b);
    return rc;
}

int pstats_sniff(const char *path)
{
    unsigned char head[2];
    long got = path_read_head(path, head, sizeof head);
    if (got < 0)
        return (int)got;
    /* a marshal dict ('{', with or without the back-reference flag 0x80)
     * whose first key is a tuple ('(' or the small tuple ')', flagged or
     * not), or the empty dict ('{' then the end mark '0') */
    if (got < 2 || (head[0] & 0x7f) != M_DICT)
        return 0;
    unsigned k = head[1] & 0x7f;
    return k == '(' || k == ')' || (head[1] == M_NULL);
}
