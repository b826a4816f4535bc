/* paths.h: checks on output paths, shared by the extension and the `lento`
 * command, made before any work so that a long run is not lost to a typo
 * in -o and never costs the user a file. */
#ifndef LENTO_PATHS_H
#define LENTO_PATHS_H

#include <stddef.h>
#include <stdio.h>

/* 1 if s ends with suffix, else 0. */
int path_ends_with(const char *s, const char *suffix);

/* Says whether the existing file at path is of the kind about to be
 * written there: 1 yes, 0 no, -errno if it cannot be read. */
typedef int (*path_sniff_fn)(const char *path);

/* Can out be written without losing anything?  "-" (standard output)
 * always can.  Returns 0, or:
 *   -ENAMETOOLONG  out's last component is longer than the directory
 *                  allows (NAME_MAX);
 *   -ENOTDIR       there is no directory at out's place (its name goes to
 *                  dir, cap bytes, for the message);
 *   -EISDIR        out is a directory;
 *   -EEXIST        out is a non-empty regular file (through symlinks too)
 *                  that sniff does not recognise (a NULL sniff accepts
 *                  any);
 *   -errno         from access(): the directory where the file will be made
 *                  (beside the file a symlink leads to), or the device or
 *                  FIFO out names, cannot be written. */
int path_check_output(const char *out, path_sniff_fn sniff, char *dir,
                      size_t cap);

/* Prints, in one line to f, why path_check_output refused out: rc is what
 * it returned and dir the directory it named; noun says what an existing
 * file would have had to be ("a lento profile"), hint how to choose
 * another name ("choose another -o"). */
void path_say_refusal(FILE *f, int rc, const char *out, const char *dir,
                      const char *noun, const char *hint);

/* 1 if a and b name the same file: the same device and inode when both
 * exist, else the same place once directories and symlinks are resolved;
 * "-" is only the same as "-".  0 otherwise. */
int path_same_file(const char *a, const char *b);

/* Reads up to n bytes from the start of the file at path into head; the
 * count read, or -errno.  Stops at n bytes: safe on /dev/zero and FIFOs
 * that never end. */
long path_read_head(const char *path, void *head, size_t n);

#endif
