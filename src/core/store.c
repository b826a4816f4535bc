/* store.c: the .lento file format, writer and hostile-safe reader.
 *
 * docs/format.md is the specification; this file implements it.  The
 * reader never trusts a count: it checks every count against the bytes
 * that remain before allocating, so memory stays within a small multiple
 * of the input size whatever the input says.
 */
#define _POSIX_C_SOURCE 200809L

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "paths.h"

#define TAG(a, b, c, d)                                                     \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 |             \
     (uint32_t)(d) << 24)
#define TAG_META TAG('M', 'E', 'T', 'A')
#define TAG_FUNC TAG('F', 'U', 'N', 'C')
#define TAG_THRD TAG('T', 'H', 'R', 'D')
#define TAG_SYST TAG('S', 'Y', 'S', 'T')
#define TAG_TIME TAG('T', 'I', 'M', 'E')
#define TAG_END TAG('E', 'N', 'D', ' ')
#define TAG_LINE TAG('L', 'I', 'N', 'E')
#define TAG_PROC TAG('P', 'R', 'O', 'C')

/* SYST value types (docs/format.md). */
#define SYST_U64 0
#define SYST_I64 1
#define SYST_F64 2
#define SYST_STR 3

#define HEADER_LEN (STORE_MAGIC_LEN + 4 + 8)
#define SECTION_HEAD_LEN (4 + 8)
#define NODE_LEN (4 + 4 + 8 + 8 + 8)
/* Smallest encodings, used to bound counts before allocating. */
#define MIN_STR_LEN 4
#define MIN_META_LEN (2 * MIN_STR_LEN)
#define MIN_FUNC_LEN (1 + 4 + 2 * MIN_STR_LEN)
#define MIN_SYST_LEN (MIN_STR_LEN + 1 + 4)
#define MIN_LINE_FUNC_LEN (2 * MIN_STR_LEN + 4 + 4 + 4)
#define LINE_LEN (4 + 8 + 8)
#define MIN_PROC_LEN (8 + 8 + 4 + 4 + 8 + 4 + 8 + MIN_STR_LEN)

/* ---- writer ---------------------------------------------------------- */

/* Adds |v| to *sum; -1 if the sum would pass INT64_MAX. */
static int add_abs(uint64_t *sum, int64_t v)
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (a > (uint64_t)INT64_MAX - *sum)
        return -1;
    *sum += a;
    return 0;
}

/* The reader's sum limits (see docs/format.md), checked before writing so
 * that we never write a file we would refuse to read. */
static int sums_fit(const profile *p)
{
    uint64_t total = 0, self = 0, calls = 0;
    for (uint32_t t = 0; t < p->n_threads; t++) {
        const profile_thread *th = &p->threads[t];
        for (uint32_t i = 0; i < th->n_nodes; i++) {
            const cct_node *n = &th->nodes[i];
            if (add_abs(&total, n->total) < 0 ||
                add_abs(&self, n->self) < 0 || n->calls > UINT64_MAX - calls)
                return 0;
            calls += n->calls;
        }
    }
    uint64_t ltime = 0, hits = 0;
    for (uint32_t i = 0; i < p->n_line_funcs; i++) {
        const profile_line_func *f = &p->line_funcs[i];
        for (uint32_t j = 0; j < f->n_lines; j++) {
            if (add_abs(&ltime, f->lines[j].time) < 0 ||
                f->lines[j].hits > UINT64_MAX - hits)
                return 0;
            hits += f->lines[j].hits;
        }
    }
    return 1;
}

static int put_str(buf *out, const char *s)
{
    size_t n = strlen(s);
    if (n > UINT32_MAX)
        return -E2BIG;
    int rc = buf_put_u32(out, (uint32_t)n);
    return rc < 0 ? rc : buf_add(out, s, n);
}

/* Starts a section; *at receives the offset of its length field, which
 * end_section fills in once the payload is written. */
static int begin_section(buf *out, uint32_t tag, size_t *at)
{
    int rc = buf_put_u32(out, tag);
    if (rc < 0)
        return rc;
    *at = out->len;
    return buf_put_u64(out, 0);
}

static void end_section(buf *out, size_t at)
{
    uint64_t n = out->len - at - 8;
    for (int i = 0; i < 8; i++)
        out->data[at + i] = (char)(unsigned char)(n >> (8 * i));
}

static int put_meta(const profile *p, buf *out)
{
    size_t at;
    int rc = begin_section(out, TAG_META, &at);
    if (rc < 0 || (rc = buf_put_u32(out, p->n_meta)) < 0)
        return rc;
    for (uint32_t i = 0; i < p->n_meta; i++)
        if ((rc = put_str(out, p->meta[i].key)) < 0 ||
            (rc = put_str(out, p->meta[i].value)) < 0)
            return rc;
    end_section(out, at);
    return 0;
}

