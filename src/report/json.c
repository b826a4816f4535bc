/* json.c: the JSON report (schema: docs/json.md). */
#include "json.h"

#include "procs.h"
#include "summary.h"

#include <errno.h>
#include <math.h>
#include <string.h>

int json_str(buf *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    int rc = buf_addstr(out, "\"");
    while (rc == 0 && *s) {
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            char e[3] = {'\\', (char)c, 0};
            rc = buf_addstr(out, e);
            s++;
        } else if (c < 0x20) {
            rc = c == '\n'   ? buf_addstr(out, "\\n")
                 : c == '\t' ? buf_addstr(out, "\\t")
                 : c == '\r' ? buf_addstr(out, "\\r")
                             : buf_printf(out, "\\u%04x", c);
            s++;
        } else if (c < 0x80) {
            rc = buf_add(out, s, 1);
            s++;
        } else {
            /* a UTF-8 sequence: copied if well formed */
            size_t k = (c & 0xe0) == 0xc0   ? 1
                       : (c & 0xf0) == 0xe0 ? 2
                       : (c & 0xf8) == 0xf0 ? 3
                                            : 0;
            uint32_t cp = k == 1 ? c & 0x1f : k == 2 ? c & 0x0f : c & 0x07;
            size_t j = 1;
            for (; k && j <= k; j++) {
                if ((s[j] & 0xc0) != 0x80)
                    break;
                cp = cp << 6 | (s[j] & 0x3f);
            }
            static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
            if (!k || j <= k || cp < min[k] || cp > 0x10ffff) {
                rc = buf_addstr(out, "\\ufffd");
                s++; /* resynchronise on the next byte */
            } else if (cp >= 0xd800 && cp <= 0xdfff) {
                rc = buf_printf(out, "\\u%04x", (unsigned)cp);
                s += k + 1;
            } else {
                rc = buf_add(out, s, k + 1);
                s += k + 1;
            }
        }
    }
    return rc ? rc : buf_addstr(out, "\"");
}

/* A number, or null when it is not finite. */
static int num(buf *b, double v)
{
    if (!isfinite(v))
        return buf_addstr(b, "null");
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return buf_printf(b, "%.0f", v);
    return buf_printf(b, "%.9g", v);
}

/* An emitter: the first error sticks and later calls do nothing, so the
 * writers below read as the schema does. */
typedef struct {
    buf *b;
    int rc;
    int first; /* no comma due before the next key */
} jw;

static void raw(jw *w, const char *s)
{
    if (!w->rc)
        w->rc = buf_addstr(w->b, s);
}

static void key(jw *w, const char *k)
{
    if (!w->rc)
        w->rc = buf_printf(w->b, "%s\"%s\": ", w->first ? "" : ", ", k);
    w->first = 0;
}

static void open_obj(jw *w, const char *k)
{
    if (k)
        key(w, k);
    raw(w, "{");
    w->first = 1;
}

static void close_obj(jw *w)
{
    raw(w, "}");
    w->first = 0;
}

static void jnum(jw *w, const char *k, double v)
{
    key(w, k);
    if (!w->rc)
        w->rc = num(w->b, v);
}

static void ju64(jw *w, const char *k, uint64_t v)
{
    key(w, k);
    if (!w->rc)
        w->rc = buf_printf(w->b, "%llu", (unsigned long long)v);
}

static void jstr(jw *w, const char *k, const char *s)
{
    key(w, k);
    if (!w->rc)
        w->rc = s ? json_str(w->b, s) : buf_addstr(w->b, "null");
}

static void jbool(jw *w, const char *k, int v)
{
    key(w, k);
    raw(w, v ? "true" : "false");
}

static void jlist(jw *w, const char *k, const verdict_list *l, int tags)
{
    key(w, k);
    raw(w, "[");
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            raw(w, ", ");
        if (tags) {
            w->first = 1;
            raw(w, "{");
            jstr(w, "kind", l->tag[i]);
            jstr(w, "text", l->text[i]);
            raw(w, "}");
        } else if (!w->rc) {
            w->rc = json_str(w->b, l->text[i]);
        }
    }
    raw(w, "]");
    w->first = 0;
}

static const char *const counter_names[SYSCTR_N] = {
    "instructions", "cycles", "cache_references", "cache_misses",
    "llc_misses"};

static const char *const column_names[] = {
    "t", "cpu_cores", "rss_bytes", "read_bytes_per_second",
    "write_bytes_per_second", "storage_read_bytes_per_second",
    "storage_write_bytes_per_second", "threads", "running", "disk_wait"};

