/* system.c: the system figures of a run (see system.h). */
#include "system.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F(name, type, member) {name, type, offsetof(profile_system, member)}

/* The names the store writes.  Never rename or retype one: files keep
 * them (docs/format.md).  New figures get new names. */
const system_field system_fields[] = {
    F("wall_s", SYSF_F64, wall),
    F("exit_status", SYSF_I32, exit_status),
    F("term_signal", SYSF_I32, term_signal),
    F("user_s", SYSF_F64, user),
    F("sys_s", SYSF_F64, sys),
    F("runq_wait_s", SYSF_F64, runq_wait),
    F("cores", SYSF_U32, cores),
    F("peak_rss", SYSF_U64, peak_rss),
    F("peak_tree_rss", SYSF_U64, peak_tree_rss),
    F("minor_faults", SYSF_U64, minflt),
    F("major_faults", SYSF_U64, majflt),
    F("voluntary_switches", SYSF_U64, nvcsw),
    F("involuntary_switches", SYSF_U64, nivcsw),
    F("read_bytes", SYSF_U64, read_bytes),
    F("write_bytes", SYSF_U64, write_bytes),
    F("storage_read_bytes", SYSF_U64, disk_read),
    F("storage_write_bytes", SYSF_U64, disk_write),
    F("read_calls", SYSF_U64, read_calls),
    F("write_calls", SYSF_U64, write_calls),
    F("max_threads", SYSF_U32, max_threads),
    F("max_processes", SYSF_U32, max_procs),
    F("processes_seen", SYSF_U32, procs_seen),
    F("busy_threads", SYSF_U32, busy_threads),
    F("samples", SYSF_U64, samples),
    F("samples_busy", SYSF_U64, samples_busy),
    F("samples_io", SYSF_U64, samples_io),
    F("samples_wait", SYSF_U64, samples_wait),
    F("samples_multi", SYSF_U64, samples_multi),
    F("waits_lock", SYSF_U64, waits_lock),
    F("waits_sleep", SYSF_U64, waits_sleep),
    F("waits_io", SYSF_U64, waits_io),
    F("waits_child", SYSF_U64, waits_child),
    F("waits_other", SYSF_U64, waits_other),
    F("busy_lock_share", SYSF_F64, busy_lock_share),
    F("other_cpu_s", SYSF_F64, other_cpu),
    F("steal_s", SYSF_F64, steal),
    F("perf_available", SYSF_I32, perf_available),
    F("instructions", SYSF_U64, counter[SYSCTR_INSTRUCTIONS]),
    F("cycles", SYSF_U64, counter[SYSCTR_CYCLES]),
    F("cache_references", SYSF_U64, counter[SYSCTR_CACHE_REFS]),
    F("cache_misses", SYSF_U64, counter[SYSCTR_CACHE_MISSES]),
    F("llc_misses", SYSF_U64, counter[SYSCTR_LLC_MISSES]),
    F("instructions_ok", SYSF_U8, counter_ok[SYSCTR_INSTRUCTIONS]),
    F("cycles_ok", SYSF_U8, counter_ok[SYSCTR_CYCLES]),
    F("cache_references_ok", SYSF_U8, counter_ok[SYSCTR_CACHE_REFS]),
    F("cache_misses_ok", SYSF_U8, counter_ok[SYSCTR_CACHE_MISSES]),
    F("llc_misses_ok", SYSF_U8, counter_ok[SYSCTR_LLC_MISSES]),
    F("instructions_running", SYSF_F64,
      counter_running[SYSCTR_INSTRUCTIONS]),
    F("cycles_running", SYSF_F64, counter_running[SYSCTR_CYCLES]),
    F("cache_references_running", SYSF_F64,
      counter_running[SYSCTR_CACHE_REFS]),
    F("cache_misses_running", SYSF_F64,
      counter_running[SYSCTR_CACHE_MISSES]),
    F("llc_misses_running", SYSF_F64, counter_running[SYSCTR_LLC_MISSES]),
    F("interval_s", SYSF_F64, interval),
};
const size_t system_n_fields = sizeof system_fields / sizeof *system_fields;
_Static_assert(sizeof system_fields / sizeof *system_fields <
                   SYSTEM_MAX_FIELDS,
               "raise SYSTEM_MAX_FIELDS");

const char *const system_sample_columns[] = {
    "t", "cpu", "rss", "read_bps", "write_bps", "storage_read_bps",
    "storage_write_bps", "threads", "running", "disk_wait",
};
const size_t system_n_sample_columns =
    sizeof system_sample_columns / sizeof *system_sample_columns;

#define C(member) offsetof(system_sample, member)
static const size_t column_offset[] = {
    C(t), C(cpu), C(rss), C(read_bps), C(write_bps), C(disk_read_bps),
    C(disk_write_bps), C(threads), C(running), C(disk_wait),
};
_Static_assert(sizeof column_offset / sizeof *column_offset ==
                   sizeof system_sample_columns /
                       sizeof *system_sample_columns,
               "a timeline column without a name, or a name without one");
_Static_assert(sizeof column_offset / sizeof *column_offset <=
                   SYSTEM_MAX_COLUMNS,
               "raise SYSTEM_MAX_COLUMNS");