static int put_funcs(const profile *p, buf *out)
{
    size_t at;
    int rc = begin_section(out, TAG_FUNC, &at);
    if (rc < 0 || (rc = buf_put_u32(out, p->n_funcs)) < 0)
        return rc;
    for (uint32_t i = 0; i < p->n_funcs; i++) {
        const profile_func *f = &p->funcs[i];
        if ((rc = buf_put_u8(out, (uint8_t)f->kind)) < 0 ||
            (rc = buf_put_u32(out, f->line)) < 0 ||
            (rc = put_str(out, f->file)) < 0 ||
            (rc = put_str(out, f->name)) < 0)
            return rc;
    }
    end_section(out, at);
    return 0;
}

static int put_thread(const profile_thread *t, buf *out)
{
    size_t at;
    int rc = begin_section(out, TAG_THRD, &at);
    if (rc < 0 || (rc = buf_put_u64(out, t->ident)) < 0 ||
        (rc = put_str(out, t->name ? t->name : "")) < 0 ||
        (rc = buf_put_u32(out, t->n_nodes)) < 0)
        return rc;
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        const cct_node *n = &t->nodes[i];
        if ((rc = buf_put_u32(out, n->parent)) < 0 ||
            (rc = buf_put_u32(out, n->func)) < 0 ||
            (rc = buf_put_u64(out, n->calls)) < 0 ||
            (rc = buf_put_u64(out, (uint64_t)n->total)) < 0 ||
            (rc = buf_put_u64(out, (uint64_t)n->self)) < 0)
            return rc;
    }
    end_section(out, at);
    return 0;
}

static uint64_t field_u64(const profile_system *s, const system_field *f)
{
    const char *at = (const char *)s + f->offset;
    uint64_t v64;
    uint32_t v32;
    uint8_t v8;
    switch (f->type) {
    case SYSF_U64:
        memcpy(&v64, at, sizeof v64);
        return v64;
    case SYSF_U32:
        memcpy(&v32, at, sizeof v32);
        return v32;
    case SYSF_U8:
        memcpy(&v8, at, sizeof v8);
        return v8;
    default:
        return 0;
    }
}

static int put_system(const profile_system *s, buf *out)
{
    size_t at;
    int rc = begin_section(out, TAG_SYST, &at);
    if (rc < 0 || (rc = buf_put_u32(out, (uint32_t)system_n_fields + 1)) < 0)
        return rc;
    for (size_t i = 0; i < system_n_fields; i++) {
        const system_field *f = &system_fields[i];
        const char *at_field = (const char *)s + f->offset;
        if ((rc = put_str(out, f->name)) < 0)
            return rc;
        if (f->type == SYSF_F64) {
            double v;
            memcpy(&v, at_field, sizeof v);
            if ((rc = buf_put_u8(out, SYST_F64)) < 0 ||
                (rc = buf_put_f64(out, v)) < 0)
                return rc;
        } else if (f->type == SYSF_I32) {
            int32_t v;
            memcpy(&v, at_field, sizeof v);
            if ((rc = buf_put_u8(out, SYST_I64)) < 0 ||
                (rc = buf_put_u64(out, (uint64_t)(int64_t)v)) < 0)
                return rc;
        } else if ((rc = buf_put_u8(out, SYST_U64)) < 0 ||
                   (rc = buf_put_u64(out, field_u64(s, f))) < 0) {
            return rc;
        }
    }
    if ((rc = put_str(out, "perf_reason")) < 0 ||
        (rc = buf_put_u8(out, SYST_STR)) < 0 ||
        (rc = put_str(out, s->perf_reason)) < 0)
        return rc;
    end_section(out, at);

    if ((rc = begin_section(out, TAG_TIME, &at)) < 0 ||
        (rc = buf_put_u32(out, (uint32_t)system_n_sample_columns)) < 0)
        return rc;
    for (size_t k = 0; k < system_n_sample_columns; k++)
        if ((rc = put_str(out, system_sample_columns[k])) < 0)
            return rc;
    if ((rc = buf_put_u32(out, s->n_samples)) < 0)
        return rc;
    for (uint32_t i = 0; i < s->n_samples; i++)
        for (size_t k = 0; k < system_n_sample_columns; k++)
            if ((rc = buf_put_f64(
                     out, system_sample_col(&s->timeline[i], k))) < 0)
                return rc;
    end_section(out, at);
    return 0;
}

/* The LINE section: every function's line table (see docs/format.md).
 * Written only when the profile has line tables, so files without them
 * stay byte for byte what earlier versions wrote. */
