/* bcode.c: line probes in CPython 3.11 bytecode (see bcode.h).
 *
 * Formats, as 3.11 reads them: Objects/locations.md (co_linetable) and
 * Objects/exception_handling_notes.txt (co_exceptiontable).  Line events,
 * as Python/ceval.c's DO_TRACING and maybe_call_line_trace give them:
 * none before the first RESUME (_co_firsttraceable) nor at a RESUME; the
 * instruction after an EXTENDED_ARG is not traced on its own, so an
 * instruction is traced at its first unit; "the previous instruction" is
 * frame->prev_instr, the opcode unit of the last instruction started. */
#include "bcode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int line, endline, col, endcol; /* -1: none */
} bc_pos;

typedef struct {
    int start;   /* first unit, EXTENDED_ARG prefixes included */
    int opu;     /* the opcode's unit */
    int op, arg;
    int len;     /* units, prefixes and inline caches included */
    int target;  /* the instruction a jump goes to, or -1 */
    int depth;   /* stack depth before it; -1: never reached */
    int probe;   /* 1: a probe goes just before it */
    int skip;    /* 1: ... and the fall-through jumps over the probe */
    int k;       /* the probe's index (its line's) */
    int nprefix; /* a jump's EXTENDED_ARG units in the twin */
    int off_pre, off_ins; /* twin units: the probe, the instruction */
} bc_ins;

typedef struct {
    int start, end; /* instructions [start, end) */
    int handler;    /* instruction */
    int depth, lasti;
} bc_exc;

typedef struct {
    uint8_t *b;
    size_t n, cap;
    int nomem;
} bc_buf;

typedef struct {
    const bc_ops *ops;
    const bc_code *in;
    int n;          /* code units */
    bc_pos *pos;    /* per unit */
    int *unit_ins;  /* instruction starting at a unit, or -1 */
    bc_ins *ins;
    int ni;
    bc_exc *exc;
    int nexc;
    int first;      /* _co_firsttraceable */
    int *lasti_cands; /* instructions whose offset a handler may push */
    int ncands;
    int *exc_of;    /* the entry covering each instruction, or -1 */
} bc_ctx;

#define OP(c, u) ((c)->in->code[2 * (size_t)(u)])
#define ARG(c, u) ((c)->in->code[2 * (size_t)(u) + 1])

/* ---- byte buffers ---------------------------------------------------- */

static void put(bc_buf *b, uint8_t v)
{
    if (b->n == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 256;
        uint8_t *nb = realloc(b->b, ncap);
        if (!nb) {
            b->nomem = 1;
            return;
        }
        b->b = nb;
        b->cap = ncap;
    }
    b->b[b->n++] = v;
}

/* co_linetable's varints: 6-bit chunks, least significant first, bit 6
 * set on all but the last. */
static int read_uvarint(const uint8_t **p, const uint8_t *end, int *out)
{
    unsigned val = 0, shift = 0;
    uint8_t b;
    do {
        if (*p >= end || shift > 24)
            return -1;
        b = *(*p)++;
        val |= (unsigned)(b & 63) << shift;
        shift += 6;
    } while (b & 64);
    *out = (int)val;
    return 0;
}

static int read_svarint(const uint8_t **p, const uint8_t *end, int *out)
{
    int u;
    if (read_uvarint(p, end, &u) < 0)
        return -1;
    *out = (u & 1) ? -(int)((unsigned)u >> 1) : (int)((unsigned)u >> 1);
    return 0;
}

static void write_uvarint(bc_buf *b, unsigned v)
{
    while (v >= 64) {
        put(b, (uint8_t)(64 | (v & 63)));
        v >>= 6;
    }
    put(b, (uint8_t)v);
}

static void write_svarint(bc_buf *b, int v)
{
    write_uvarint(b, v < 0 ? ((unsigned)-v << 1) | 1 : (unsigned)v << 1);
}

/* co_exceptiontable's varints: 6-bit chunks, most significant first, bit
 * 6 set on all but the last; bit 7 marks the first byte of an entry. */
