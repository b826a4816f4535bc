/* proc.c: readers of /proc (see proc.h and proc(5)). */
#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Larger than any stat, status or io file; /proc/stat grows with the CPU
 * count (about 150 bytes per CPU), so 1 MiB covers thousands of them. */
#define PROC_TEXT_CAP ((size_t)1 << 20)

/* Reads the unsigned decimal at *p, skipping leading blanks; advances *p.
 * 0, or -1 if there is no number. */
static int next_u64(const char **p, uint64_t *v)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    int neg = *s == '-';
    if (neg)
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    uint64_t x = 0;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    /* Negative counts (a signed field such as cutime) never happen in
     * practice; read them as 0 rather than as huge numbers. */
    *v = neg ? 0 : x;
    *p = s;
    return 0;
}

int proc_parse_stat(const char *text, proc_stat *out)
{
    memset(out, 0, sizeof *out);
    /* "pid (comm) state ppid ..." where comm may hold anything, ')' and
     * spaces included: it ends at the LAST ')' of the line. */
    const char *open = strchr(text, '(');
    const char *close = strrchr(text, ')');
    if (!open || !close || close < open)
        return -EINVAL;
    uint64_t pid;
    const char *p = text;
    if (next_u64(&p, &pid) < 0 || pid > INT32_MAX || p > open)
        return -EINVAL;
    out->pid = (int)pid;
    size_t n = (size_t)(close - open - 1);
    if (n >= sizeof out->comm)
        n = sizeof out->comm - 1;
    memcpy(out->comm, open + 1, n);
    out->comm[n] = '\0';
    p = close + 1;
    while (*p == ' ')
        p++;
    if (!*p || *p == ' ' || *p == '\n')
        return -EINVAL;
    out->state = *p++;
    /* Fields 4 onwards, numbered as in proc(5). */
    uint64_t f[53] = {0};
    int got = 3;
    while (got < 52) {
        uint64_t v;
        if (next_u64(&p, &v) < 0)
            break;
        f[++got] = v;
    }
    if (got < 24) /* up to rss: every kernel since 2.6 writes more */
        return -EINVAL;
    if (f[4] > INT32_MAX)
        return -EINVAL;
    out->ppid = (int)f[4];
    out->minflt = f[10];
    out->cminflt = f[11];
    out->majflt = f[12];
    out->cmajflt = f[13];
    out->utime = f[14];
    out->stime = f[15];
    out->cutime = f[16];
    out->cstime = f[17];
    out->num_threads = f[20] > UINT32_MAX ? UINT32_MAX : (uint32_t)f[20];
    out->starttime = f[22];
    out->rss_pages = f[24];
    out->blkio_ticks = got >= 42 ? f[42] : 0;
    return 0;
}

/* For "Key:<blanks>value [kB]" files: the value of key, scaled to bytes
 * when it ends in kB.  1 if found, 0 if not, -1 if malformed. */
