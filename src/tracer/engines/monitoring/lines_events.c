/* lines_events.c: the sys.monitoring engine's line timing (engine.h,
 * lines_events.h): local events on the selected code, and the per-thread
 * record stacks. */
#include <Python.h>

#include <pthread.h>
#include <stdlib.h>

#include "../../engine.h"
#include "lines_events.h"
#include "monitor.h"

_Thread_local lines_acts lines_tls __attribute__((tls_model("initial-exec")));

/* Frees a thread's records when it ends. */
static pthread_key_t acts_key;
static pthread_once_t acts_once = PTHREAD_ONCE_INIT;

static void acts_key_make(void)
{
    pthread_key_create(&acts_key, free);
}

lines_act *lines_acts_grow(lines_acts *s)
{
    uint32_t ncap = s->cap ? s->cap * 2 : 64;
    lines_act *a = realloc(s->a, (size_t)ncap * sizeof *a);
    if (!a)
        return NULL;
    pthread_once(&acts_once, acts_key_make);
    pthread_setspecific(acts_key, a);
    s->a = a;
    s->cap = ncap;
    return &a[s->n];
}

/* Whether an enabled owner other than c's has selected c's code. */
static int selected_elsewhere(const lines_code *c)
{
    for (const lines_code *d = c->slot->chain; d; d = d->next)
        if (d != c && d->owner->enabled)
            return 1;
    return 0;
}

int engine_lines_on(lines_owner *o)
{
    if (monitor_acquire() < 0 || monitor_update_global() < 0)
        return -1;
    for (uint32_t i = 0; i < o->n_codes; i++)
        if (monitor_set_local(o->codes[i]->code, monitor_line_events) < 0)
            return -1;
    return 0;
}

void engine_lines_off(lines_owner *o)
{
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    for (uint32_t i = 0; i < o->n_codes; i++)
        if (!selected_elsewhere(o->codes[i]) &&
            monitor_set_local(o->codes[i]->code, 0) < 0)
            PyErr_Clear();
    if (monitor_update_global() < 0)
        PyErr_Clear();
    monitor_release_if_idle();
    PyErr_Restore(et, ev, etb);
}

int engine_lines_selected(lines_code *c)
{
    if (!c->owner->enabled)
        return 0;
    return monitor_set_local(c->code, monitor_line_events);
}

/* Local events reach frames already running: each gets its record at its
 * next LINE event (lines_line). */
void engine_lines_take_up_running(void)
{
}

void engine_slot_free(lines_slot *s)
{
    (void)s;
}