static int read_evarint(const uint8_t **p, const uint8_t *end, int *out)
{
    if (*p >= end)
        return -1;
    uint8_t b = *(*p)++;
    unsigned v = b & 63;
    for (int n = 0; b & 64; n++) {
        if (*p >= end || n > 4)
            return -1;
        b = *(*p)++;
        v = (v << 6) | (b & 63);
    }
    *out = (int)v;
    return 0;
}

static void write_evarint(bc_buf *b, unsigned v, uint8_t msb)
{
    int s = 24;
    while (s > 0 && v < (1u << s))
        s -= 6;
    for (; s > 0; s -= 6) {
        put(b, (uint8_t)(((v >> s) & 63) | 64 | msb));
        msb = 0;
    }
    put(b, (uint8_t)((v & 63) | msb));
}

/* ---- reading --------------------------------------------------------- */

static int read_positions(bc_ctx *c)
{
    const uint8_t *p = c->in->lines, *end = p + c->in->lines_len;
    int line = c->in->firstlineno, u = 0;
    while (p < end && u < c->n) {
        uint8_t b = *p++;
        if (!(b & 0x80))
            return -1;
        int code = (b >> 3) & 15, len = (b & 7) + 1;
        bc_pos q;
        if (code == 15) {
            q = (bc_pos){-1, -1, -1, -1};
        } else if (code == 14) {
            int d, e, col, ecol;
            if (read_svarint(&p, end, &d) < 0 ||
                read_uvarint(&p, end, &e) < 0 ||
                read_uvarint(&p, end, &col) < 0 ||
                read_uvarint(&p, end, &ecol) < 0)
                return -1;
            line += d;
            q = (bc_pos){line, line + e, col - 1, ecol - 1};
        } else if (code == 13) {
            int d;
            if (read_svarint(&p, end, &d) < 0)
                return -1;
            line += d;
            q = (bc_pos){line, line, -1, -1};
        } else if (code >= 10) {
            if (end - p < 2)
                return -1;
            line += code - 10;
            q = (bc_pos){line, line, p[0], p[1]};
            p += 2;
        } else {
            if (p >= end)
                return -1;
            uint8_t b2 = *p++;
            int col = code << 3 | ((b2 >> 4) & 7);
            q = (bc_pos){line, line, col, col + (b2 & 15)};
        }
        for (int k = 0; k < len && u < c->n; k++)
            c->pos[u++] = q;
    }
    while (u < c->n)
        c->pos[u++] = (bc_pos){-1, -1, -1, -1};
    return 0;
}

static int read_instructions(bc_ctx *c)
{
    const bc_ops *o = c->ops;
    for (int u = 0; u < c->n; u++)
        c->unit_ins[u] = -1;
    int u = 0;
    while (u < c->n) {
        int start = u;
        unsigned arg = 0;
        while (OP(c, u) == o->extended_arg) {
            arg = (arg | ARG(c, u)) << 8;
            if (++u >= c->n || arg > (1u << 24))
                return -1;
        }
        int op = OP(c, u);
        arg |= ARG(c, u);
        int len = u - start + 1 + o->caches[op];
        if (start + len > c->n)
            return -1;
        bc_ins *in = &c->ins[c->ni];
        memset(in, 0, sizeof *in);
        in->start = start;
        in->opu = u;
        in->op = op;
        in->arg = (int)arg;
        in->len = len;
        in->target = -1;
        in->depth = -1;
        c->unit_ins[start] = c->ni++;
        u = start + len;
    }
    for (int j = 0; j < c->ni; j++) {
        bc_ins *in = &c->ins[j];
        int dir = o->jump[in->op];
        if (dir == BC_NO_JUMP)
            continue;
        long base = in->opu + 1 + o->caches[in->op];
        long t = dir == BC_FORWARD ? base + in->arg : base - in->arg;
        if (t < 0 || t >= c->n || c->unit_ins[t] < 0)
            return -1;
        in->target = c->unit_ins[t];
    }
    c->first = c->n;
    for (int k = 0; k < c->n; k++)
        if (OP(c, k) == o->resume) {
            c->first = k;
            break;
        }
    return c->first < c->n ? 0 : -1;
}

/* The instruction at unit u, or (u == n) the end; -1 if u is not an
 * instruction boundary. */
