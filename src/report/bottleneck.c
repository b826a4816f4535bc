/* bottleneck.c: the "Bottleneck" text section (see bottleneck.h). */
#include "bottleneck.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "../core/buf.h"
#include "fmt.h"

#define WIDTH 78       /* wrap sentences here */
#define SPARK_COLS 60  /* timeline columns at most */

/* Prints text after prefix, wrapped at WIDTH, continuation lines indented
 * by the prefix's width. */
static void wrapped(FILE *out, const char *prefix, const char *text)
{
    size_t indent = strlen(prefix), col = indent;
    fputs(prefix, out);
    const char *p = text;
    while (*p) {
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        size_t len = (size_t)(end - p);
        if (col > indent && col + 1 + len > WIDTH) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, len, out);
        col += len;
        p = end;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

/* One row of the timeline as a sparkline of up to SPARK_COLS columns
 * (each the mean, or the max, of its points), scaled to top. */
static void spark(buf *b, const profile_system *s, size_t col, int use_max,
                  double top)
{
    static const char *const bars[] = {" ", "\xe2\x96\x81", "\xe2\x96\x82",
                                       "\xe2\x96\x83", "\xe2\x96\x84",
                                       "\xe2\x96\x85", "\xe2\x96\x86",
                                       "\xe2\x96\x87", "\xe2\x96\x88"};
    uint32_t n = s->n_samples;
    uint32_t cols = n < SPARK_COLS ? n : SPARK_COLS;
    buf_addstr(b, "|");
    for (uint32_t c = 0; c < cols; c++) {
        uint32_t lo = (uint32_t)((uint64_t)c * n / cols);
        uint32_t hi = (uint32_t)((uint64_t)(c + 1) * n / cols);
        double v = 0;
        for (uint32_t i = lo; i < hi; i++) {
            double x = system_sample_col(&s->timeline[i], col);
            v = use_max ? (x > v ? x : v) : v + x;
        }
        if (!use_max && hi > lo)
            v /= hi - lo;
        int level = 0;
        if (v > 0 && top > 0) {
            level = 1 + (int)(v / top * 7.999);
            if (level > 8)
                level = 8;
        }
        buf_addstr(b, bars[level]);
    }
    buf_addstr(b, "|");
}

static double column_max(const profile_system *s, size_t col)
{
    double m = 0;
    for (uint32_t i = 0; i < s->n_samples; i++) {
        double x = system_sample_col(&s->timeline[i], col);
        if (x > m)
            m = x;
    }
    return m;
}

static void timeline(FILE *out, const profile_system *s)
{
    char a[FMT_LEN], b[FMT_LEN];
    fmt_time(a, sizeof a, s->interval);
    fprintf(out, "  timeline           %u point%s, one per %s\n", s->n_samples,
            s->n_samples == 1 ? "" : "s", a);
    if (s->n_samples < 2)
        return;
    buf line;
    buf_init(&line, 4096);
    /* columns: cpu 1, rss 2, read 3, write 4 */
    double cpu_top = column_max(s, 1);
    double scale = cpu_top > 1 ? cpu_top : 1;
    spark(&line, s, 1, 0, scale);
    fprintf(out, "    CPU (cores)      %s max %.2f\n", line.data, cpu_top);
    buf_reset(&line);
    double rss_top = column_max(s, 2);
    spark(&line, s, 2, 1, rss_top);
    fmt_bytes(a, sizeof a, rss_top);
    fprintf(out, "    RSS              %s max %s\n", line.data, a);
    double r = column_max(s, 3), w = column_max(s, 4);
    if (r > 0 || w > 0) {
        buf_reset(&line);
        spark(&line, s, 3, 0, r);
        fmt_bytes(a, sizeof a, r);
        fprintf(out, "    read/s           %s max %s/s\n", line.data, a);
        buf_reset(&line);
        spark(&line, s, 4, 0, w);
        fmt_bytes(b, sizeof b, w);
        fprintf(out, "    written/s        %s max %s/s\n", line.data, b);
    }
    buf_free(&line);
}

static const char *const ctr_names[SYSCTR_N] = {
    "instructions", "cycles", "cache references", "cache misses",
    "LLC misses"};

static void counters(FILE *out, const profile_system *s, const verdict *v)
{
    if (!s->perf_available) {
        buf t;
        buf_init(&t, 1024);
        buf_printf(&t, "unavailable: %s", s->perf_reason);
        wrapped(out, "  hardware counters  ", t.data ? t.data : "");
        buf_free(&t);
        return;
    }
    buf t;
    buf_init(&t, 2048);
    for (int i = 0; i < SYSCTR_N; i++) {
        char c[FMT_LEN];
        if (!s->counter_ok[i]) {
            buf_printf(&t, "%s%s not counted", t.len ? "; " : "",
                       ctr_names[i]);
            continue;
        }
        fmt_count(c, sizeof c, s->counter[i]);
        buf_printf(&t, "%s%s %s%s", t.len ? "; " : "", c, ctr_names[i],
                   s->counter_running[i] < 0.999 ? " (scaled)" : "");
    }
    if (v->ipc >= 0)
        buf_printf(&t, "; IPC %.2f", v->ipc);
    if (v->mpki >= 0)
        buf_printf(&t, "; %.1f misses per 1000 instructions", v->mpki);
    wrapped(out, "  hardware counters  ", t.data ? t.data : "");
    buf_free(&t);
}

int bottleneck_print(FILE *out, const profile_system *s, const verdict *v)
{
    char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], d[FMT_LEN];
    fprintf(out, "\nBottleneck: %s (%s confidence)\n", v->label,
            verdict_confidence_name(v->confidence));
    fmt_time(a, sizeof a, s->wall);
    if (s->term_signal)
        fprintf(out, "  wall time          %s, ended by signal %d (status "
                     "%d)\n",
                a, s->term_signal, s->exit_status);
    else
        fprintf(out, "  wall time          %s, exit status %d\n", a,
                s->exit_status);
    fmt_time(a, sizeof a, s->user);
    fmt_time(b, sizeof b, s->sys);
    fprintf(out, "  CPU time           user %s, system %s\n", a, b);
    fprintf(out, "  CPU use            %.2f cores = %.0f%% of %u available "
                 "core%s\n",
            v->cores_used,
            100 * v->cores_used / (s->cores ? s->cores : 1), s->cores,
            s->cores == 1 ? "" : "s");
    fmt_time(a, sizeof a, s->runq_wait);
    fprintf(out, "  waiting for a CPU  %s (ready to run, no CPU free)\n", a);
    fmt_bytes(a, sizeof a, (double)s->peak_rss);
    fmt_bytes(b, sizeof b, (double)s->peak_tree_rss);
    fprintf(out, "  peak RSS           %s (largest process), %s (whole tree, "
                 "sampled)\n",
            a, b);
    fmt_count(a, sizeof a, s->minflt);
    fmt_count(b, sizeof b, s->majflt);
    fprintf(out, "  page faults        %s minor, %s major\n", a, b);
    fmt_count(a, sizeof a, s->nvcsw);
    fmt_count(b, sizeof b, s->nivcsw);
    fprintf(out, "  context switches   %s voluntary, %s involuntary\n", a, b);
    fmt_bytes(a, sizeof a, (double)s->read_bytes);
    fmt_bytes(b, sizeof b, (double)s->disk_read);
    fmt_bytes(c, sizeof c, (double)s->write_bytes);
    fmt_bytes(d, sizeof d, (double)s->disk_write);
    fprintf(out, "  read               %s (%s from storage)\n", a, b);
    fprintf(out, "  written            %s (%s to storage)\n", c, d);
    fmt_count(a, sizeof a, s->read_calls);
    fmt_count(b, sizeof b, s->write_calls);
    fprintf(out, "  IO calls           %s reads, %s writes\n", a, b);
    fprintf(out, "  processes          %u (at most %u at once), threads at "
                 "most %u, busy threads %u\n",
            s->procs_seen, s->max_procs, s->max_threads, s->busy_threads);
    uint64_t waits = s->waits_lock + s->waits_sleep + s->waits_io +
                     s->waits_child + s->waits_other;
    if (waits)
        fprintf(out, "  asleep in          lock %.0f%%, sleep %.0f%%, "
                     "poll/sockets/pipes %.0f%%, child %.0f%%, other %.0f%% "
                     "(thread samples)\n",
                100.0 * (double)s->waits_lock / (double)waits,
                100.0 * (double)s->waits_sleep / (double)waits,
                100.0 * (double)s->waits_io / (double)waits,
                100.0 * (double)s->waits_child / (double)waits,
                100.0 * (double)s->waits_other / (double)waits);
    if (s->other_cpu > 0 || s->steal > 0) {
        fmt_time(a, sizeof a, s->other_cpu);
        fmt_time(b, sizeof b, s->steal);
        fprintf(out, "  other load         %s of CPU by other processes, %s "
                     "stolen\n",
                a, b);
    }
    counters(out, s, v);
    timeline(out, s);

    if (v->evidence.n) {
        fprintf(out, "\n  Why:\n");
        for (size_t i = 0; i < v->evidence.n; i++)
            wrapped(out, "    - ", v->evidence.text[i]);
    }
    if (v->advice.n) {
        fprintf(out, "\n  What to do:\n");
        for (size_t i = 0; i < v->advice.n; i++)
            wrapped(out, "    - ", v->advice.text[i]);
    }
    if (v->warnings.n) {
        fprintf(out, "\n  Warnings:\n");
        for (size_t i = 0; i < v->warnings.n; i++)
            wrapped(out, "    ! ", v->warnings.text[i]);
    }
    return 0;
}