static int put_lines(const profile *p, buf *out)
{
    size_t at;
    int rc = begin_section(out, TAG_LINE, &at);
    if (rc < 0 || (rc = buf_put_u32(out, p->n_line_funcs)) < 0)
        return rc;
    for (uint32_t i = 0; i < p->n_line_funcs; i++) {
        const profile_line_func *f = &p->line_funcs[i];
        if ((rc = put_str(out, f->file)) < 0 ||
            (rc = buf_put_u32(out, f->first_line)) < 0 ||
            (rc = buf_put_u32(out, f->last_line)) < 0 ||
            (rc = put_str(out, f->name)) < 0 ||
            (rc = buf_put_u32(out, f->n_lines)) < 0)
            return rc;
        for (uint32_t j = 0; j < f->n_lines; j++)
            if ((rc = buf_put_u32(out, f->lines[j].line)) < 0 ||
                (rc = buf_put_u64(out, f->lines[j].hits)) < 0 ||
                (rc = buf_put_u64(out, (uint64_t)f->lines[j].time)) < 0)
                return rc;
    }
    end_section(out, at);
    return 0;
}

/* PROC: the processes of a run that followed its children.  Written only
 * when the profile has them (older readers skip it and see every
 * process's threads as one program's: the merged view). */
static int put_procs(const profile *p, buf *out)
{
    size_t at;
    int rc = begin_section(out, TAG_PROC, &at);
    if (rc < 0 || (rc = buf_put_u32(out, p->n_procs)) < 0)
        return rc;
    for (uint32_t i = 0; i < p->n_procs; i++) {
        const profile_process *r = &p->procs[i];
        if ((rc = buf_put_u64(out, r->pid)) < 0 ||
            (rc = buf_put_u64(out, r->ppid)) < 0 ||
            (rc = buf_put_u32(out, r->first_thread)) < 0 ||
            (rc = buf_put_u32(out, r->n_threads)) < 0 ||
            (rc = buf_put_u64(out, (uint64_t)r->exit_status)) < 0 ||
            (rc = buf_put_u32(out, r->flags)) < 0 ||
            (rc = buf_put_f64(out, r->wall)) < 0 ||
            (rc = put_str(out, r->command)) < 0)
            return rc;
    }
    end_section(out, at);
    return 0;
}

int store_encode(const profile *p, buf *out)
{
    if (profile_validate(p) < 0)
        return -EINVAL;
    if (!sums_fit(p))
        return -EOVERFLOW;
    int rc;
    size_t at;
    if ((rc = buf_add(out, STORE_MAGIC, STORE_MAGIC_LEN)) < 0 ||
        (rc = buf_put_u32(out, STORE_VERSION)) < 0 ||
        (rc = buf_put_f64(out, p->tick)) < 0 ||
        (rc = put_meta(p, out)) < 0 || (rc = put_funcs(p, out)) < 0)
        return rc;
    for (uint32_t t = 0; t < p->n_threads; t++)
        if ((rc = put_thread(&p->threads[t], out)) < 0)
            return rc;
    if (p->system && (rc = put_system(p->system, out)) < 0)
        return rc;
    if (p->n_line_funcs && (rc = put_lines(p, out)) < 0)
        return rc;
    if (p->n_procs && (rc = put_procs(p, out)) < 0)
        return rc;
    if ((rc = begin_section(out, TAG_END, &at)) < 0)
        return rc;
    end_section(out, at);
    return 0;
}

int store_write(const profile *p, const char *path)
{
    buf b;
    buf_init(&b, STORE_MAX_SIZE);
    int rc = store_encode(p, &b);
    if (rc == 0)
        rc = outfile_write(&b, path);
    buf_free(&b);
    return rc;
}

/* ---- reader ---------------------------------------------------------- */

/* A bounded cursor: every read checks n first. */
typedef struct {
    const unsigned char *p;
    size_t n;
} cursor;

static int rd_u8(cursor *c, uint8_t *v)
{
    if (c->n < 1)
        return -1;
    *v = c->p[0];
    c->p++;
    c->n--;
    return 0;
}

static int rd_u32(cursor *c, uint32_t *v)
{
    if (c->n < 4)
        return -1;
    *v = buf_get_u32(c->p);
    c->p += 4;
    c->n -= 4;
    return 0;
}

static int rd_u64(cursor *c, uint64_t *v)
{
    if (c->n < 8)
        return -1;
    *v = buf_get_u64(c->p);
    c->p += 8;
    c->n -= 8;
    return 0;
}

/* Accepts UTF-8 as CPython's "surrogatepass" handler writes it: RFC 3629
 * with no overlong forms and nothing above U+10FFFF, but with encoded
 * surrogates (U+D800..U+DFFF) allowed, since names and paths from Python
 * may carry them and marshal (hence pstats) round-trips them.  NUL is
 * rejected because our strings are C strings. */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i - 1 < k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff)
            return 0;
        i += k + 1;
    }
    return 1;
}

/* Reads a string into a new NUL-terminated copy (the caller frees).
 * Returns 0, -EINVAL with *why set, or -ENOMEM. */
