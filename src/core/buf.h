/* buf.h: a growable byte buffer with a size cap (after curl's dynbuf).
 *
 * Every writer in lento (the store, pstats, the text reports) builds its
 * output here instead of in fixed arrays, and the cap turns "the profile
 * is absurdly large" into -E2BIG instead of an unbounded allocation.
 *
 * data is always NUL-terminated (data[len] == 0) once anything has been
 * added, so text built here can be used as a C string; binary content may
 * of course contain NULs of its own.  An empty buffer may have data NULL.
 *
 * Errors: 0 on success, -ENOMEM, or -E2BIG when len would exceed cap.  A
 * failed append leaves the buffer as it was before the call.
 */
#ifndef LENTO_BUF_H
#define LENTO_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data;   /* owned; NULL until the first successful append */
    size_t len;   /* bytes in use, not counting the terminating NUL */
    size_t alloc; /* bytes allocated for data */
    size_t cap;   /* largest len allowed */
} buf;

/* Starts an empty buffer that will never hold more than cap bytes.  Does
 * not allocate.  The caller releases it with buf_free. */
void buf_init(buf *b, size_t cap);

/* Releases the storage and leaves b empty (same cap), ready for reuse. */
void buf_free(buf *b);

/* Empties b but keeps its storage. */
void buf_reset(buf *b);

/* Hands the storage to the caller, who frees it with free(); b is left
 * empty.  Returns NULL if b is empty. */
char *buf_detach(buf *b, size_t *len);

int buf_add(buf *b, const void *data, size_t n);
int buf_addstr(buf *b, const char *s);

/* Formatted append: the one place the project formats into memory.  Also
 * -EINVAL if the format itself fails (vsnprintf returns < 0). */
int buf_printf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The same with a va_list (args is not consumed: it is copied). */
int buf_vprintf(buf *b, const char *fmt, va_list args)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;

/* Little-endian appends, for the binary writers. */
int buf_put_u8(buf *b, uint8_t v);
int buf_put_u16(buf *b, uint16_t v);
int buf_put_u32(buf *b, uint32_t v);
int buf_put_u64(buf *b, uint64_t v);
int buf_put_f64(buf *b, double v); /* IEEE 754 binary64 */

/* Little-endian loads from a byte array the caller has bounds-checked. */
uint32_t buf_get_u32(const void *p);
uint64_t buf_get_u64(const void *p);
double buf_get_f64(const void *p);

/* Replaces the contents of b with the whole file at path.  -E2BIG if the
 * file is longer than b->cap (nothing beyond the cap is read into memory),
 * -errno on IO errors; on failure b is empty. */
int buf_read_file(buf *b, const char *path);

/* Appends what is left to read from fd (up to its end) to b, with the
 * same cap and errors as buf_read_file; on failure b is empty.  The caller
 * closes fd. */
int buf_read_fd(buf *b, int fd);

/* Writing a buffer to a file: outfile_write (outfile.h). */

#endif
