/* run_outputs.c: see run_outputs.h. */
#define _XOPEN_SOURCE 700 /* mkdtemp */

#include "run_outputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/paths.h"
#include "cli.h"

int run_check_outputs(const char *out, const char *kind, const char *html,
                      const char *script)
{
    /* the program's own source first: "exists and is not a profile" would
     * be true but would not say what was at stake */
    const char *outs[] = {out, html};
    for (int i = 0; i < 2; i++)
        if (outs[i] && script && path_same_file(outs[i], script)) {
            fprintf(stderr, "lento: '%s' is the program being run; not "
                            "overwriting it (choose another name)\n",
                    outs[i]);
            return -1;
        }
    if (html && path_same_file(out, html)) {
        fprintf(stderr, "lento: -o and --html name the same file ('%s'); "
                        "the report would overwrite the profile (choose "
                        "two names)\n", html);
        return -1;
    }
    if (cli_check_output(out, NULL, kind) < 0)
        return -1;
    if (html && cli_check_output(html, NULL, "html") < 0)
        return -1;
    return 0;
}
