/* run_procs.c: see run_procs.h. */
#include "run_procs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/merge.h"
#include "../core/paths.h"
#include "../core/store.h"

int run_dir_make(char *dir, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/')
        tmp = "/tmp";
    int n = snprintf(dir, cap, "%s/lento-run-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    return mkdtemp(dir) ? 0 : -errno;
}

void run_env_set(const char *dir, int children, int builtins, int threads)
{
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("LENTO_RUN_DIR", dir, 1);
    setenv("LENTO_RUN_PID", pid, 1);
    setenv("LENTO_RUN_CHILDREN", children ? "1" : "0", 1);
    setenv("LENTO_RUN_MODE",
           builtins ? (threads ? "builtins" : "builtins,nothreads")
                    : (threads ? "fast" : "fast,nothreads"),
           1);
}

void run_env_clear(void)
{
    unsetenv("LENTO_RUN_DIR");
    unsetenv("LENTO_RUN_PID");
    unsetenv("LENTO_RUN_CHILDREN");
    unsetenv("LENTO_RUN_MODE");
}

/* A pid then suffix (".lento", ".live"): the pid, else 0. */
static long pid_file(const char *name, const char *suffix)
{
    const char *p = name;
    while (*p >= '0' && *p <= '9')
        p++;
    return p != name && p - name < 10 && !strcmp(p, suffix)
               ? strtol(name, NULL, 10)
               : 0;
}

static int is_child_file(const char *name)
{
    return pid_file(name, ".lento") > 0;
}

/* Processes with a live marker that still run. */
static unsigned count_running(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    unsigned n = 0;
    struct dirent *e;
    /* an orphan lento adopted (it may be their subreaper) is reaped here,
     * else it would look alive as a zombie */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    while ((e = readdir(d))) {
        long pid = pid_file(e->d_name, ".live");
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
            n++;
    }
    closedir(d);
    return n;
}

unsigned run_wait_children(const char *dir, double seconds)
{
    unsigned n;
    for (int i = 0; (n = count_running(dir)) > 0 && i < seconds * 50; i++) {
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    return n;
}

static int cmp_pid(const void *a, const void *b)
{
    long x = strtol(*(char *const *)a, NULL, 10);
    long y = strtol(*(char *const *)b, NULL, 10);
    return (x > y) - (x < y);
}

/* The children's file names, sorted by pid (caller frees each and the
 * array).  -errno on failure. */
static int list_children(const char *dir, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_child_file(e->d_name))
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **g = realloc(*names, nc * sizeof *g);
            if (!g) {
                rc = -ENOMEM;
                break;
            }
            *names = g;
            cap = nc;
        }
        if (!((*names)[*n] = strdup(e->d_name))) {
            rc = -ENOMEM;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_pid);
    return rc;
}

/* Reads dir/name, and adds what writing it cost to *io: the file itself,
 * and the saves before it that its metadata counts. */
static int read_in(const char *dir, const char *name, profile **p,
                   const char **why, run_own_io *io)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return -ENAMETOOLONG;
    int rc = store_read(path, p, why);
    struct stat st;
    if (rc == 0 && stat(path, &st) == 0) {
        const char *b = profile_get_meta(*p, "lento_saved_bytes");
        const char *n = profile_get_meta(*p, "lento_saves");
        io->bytes += (uint64_t)st.st_size + (b ? strtoull(b, NULL, 10) : 0);
        io->calls += 1 + (n ? strtoull(n, NULL, 10) : 0);
    }
    return rc;
}

void run_own_io_remove(profile_system *fig, const run_own_io *io)
{
    if (!fig)
        return;
    fig->write_bytes = fig->write_bytes > io->bytes
                           ? fig->write_bytes - io->bytes : 0;
    fig->write_calls = fig->write_calls > io->calls
                           ? fig->write_calls - io->calls : 0;
}

int run_collect(const char *dir, profile **out, const char **why,
                run_own_io *io)
{
    *out = NULL;
    profile *main_p = NULL;
    int rc = read_in(dir, "main.lento", &main_p, why, io);
    if (rc < 0)
        return rc;
    char **names;
    size_t n;
    rc = list_children(dir, &names, &n);
    if (rc < 0 || n == 0) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        *out = main_p; /* one process: the profile as it always was */
        return 0;
    }
    profile *all = profile_new(main_p->tick);
    merge *m = all ? merge_new(all) : NULL;
    rc = m ? 0 : -ENOMEM;
    /* the run's facts (command, python, lines...) are the main program's */
    for (uint32_t i = 0; rc == 0 && i < main_p->n_meta; i++)
        rc = profile_set_meta(all, main_p->meta[i].key,
                              main_p->meta[i].value);
    if (rc == 0)
        rc = merge_add(m, main_p);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        profile *c = NULL;
        const char *cwhy = NULL;
        /* a child's file that cannot be read (cut short by a kill in the
         * middle of a write is not possible: files are renamed into
         * place) or was made with another timer is left out */
        if (read_in(dir, names[i], &c, &cwhy, io) == 0) {
            int mrc = merge_add(m, c);
            if (mrc == -ENOMEM)
                rc = mrc;
        }
        profile_free(c);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    merge_free(m);
    profile_free(main_p);
    if (rc < 0) {
        profile_free(all);
        *why = "out of memory";
        return -EINVAL;
    }
    *out = all;
    return 0;
}

void run_dir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[PATH_MAX];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name) <
                    (int)sizeof path)
                unlink(path);
        closedir(d);
    }
    rmdir(dir);
}

void run_print_ending(FILE *out, int term_signal, const profile *p)
{
    const char *partial = p ? profile_get_meta(p, "partial") : NULL;
    int is_partial = partial && !strcmp(partial, "yes");
    if (p && p->n_procs)
        is_partial = p->procs[0].flags & PROC_PARTIAL;
    if (term_signal) {
        const char *what = strsignal(term_signal);
        fprintf(out, "lento: the program was killed by signal %d (%s)%s\n",
                term_signal, what ? what : "unknown",
                !p           ? "; it saved no profile"
                : is_partial ? "; the profile is partial: it ends at the "
                               "program's last save, up to a second before"
                             : "");
    } else if (p && (p->n_procs ? p->procs[0].flags & PROC_OS_EXIT
                                : profile_get_meta(p, "os_exit") != NULL)) {
        fprintf(out, "lento: the program ended by os._exit() (no finally "
                     "blocks or atexit handlers ran); the profile was saved "
                     "then\n");
    } else if (p && is_partial) {
        fprintf(out, "lento: the program ended without saving its profile; "
                     "the profile is partial: it ends at its last save, up "
                     "to a second before\n");
    }
}