static int ins_at(const bc_ctx *c, int u)
{
    if (u == c->n)
        return c->ni;
    if (u < 0 || u > c->n)
        return -1;
    return c->unit_ins[u];
}

/* Entries are sorted and do not overlap (Python/ceval.c
 * get_exception_handler relies on it, so do we). */
static int map_exceptions(bc_ctx *c)
{
    c->exc_of = malloc(((size_t)c->ni + 1) * sizeof *c->exc_of);
    if (!c->exc_of)
        return -ENOMEM;
    for (int j = 0; j < c->ni; j++)
        c->exc_of[j] = -1;
    for (int e = 0; e < c->nexc; e++)
        for (int j = c->exc[e].start; j < c->exc[e].end; j++) {
            if (c->exc_of[j] >= 0)
                return -1;
            c->exc_of[j] = e;
        }
    return 0;
}

static int read_exceptions(bc_ctx *c)
{
    const uint8_t *p = c->in->excs, *end = p + c->in->excs_len;
    int cap = 0;
    while (p < end) {
        if (!(*p & 0x80))
            return -1;
        int start, size, target, dl;
        if (read_evarint(&p, end, &start) < 0 ||
            read_evarint(&p, end, &size) < 0 ||
            read_evarint(&p, end, &target) < 0 ||
            read_evarint(&p, end, &dl) < 0)
            return -1;
        if (c->nexc == cap) {
            cap = cap ? cap * 2 : 8;
            bc_exc *ne = realloc(c->exc, (size_t)cap * sizeof *ne);
            if (!ne)
                return -ENOMEM;
            c->exc = ne;
        }
        bc_exc *e = &c->exc[c->nexc++];
        e->start = ins_at(c, start);
        e->end = ins_at(c, start + size);
        e->handler = target < c->n ? ins_at(c, target) : -1;
        e->depth = dl >> 1;
        e->lasti = dl & 1;
        if (e->start < 0 || e->end < e->start || e->handler < 0 ||
            e->handler >= c->ni)
            return -1;
    }
    return 0;
}

/* ---- stack depths ---------------------------------------------------- */

static int set_depth(bc_ctx *c, int *work, int *nw, int j, int d)
{
    if (j >= c->ni || d < 0)
        return -1;
    if (c->ins[j].depth == -1) {
        c->ins[j].depth = d;
        work[(*nw)++] = j;
        return 0;
    }
    return c->ins[j].depth == d ? 0 : -1;
}

/* The depth before each reachable instruction, as the compiler computes
 * co_stacksize: from the entry, along fall-throughs and jumps, and from
 * each handler's depth in the exception table. */
static int compute_depths(bc_ctx *c)
{
    const bc_ops *o = c->ops;
    int *work = malloc(((size_t)c->ni + 1) * sizeof *work);
    int nw = 0, rc = -1;
    if (!work)
        return -ENOMEM;
    if (set_depth(c, work, &nw, 0, 0) < 0)
        goto done;
    for (int e = 0; e < c->nexc; e++)
        if (set_depth(c, work, &nw, c->exc[e].handler,
                      c->exc[e].depth + 1 + c->exc[e].lasti) < 0)
            goto done;
    while (nw) {
        int j = work[--nw];
        const bc_ins *in = &c->ins[j];
        int arg = in->op >= o->have_argument ? in->arg : 0;
        if (in->target >= 0) {
            int eff = o->stack_effect(in->op, arg, 1);
            if (eff > 1000 ||
                set_depth(c, work, &nw, in->target, in->depth + eff) < 0)
                goto done;
        }
        if (!o->noflow[in->op] && j + 1 < c->ni) {
            int eff = in->op == o->return_generator
                          ? 1
                          : o->stack_effect(in->op, arg, 0);
            if (eff > 1000 ||
                set_depth(c, work, &nw, j + 1, in->depth + eff) < 0)
                goto done;
        }
    }
    rc = 0;
done:
    free(work);
    return rc;
}

/* ---- where the line events fire -------------------------------------- */

/* Does the tracing path give a LINE event on the way to instruction j
 * when prev_instr is unit p? */