double system_sample_col(const system_sample *x, size_t k)
{
    double v;
    memcpy(&v, (const char *)x + column_offset[k], sizeof v);
    return v;
}

void system_sample_set(system_sample *x, size_t k, double v)
{
    memcpy((char *)x + column_offset[k], &v, sizeof v);
}

profile_system *system_new(void)
{
    profile_system *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->perf_reason = calloc(1, 1);
    if (!s->perf_reason) {
        free(s);
        return NULL;
    }
    return s;
}

void system_free(profile_system *s)
{
    if (!s)
        return;
    free(s->perf_reason);
    free(s->timeline);
    free(s);
}

int system_set_perf_reason(profile_system *s, const char *why)
{
    size_t n = strlen(why) + 1;
    char *d = malloc(n);
    if (!d)
        return -ENOMEM;
    memcpy(d, why, n);
    free(s->perf_reason);
    s->perf_reason = d;
    return 0;
}

/* Halves the timeline: each pair of points becomes one covering both
 * intervals (rates averaged, the later point's time and states). */
static void merge_pairs(profile_system *s)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i + 1 < s->n_samples; i += 2, j++) {
        const system_sample *a = &s->timeline[i], *b = &s->timeline[i + 1];
        system_sample m = *b;
        m.cpu = (a->cpu + b->cpu) / 2;
        m.read_bps = (a->read_bps + b->read_bps) / 2;
        m.write_bps = (a->write_bps + b->write_bps) / 2;
        m.disk_read_bps = (a->disk_read_bps + b->disk_read_bps) / 2;
        m.disk_write_bps = (a->disk_write_bps + b->disk_write_bps) / 2;
        m.rss = a->rss > b->rss ? a->rss : b->rss;
        s->timeline[j] = m;
    }
    if (s->n_samples % 2)
        s->timeline[j++] = s->timeline[s->n_samples - 1];
    s->n_samples = j;
    s->interval *= 2;
}

int system_add_sample(profile_system *s, const system_sample *x)
{
    if (s->n_samples == SYSTEM_MAX_SAMPLES)
        merge_pairs(s);
    if (s->n_samples == s->cap_samples) {
        uint32_t ncap = s->cap_samples ? s->cap_samples * 2 : 64;
        if (ncap > SYSTEM_MAX_SAMPLES)
            ncap = SYSTEM_MAX_SAMPLES;
        system_sample *t = realloc(s->timeline, ncap * sizeof *t);
        if (!t)
            return -ENOMEM;
        s->timeline = t;
        s->cap_samples = ncap;
    }
    s->timeline[s->n_samples++] = *x;
    return 0;
}

profile_system *system_copy(const profile_system *s)
{
    profile_system *c = system_new();
    if (!c)
        return NULL;
    char *reason = c->perf_reason;
    *c = *s;
    c->perf_reason = reason;
    c->timeline = NULL;
    c->n_samples = c->cap_samples = 0;
    if (system_set_perf_reason(c, s->perf_reason) < 0)
        goto fail;
    if (s->n_samples) {
        c->timeline = malloc(s->n_samples * sizeof *c->timeline);
        if (!c->timeline)
            goto fail;
        memcpy(c->timeline, s->timeline, s->n_samples * sizeof *c->timeline);
        c->n_samples = c->cap_samples = s->n_samples;
    }
    return c;
fail:
    system_free(c);
    return NULL;
}

static int ok_num(double v)
{
    return isfinite(v) && v >= 0;
}

int system_validate(const profile_system *s)
{
    if (!s->perf_reason || s->n_samples > s->cap_samples ||
        s->n_samples > SYSTEM_MAX_SAMPLES || (s->n_samples && !s->timeline))
        return -EINVAL;
    const double nums[] = {s->wall,  s->user,     s->sys,
                           s->runq_wait, s->other_cpu, s->steal,
                           s->interval, s->busy_lock_share};
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
        if (!ok_num(nums[i]))
            return -EINVAL;
    if (s->busy_lock_share > 1)
        return -EINVAL;
    for (int i = 0; i < SYSCTR_N; i++)
        if (!ok_num(s->counter_running[i]) || s->counter_running[i] > 1 ||
            s->counter_ok[i] > 1)
            return -EINVAL;
    if (s->samples_busy > s->samples ||
        s->samples_io > s->samples - s->samples_busy ||
        s->samples_wait > s->samples - s->samples_busy - s->samples_io ||
        s->samples_multi > s->samples_busy ||
        s->exit_status < 0 || s->exit_status > 255 || s->term_signal < 0 ||
        s->term_signal > 127 || (s->perf_available != 0 &&
                                 s->perf_available != 1))
        return -EINVAL;
    double last = 0;
    for (uint32_t i = 0; i < s->n_samples; i++) {
        for (size_t k = 0; k < system_n_sample_columns; k++)
            if (!ok_num(system_sample_col(&s->timeline[i], k)))
                return -EINVAL;
        if (s->timeline[i].t < last)
            return -EINVAL;
        last = s->timeline[i].t;
    }
    return 0;
}