static int keyed(const char *text, const char *key, uint64_t *v)
{
    size_t k = strlen(key);
    for (const char *line = text; line && *line;) {
        if (strncmp(line, key, k) == 0 && line[k] == ':') {
            const char *p = line + k + 1;
            if (next_u64(&p, v) < 0)
                return -1;
            while (*p == ' ' || *p == '\t')
                p++;
            if (strncmp(p, "kB", 2) == 0) {
                if (*v > UINT64_MAX / 1024)
                    return -1;
                *v *= 1024;
            }
            return 1;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return 0;
}

int proc_parse_status(const char *text, proc_status *out)
{
    memset(out, 0, sizeof *out);
    uint64_t threads = 0;
    /* A zombie or kernel thread has no Vm* lines: those stay 0. */
    if (keyed(text, "VmHWM", &out->vm_hwm) < 0 ||
        keyed(text, "VmRSS", &out->vm_rss) < 0 ||
        keyed(text, "voluntary_ctxt_switches", &out->vcsw) < 0 ||
        keyed(text, "nonvoluntary_ctxt_switches", &out->nvcsw) < 0)
        return -EINVAL;
    int rc = keyed(text, "Threads", &threads);
    if (rc <= 0)
        return -EINVAL; /* every process has it */
    out->threads = threads > UINT32_MAX ? UINT32_MAX : (uint32_t)threads;
    return 0;
}

int proc_parse_io(const char *text, proc_io *out)
{
    memset(out, 0, sizeof *out);
    struct {
        const char *key;
        uint64_t *v;
    } want[] = {
        {"rchar", &out->rchar},           {"wchar", &out->wchar},
        {"syscr", &out->syscr},           {"syscw", &out->syscw},
        {"read_bytes", &out->read_bytes}, {"write_bytes", &out->write_bytes},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (keyed(text, want[i].key, want[i].v) != 1)
            return -EINVAL;
    /* optional */
    if (keyed(text, "cancelled_write_bytes", &out->cancelled_write_bytes) < 0)
        return -EINVAL;
    return 0;
}

int proc_parse_schedstat(const char *text, proc_schedstat *out)
{
    const char *p = text;
    memset(out, 0, sizeof *out);
    if (next_u64(&p, &out->run_ns) < 0 || next_u64(&p, &out->wait_ns) < 0 ||
        next_u64(&p, &out->slices) < 0)
        return -EINVAL;
    return 0;
}

int proc_parse_cpu(const char *text, proc_cpu *out)
{
    memset(out, 0, sizeof *out);
    int have_cpu = 0, have_procs = 0;
    for (const char *line = text; line && *line;) {
        const char *p = line;
        if (strncmp(line, "cpu ", 4) == 0) {
            p += 4;
            uint64_t *f[] = {&out->user,   &out->nice, &out->system,
                             &out->idle,   &out->iowait, &out->irq,
                             &out->softirq, &out->steal};
            size_t i = 0;
            while (i < sizeof f / sizeof *f && next_u64(&p, f[i]) == 0)
                i++;
            if (i < 4) /* user nice system idle: the oldest format */
                return -EINVAL;
            have_cpu = 1;
        } else if (strncmp(line, "cpu", 3) == 0 &&
                   isdigit((unsigned char)line[3])) {
            out->ncpu++;
        } else if (strncmp(line, "processes ", 10) == 0) {
            p += 10;
            if (next_u64(&p, &out->processes) < 0)
                return -EINVAL;
            have_procs = 1;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return have_cpu && have_procs ? 0 : -EINVAL;
}

void proc_reader_init(proc_reader *r, const char *root)
{
    r->root = root;
    buf_init(&r->path, 4096);
    buf_init(&r->text, PROC_TEXT_CAP);
}

void proc_reader_free(proc_reader *r)
{
    buf_free(&r->path);
    buf_free(&r->text);
}

/* Reads ROOT[/PID[/task/TID]]/NAME into r->text.  0 or -errno. */
static int slurp(proc_reader *r, int pid, int tid, const char *name)
{
    buf_reset(&r->path);
    int rc;
    if (pid <= 0)
        rc = buf_printf(&r->path, "%s/%s", r->root, name);
    else if (tid <= 0)
        rc = buf_printf(&r->path, "%s/%d/%s", r->root, pid, name);
    else
        rc = buf_printf(&r->path, "%s/%d/task/%d/%s", r->root, pid, tid,
                        name);
    if (rc < 0)
        return rc;
    if ((rc = buf_read_file(&r->text, r->path.data)) < 0)
        return rc;
    /* an empty file reads as "" (a process that is being torn down) */
    if (!r->text.data && (rc = buf_addstr(&r->text, "")) < 0)
        return rc;
    return 0;
}

int proc_read_stat(proc_reader *r, int pid, int tid, proc_stat *out)
{
    int rc = slurp(r, pid, tid, "stat");
    return rc < 0 ? rc : proc_parse_stat(r->text.data, out);
}

int proc_read_status(proc_reader *r, int pid, proc_status *out)
{
    int rc = slurp(r, pid, 0, "status");
    return rc < 0 ? rc : proc_parse_status(r->text.data, out);
}

int proc_read_io(proc_reader *r, int pid, proc_io *out)
{
    int rc = slurp(r, pid, 0, "io");
    return rc < 0 ? rc : proc_parse_io(r->text.data, out);
}

int proc_read_schedstat(proc_reader *r, int pid, int tid,
                        proc_schedstat *out)
{
    int rc = slurp(r, pid, tid, "schedstat");
    return rc < 0 ? rc : proc_parse_schedstat(r->text.data, out);
}

int proc_read_cpu(proc_reader *r, proc_cpu *out)
{
    int rc = slurp(r, 0, 0, "stat");
    return rc < 0 ? rc : proc_parse_cpu(r->text.data, out);
}

proc_wait proc_wait_class(const char *w)
{
    if (strstr(w, "futex"))
        return WAIT_LOCK;
    if (strstr(w, "nanosleep"))
        return WAIT_SLEEP;
    if (strstr(w, "do_wait") || strstr(w, "wait_consider"))
        return WAIT_CHILD;
    static const char *const io[] = {"poll",     "select", "sk_wait",
                                     "wait_woken", "accept", "pipe",
                                     "unix_stream", "tcp_", "inet_",
                                     "sock", "tty", "n_tty"};
    for (size_t i = 0; i < sizeof io / sizeof *io; i++)
        if (strstr(w, io[i]))
            return WAIT_IO;
    return WAIT_OTHER;
}

int proc_read_wchan(proc_reader *r, int pid, int tid, char *dst, size_t cap)
{
    int rc = slurp(r, pid, tid, "wchan");
    if (rc < 0)
        return rc;
    size_t n = r->text.len < cap - 1 ? r->text.len : cap - 1;
    memcpy(dst, r->text.data, n);
    dst[n] = '\0';
    char *nl = strchr(dst, '\n');
    if (nl)
        *nl = '\0';
    return 0;
}

int proc_read_paranoid(proc_reader *r, int *level)
{
    int rc = slurp(r, 0, 0, "sys/kernel/perf_event_paranoid");
    if (rc < 0)
        return rc;
    const char *p = r->text.data;
    while (*p == ' ')
        p++;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < -1000 || v > 1000)
        return -EINVAL;
    *level = (int)v;
    return 0;
}

int proc_list(proc_reader *r, int pid, int **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    buf_reset(&r->path);
    int rc = pid > 0 ? buf_printf(&r->path, "%s/%d/task", r->root, pid)
                     : buf_printf(&r->path, "%s", r->root);
    if (rc < 0)
        return rc;
    DIR *d = opendir(r->path.data);
    if (!d)
        return -errno;
    size_t cap = 0;
    int *v = NULL;
    struct dirent *e;
    rc = 0;
    while ((e = readdir(d))) {
        const char *s = e->d_name;
        char *end;
        if (!isdigit((unsigned char)*s))
            continue;
        long id = strtol(s, &end, 10);
        if (*end || id <= 0 || id > INT32_MAX)
            continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            int *t = realloc(v, ncap * sizeof *t);
            if (!t) {
                rc = -ENOMEM;
                goto done;
            }
            v = t;
            cap = ncap;
        }
        v[(*n)++] = (int)id;
    }
done:
    closedir(d);
    if (rc < 0) {
        free(v);
        *n = 0;
        return rc;
    }
    *ids = v;
    return 0;
}