static int fires(const bc_ctx *c, int p, int j)
{
    const bc_ins *in = &c->ins[j];
    int first_op = OP(c, in->start);
    if (in->start < c->first || first_op == c->ops->resume)
        return 0;
    int line = c->pos[in->start].line;
    if (line < 0)
        return 0;
    int last = p <= c->first ? -1 : c->pos[p].line;
    return line != last || (in->start < p && first_op != c->ops->send);
}

/* The decision for an exception raised in instruction p and caught at
 * instruction h, or -1 if it is not one decision.  A RERAISE with an
 * argument first sets prev_instr back to the offset a handler pushed,
 * which is any instruction of a range whose handler pushes it. */
static int exception_fires(const bc_ctx *c, int p, int h)
{
    const bc_ins *in = &c->ins[p];
    if (in->op != c->ops->reraise || in->arg == 0 || c->ncands == 0)
        return fires(c, in->opu, h);
    int d = fires(c, c->ins[c->lasti_cands[0]].opu, h);
    for (int k = 1; k < c->ncands; k++)
        if (fires(c, c->ins[c->lasti_cands[k]].opu, h) != d)
            return -1;
    return d;
}

/* Instructions whose offset a handler may push (ranges with lasti): where
 * a RERAISE with an argument may set prev_instr back to. */
static int collect_lasti_cands(bc_ctx *c)
{
    char *mark = calloc((size_t)c->ni + 1, 1);
    if (!mark)
        return -ENOMEM;
    for (int e = 0; e < c->nexc; e++)
        if (c->exc[e].lasti)
            for (int j = c->exc[e].start; j < c->exc[e].end; j++)
                mark[j] = 1;
    c->lasti_cands = malloc(((size_t)c->ni + 1) * sizeof *c->lasti_cands);
    if (!c->lasti_cands) {
        free(mark);
        return -ENOMEM;
    }
    for (int j = 0; j < c->ni; j++) {
        const bc_ins *in = &c->ins[j];
        if (mark[j] && in->depth >= 0 &&
            !(in->op == c->ops->reraise && in->arg > 0))
            c->lasti_cands[c->ncands++] = j;
    }
    free(mark);
    return 0;
}

/* Marks the instructions that need a probe before them.  -1 where a
 * probe cannot go (see bcode.h). */
static int place_probes(bc_ctx *c)
{
    const bc_ops *o = c->ops;
    int rc = -1;
    char *fire_in = calloc((size_t)c->ni + 1, 1);
    if (!fire_in)
        return -ENOMEM;
    for (int j = 0; j < c->ni; j++) {
        const bc_ins *in = &c->ins[j];
        if (in->depth >= 0 && in->target >= 0 &&
            fires(c, in->opu, in->target))
            fire_in[in->target] = 1;
        /* gen.throw() ending a `yield from` resumes at SEND's target
         * with prev_instr just before it (Objects/genobject.c
         * _gen_throw): that way must decide as the jump does */
        if (in->depth >= 0 && in->op == o->send &&
            fires(c, in->opu, in->target) !=
                fires(c, c->ins[in->target].start - 1, in->target))
            goto done;
    }
    for (int e = 0; e < c->nexc; e++)
        for (int j = c->exc[e].start; j < c->exc[e].end; j++) {
            if (c->ins[j].depth < 0)
                continue;
            int d = exception_fires(c, j, c->exc[e].handler);
            if (d < 0)
                goto done;
            if (d)
                fire_in[c->exc[e].handler] = 1;
        }
    /* An exception from the eval breaker of backward jump B to J is
     * looked up at the unit before J, the end of instruction J - 1, with
     * prev_instr at B; the twin decides there as for one raised in J - 1,
     * so the two must agree. */
    for (int j = 0; j < c->ni; j++) {
        const bc_ins *b = &c->ins[j];
        if (b->depth < 0 || b->target <= 0 || !o->breaker[b->op])
            continue;
        int before = b->target - 1, e = c->exc_of[before];
        if (e < 0)
            continue;
        if (c->ins[before].depth < 0 ||
            exception_fires(c, before, c->exc[e].handler) !=
                fires(c, b->opu, c->exc[e].handler))
            goto done;
        if (fires(c, b->opu, c->exc[e].handler))
            fire_in[c->exc[e].handler] = 1;
    }
    for (int j = 0; j < c->ni; j++) {
        bc_ins *in = &c->ins[j];
        if (in->depth < 0)
            continue;
        const bc_ins *prev = j > 0 ? &c->ins[j - 1] : NULL;
        int has_fall = prev && prev->depth >= 0 && !o->noflow[prev->op];
        int fall = has_fall && fires(c, prev->opu, j);
        if (!fall && !fire_in[j])
            continue;
        /* PRECALL and CALL, KW_NAMES and what follows, SEND and its
         * YIELD_VALUE must stay together; a probe needs a stack slot */
        if (in->op == o->call ||
            (prev && (prev->op == o->kw_names || prev->op == o->send)) ||
            in->depth + 1 > c->in->stacksize + c->in->extra_stack)
            goto done;
        in->probe = 1;
        in->skip = has_fall && !fall;
    }
    rc = 0;
done:
    free(fire_in);
    return rc;
}