static void figures(jw *w, const profile_system *s, const verdict *v)
{
    double C = s->user + s->sys;
    jnum(w, "wall_seconds", s->wall);
    jnum(w, "exit_status", s->exit_status);
    jnum(w, "signal", s->term_signal ? s->term_signal : NAN);

    open_obj(w, "cpu");
    jnum(w, "user_seconds", s->user);
    jnum(w, "system_seconds", s->sys);
    jnum(w, "cores_used", v->cores_used);
    jnum(w, "cores_available", s->cores);
    jnum(w, "share_of_available", s->cores ? v->cores_used / s->cores : 0);
    jnum(w, "runqueue_wait_seconds", s->runq_wait);
    jnum(w, "system_share", C > 0 ? s->sys / C : 0);
    close_obj(w);

    open_obj(w, "memory");
    ju64(w, "peak_rss_bytes", s->peak_rss);
    ju64(w, "peak_tree_rss_bytes", s->peak_tree_rss);
    ju64(w, "minor_faults", s->minflt);
    ju64(w, "major_faults", s->majflt);
    close_obj(w);

    open_obj(w, "context_switches");
    ju64(w, "voluntary", s->nvcsw);
    ju64(w, "involuntary", s->nivcsw);
    close_obj(w);

    open_obj(w, "io");
    ju64(w, "read_bytes", s->read_bytes);
    ju64(w, "write_bytes", s->write_bytes);
    ju64(w, "storage_read_bytes", s->disk_read);
    ju64(w, "storage_write_bytes", s->disk_write);
    ju64(w, "read_calls", s->read_calls);
    ju64(w, "write_calls", s->write_calls);
    close_obj(w);

    open_obj(w, "tasks");
    ju64(w, "processes", s->procs_seen);
    ju64(w, "max_processes", s->max_procs);
    ju64(w, "max_threads", s->max_threads);
    ju64(w, "busy_threads", s->busy_threads);
    jnum(w, "busy_lock_share", s->busy_lock_share);
    close_obj(w);

    open_obj(w, "samples");
    ju64(w, "total", s->samples);
    ju64(w, "running", s->samples_busy);
    ju64(w, "disk_wait", s->samples_io);
    ju64(w, "asleep", s->samples_wait);
    ju64(w, "two_or_more_running", s->samples_multi);
    close_obj(w);

    open_obj(w, "sleeping_in");
    ju64(w, "lock", s->waits_lock);
    ju64(w, "sleep", s->waits_sleep);
    ju64(w, "io", s->waits_io);
    ju64(w, "child", s->waits_child);
    ju64(w, "other", s->waits_other);
    close_obj(w);

    open_obj(w, "machine");
    jnum(w, "other_cpu_seconds", s->other_cpu);
    jnum(w, "steal_seconds", s->steal);
    close_obj(w);

    open_obj(w, "hardware_counters");
    jbool(w, "available", s->perf_available);
    jstr(w, "reason", s->perf_available ? NULL : s->perf_reason);
    for (int i = 0; i < SYSCTR_N; i++)
        jnum(w, counter_names[i],
             s->counter_ok[i] ? (double)s->counter[i] : NAN);
    jnum(w, "ipc", v->ipc >= 0 ? v->ipc : NAN);
    jnum(w, "misses_per_kilo_instruction", v->mpki >= 0 ? v->mpki : NAN);
    close_obj(w);

    open_obj(w, "timeline");
    jnum(w, "interval_seconds", s->interval);
    key(w, "columns");
    raw(w, "[");
    for (size_t k = 0; k < system_n_sample_columns; k++) {
        if (k)
            raw(w, ", ");
        if (!w->rc)
            w->rc = json_str(w->b, column_names[k]);
    }
    raw(w, "]");
    key(w, "points");
    raw(w, "[");
    for (uint32_t i = 0; i < s->n_samples; i++) {
        raw(w, i ? ", [" : "[");
        for (size_t k = 0; k < system_n_sample_columns; k++) {
            if (k)
                raw(w, ", ");
            if (!w->rc)
                w->rc = num(w->b, system_sample_col(&s->timeline[i], k));
        }
        raw(w, "]");
    }
    raw(w, "]");
    close_obj(w);
}

