/* outfile.c: see outfile.h. */
#define _XOPEN_SOURCE 700 /* realpath */

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int outfile_is_stdout(const char *path)
{
    return path[0] == '-' && path[1] == '\0';
}

int outfile_write_fd(const buf *b, int fd)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        off += (size_t)w;
    }
    return 0;
}

int outfile_temp_name(const char *path, const char *tag, buf *tmp)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t taglen = strlen(tag);
    /* one byte for the leading dot, which keeps the temporary out of
     * globs such as *.lento while it exists */
    if (taglen + 2 > NAME_MAX)
        return -ENAMETOOLONG;
    size_t keep = strlen(base);
    if (keep > NAME_MAX - 1 - taglen)
        keep = NAME_MAX - 1 - taglen;
    buf_reset(tmp);
    int rc = buf_add(tmp, path, (size_t)(base - path));
    if (rc == 0)
        rc = buf_printf(tmp, ".%.*s%s", (int)keep, base, tag);
    return rc;
}

/* Opens a new file beside path with O_EXCL, so that we never reuse someone
 * else's file.  We do not use mkstemp because it creates the file 0600 and
 * the only way to learn the umask to widen it (umask() set and restore) is
 * not thread-safe; open() with 0666 applies the umask itself, as cProfile's
 * open(..., 'wb') would.  The name goes into tmp.  The fd or -errno. */
static int open_temp(const char *path, buf *tmp)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20 ^
                    (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)tmp;
    for (int attempt = 0; attempt < 100; attempt++) {
        /* splitmix64 step: cheap, and distinct names on each attempt */
        seed += 0x9e3779b97f4a7c15ULL;
        uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        char tag[32];
        snprintf(tag, sizeof tag, ".%08x.tmp", (unsigned)(z >> 32));
        int rc = outfile_temp_name(path, tag, tmp);
        if (rc < 0)
            return rc;
        int fd = open(tmp->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                      0666);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return -errno;
    }
    return -EEXIST;
}

/* Writes b into path itself (a device, a FIFO, a file we may not
 * replace).  flags adds O_TRUNC/O_CREAT for files. */
static int write_in_place(const buf *b, const char *path, int flags)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0666);
    if (fd < 0)
        return -errno;
    int rc = outfile_write_fd(b, fd);
    /* close() can report a deferred write error (NFS, quota): check it. */
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

/* Gives the temporary the mode and owner of the file it replaces.  -EPERM
 * when the owner cannot be given (the caller then writes in place). */
static int keep_attributes(int fd, const struct stat *old)
{
    if ((old->st_uid != geteuid() || old->st_gid != getegid()) &&
        fchown(fd, old->st_uid, old->st_gid) < 0)
        return -EPERM;
    if (fchmod(fd, old->st_mode & 07777) < 0)
        return -errno;
    return 0;
}

/* The atomic path: a temporary beside target, renamed over it.  old is
 * target's stat when it exists, else NULL. */
static int replace_atomically(const buf *b, const char *target,
                              const struct stat *old)
{
    buf tmp;
    buf_init(&tmp, 65536);
    int rc = 0;
    int fd = open_temp(target, &tmp);
    if (fd < 0) {
        rc = fd;
        goto done;
    }
    if (old && (rc = keep_attributes(fd, old)) < 0)
        goto fail;
    if ((rc = outfile_write_fd(b, fd)) < 0)
        goto fail;
    int c = close(fd);
    fd = -1;
    if (c < 0) {
        rc = -errno;
        goto fail;
    }
    if (rename(tmp.data, target) < 0) {
        rc = -errno;
        goto fail;
    }
    goto done;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp.data);
    if (rc == -EPERM && old)
        rc = write_in_place(b, target, O_TRUNC);
done:
    buf_free(&tmp);
    return rc;
}

/* Is the last component of path longer than its directory allows?  Told
 * before any file is made, so the message names the real cause. */
static int name_too_long(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    return strlen(base) > NAME_MAX;
}

int outfile_write(const buf *b, const char *path)
{
    if (outfile_is_stdout(path))
        return outfile_write_fd(b, STDOUT_FILENO);
    if (name_too_long(path))
        return -ENAMETOOLONG;
    struct stat lst, st;
    int linked = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
    if (stat(path, &st) < 0) {
        if (errno != ENOENT)
            return -errno;
        /* A link to nothing yet: creating the file it names keeps the
         * link; nothing is there to lose to a half-written file. */
        return linked ? write_in_place(b, path, O_CREAT | O_TRUNC)
                      : replace_atomically(b, path, NULL);
    }
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (!S_ISREG(st.st_mode))
        return write_in_place(b, path, 0);
    if (!linked)
        return replace_atomically(b, path, &st);
    char *target = realpath(path, NULL);
    if (!target)
        return -errno;
    int rc = replace_atomically(b, target, &st);
    free(target);
    return rc;
}