/* One constant per line that has a probe. */
static int number_probes(bc_ctx *c, bc_twin *out)
{
    int lo = 0, hi = -1;
    for (int j = 0; j < c->ni; j++)
        if (c->ins[j].probe) {
            int line = c->pos[c->ins[j].start].line;
            if (hi < lo || line < lo)
                lo = line;
            if (hi < lo || line > hi)
                hi = line;
        }
    if (hi < lo)
        return 0;
    int *map = malloc(((size_t)(hi - lo) + 1) * sizeof *map);
    out->probe_lines = malloc(((size_t)(hi - lo) + 1) * sizeof(int));
    if (!map || !out->probe_lines) {
        free(map);
        return -ENOMEM;
    }
    for (int i = 0; i <= hi - lo; i++)
        map[i] = -1;
    for (int j = 0; j < c->ni; j++)
        if (c->ins[j].probe) {
            int line = c->pos[c->ins[j].start].line;
            if (map[line - lo] < 0) {
                map[line - lo] = out->n_probes;
                out->probe_lines[out->n_probes++] = line;
            }
            c->ins[j].k = map[line - lo];
        }
    free(map);
    return 0;
}

/* ---- layout ---------------------------------------------------------- */

static int prefix_units(unsigned v)
{
    return v < 1u << 8 ? 0 : v < 1u << 16 ? 1 : v < 1u << 24 ? 2 : 3;
}

static int probe_units(const bc_ctx *c, int k)
{
    return prefix_units((unsigned)(c->in->n_consts + k)) + 3;
}

static int ins_units(const bc_ctx *c, const bc_ins *in)
{
    if (in->target < 0)
        return in->len;
    return in->nprefix + 1 + c->ops->caches[in->op];
}

/* Where a jump from instruction p lands in the twin: on the probe if the
 * tracing path gives a LINE event on that way, after it otherwise. */
static int landing(const bc_ctx *c, int p_unit, int j)
{
    const bc_ins *t = &c->ins[j];
    if (t->probe && fires(c, p_unit, j))
        return t->off_pre + t->skip;
    return t->off_ins;
}

static int jump_arg(const bc_ctx *c, const bc_ins *in, unsigned *arg)
{
    long base = in->off_ins + in->nprefix + 1 + c->ops->caches[in->op];
    long t = landing(c, in->opu, in->target);
    long d = c->ops->jump[in->op] == BC_FORWARD ? t - base : base - t;
    if (d < 0 || d >= (1L << 30))
        return -1;
    *arg = (unsigned)d;
    return 0;
}

/* Offsets, growing a jump's EXTENDED_ARG units until all args fit (sizes
 * only grow, so distances only grow: this ends).  The twin's length. */
static long lay_out(bc_ctx *c)
{
    for (int round = 0; round < 8; round++) {
        long off = 0;
        for (int j = 0; j < c->ni; j++) {
            bc_ins *in = &c->ins[j];
            in->off_pre = (int)off;
            if (in->probe)
                off += in->skip + probe_units(c, in->k);
            in->off_ins = (int)off;
            off += ins_units(c, in);
            if (off > (1L << 28))
                return -1;
        }
        int changed = 0;
        for (int j = 0; j < c->ni; j++) {
            bc_ins *in = &c->ins[j];
            unsigned arg;
            if (in->target < 0)
                continue;
            if (jump_arg(c, in, &arg) < 0)
                return -1;
            if (prefix_units(arg) > in->nprefix) {
                in->nprefix = prefix_units(arg);
                changed = 1;
            }
        }
        if (!changed)
            return off;
    }
    return -1;
}