static void verdict_obj(jw *w, const verdict *v)
{
    open_obj(w, "verdict");
    jstr(w, "kind", verdict_kind_name(v->kind));
    jstr(w, "label", v->label);
    key(w, "parts");
    raw(w, "[");
    for (int i = 0; v->kind == VERDICT_MIX && i < 2; i++) {
        if (i)
            raw(w, ", ");
        if (!w->rc)
            w->rc = json_str(w->b, verdict_kind_name(v->parts[i]));
    }
    raw(w, "]");
    jstr(w, "confidence", verdict_confidence_name(v->confidence));
    jbool(w, "gil_limited", v->gil);
    jbool(w, "memory_inferred", v->memory_inferred);
    open_obj(w, "shares");
    jnum(w, "compute", v->compute);
    jnum(w, "io", v->io);
    jnum(w, "waiting", v->wait);
    close_obj(w);
    jlist(w, "evidence", &v->evidence, 0);
    close_obj(w);
}

/* "processes": the run's processes when it profiled several, else null. */
static void processes(jw *w, const profile *p)
{
    key(w, "processes");
    if (!p || p->n_procs < 2) {
        raw(w, "null");
        return;
    }
    raw(w, "[");
    for (uint32_t i = 0; i < p->n_procs; i++) {
        const profile_process *r = &p->procs[i];
        double secs = 0;
        uint64_t calls = 0;
        uint32_t hot = PROFILE_NO_FUNC;
        char end[48], name[512] = "";
        if (procs_sum(p, i, &secs, &calls, &hot) < 0 && !w->rc)
            w->rc = -ENOMEM;
        procs_ending(end, sizeof end, r);
        if (hot != PROFILE_NO_FUNC)
            summary_func_name(name, sizeof name, &p->funcs[hot]);
        if (i)
            raw(w, ", ");
        open_obj(w, NULL);
        ju64(w, "pid", r->pid);
        ju64(w, "ppid", r->ppid);
        jstr(w, "command", r->command);
        jstr(w, "ended", end);
        jbool(w, "forked", r->flags & PROC_FORKED);
        jbool(w, "partial", r->flags & PROC_PARTIAL);
        jnum(w, "profiled_seconds", secs);
        ju64(w, "calls", calls);
        jstr(w, "busiest", hot != PROFILE_NO_FUNC ? name : NULL);
        close_obj(w);
    }
    raw(w, "]");
}

int json_encode(buf *b, const json_report *r)
{
    _Static_assert(sizeof column_names / sizeof *column_names ==
                       sizeof(system_sample) / sizeof(double),
                   "one JSON name per timeline column");
    jw w = {b, 0, 1};
    open_obj(&w, NULL);
    jnum(&w, "lento_json", JSON_SCHEMA_VERSION);
    jstr(&w, "tool", r->tool);
    key(&w, "command");
    if (r->argv) {
        raw(&w, "[");
        for (size_t i = 0; r->argv[i]; i++) {
            if (i)
                raw(&w, ", ");
            if (!w.rc)
                w.rc = json_str(b, r->argv[i]);
        }
        raw(&w, "]");
    } else {
        raw(&w, "null");
    }
    jstr(&w, "label", r->label);
    jstr(&w, "profile", r->profile_path);
    if (r->sys) {
        figures(&w, r->sys, r->v);
        verdict_obj(&w, r->v);
        jlist(&w, "advice", &r->v->advice, 0);
        jlist(&w, "warnings", &r->v->warnings, 1);
    } else {
        key(&w, "verdict");
        raw(&w, "null");
    }
    key(&w, "hotspots");
    if (r->hot) {
        raw(&w, "[");
        for (size_t i = 0; i < r->n_hot; i++) {
            if (i)
                raw(&w, ", ");
            open_obj(&w, NULL);
            jstr(&w, "function", r->hot[i].name);
            jnum(&w, "cumulative_seconds", r->hot[i].seconds);
            jnum(&w, "share", r->hot[i].share);
            jnum(&w, "max_speedup", verdict_amdahl(r->hot[i].share));
            close_obj(&w);
        }
        raw(&w, "]");
    } else {
        raw(&w, "null");
    }
    processes(&w, r->prof);
    close_obj(&w);
    raw(&w, "\n");
    return w.rc;
}

int json_write(FILE *f, const json_report *r)
{
    buf b;
    buf_init(&b, (size_t)64 << 20);
    int rc = json_encode(&b, r);
    if (rc == 0 && fwrite(b.data, 1, b.len, f) != b.len)
        rc = -EIO;
    if (rc == 0 && fflush(f) != 0)
        rc = -errno;
    buf_free(&b);
    return rc;
}