static int rd_str(cursor *c, char **out, const char **why)
{
    uint32_t n;
    *out = NULL;
    if (rd_u32(c, &n) < 0 || c->n < n) {
        *why = "corrupt: string overruns its section";
        return -EINVAL;
    }
    if (!utf8_ok(c->p, n)) {
        *why = "corrupt: string is not valid UTF-8 or contains NUL";
        return -EINVAL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s)
        return -ENOMEM;
    memcpy(s, c->p, n);
    s[n] = '\0';
    c->p += n;
    c->n -= n;
    *out = s;
    return 0;
}

/* State across sections, for the ordering rules and the sum limits. */
typedef struct {
    profile *p;
    int seen_meta, seen_func, seen_syst, seen_time, seen_line, seen_proc;
    uint64_t sum_line_time, sum_hits; /* over the LINE section */
    /* Sums of |total|, |self| and calls over every node read so far.
     * flat.c and pstats.c add these up in int64/uint64; bounding the
     * grand sums here means no partial sum there can overflow. */
    uint64_t sum_total, sum_self, sum_calls;
    const char *why;
} decoder;

static int cmp_meta_key(const void *a, const void *b)
{
    const profile_meta *const *x = a, *const *y = b;
    return strcmp((*x)->key, (*y)->key);
}

/* Duplicate keys would make profile_get_meta ambiguous.  Sorting pointers
 * keeps the check O(n log n) however many entries a hostile file has. */
static int meta_has_duplicates(const profile *p, int *dup)
{
    *dup = 0;
    if (p->n_meta < 2)
        return 0;
    const profile_meta **v = malloc((size_t)p->n_meta * sizeof *v);
    if (!v)
        return -ENOMEM;
    for (uint32_t i = 0; i < p->n_meta; i++)
        v[i] = &p->meta[i];
    qsort(v, p->n_meta, sizeof *v, cmp_meta_key);
    for (uint32_t i = 1; i < p->n_meta && !*dup; i++)
        if (strcmp(v[i - 1]->key, v[i]->key) == 0)
            *dup = 1;
    free(v);
    return 0;
}

static int dec_meta(decoder *d, cursor *c)
{
    profile *p = d->p;
    uint32_t n;
    if (d->seen_meta++) {
        d->why = "corrupt: more than one META section";
        return -EINVAL;
    }
    if (rd_u32(c, &n) < 0 || n > c->n / MIN_META_LEN) {
        d->why = "corrupt: META count exceeds its section";
        return -EINVAL;
    }
    if (n) {
        p->meta = calloc(n, sizeof *p->meta);
        if (!p->meta)
            return -ENOMEM;
        p->cap_meta = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        char *k, *v;
        int rc = rd_str(c, &k, &d->why);
        if (rc < 0)
            return rc;
        if ((rc = rd_str(c, &v, &d->why)) < 0) {
            free(k);
            return rc;
        }
        p->meta[p->n_meta++] = (profile_meta){k, v};
    }
    int dup, rc = meta_has_duplicates(p, &dup);
    if (rc < 0)
        return rc;
    if (dup) {
        d->why = "corrupt: duplicate META key";
        return -EINVAL;
    }
    return 0;
}

static int dec_funcs(decoder *d, cursor *c)
{
    profile *p = d->p;
    uint32_t n;
    if (d->seen_func++) {
        d->why = "corrupt: more than one FUNC section";
        return -EINVAL;
    }
    if (rd_u32(c, &n) < 0 || n > c->n / MIN_FUNC_LEN) {
        d->why = "corrupt: FUNC count exceeds its section";
        return -EINVAL;
    }
    if (n) {
        p->funcs = calloc(n, sizeof *p->funcs);
        if (!p->funcs)
            return -ENOMEM;
        p->cap_funcs = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind;
        uint32_t line;
        if (rd_u8(c, &kind) < 0 || rd_u32(c, &line) < 0) {
            d->why = "corrupt: function overruns its section";
            return -EINVAL;
        }
        if (kind != FUNC_PYTHON && kind != FUNC_BUILTIN) {
            d->why = "corrupt: unknown function kind";
            return -EINVAL;
        }
        profile_func f = {(func_kind)kind, line, NULL, NULL};
        int rc = rd_str(c, &f.file, &d->why);
        if (rc < 0)
            return rc;
        if ((rc = rd_str(c, &f.name, &d->why)) < 0) {
            free(f.file);
            return rc;
        }
        p->funcs[p->n_funcs++] = f;
    }
    return 0;
}

