/* proc.h: readers of Linux's /proc, for the supervisor.
 *
 * Every reader takes the proc root as a parameter ("/proc", or a fixture
 * directory in the tests), and every parser takes the text, so both can be
 * tested against files made by hand.  Returns are 0 or -errno: -ENOENT
 * when the process (or the file) is gone, -EACCES when the kernel hides
 * it, -EINVAL when the text is not what Linux writes.
 *
 * Not designed to be fast, but cheap enough to run 20 times a second over
 * a process tree: one open and one read per file.
 */
#ifndef LENTO_PROC_H
#define LENTO_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"

/* /proc/PID/stat or /proc/PID/task/TID/stat (proc(5)); times in clock
 * ticks (sysconf(_SC_CLK_TCK)), rss in pages. */
typedef struct {
    int pid;
    char comm[64];  /* the name, possibly cut; may hold spaces and ')' */
    char state;     /* R running, S sleeping, D disk sleep, Z zombie, ... */
    int ppid;
    uint64_t minflt, cminflt, majflt, cmajflt;
    uint64_t utime, stime, cutime, cstime;
    uint32_t num_threads;
    uint64_t starttime;   /* ticks after boot: tells a reused pid apart */
    uint64_t rss_pages;
    uint64_t blkio_ticks; /* delay-accounted block IO wait; 0 if absent */
} proc_stat;

/* /proc/PID/status: the lines we use. */
typedef struct {
    uint64_t vm_hwm, vm_rss; /* bytes; 0 for a zombie or a kernel thread */
    uint32_t threads;
    uint64_t vcsw, nvcsw; /* of the main thread only (the kernel's choice) */
} proc_status;

/* /proc/PID/io: for the whole process, including threads that ended and
 * children it has waited for. */
typedef struct {
    uint64_t rchar, wchar;             /* logical bytes */
    uint64_t syscr, syscw;             /* read- and write-like calls */
    uint64_t read_bytes, write_bytes;  /* storage */
    uint64_t cancelled_write_bytes;
} proc_io;

/* /proc/PID/task/TID/schedstat: nanoseconds on a CPU, nanoseconds
 * runnable but waiting for one, and time slices. */
typedef struct {
    uint64_t run_ns, wait_ns, slices;
} proc_schedstat;

/* /proc/stat: the machine's CPU time in ticks, summed over CPUs. */
typedef struct {
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
    uint64_t processes; /* forks since boot */
    uint32_t ncpu;      /* "cpuN" lines */
} proc_cpu;

/* Parsers: text is NUL-terminated.  0 or -EINVAL. */
int proc_parse_stat(const char *text, proc_stat *out);
int proc_parse_status(const char *text, proc_status *out);
int proc_parse_io(const char *text, proc_io *out);
int proc_parse_schedstat(const char *text, proc_schedstat *out);
int proc_parse_cpu(const char *text, proc_cpu *out);

/* A reader keeps its scratch buffers between reads. */
typedef struct {
    const char *root; /* not owned */
    buf path, text;
} proc_reader;

void proc_reader_init(proc_reader *r, const char *root);
void proc_reader_free(proc_reader *r);

/* tid 0 reads the process's own file; a tid reads /PID/task/TID/... */
int proc_read_stat(proc_reader *r, int pid, int tid, proc_stat *out);
int proc_read_status(proc_reader *r, int pid, proc_status *out);
int proc_read_io(proc_reader *r, int pid, proc_io *out);
int proc_read_schedstat(proc_reader *r, int pid, int tid,
                        proc_schedstat *out);
int proc_read_cpu(proc_reader *r, proc_cpu *out);

/* The numeric entries of ROOT (pid 0: the processes) or of
 * ROOT/PID/task (the threads), into *ids (the caller frees).  0 or
 * -errno. */
int proc_list(proc_reader *r, int pid, int **ids, size_t *n);

/* What a sleeping thread waits in, from the kernel function it sleeps in
 * (/proc/PID/task/TID/wchan; names differ between kernel versions, so
 * they are matched by pieces: "futex", "nanosleep", "poll", ...). */
typedef enum {
    WAIT_OTHER = 0,
    WAIT_LOCK,  /* futex: mutexes, conditions, Python's GIL */
    WAIT_SLEEP, /* nanosleep: time.sleep */
    WAIT_IO,    /* poll, select, epoll, sockets, pipes */
    WAIT_CHILD, /* wait4/waitpid */
} proc_wait;

proc_wait proc_wait_class(const char *wchan);

/* Reads the wchan of a thread into dst (cap >= 2): "0" when running or
 * hidden.  0 or -errno. */
int proc_read_wchan(proc_reader *r, int pid, int tid, char *dst, size_t cap);

/* Machine-wide facts. */
int proc_read_paranoid(proc_reader *r, int *level); /* perf_event_paranoid */

#endif
