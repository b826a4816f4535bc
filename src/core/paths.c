/* paths.c: see paths.h. */
#define _XOPEN_SOURCE 700 /* realpath */

#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int path_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, cap, ".");
    else
        snprintf(dir, cap, "%.*s", slash == path ? 1 : (int)(slash - path),
                 path);
}

int path_check_output(const char *out, path_sniff_fn sniff, char *dir,
                      size_t cap)
{
    dir_of(out, dir, cap);
    if (out[0] == '-' && out[1] == '\0')
        return 0;
    const char *slash = strrchr(out, '/');
    if (strlen(slash ? slash + 1 : out) > NAME_MAX)
        return -ENAMETOOLONG;
    struct stat st;
    if (stat(out, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return -EISDIR;
        if (!S_ISREG(st.st_mode)) /* written into, in place */
            return access(out, W_OK) < 0 ? -errno : 0;
        if (st.st_size > 0 && sniff && sniff(out) != 1)
            return -EEXIST;
        /* the temporary goes beside the file a symlink leads to */
        char *real = realpath(out, NULL);
        if (real) {
            dir_of(real, dir, cap);
            free(real);
        }
    } else if (errno == ENAMETOOLONG) {
        return -ENAMETOOLONG;
    }
    struct stat ds;
    if (stat(dir, &ds) < 0 || !S_ISDIR(ds.st_mode)) {
        dir_of(out, dir, cap);
        return -ENOTDIR;
    }
    if (access(dir, W_OK) < 0)
        return -errno;
    return 0;
}

/* path with its directory resolved (the file itself may not exist yet);
 * a new string the caller frees, or NULL. */
static char *resolve(const char *path)
{
    char *real = realpath(path, NULL);
    if (real)
        return real;
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *rdir = realpath(dir, NULL);
    if (!rdir)
        return NULL;
    size_t n = strlen(rdir) + strlen(base) + 2;
    char *res = malloc(n);
    if (res)
        snprintf(res, n, "%s/%s", rdir, base);
    free(rdir);
    return res;
}

int path_same_file(const char *a, const char *b)
{
    int sa = a[0] == '-' && a[1] == '\0', sb = b[0] == '-' && b[1] == '\0';
    if (sa || sb)
        return sa && sb;
    struct stat x, y;
    int hx = stat(a, &x) == 0, hy = stat(b, &y) == 0;
    if (hx && hy)
        return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
    if (hx != hy)
        return 0;
    char *ra = resolve(a), *rb = resolve(b);
    int same = ra && rb && strcmp(ra, rb) == 0;
    free(ra);
    free(rb);
    return same;
}

long path_read_head(const char *path, void *head, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    size_t got = 0;
    long rc = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)head + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = errno == EAGAIN ? 0 : -errno;
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return rc < 0 ? rc : (long)got;
}

void path_say_refusal(FILE *f, int rc, const char *out, const char *dir,
                      const char *noun, const char *hint)
{
    if (rc == -ENOTDIR)
        fprintf(f, "lento: cannot write '%s': no directory '%s'\n", out, dir);
    else if (rc == -EISDIR)
        fprintf(f, "lento: cannot write '%s': it is a directory\n", out);
    else if (rc == -EEXIST)
        fprintf(f, "lento: '%s' exists and is not %s; not overwriting it "
                   "(remove it or %s)\n", out, noun, hint);
    else if (rc < 0)
        fprintf(f, "lento: cannot write '%s': %s\n", out, strerror(-rc));
}
