/* current.h: the profiler an engine's hooks record into, and each
 * thread's recorder of it, cached per thread.
 *
 * The interpreter calls a frame-evaluation hook or a sys.monitoring
 * callback with nothing of ours in hand, in any thread: this is how they
 * find where to record.  One profiler at a time records through it (the
 * fast mode on 3.11, every mode on 3.12+).
 *
 * Written only with the GIL held (enable, disable and the hooks run with
 * it), which is what protects it. */
#ifndef LENTO_CURRENT_H
#define LENTO_CURRENT_H

#include "profiler.h"
#include "recorder_hot.h"

/* Borrowed: a profiler stops recording before it is freed (its dealloc
 * disables it), so one dropped while enabled does not keep recording into
 * an object nobody can read. */
extern profiler *current_owner;
/* Bumped at every start and stop, so each thread's cached recorder is
 * known to be stale without touching other threads' storage. */
extern uint64_t current_gen;

/* initial-exec: one instruction to reach, instead of a call to
 * __tls_get_addr on every event. */
typedef struct {
    recorder *r;  /* NULL: this thread is not recorded */
    uint64_t gen; /* current_gen when r was looked up */
    int lookup;   /* inside the lookup, which may run Python */
} current_thread;
extern _Thread_local current_thread current_tls
    __attribute__((tls_model("initial-exec")));

/* The cold part of current_recorder. */
recorder *current_lookup(uint64_t gen);

/* The calling thread's recorder of the current owner, or NULL if it has
 * none (no owner; a thread not followed; a lookup under way).  Rare
 * lookups may run Python: frames that start meanwhile are not recorded. */
static inline recorder *current_recorder(void)
{
    uint64_t gen = current_gen;
    if (likely(current_tls.gen == gen)) {
        recorder *r = current_tls.r;
        if (unlikely(r && r->name_tries))
            recorder_name_retry(r);
        return r;
    }
    return current_tls.lookup ? NULL : current_lookup(gen);
}

/* Makes p the owner, with mine as the calling thread's recorder.  0, or
 * -1 with a RuntimeError if another profiler is the owner. */
int current_start(profiler *p, recorder *mine);

/* p stops being the owner (nothing if it is not). */
void current_stop(profiler *p);

/* The calling thread stops recording until the next start. */
void current_detach_thread(void);

#endif
