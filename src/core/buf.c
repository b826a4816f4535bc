/* buf.c: growable, capped byte buffer (see buf.h). */
#define _POSIX_C_SOURCE 200809L

#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void buf_init(buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void buf_free(buf *b)
{
    free(b->data);
    buf_init(b, b->cap);
}

void buf_reset(buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_detach(buf *b, size_t *len)
{
    char *d = b->data;
    if (len)
        *len = b->len;
    buf_init(b, b->cap);
    return d;
}

/* Makes room for n more bytes plus the NUL.  Growth doubles so that a run
 * of small appends costs amortised O(1) each. */
static int reserve(buf *b, size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return -E2BIG;
    if (b->len + n == SIZE_MAX)
        return -ENOMEM; /* no room for the NUL */
    size_t need = b->len + n + 1;
    if (need <= b->alloc)
        return 0;
    size_t na = b->alloc ? b->alloc : 64;
    while (na < need)
        na = na > SIZE_MAX / 2 ? need : na * 2;
    /* Never allocate far beyond what the cap allows. */
    if (b->cap < SIZE_MAX && na > b->cap + 1)
        na = b->cap + 1;
    if (na < need)
        na = need;
    char *d = realloc(b->data, na);
    if (!d)
        return -ENOMEM;
    b->data = d;
    b->alloc = na;
    return 0;
}

int buf_add(buf *b, const void *data, size_t n)
{
    int rc = reserve(b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_addstr(buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_vprintf(buf *b, const char *fmt, va_list args)
{
    va_list ap;
    /* First try into whatever room is left; most calls fit. */
    size_t room = b->alloc > b->len ? b->alloc - b->len : 0;
    va_copy(ap, args);
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        goto bad_format;
    if (b->data && (size_t)n < room) { /* room > 0 implies data */
        int rc = reserve(b, (size_t)n); /* enforce the cap */
        if (rc < 0) {
            b->data[b->len] = '\0';
            return rc;
        }
        b->len += (size_t)n;
        return 0;
    }
    int rc = reserve(b, (size_t)n);
    if (rc < 0) {
        if (b->data)
            b->data[b->len] = '\0'; /* undo vsnprintf's partial output */
        return rc;
    }
    va_copy(ap, args);
    n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        goto bad_format;
    b->len += (size_t)n;
    return 0;
bad_format:
    if (b->data)
        b->data[b->len] = '\0';
    return -EINVAL;
}

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int buf_put_u8(buf *b, uint8_t v)
{
    return buf_add(b, &v, 1);
}

int buf_put_u16(buf *b, uint16_t v)
{
    unsigned char s[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    return buf_add(b, s, sizeof s);
}

int buf_put_u32(buf *b, uint32_t v)
{
    unsigned char s[4];
    for (int i = 0; i < 4; i++)
        s[i] = (unsigned char)(v >> (8 * i));
    return buf_add(b, s, sizeof s);
}

int buf_put_u64(buf *b, uint64_t v)
{
    unsigned char s[8];
    for (int i = 0; i < 8; i++)
        s[i] = (unsigned char)(v >> (8 * i));
    return buf_add(b, s, sizeof s);
}

int buf_put_f64(buf *b, double v)
{
    uint64_t u;
    _Static_assert(sizeof u == sizeof v, "double is not 64 bits");
    memcpy(&u, &v, sizeof u); /* assumes IEEE 754 doubles, as CPython does */
    return buf_put_u64(b, u);
}

uint32_t buf_get_u32(const void *p)
{
    const unsigned char *s = p;
    return (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
           (uint32_t)s[3] << 24;
}

uint64_t buf_get_u64(const void *p)
{
    const unsigned char *s = p;
    return (uint64_t)buf_get_u32(s) | (uint64_t)buf_get_u32(s + 4) << 32;
}

double buf_get_f64(const void *p)
{
    uint64_t u = buf_get_u64(p);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

int buf_read_file(buf *b, const char *path)
{
    buf_reset(b);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = buf_read_fd(b, fd);
    close(fd);
    return rc;
}

int buf_read_fd(buf *b, int fd)
{
    int rc = 0;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = -EISDIR;
        goto done;
    }
    /* st_size is a hint only (the file may change, or be a pipe, and part
     * of it may have been read already); the loop below is what enforces
     * the cap. */
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > b->cap) {
        rc = -E2BIG;
        goto done;
    }
    size_t hint = S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
    if (hint > b->len)
        hint -= b->len;
    if ((rc = reserve(b, hint < 4096 ? 4096 : hint)) < 0 &&
        (rc = reserve(b, hint)) < 0)
        goto done;
    for (;;) {
        if (b->alloc - b->len <= 1) {
            /* Full: grow, or probe for one more byte if at the cap. */
            if (b->len == b->cap) {
                char extra;
                ssize_t r = read(fd, &extra, 1);
                if (r < 0 && errno == EINTR)
                    continue;
                rc = r < 0 ? -errno : r > 0 ? -E2BIG : 0;
                goto done;
            }
            size_t more = b->len < 65536 ? 65536 : b->len;
            if (more > b->cap - b->len)
                more = b->cap - b->len;
            if ((rc = reserve(b, more)) < 0)
                goto done;
        }
        ssize_t r = read(fd, b->data + b->len, b->alloc - b->len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto done;
        }
        if (r == 0)
            break;
        b->len += (size_t)r;
    }
done:
    if (rc < 0)
        buf_free(b);
    else if (b->data)
        b->data[b->len] = '\0';
    return rc;
}
