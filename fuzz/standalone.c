/* standalone.c: main() for replaying inputs through a fuzz target without
 * libFuzzer, with any C compiler (link it with one fuzz_*.c).
 *
 * Each argument is a file, run once, or a directory, whose files are run
 * in name order (a corpus).  Exits 0 when every input ran (a failed check
 * aborts, a sanitizer stops the run), 1 if an input could not be read, 2
 * without arguments.
 */
#define _DEFAULT_SOURCE /* alphasort */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../src/core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Larger than any seed or reproducer; libFuzzer's inputs stay far under. */
#define REPLAY_MAX_SIZE ((size_t)64 << 20)

static int run_file(const char *path)
{
    buf b;
    buf_init(&b, REPLAY_MAX_SIZE);
    int rc = buf_read_file(&b, path);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(-rc));
        buf_free(&b);
        return 1;
    }
    /* a copy of exactly the input's size, so ASan sees any read past it */
    uint8_t *copy = malloc(b.len ? b.len : 1);
    if (!copy) {
        buf_free(&b);
        return 1;
    }
    if (b.len)
        memcpy(copy, b.data, b.len);
    LLVMFuzzerTestOneInput(copy, b.len);
    free(copy);
    buf_free(&b);
    return 0;
}

static int run_dir(const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort); /* name order */
    if (n < 0) {
        perror(dir);
        return 1;
    }
    int failed = 0;
    buf path;
    buf_init(&path, 4096);
    for (int i = 0; i < n; i++) {
        struct stat st;
        buf_reset(&path);
        if (names[i]->d_name[0] == '.') {
            /* ".", "..", and hidden files (libFuzzer's temporaries) */
        } else if (buf_printf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
            failed = 1;
        } else if (stat(path.data, &st) == 0 && S_ISREG(st.st_mode)) {
            failed |= run_file(path.data);
        }
        free(names[i]);
    }
    free(names);
    buf_free(&path);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    int failed = 0, runs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            failed |= run_dir(argv[i]);
        else
            failed |= run_file(argv[i]);
        runs++;
    }
    fprintf(stderr, "%d argument(s) replayed%s\n", runs,
            failed ? ", some unreadable" : "");
    return failed;
}