/* ---- writing --------------------------------------------------------- */

static void emit_unit(bc_buf *b, bc_pos *tpos, bc_pos q, int op, int arg)
{
    tpos[b->n / 2] = q;
    put(b, (uint8_t)op);
    put(b, (uint8_t)arg);
}

static void emit_ins(const bc_ctx *c, bc_buf *b, bc_pos *tpos, bc_pos q,
                     int op, unsigned arg, int nprefix)
{
    for (int i = nprefix; i > 0; i--)
        emit_unit(b, tpos, q, c->ops->extended_arg, (arg >> (8 * i)) & 255);
    emit_unit(b, tpos, q, op, arg & 255);
}

static void write_code(const bc_ctx *c, bc_buf *b, bc_pos *tpos)
{
    const bc_ops *o = c->ops;
    for (int j = 0; j < c->ni && !b->nomem; j++) {
        const bc_ins *in = &c->ins[j];
        bc_pos q = c->pos[in->start];
        if (in->probe) {
            if (in->skip)
                emit_unit(b, tpos, q, o->jump_forward, probe_units(c, in->k));
            unsigned k = (unsigned)(c->in->n_consts + in->k);
            emit_ins(c, b, tpos, q, o->load_const, k, prefix_units(k));
            emit_unit(b, tpos, q, o->unary_positive, 0);
            emit_unit(b, tpos, q, o->pop_top, 0);
        }
        if (in->target >= 0) {
            unsigned arg = 0;
            jump_arg(c, in, &arg); /* checked by lay_out */
            bc_pos qo = c->pos[in->opu];
            emit_ins(c, b, tpos, qo, in->op, arg, in->nprefix);
            for (int k = 0; k < o->caches[in->op]; k++)
                emit_unit(b, tpos, qo, 0, 0);
        } else {
            for (int u = in->start; u < in->start + in->len; u++)
                emit_unit(b, tpos, c->pos[u], OP(c, u), ARG(c, u));
        }
    }
}

static int same_pos(bc_pos a, bc_pos b)
{
    return a.line == b.line && a.endline == b.endline && a.col == b.col &&
           a.endcol == b.endcol;
}

/* Every entry in the long form (or "no location"): simple, and 3.11
 * reads any form. */
static void write_positions(const bc_ctx *c, bc_buf *b, const bc_pos *tpos,
                            long n)
{
    int line = c->in->firstlineno;
    for (long u = 0; u < n;) {
        bc_pos q = tpos[u];
        int len = 1;
        while (len < 8 && u + len < n && same_pos(tpos[u + len], q))
            len++;
        if (q.line < 0) {
            put(b, (uint8_t)(0x80 | 15 << 3 | (len - 1)));
        } else {
            put(b, (uint8_t)(0x80 | 14 << 3 | (len - 1)));
            write_svarint(b, q.line - line);
            write_uvarint(b, q.endline >= q.line
                                 ? (unsigned)(q.endline - q.line) : 0);
            write_uvarint(b, (unsigned)(q.col + 1));
            write_uvarint(b, (unsigned)(q.endcol + 1));
            line = q.line;
        }
        u += len;
    }
}

static void write_entry(bc_buf *b, int start, int end, int target,
                        const bc_exc *e)
{
    write_evarint(b, (unsigned)start, 0x80);
    write_evarint(b, (unsigned)(end - start), 0);
    write_evarint(b, (unsigned)target, 0);
    write_evarint(b, (unsigned)(e->depth << 1 | e->lasti), 0);
}

/* Instruction j's units in the twin, with the probe (and skip) of the
 * next instruction: see bcode.h. */
static int range_end(const bc_ctx *c, int j)
{
    return j + 1 < c->ni ? c->ins[j + 1].off_ins
                         : c->ins[j].off_ins + ins_units(c, &c->ins[j]);
}