static int dec_thread(decoder *d, cursor *c)
{
    profile *p = d->p;
    if (!d->seen_func) {
        d->why = "corrupt: THRD section before FUNC";
        return -EINVAL;
    }
    if (p->n_threads == p->cap_threads) {
        /* Doubling, and every THRD section is at least 60 bytes, so the
         * array stays within a few times the input size. */
        if (p->cap_threads > UINT32_MAX / 2) {
            d->why = "corrupt: too many threads";
            return -EINVAL;
        }
        uint32_t ncap = p->cap_threads ? p->cap_threads * 2 : 4;
        profile_thread *t = realloc(p->threads, ncap * sizeof *t);
        if (!t)
            return -ENOMEM;
        p->threads = t;
        p->cap_threads = ncap;
    }
    profile_thread th = {0};
    uint32_t n;
    int rc;
    if (rd_u64(c, &th.ident) < 0) {
        d->why = "corrupt: thread overruns its section";
        return -EINVAL;
    }
    if ((rc = rd_str(c, &th.name, &d->why)) < 0)
        return rc;
    rc = -EINVAL;
    if (rd_u32(c, &n) < 0 || n > c->n / NODE_LEN) {
        d->why = "corrupt: node count exceeds its section";
        goto fail;
    }
    if (n == 0) {
        d->why = "corrupt: thread without a root node";
        goto fail;
    }
    th.nodes = malloc((size_t)n * sizeof *th.nodes);
    if (!th.nodes) {
        rc = -ENOMEM;
        goto fail;
    }
    th.cap_nodes = n;
    /* n was checked against c->n: the n records are all there. */
    const unsigned char *rec = c->p;
    c->p += (size_t)n * NODE_LEN;
    c->n -= (size_t)n * NODE_LEN;
    for (uint32_t i = 0; i < n; i++, rec += NODE_LEN) {
        cct_node *nd = &th.nodes[i];
        nd->parent = buf_get_u32(rec);
        nd->func = buf_get_u32(rec + 4);
        nd->calls = buf_get_u64(rec + 8);
        uint64_t total = buf_get_u64(rec + 16);
        uint64_t self = buf_get_u64(rec + 24);
        /* Two's complement, stated without implementation-defined
         * conversions. */
        nd->total = total <= INT64_MAX ? (int64_t)total
                                       : -(int64_t)(~total) - 1;
        nd->self = self <= INT64_MAX ? (int64_t)self : -(int64_t)(~self) - 1;
        th.n_nodes++;
        if (i == 0) {
            if (nd->parent != 0 || nd->func != PROFILE_NO_FUNC) {
                d->why = "corrupt: bad root node";
                goto fail;
            }
        } else if (nd->parent >= i) {
            d->why = "corrupt: node parent out of range";
            goto fail;
        } else if (nd->func >= p->n_funcs) {
            d->why = "corrupt: node function out of range";
            goto fail;
        }
        if (add_abs(&d->sum_total, nd->total) < 0 ||
            add_abs(&d->sum_self, nd->self) < 0) {
            d->why = "corrupt: times too large";
            goto fail;
        }
        if (nd->calls > UINT64_MAX - d->sum_calls) {
            d->why = "corrupt: call counts too large";
            goto fail;
        }
        d->sum_calls += nd->calls;
    }
    p->threads[p->n_threads++] = th;
    return 0;
fail:
    free(th.name);
    free(th.nodes);
    return rc;
}

/* The figures, created by whichever of SYST and TIME comes first. */
static profile_system *dec_system(decoder *d)
{
    if (!d->p->system)
        d->p->system = system_new();
    return d->p->system;
}

/* Stores the 8 value bytes of a SYST entry of the given type into the
 * figure f, checking the type and the range. */
static int set_field(decoder *d, profile_system *s, const system_field *f,
                     uint8_t type, const unsigned char *bytes)
{
    char *at = (char *)s + f->offset;
    uint64_t raw = buf_get_u64(bytes);
    if (f->type == SYSF_F64) {
        if (type != SYST_F64)
            goto wrong_type;
        double v = buf_get_f64(bytes);
        memcpy(at, &v, sizeof v);
        return 0;
    }
    if (f->type == SYSF_I32) {
        if (type != SYST_I64)
            goto wrong_type;
        /* two's complement, without implementation-defined conversions */
        int64_t v = raw <= INT64_MAX ? (int64_t)raw : -(int64_t)(~raw) - 1;
        if (v < INT32_MIN || v > INT32_MAX)
            goto range;
        int32_t v32 = (int32_t)v;
        memcpy(at, &v32, sizeof v32);
        return 0;
    }
    if (type != SYST_U64)
        goto wrong_type;
    if (f->type == SYSF_U64) {
        memcpy(at, &raw, sizeof raw);
    } else if (f->type == SYSF_U32) {
        if (raw > UINT32_MAX)
            goto range;
        uint32_t v = (uint32_t)raw;
        memcpy(at, &v, sizeof v);
    } else {
        if (raw > UINT8_MAX)
            goto range;
        uint8_t v = (uint8_t)raw;
        memcpy(at, &v, sizeof v);
    }
    return 0;
wrong_type:
    d->why = "corrupt: system figure of the wrong type";
    return -EINVAL;
range:
    d->why = "corrupt: system figure out of range";
    return -EINVAL;
}

