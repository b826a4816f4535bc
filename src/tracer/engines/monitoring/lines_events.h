/* lines_events.h: line timing on sys.monitoring's events, inline in the
 * callbacks (monitor.c).
 *
 * Each selected code object gets local events (set_local_events), so no
 * other code pays for them: PY_START, PY_RESUME and PY_THROW start a
 * record of the frame, LINE moves it to a new line, RAISE and RERAISE
 * credit the line it was on (an exception is raised in the frame), and
 * PY_RETURN, PY_YIELD and PY_UNWIND credit it and end the record.
 * PY_THROW, PY_UNWIND, RAISE and RERAISE cannot be local events: while
 * line timing is on they are global, and cost a test of the running frame
 * in every frame an exception passes through.  These
 * are line_profiler's events on 3.12+ (LINE, PY_RETURN, PY_YIELD, RAISE,
 * RERAISE), so the hit counts are equal.  A frame that was already running
 * when its code was selected (--lines=auto's main loop) gets its record at
 * its first LINE event: local events reach running frames.
 *
 * The records are a stack per thread, innermost frame on top, each tagged
 * with its interpreter frame (interp.h): the start and end events of a
 * thread come in stack order, and a LINE event belongs to the running
 * frame.  Enabling or disabling any line profiler (lines_gen) empties
 * every stack, as line_profiler forgets its records at disable(). */
#ifndef LENTO_LINES_EVENTS_H
#define LENTO_LINES_EVENTS_H

#include "../../clock.h"
#include "../../lines.h"
#include "interp.h"

typedef struct {
    const void *frame; /* the interpreter frame, as an identity */
    lines_cursor cur;
} lines_act;

typedef struct {
    lines_act *a;
    uint32_t n, cap;
    uint64_t gen;      /* lines_gen when the records were made */
} lines_acts;

extern _Thread_local lines_acts lines_tls
    __attribute__((tls_model("initial-exec")));

/* A free record on top of the stack (grown if need be), or NULL when out
 * of memory. */
lines_act *lines_acts_grow(lines_acts *s);

static inline lines_acts *lines_stack(void)
{
    lines_acts *s = &lines_tls;
    if (__builtin_expect(s->gen != lines_gen, 0)) {
        s->n = 0;
        s->gen = lines_gen;
    }
    return s;
}

/* The record of the running frame, or NULL. */
static inline lines_act *lines_running(lines_acts *s)
{
    if (s->n && s->a[s->n - 1].frame == interp_current_frame())
        return &s->a[s->n - 1];
    return NULL;
}

/* A frame of code starts running: a record if the code is selected. */
static inline lines_act *lines_start(PyCodeObject *code)
{
    lines_code *lc = lines_record(code, lines_slot_of(code));
    if (!lc)
        return NULL;
    lines_acts *s = lines_stack();
    lines_act *a = s->n < s->cap ? &s->a[s->n] : lines_acts_grow(s);
    if (!a) {
        lc->owner->nomem = 1;
        return NULL;
    }
    s->n++;
    a->frame = interp_current_frame();
    a->cur = (lines_cursor){lc, -1, 0};
    return a;
}

static inline void lines_line(PyCodeObject *code, int line)
{
    int64_t now = clock_now_ns();
    lines_act *a = lines_running(lines_stack());
    if (!a && !(a = lines_start(code)))
        return;
    lines_cursor_step(&a->cur, now, line);
}

static inline void lines_raise(void)
{
    lines_act *a = lines_running(lines_stack());
    if (a)
        lines_cursor_leave(&a->cur, clock_now_ns());
}

static inline void lines_return(void)
{
    lines_acts *s = lines_stack();
    lines_act *a = lines_running(s);
    if (a) {
        lines_cursor_leave(&a->cur, clock_now_ns());
        s->n--;
    }
}

#endif
