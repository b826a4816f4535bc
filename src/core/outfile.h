/* outfile.h: writing an output without harming what is already there.
 *
 * Every file lento writes (the .lento store, pstats, the exports, the
 * reports) ends in outfile_write.  The rules, in docs/format.md
 * ("Writing outputs"):
 *
 *   "-"                       standard output (fd 1);
 *   a device, FIFO or socket  opened and written into, never replaced
 *                             (lento -o /dev/null must leave /dev/null a
 *                             device);
 *   a new or regular file     written atomically: a temporary file beside
 *                             it, renamed over it, so it holds either its
 *                             old contents or the whole new ones (no
 *                             fsync: this guards against our own failures,
 *                             not power loss);
 *   a symlink                 the file it leads to is written by the rules
 *                             above, and the link stays a link.
 *
 * An existing regular file keeps its mode, owner and group.  When the owner
 * cannot be given to the new file (an unprivileged lento writing another
 * user's file), the file is written in place instead of replaced.
 */
#ifndef LENTO_OUTFILE_H
#define LENTO_OUTFILE_H

#include "buf.h"

/* 1 if path names standard output ("-"), else 0. */
int outfile_is_stdout(const char *path);

/* Writes b to path by the rules above.  0 or -errno (-ENAMETOOLONG when
 * path's last component is too long for the directory); on failure a
 * temporary file is removed and a replaced file is as it was. */
int outfile_write(const buf *b, const char *path);

/* Writes b to the open descriptor fd (all of it, through EINTR and short
 * writes).  0 or -errno. */
int outfile_write_fd(const buf *b, int fd);

/* The name of a temporary file beside path, into tmp (replacing its
 * contents): path's directory, a dot, path's base name shortened so that
 * the whole name fits NAME_MAX with the tag appended, then tag (for
 * example ".1a2b3c4d.tmp").  0 or -errno (-ENAMETOOLONG if tag alone does
 * not fit). */
int outfile_temp_name(const char *path, const char *tag, buf *tmp);

#endif
