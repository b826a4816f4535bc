/* fuzz_store.c: libFuzzer target for the .lento reader (store_decode).
 *
 * Beyond "no crash, no leak, no UB" (the sanitizers' job), it checks the
 * reader's promise: whatever decodes passes profile_validate and is safe
 * to use, i.e. flattens, converts to pstats, and re-encodes to a file
 * that decodes to the same encoding again.  See fuzz/README.md.
 *
 * Linked with standalone.c instead of libFuzzer, it replays a corpus or a
 * crash reproducer with any compiler.
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
