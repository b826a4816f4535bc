/* current.c: the recording profiler and its per-thread recorders (see
 * current.h). */
#include "current.h"

#include <pythread.h>

profiler *current_owner;
uint64_t current_gen = 1;
_Thread_local current_thread current_tls
    __attribute__((tls_model("initial-exec")));

/* Finds (or makes, if the owner follows threads) this thread's recorder.
 * Rare: once per thread per start. */
recorder *current_lookup(uint64_t gen)
{
    recorder *r = NULL;
    current_tls.lookup = 1;
    if (current_owner) {
        r = current_owner->tr.threads
                ? profiler_recorder_for(current_owner)
                : profiler_find_recorder(current_owner);
        if (!r && PyErr_Occurred()) {
            PyErr_Clear();
            current_owner->tr.nomem = 1;
        }
    }
    current_tls.lookup = 0;
    /* the owner may have stopped while Python ran */
    if (gen != current_gen)
        return NULL;
    current_tls.r = r;
    current_tls.gen = gen;
    return r;
}

int current_start(profiler *p, recorder *mine)
{
    if (current_owner && current_owner != p) {
        PyErr_SetString(PyExc_RuntimeError,
                        "lento: another Profile is enabled in a mode that "
                        "allows one at a time; disable it first");
        return -1;
    }
    current_owner = p;
    current_gen++;
    current_tls.r = mine;
    current_tls.gen = current_gen;
    return 0;
}

void current_stop(profiler *p)
{
    if (current_owner != p)
        return;
    /* the new generation makes every thread pass straight through */
    current_gen++;
    current_tls.r = NULL;
    current_tls.gen = current_gen;
    current_owner = NULL;
}

void current_detach_thread(void)
{
    current_tls.r = NULL;
    current_tls.gen = current_gen;
}
