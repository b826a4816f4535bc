/* run_outputs.h: the files `lento run` writes, checked before the program
 * runs, and the private place where the child leaves its raw profile. */
#ifndef LENTO_RUN_OUTPUTS_H
#define LENTO_RUN_OUTPUTS_H

#include <stddef.h>

/* Checks the profile's output out (kind as cli_check_output), the HTML
 * report's html (or NULL), and that neither is the script being run
 * (script, or NULL) nor the other.  0, or -1 after printing why not. */
int run_check_outputs(const char *out, const char *kind, const char *html,
                      const char *script);

/* Makes a private directory under $TMPDIR (else /tmp) and puts the name of
 * a profile file inside it into raw (cap bytes).  0, or -1 after printing
 * why not.  run_raw_remove removes both. */
int run_raw_name(char *raw, size_t cap);

/* Removes the raw profile, if any, and its directory. */
void run_raw_remove(const char *raw);

#endif
