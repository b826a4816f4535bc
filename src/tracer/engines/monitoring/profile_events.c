/* profile_events.c: the sys.monitoring engine's function profile
 * (engine.h, profile_events.h). */
#include <Python.h>

#include "../../clock.h"
#include "../../current.h"
#include "../../engine.h"
#include "monitor.h"

int engine_profile_start(profiler *p, recorder *mine)
{
    int had = current_owner == p;
    if (current_start(p, mine) < 0)
        return -1;
    if (monitor_acquire() < 0 || monitor_update_global() < 0) {
        if (!had) {
            PyObject *et, *ev, *etb;
            PyErr_Fetch(&et, &ev, &etb);
            current_stop(p);
            monitor_release_if_idle();
            PyErr_Restore(et, ev, etb);
        }
        return -1;
    }
    return 0;
}

void engine_profile_stop(profiler *p)
{
    if (current_owner != p)
        return;
    current_stop(p);
    if (monitor_update_global() < 0)
        PyErr_WriteUnraisable((PyObject *)p);
    monitor_release_if_idle();
}

void engine_profile_detach_thread(profiler *p)
{
    if (current_owner == p)
        current_detach_thread();
}

void engine_lines_auto_switch_now(void)
{
    if (!current_owner || !lines_auto_at)
        return;
    lines_auto_switch(current_owner, current_recorder(), clock_now_ns());
}

int engine_init(PyObject *module)
{
    if (PyModule_AddStringConstant(module, "_engine", "monitoring") < 0)
        return -1;
    return monitor_init();
}
