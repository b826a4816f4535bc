/* load.c: what the report commands share: reading the profile they were
 * given, each failure told in one line (where they write: outputs.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../core/store.h"
#include "cli.h"

int cli_load_profile(const char *path, profile **out)
{
    const char *why = NULL;
    int rc = store_read(path, out, &why);
    if (rc == -EINVAL && store_sniff(path) == 0) {
        fprintf(stderr, "lento: '%s' is not a lento profile (make one with "
                        "`lento run -o %s script.py`)\n",
                path, "prof.lento");
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "lento: cannot read '%s': %s\n", path,
                why ? why : strerror(-rc));
        return -1;
    }
    return 0;
}

const char *cli_strerror(int rc)
{
    if (rc == -E2BIG)
        return "the output would be larger than 1 GiB";
    if (rc == -EINVAL)
        return "the profile is inconsistent";
    return strerror(-rc);
}

int cli_open(const char *in, const char *out, const char *kind, profile **p)
{
    *p = NULL;
    if (cli_check_output(out, in, kind) < 0)
        return 2;
    if (cli_load_profile(in, p) < 0)
        return 1;
    return 0;
}