static int dec_syst(decoder *d, cursor *c)
{
    uint32_t n;
    if (d->seen_syst++) {
        d->why = "corrupt: more than one SYST section";
        return -EINVAL;
    }
    profile_system *s = dec_system(d);
    if (!s)
        return -ENOMEM;
    if (rd_u32(c, &n) < 0 || n > c->n / MIN_SYST_LEN) {
        d->why = "corrupt: SYST count exceeds its section";
        return -EINVAL;
    }
    /* one flag per known name (and perf_reason, last) */
    unsigned char seen[SYSTEM_MAX_FIELDS + 1] = {0};
    for (uint32_t i = 0; i < n; i++) {
        char *name = NULL;
        uint8_t type;
        int rc = rd_str(c, &name, &d->why);
        if (rc < 0)
            return rc;
        rc = -EINVAL;
        if (rd_u8(c, &type) < 0) {
            d->why = "corrupt: system figure overruns its section";
            goto fail;
        }
        size_t k = 0;
        while (k < system_n_fields && strcmp(system_fields[k].name, name))
            k++;
        int is_reason = strcmp(name, "perf_reason") == 0;
        if (is_reason)
            k = system_n_fields;
        if ((k < system_n_fields || is_reason) && seen[k]++) {
            d->why = "corrupt: duplicate system figure";
            goto fail;
        }
        if (type == SYST_STR) {
            char *v = NULL;
            if ((rc = rd_str(c, &v, &d->why)) < 0)
                goto fail;
            if (k < system_n_fields) {
                free(v);
                d->why = "corrupt: system figure of the wrong type";
                rc = -EINVAL;
                goto fail;
            }
            if (is_reason) {
                free(s->perf_reason);
                s->perf_reason = v;
            } else {
                free(v); /* a string figure from a later writer */
            }
        } else if (type <= SYST_F64) {
            unsigned char raw[8];
            if (c->n < sizeof raw) {
                d->why = "corrupt: system figure overruns its section";
                goto fail;
            }
            memcpy(raw, c->p, sizeof raw);
            c->p += sizeof raw;
            c->n -= sizeof raw;
            if (is_reason) {
                d->why = "corrupt: system figure of the wrong type";
                goto fail;
            }
            if (k < system_n_fields &&
                (rc = set_field(d, s, &system_fields[k], type, raw)) < 0)
                goto fail;
        } else {
            d->why = "corrupt: unknown system figure type";
            goto fail;
        }
        free(name);
        continue;
    fail:
        free(name);
        return rc;
    }
    return 0;
}

static int dec_time(decoder *d, cursor *c)
{
    uint32_t cols, rows;
    if (d->seen_time++) {
        d->why = "corrupt: more than one TIME section";
        return -EINVAL;
    }
    profile_system *s = dec_system(d);
    if (!s)
        return -ENOMEM;
    if (rd_u32(c, &cols) < 0 || cols > c->n / MIN_STR_LEN) {
        d->why = "corrupt: TIME column count exceeds its section";
        return -EINVAL;
    }
    /* map[j]: which of our columns file column j is, or SIZE_MAX */
    size_t *map = malloc(((size_t)cols + 1) * sizeof *map);
    if (!map)
        return -ENOMEM;
    unsigned char seen[SYSTEM_MAX_COLUMNS] = {0};
    int rc = -EINVAL;
    for (uint32_t j = 0; j < cols; j++) {
        char *name;
        if ((rc = rd_str(c, &name, &d->why)) < 0)
            goto done;
        map[j] = SIZE_MAX;
        for (size_t k = 0; k < system_n_sample_columns; k++)
            if (!strcmp(name, system_sample_columns[k]))
                map[j] = k;
        free(name);
        rc = -EINVAL;
        if (map[j] != SIZE_MAX && seen[map[j]]++) {
            d->why = "corrupt: duplicate TIME column";
            goto done;
        }
    }
    if (rd_u32(c, &rows) < 0) {
        d->why = "corrupt: TIME section cut short";
        goto done;
    }
    if (rows > SYSTEM_MAX_SAMPLES) {
        d->why = "corrupt: timeline too long";
        goto done;
    }
    if ((uint64_t)rows * cols * 8 != c->n || (cols == 0 && rows != 0)) {
        d->why = "corrupt: TIME size does not match its rows";
        goto done;
    }
    if (rows) {
        s->timeline = calloc(rows, sizeof *s->timeline);
        if (!s->timeline) {
            rc = -ENOMEM;
            goto done;
        }
        s->cap_samples = rows;
    }
    for (uint32_t i = 0; i < rows; i++) {
        for (uint32_t j = 0; j < cols; j++, c->p += 8, c->n -= 8)
            if (map[j] != SIZE_MAX)
                system_sample_set(&s->timeline[i], map[j],
                                  buf_get_f64(c->p));
        s->n_samples++;
    }
    rc = 0;
done:
    free(map);
    return rc;
}

