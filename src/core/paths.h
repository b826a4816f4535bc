/* paths.h: small checks on output paths, shared by the extension and the
 * `lento` command. */
#ifndef LENTO_PATHS_H
#define LENTO_PATHS_H

#include <stddef.h>

/* 1 if s ends with suffix, else 0. */
int path_ends_with(const char *s, const char *suffix);

/* Can a file be created at path?  Checks that its directory exists and is
 * writable, so that a long run is not lost to a typo in -o.  Returns 0,
 * -ENOTDIR when there is no such directory, or -errno from access(); the
 * directory's name is written to dir (cap bytes) for the message. */
int path_check_output(const char *path, char *dir, size_t cap);

#endif
