/* cstack.c: new C stack segments for deep recursion (see cstack.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_getattr_np (meson defines it already) */
#endif
#include "cstack.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "../../notes.h"

/* Room left below the floor for what runs before the next frame reaches
 * the hook again: the evaluation loop of the frame that passed the test
 * and the C calls it makes (a builtin, a finalizer, our own registry, a
 * signal handler).  A quarter of the stack where a thread's stack is
 * smaller than four times this. */
#define CSTACK_MARGIN ((size_t)256 * 1024)
/* About 30,000 frames each; mapped without reserving memory, so only the
 * pages the recursion touches are ever used. */
#define CSTACK_SEGMENT ((size_t)16 * 1024 * 1024)

_Thread_local uintptr_t cstack_floor
    __attribute__((tls_model("initial-exec"))) = UINTPTR_MAX;

/* segments that may still be mapped, -1: no limit (tests lower it) */
static long budget = -1;

typedef struct {
    void *base;
    size_t size;
} segment;

/* A thread keeps its last segment for the next move, so recursion that
 * goes back and forth across a floor does not map and unmap at every call;
 * the key's destructor unmaps it when the thread ends. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static int spare_ok;

static void segment_free(segment *s)
{
    if (!s)
        return;
    munmap(s->base, s->size);
    free(s);
}

static void spare_destroy(void *s)
{
    segment_free(s);
}

static void spare_init(void)
{
    spare_ok = pthread_key_create(&spare_key, spare_destroy) == 0;
}

static size_t page_size(void)
{
    long n = sysconf(_SC_PAGESIZE);
    return n > 0 ? (size_t)n : 4096;
}

static size_t margin_for(size_t stack_size)
{
    return stack_size / 4 < CSTACK_MARGIN ? stack_size / 4 : CSTACK_MARGIN;
}

/* The thread's own stack bounds, once per thread.  If they cannot be
 * read, the floor is 0: frames never move, as before this existed. */
static void floor_init(void)
{
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    cstack_floor = 0;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr)
        cstack_floor = (uintptr_t)addr + margin_for(size);
    pthread_attr_destroy(&attr);
}

/* A segment: the spare one, or a new mapping whose lowest page is a guard
 * (an overflow faults there instead of writing into another mapping).
 * NULL if none can be had. */
static segment *segment_get(void)
{
    pthread_once(&spare_once, spare_init);
    segment *s = spare_ok ? pthread_getspecific(spare_key) : NULL;
    if (s) {
        pthread_setspecific(spare_key, NULL);
        return s;
    }
    if (budget == 0)
        return NULL;
    size_t page = page_size();
    size_t size = (CSTACK_SEGMENT + page - 1) / page * page;
    s = malloc(sizeof *s);
    if (!s)
        return NULL;
    s->size = size;
    s->base = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (s->base == MAP_FAILED || mprotect(s->base, page, PROT_NONE) < 0) {
        if (s->base != MAP_FAILED)
            munmap(s->base, size);
        free(s);
        return NULL;
    }
    if (budget > 0)
        budget--;
    return s;
}

static void segment_put(segment *s)
{
    if (spare_ok && !pthread_getspecific(spare_key) &&
        pthread_setspecific(spare_key, s) == 0)
        return;
    segment_free(s);
}

/* makecontext passes only ints: the call travels through the thread. */
typedef struct {
    cstack_eval eval;
    PyThreadState *ts;
    struct _PyInterpreterFrame *f;
    int throwflag;
    PyObject *res;
} pending_call;

static _Thread_local pending_call *pending;

static void on_segment(void)
{
    pending_call *c = pending;
    c->res = c->eval(c->ts, c->f, c->throwflag);
}

int cstack_run(cstack_eval eval, PyThreadState *ts,
               struct _PyInterpreterFrame *f, int throwflag, PyObject **res)
{
    if (cstack_floor == UINTPTR_MAX) {
        floor_init();
        if (!cstack_low()) {
            *res = eval(ts, f, throwflag);
            return 0;
        }
    }
    /* volatile: getcontext and swapcontext count as returning twice, so
     * what lives across them must not sit in a register */
    segment *volatile s = segment_get();
    if (!s) {
        notes_now.deep_failed++;
        notes_deepest(ts->recursion_limit - ts->recursion_remaining);
        return -ENOMEM;
    }
    ucontext_t back, there;
    if (getcontext(&there) < 0) {
        segment_put(s);
        notes_now.deep_failed++;
        return -ENOMEM;
    }
    there.uc_stack.ss_sp = s->base;
    there.uc_stack.ss_size = s->size;
    there.uc_link = &back;
    makecontext(&there, on_segment, 0);

    pending_call call = {eval, ts, f, throwflag, NULL};
    pending_call *volatile outer = pending;
    volatile uintptr_t floor = cstack_floor;
    pending = &call;
    cstack_floor = (uintptr_t)s->base + margin_for(s->size);
    notes_now.deep_moves++;
    notes_deepest(ts->recursion_limit - ts->recursion_remaining);
    int rc = swapcontext(&back, &there);
    cstack_floor = floor;
    pending = outer;
    segment_put(s);
    if (rc < 0) {
        notes_now.deep_failed++;
        return -ENOMEM;
    }
    *res = call.res;
    return 0;
}

void cstack_set_budget(long n)
{
    budget = n;
}