static int64_t as_i64(uint64_t v)
{
    /* two's complement, without implementation-defined conversions */
    return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

/* One function of the LINE section. */
static int dec_line_func(decoder *d, cursor *c)
{
    char *file = NULL, *name = NULL;
    uint32_t first, last, n;
    int rc = rd_str(c, &file, &d->why);
    if (rc < 0)
        return rc;
    if (rd_u32(c, &first) < 0 || rd_u32(c, &last) < 0) {
        d->why = "corrupt: line table overruns its section";
        rc = -EINVAL;
        goto done;
    }
    if ((rc = rd_str(c, &name, &d->why)) < 0)
        goto done;
    rc = -EINVAL;
    if (rd_u32(c, &n) < 0) {
        d->why = "corrupt: line table overruns its section";
        goto done;
    }
    if (last < first) {
        d->why = "corrupt: line table ends before it starts";
        goto done;
    }
    if ((uint64_t)n * LINE_LEN > c->n) {
        d->why = "corrupt: line count exceeds its section";
        goto done;
    }
    rc = -ENOMEM;
    profile_line_func *f = profile_add_line_func(d->p, file, first, last,
                                                 name);
    if (!f)
        goto done;
    if (n) {
        f->lines = malloc((size_t)n * sizeof *f->lines);
        if (!f->lines)
            goto done;
        f->cap_lines = n;
    }
    rc = -EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        profile_line *l = &f->lines[i];
        l->line = buf_get_u32(c->p);
        l->hits = buf_get_u64(c->p + 4);
        l->time = as_i64(buf_get_u64(c->p + 12));
        c->p += LINE_LEN;
        c->n -= LINE_LEN;
        if (i && l->line <= f->lines[i - 1].line) {
            d->why = "corrupt: lines not in increasing order";
            goto done;
        }
        if (add_abs(&d->sum_line_time, l->time) < 0) {
            d->why = "corrupt: line times too large";
            goto done;
        }
        if (l->hits > UINT64_MAX - d->sum_hits) {
            d->why = "corrupt: line hits too large";
            goto done;
        }
        d->sum_hits += l->hits;
        f->n_lines++;
    }
    rc = 0;
done:
    free(file);
    free(name);
    return rc;
}

