/* recorder_hot.h: the per-call path of a recorder, inline.
 *
 * Shared by the profile hook (recorder.c) and the frame-evaluation hook
 * (frames.c) so that both compile the same few instructions in place; the
 * rare paths (a new call path, growing the stack, a custom timer) stay out
 * of line in recorder.c. */
#ifndef LENTO_RECORDER_HOT_H
#define LENTO_RECORDER_HOT_H

#include "clock.h"
#include "recorder.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Cold paths, in recorder.c. */
int64_t recorder_external_now(recorder *r);
int64_t recorder_new_path(recorder *r, const void *key, PyObject *obj,
                          PyObject *self, uint32_t parent);
int recorder_stack_grow(recorder *r);
void recorder_die(recorder *r);

static inline int64_t recorder_now(recorder *r)
{
    if (likely(!r->tr->timer))
        return clock_now_ns();
    return recorder_external_now(r);
}

static inline uint32_t slot_hash(const void *key, uint32_t parent)
{
    uint64_t k = ((uint64_t)(uintptr_t)key ^ ((uint64_t)parent << 41)) *
                 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(k >> 32);
}

/* An activation of the function key begins.  obj names it the first time
 * it is seen: a code object, a C function (PyCFunction), or a method
 * descriptor called on self (self is NULL otherwise). */
static inline void recorder_enter_self(recorder *r, const void *key,
                                       PyObject *obj, PyObject *self)
{
    if (unlikely(r->dead))
        return;
    uint32_t parent = r->depth ? r->stack[r->depth - 1].node : 0;
    uint32_t h = slot_hash(key, parent) & r->mask;
    int64_t node = -1;
    for (;;) {
        const rec_slot *s = &r->slots[h];
        if (s->key == key && s->parent == parent) {
            node = s->node;
            break;
        }
        if (!s->key)
            break;
        h = (h + 1) & r->mask;
    }
    if (unlikely(node < 0) &&
        (node = recorder_new_path(r, key, obj, self, parent)) < 0) {
        recorder_die(r);
        return;
    }
    if (unlikely(r->depth == r->cap_stack) && recorder_stack_grow(r) < 0) {
        recorder_die(r);
        return;
    }
    rec_frame *f = &r->stack[r->depth++];
    f->node = (uint32_t)node;
    f->subt = 0;
    /* read last, so the bookkeeping above is not charged to the callee */
    f->t0 = recorder_now(r);
}

static inline void recorder_enter(recorder *r, const void *key, PyObject *obj)
{
    recorder_enter_self(r, key, obj, NULL);
}

static inline void recorder_leave(recorder *r)
{
    if (unlikely(r->depth == 0 || r->dead))
        return;
    /* read first, so the bookkeeping below is not charged to the callee */
    int64_t t = recorder_now(r);
    rec_frame *f = &r->stack[--r->depth];
    int64_t tt = t - f->t0;
    cct_node *n = &r->nodes[f->node];
    n->calls++;
    n->total += tt;
    n->self += tt - f->subt;
    if (r->depth)
        r->stack[r->depth - 1].subt += tt;
}


#endif
