/* dot.c: running Graphviz's dot (see dot.h).
 *
 * The graph goes through two temporary files rather than pipes: dot reads
 * all its input before writing, and files need no deadlock care. */
#define _POSIX_C_SOURCE 200809L
#include "dot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int dot_find(char *dst, size_t cap)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        int w = snprintf(dst, cap, "%.*s/dot", (int)n, n ? path : ".");
        struct stat st;
        if (w > 0 && (size_t)w < cap && stat(dst, &st) == 0 &&
            S_ISREG(st.st_mode) && access(dst, X_OK) == 0)
            return 1;
        path += n + (end != NULL);
    }
    return 0;
}

/* A new empty file under $TMPDIR (or /tmp); its name into name. */
static int temp_file(char *name, size_t cap, const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int w = snprintf(name, cap, "%s/lento-XXXXXX%s", dir, suffix);
    if (w < 0 || (size_t)w >= cap)
        return -ENAMETOOLONG;
    int fd = mkstemps(name, (int)strlen(suffix));
    return fd < 0 ? -errno : fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int dot_render(const buf *graph, const char *fmt, buf *out, int timeout_s)
{
    char exe[4096], in_name[4096], out_name[4096], tflag[32];
    if (!dot_find(exe, sizeof exe))
        return -ENOENT;
    int rc, in_fd = -1, out_fd = -1;
    in_name[0] = out_name[0] = '\0';
    if ((in_fd = temp_file(in_name, sizeof in_name, ".dot")) < 0) {
        rc = in_fd;
        goto done;
    }
    if ((out_fd = temp_file(out_name, sizeof out_name, ".out")) < 0) {
        rc = out_fd;
        goto done;
    }
    if ((rc = write_all(in_fd, graph->data, graph->len)) < 0)
        goto done;
    close(in_fd);
    in_fd = -1;
    snprintf(tflag, sizeof tflag, "-T%s", fmt);
    char *argv[] = {exe, tflag, "-o", out_name, in_name, NULL};
    pid_t pid;
    if ((rc = posix_spawn(&pid, exe, NULL, NULL, argv, environ)) != 0) {
        rc = -rc;
        goto done;
    }
    /* wait, but not forever: a huge graph can keep dot busy for minutes */
    int status = 0;
    struct timespec nap = {0, 10 * 1000 * 1000};
    for (long waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            rc = -errno;
            goto done;
        }
        if (waited >= (long)timeout_s * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "lento: dot took more than %d s; stopped it\n",
                    timeout_s);
            rc = -ECHILD;
            goto done;
        }
        nanosleep(&nap, NULL);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        rc = -ECHILD;
        goto done;
    }
    buf tmp;
    buf_init(&tmp, out->cap);
    if ((rc = buf_read_file(&tmp, out_name)) == 0)
        rc = buf_add(out, tmp.data, tmp.len);
    buf_free(&tmp);
done:
    if (in_fd >= 0)
        close(in_fd);
    if (out_fd >= 0)
        close(out_fd);
    if (in_name[0])
        unlink(in_name);
    if (out_name[0])
        unlink(out_name);
    return rc;
}