static int dec_lines(decoder *d, cursor *c)
{
    uint32_t n;
    if (d->seen_line) {
        d->why = "corrupt: more than one LINE section";
        return -EINVAL;
    }
    d->seen_line = 1;
    if (rd_u32(c, &n) < 0 || (uint64_t)n * MIN_LINE_FUNC_LEN > c->n) {
        d->why = "corrupt: LINE count exceeds its section";
        return -EINVAL;
    }
    for (uint32_t i = 0; i < n; i++) {
        int rc = dec_line_func(d, c);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int dec_procs(decoder *d, cursor *c)
{
    uint32_t n;
    if (d->seen_proc) {
        d->why = "corrupt: more than one PROC section";
        return -EINVAL;
    }
    d->seen_proc = 1;
    if (rd_u32(c, &n) < 0 || (uint64_t)n * MIN_PROC_LEN > c->n) {
        d->why = "corrupt: PROC count exceeds its section";
        return -EINVAL;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t pid, ppid, status, wall;
        uint32_t first, nth, flags;
        if (rd_u64(c, &pid) < 0 || rd_u64(c, &ppid) < 0 ||
            rd_u32(c, &first) < 0 || rd_u32(c, &nth) < 0 ||
            rd_u64(c, &status) < 0 || rd_u32(c, &flags) < 0 ||
            rd_u64(c, &wall) < 0) {
            d->why = "corrupt: process overruns its section";
            return -EINVAL;
        }
        char *cmd;
        int rc = rd_str(c, &cmd, &d->why);
        if (rc < 0)
            return rc;
        double w;
        memcpy(&w, &wall, sizeof w);
        if ((flags & ~PROC_FLAGS_KNOWN) || !isfinite(w) || w < 0 ||
            w > 1e9) {
            free(cmd);
            d->why = "corrupt: bad process";
            return -EINVAL;
        }
        profile_process *r = profile_add_process(d->p, pid, ppid, first,
                                                 nth, cmd);
        free(cmd);
        if (!r)
            return -ENOMEM;
        r->exit_status = (int64_t)status;
        r->flags = flags;
        r->wall = w;
    }
    return 0;
}

static const char *version_why(uint32_t v)
{
    /* Static strings only: *why must outlive the call without an owner. */
    static const char *const known[] = {
        "unsupported version 0", NULL,
        "unsupported version 2", "unsupported version 3",
        "unsupported version 4", "unsupported version 5",
        "unsupported version 6", "unsupported version 7",
        "unsupported version 8", "unsupported version 9",
    };
    if (v < sizeof known / sizeof *known && known[v])
        return known[v];
    return "unsupported version (from a newer lento?)";
}

int store_decode(const void *data, size_t len, profile **out,
                 const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *out = NULL;
    *why = NULL;
    const unsigned char *s = data;
    size_t m = len < STORE_MAGIC_LEN ? len : STORE_MAGIC_LEN;
    if (len == 0 || memcmp(s, STORE_MAGIC, m) != 0) {
        *why = "not a lento profile";
        return -EINVAL;
    }
    if (len < HEADER_LEN) {
        *why = "truncated";
        return -EINVAL;
    }
    uint32_t version = buf_get_u32(s + STORE_MAGIC_LEN);
    if (version != STORE_VERSION) {
        *why = version_why(version);
        return -EINVAL;
    }
    double tick = buf_get_f64(s + STORE_MAGIC_LEN + 4);
    /* The same bounds as profile_validate, checked here for the reason. */
    if (!isfinite(tick) || !(tick > 0) || tick > 1e3) {
        *why = "corrupt: bad tick";
        return -EINVAL;
    }

    decoder d = {0};
    int rc = -ENOMEM;
    d.p = profile_new(tick);
    if (!d.p)
        goto fail;
    cursor c = {s + HEADER_LEN, len - HEADER_LEN};
    for (;;) {
        uint32_t tag;
        uint64_t slen;
        if (rd_u32(&c, &tag) < 0 || rd_u64(&c, &slen) < 0 ||
            slen > c.n) {
            d.why = "truncated";
            rc = -EINVAL;
            goto fail;
        }
        cursor sec = {c.p, (size_t)slen};
        c.p += slen;
        c.n -= (size_t)slen;
        if (tag == TAG_END) {
            rc = -EINVAL;
            if (slen != 0)
                d.why = "corrupt: END section not empty";
            else if (c.n != 0)
                d.why = "corrupt: data after END";
            else if (!d.seen_func)
                d.why = "corrupt: no FUNC section";
            else
                break;
            goto fail;
        }
        if (tag == TAG_META)
            rc = dec_meta(&d, &sec);
        else if (tag == TAG_FUNC)
            rc = dec_funcs(&d, &sec);
        else if (tag == TAG_THRD)
            rc = dec_thread(&d, &sec);
        else if (tag == TAG_SYST)
            rc = dec_syst(&d, &sec);
        else if (tag == TAG_TIME)
            rc = dec_time(&d, &sec);
        else if (tag == TAG_LINE)
            rc = dec_lines(&d, &sec);
        else if (tag == TAG_PROC)
            rc = dec_procs(&d, &sec);
        else
            continue; /* a section from a later writer: skip it */
        if (rc < 0)
            goto fail;
        if (sec.n != 0) {
            d.why = "corrupt: section longer than its contents";
            rc = -EINVAL;
            goto fail;
        }
    }
    /* The figures' values are checked as a whole, once all are read. */
    if (d.p->system && system_validate(d.p->system) < 0) {
        d.why = "corrupt: bad system figures";
        rc = -EINVAL;
        goto fail;
    }
    if (profile_validate(d.p) < 0 && d.p->n_procs) {
        d.why = "corrupt: processes do not match the threads";
        rc = -EINVAL;
        goto fail;
    }
    /* Everything else profile_validate checks was checked above; this
     * guards against the two drifting apart. */
    if (profile_validate(d.p) < 0) {
        d.why = "corrupt: profile fails validation";
        rc = -EINVAL;
        goto fail;
    }
    *out = d.p;
    return 0;
fail:
    profile_free(d.p);
    *why = rc == -ENOMEM ? "out of memory" : d.why;
    return rc;
}

int store_read(const char *path, profile **out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *out = NULL;
    *why = NULL;
    buf b;
    buf_init(&b, STORE_MAX_SIZE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* The magic first: a file that is not a profile (/dev/zero, a video)
     * is refused after 8 bytes, not after reading up to the cap. */
    char head[STORE_MAGIC_LEN];
    size_t got = 0;
    int rc = 0;
    struct stat st; /* too large is told from the size alone */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (uintmax_t)st.st_size > STORE_MAX_SIZE) {
        rc = -E2BIG;
        goto done;
    }
    while (got < sizeof head) {
        ssize_t r = read(fd, head + got, sizeof head - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            goto done;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got < sizeof head || memcmp(head, STORE_MAGIC, sizeof head) != 0) {
        /* the decoder gives the reason ("not a lento profile",
         * "truncated") from these bytes alone */
        rc = store_decode(head, got, out, why);
        goto done;
    }
    if ((rc = buf_add(&b, head, got)) < 0 || (rc = buf_read_fd(&b, fd)) < 0)
        goto done;
    rc = store_decode(b.data, b.len, out, why);
done:
    if (rc == -E2BIG) {
        *why = "file too large (over 1 GiB)";
        rc = -EFBIG;
    }
    close(fd);
    buf_free(&b);
    return rc;
}

int store_sniff(const char *path)
{
    char head[STORE_MAGIC_LEN];
    long got = path_read_head(path, head, sizeof head);
    if (got < 0)
        return (int)got;
    return got == (long)sizeof head &&
           memcmp(head, STORE_MAGIC, sizeof head) == 0;
}