/* Each entry, split where the way into its handler changes decision. */
static void write_exceptions(const bc_ctx *c, bc_buf *b)
{
    for (int x = 0; x < c->nexc; x++) {
        const bc_exc *e = &c->exc[x];
        const bc_ins *h = &c->ins[e->handler];
        int start = -1, end = -1, dec = 0;
        for (int j = e->start; j < e->end; j++) {
            const bc_ins *in = &c->ins[j];
            int d = in->depth >= 0 ? exception_fires(c, j, e->handler) : dec;
            if (start >= 0 && d != dec) {
                write_entry(b, start, end,
                            dec ? h->off_pre + h->skip : h->off_ins, e);
                start = -1;
            }
            if (start < 0)
                start = in->off_ins;
            dec = d;
            end = range_end(c, j);
        }
        if (start >= 0)
            write_entry(b, start, end, dec ? h->off_pre + h->skip : h->off_ins,
                        e);
    }
}

/* ---- the whole ------------------------------------------------------- */

void bc_twin_free(bc_twin *t)
{
    free(t->code);
    free(t->lines);
    free(t->excs);
    free(t->probe_lines);
    memset(t, 0, sizeof *t);
}

int bc_instrument(const bc_ops *ops, const bc_code *in, bc_twin *out)
{
    memset(out, 0, sizeof *out);
    if (in->code_len == 0 || in->code_len % 2 || in->code_len > (1u << 26))
        return -EINVAL;
    bc_ctx c = {.ops = ops, .in = in, .n = (int)(in->code_len / 2)};
    bc_buf code = {0}, lines = {0}, excs = {0};
    bc_pos *tpos = NULL;
    int rc = -ENOMEM;
    c.pos = malloc((size_t)c.n * sizeof *c.pos);
    c.unit_ins = malloc((size_t)c.n * sizeof *c.unit_ins);
    c.ins = malloc((size_t)c.n * sizeof *c.ins);
    if (!c.pos || !c.unit_ins || !c.ins)
        goto done;
    rc = -EINVAL;
    if (read_positions(&c) < 0 || read_instructions(&c) < 0)
        goto done;
    if ((rc = read_exceptions(&c)) < 0 || (rc = map_exceptions(&c)) < 0) {
        rc = rc == -ENOMEM ? rc : -EINVAL;
        goto done;
    }
    rc = -EINVAL;
    if (compute_depths(&c) < 0)
        goto done;
    if ((rc = collect_lasti_cands(&c)) < 0)
        goto done;
    rc = -EINVAL;
    if (place_probes(&c) < 0)
        goto done;
    if ((rc = number_probes(&c, out)) < 0)
        goto done;
    rc = -EINVAL;
    long n = lay_out(&c);
    if (n <= 0)
        goto done;
    for (int j = 0; j < c.ni; j++)
        if (c.ins[j].op == ops->send && c.ins[j].nprefix > 0)
            goto done; /* _gen_throw reads SEND's argument byte alone */
    rc = -ENOMEM;
    tpos = malloc((size_t)n * sizeof *tpos);
    if (!tpos)
        goto done;
    write_code(&c, &code, tpos);
    if (code.nomem)
        goto done;
    rc = -EINVAL;
    if (code.n != (size_t)n * 2)
        goto done;
    rc = -ENOMEM;
    write_positions(&c, &lines, tpos, n);
    write_exceptions(&c, &excs);
    if (lines.nomem || excs.nomem)
        goto done;
    out->stacksize = c.in->stacksize;
    for (int j = 0; j < c.ni; j++)
        if (c.ins[j].probe && c.ins[j].depth + 1 > out->stacksize)
            out->stacksize = c.ins[j].depth + 1;
    out->code = code.b;
    out->code_len = code.n;
    out->lines = lines.b;
    out->lines_len = lines.n;
    out->excs = excs.b;
    out->excs_len = excs.n;
    code.b = lines.b = excs.b = NULL;
    rc = 0;
done:
    free(code.b);
    free(lines.b);
    free(excs.b);
    free(tpos);
    free(c.pos);
    free(c.unit_ins);
    free(c.ins);
    free(c.exc);
    free(c.lasti_cands);
    free(c.exc_of);
    if (rc < 0)
        bc_twin_free(out);
    return rc;
}
