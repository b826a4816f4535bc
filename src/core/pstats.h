/* pstats.h: a profile as a cProfile stats file, for pstats and friends.
 *
 * Writes the flat table (flat.h) as the marshal'd dict that cProfile's
 * Profile.dump_stats writes, so `pstats.Stats(path)`, `python -m pstats`,
 * snakeviz and gprof2dot read lento profiles unchanged:
 *
 *   {(file, line, name): (prim_calls, calls, tottime, cumtime,
 *                         {caller_key: (calls, prim_calls, tottime,
 *                                       cumtime), ...}), ...}
 *
 * Beware the order: the outer tuple starts (cc, nc), the callers' tuples
 * (nc, cc), as in cProfile.snapshot_stats.  Builtins are keyed
 * ("~", 0, label).  Times are seconds, (double)ticks * tick.
 *
 * Only functions that appear in some call path are written (a function in
 * the table that never ran has no cProfile entry).  Functions that share a
 * key (two lambdas on one line) are merged by summing every figure, which
 * is what pstats.Stats.add does with duplicate keys; cProfile itself would
 * keep only one of them.
 */
#ifndef LENTO_PSTATS_H
#define LENTO_PSTATS_H

#include "buf.h"
#include "profile.h"

/* Largest stats file we write. */
#define PSTATS_MAX_SIZE ((size_t)1 << 30)

/* Appends the marshal bytes to out.  0, -ENOMEM, -E2BIG (past out's cap,
 * or a string over 2 GiB, marshal's limit), or -EINVAL if p fails
 * profile_validate.  On failure out may hold a partial encoding. */
int pstats_encode(const profile *p, buf *out);

/* Encodes p and writes it atomically to path (see outfile_write).  0 or
 * -errno. */
int pstats_write(const profile *p, const char *path);

/* 1 if the file at path starts as a marshal'd stats dict does (what
 * cProfile, pstats and lento write), 0 if not, -errno if it cannot be
 * read.  Reads 2 bytes: for refusing to overwrite an unrelated file. */
int pstats_sniff(const char *path);

#endif
