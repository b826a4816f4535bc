/* store.h: lento's own profile file (the .lento format).
 *
 * Saves a profile exactly (every CCT node, integer ticks, metadata) so that
 * reports can be made later without rerunning the program.  The byte
 * layout, the checks a reader makes and the rules for future versions are
 * in docs/format.md; keep the two in step.
 *
 * Readers treat the file as hostile: any byte string decodes either to a
 * profile that passes profile_validate or to -EINVAL with a reason.
 */
#ifndef LENTO_STORE_H
#define LENTO_STORE_H

#include <stddef.h>

#include "buf.h"
#include "profile.h"

#define STORE_MAGIC "LENTOPRF"
#define STORE_MAGIC_LEN 8
#define STORE_VERSION 1u
/* Largest file we write or read: bounds the reader's memory. */
#define STORE_MAX_SIZE ((size_t)1 << 30)

/* Appends the encoding of p to out (so out's cap bounds the size).  0,
 * -ENOMEM, -E2BIG (past out's cap, or a string over 4 GiB), -EINVAL if p
 * fails profile_validate, or -EOVERFLOW if its times or call counts pass
 * the reader's sum limits (docs/format.md), so that we never write a file
 * we would refuse to read.  On failure out may hold a partial encoding;
 * the caller discards it. */
int store_encode(const profile *p, buf *out);

/* Encodes p and writes it to path atomically (see outfile_write): path
 * ends up holding either its old contents or the whole new profile.  0 or
 * -errno (-E2BIG if the encoding exceeds STORE_MAX_SIZE). */
int store_write(const profile *p, const char *path);

/* Decodes len bytes at data.  On success returns 0 and *out is a new
 * profile the caller frees with profile_free.  On failure returns -EINVAL
 * (bad data; *why is a short static English reason such as "truncated")
 * or -ENOMEM (*why "out of memory"), and *out is NULL.  Memory use is
 * bounded by a small multiple of len.  why may be NULL. */
int store_decode(const void *data, size_t len, profile **out,
                 const char **why);

/* Reads and decodes the file at path.  As store_decode, plus -errno for IO
 * errors (*why NULL: use strerror) and -EFBIG for a file larger than
 * STORE_MAX_SIZE (*why says so).  A file that does not start with the
 * magic is refused (-EINVAL) after its first 8 bytes. */
int store_read(const char *path, profile **out, const char **why);

/* 1 if the file at path starts with STORE_MAGIC, 0 if it exists and does
 * not (including files shorter than the magic), -errno if it cannot be
 * opened or read.  For refusing to overwrite an unrelated file. */
int store_sniff(const char *path);

#endif
