/* run_outputs.h: the files `lento run` writes, checked before the program
 * runs (the profiles of the run's processes: run_procs.h). */
#ifndef LENTO_RUN_OUTPUTS_H
#define LENTO_RUN_OUTPUTS_H

#include <stddef.h>

/* Checks the profile's output out (kind as cli_check_output), the HTML
 * report's html (or NULL), and that neither is the script being run
 * (script, or NULL) nor the other.  0, or -1 after printing why not. */
int run_check_outputs(const char *out, const char *kind, const char *html,
                      const char *script);

#endif
