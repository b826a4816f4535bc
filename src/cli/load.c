/* load.c: what the report commands share: reading the profile they were
 * given and checking where they may write, each failure told in one line. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/buf.h"
#include "../core/paths.h"
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

int cli_check_output(const char *out, const char *in)
{
    char dir[PATH_MAX];
    int rc = path_check_output(out, dir, sizeof dir);
    if (rc == -ENOTDIR) {
        fprintf(stderr, "lento: cannot write '%s': no directory '%s'\n", out,
                dir);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "lento: cannot write '%s': %s\n", out, strerror(-rc));
        return -1;
    }
    struct stat so, si;
    if (in && stat(out, &so) == 0 && stat(in, &si) == 0 &&
        so.st_dev == si.st_dev && so.st_ino == si.st_ino) {
        fprintf(stderr, "lento: '%s' is the profile being read; not "
                        "overwriting it (choose another -o)\n", out);
        return -1;
    }
    if (stat(out, &so) == 0 && S_ISDIR(so.st_mode)) {
        fprintf(stderr, "lento: cannot write '%s': it is a directory\n", out);
        return -1;
    }
    return 0;
}

int cli_write(const buf *b, const char *out)
{
    int rc = buf_write_file(b, out);
    if (rc < 0) {
        fprintf(stderr, "lento: cannot write '%s': %s\n", out, strerror(-rc));
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

int cli_open(const char *in, const char *out, profile **p)
{
    *p = NULL;
    if (cli_check_output(out, in) < 0)
        return 2;
    if (cli_load_profile(in, p) < 0)
        return 1;
    return 0;
}
