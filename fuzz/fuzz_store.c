/* fuzz_store.c: libFuzzer target for the .lento reader (store_decode).
 *
 * Beyond "no crash, no leak, no UB" (the sanitizers' job), it checks the
 * reader's promise: whatever decodes passes profile_validate and is safe
 * to use, i.e. flattens, converts to pstats, and re-encodes to a file
 * that decodes to the same encoding again.  See fuzz/README.md.
 *
 * Built with -DFUZZ_STANDALONE it gets a main() that runs the files named
 * on the command line once each, so any compiler can replay a corpus or a
 * crash reproducer without libFuzzer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/buf.h"
#include "../src/core/flat.h"
#include "../src/core/pstats.h"
#include "../src/core/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sound(const profile *p)
{
    if (profile_validate(p) != 0)
        abort();
    flat_profile fl;
    if (flat_build(p, &fl) != 0)
        abort();
    flat_free(&fl);

    buf a, b, ps;
    buf_init(&a, STORE_MAX_SIZE);
    buf_init(&b, STORE_MAX_SIZE);
    buf_init(&ps, PSTATS_MAX_SIZE);
    if (pstats_encode(p, &ps) != 0 || store_encode(p, &a) != 0)
        abort();
    profile *q = NULL;
    if (store_decode(a.data, a.len, &q, NULL) != 0 || store_encode(q, &b) != 0)
        abort();
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort();
    profile_free(q);
    buf_free(&a);
    buf_free(&b);
    buf_free(&ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    profile *p = NULL;
    const char *why = NULL;
    int rc = store_decode(data, size, &p, &why);
    if (rc == 0)
        check_sound(p);
    else if (p != NULL || (rc != -ENOMEM && !(rc == -EINVAL && why)))
        abort(); /* refusals are -EINVAL with a reason, and no profile */
    profile_free(p);
    return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        buf b;
        buf_init(&b, STORE_MAX_SIZE);
        int rc = buf_read_file(&b, argv[i]);
        if (rc < 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(-rc));
            failed = 1;
        } else {
            LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""),
                                   b.len);
        }
        buf_free(&b);
    }
    return failed;
}
#endif
