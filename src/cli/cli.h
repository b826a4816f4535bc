/* cli.h: the `lento` subcommands. */
#ifndef LENTO_CLI_H
#define LENTO_CLI_H

#include "../core/buf.h"
#include "../core/profile.h"

/* Each takes the arguments after its name and returns the exit status. */
int cli_run(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_graph(int argc, char **argv);
int cli_html(int argc, char **argv);
int cli_flame(int argc, char **argv);
int cli_stat(int argc, char **argv);

/* Parses a positive row count for --top; 0 if invalid. */
unsigned cli_parse_top(const char *s);

/* The one profile argument of `lento CMD PROFILE ...`: stores a in *in and
 * returns 0, or says why a cannot be it (an unknown option, a second
 * argument) and returns 2, the exit status. */
int cli_take_arg(const char *cmd, const char *a, const char **in);

/* load.c: reads a .lento file into *out (the caller frees it).  0, or -1
 * after printing one line that says why not. */
int cli_load_profile(const char *path, profile **out);
/* Can out be written (its directory exists and is writable, it is not a
 * directory, and it is not the file `in`, which may be NULL)?  0, or -1
 * after printing why not. */
int cli_check_output(const char *out, const char *in);
/* The start of every `lento CMD PROFILE -o OUT`: checks out
 * (cli_check_output), then reads in into *p.  0, or the exit status (2 for
 * a bad output, 1 for a bad profile) after printing why. */
int cli_open(const char *in, const char *out, profile **p);
/* Writes b to out atomically; 0, or -1 after printing why not. */
int cli_write(const buf *b, const char *out);
/* A user's reason for a writer's -errno. */
const char *cli_strerror(int rc);

/* lines.c: prints p's line tables (the line-by-line report, with each
 * line's share of the program's time) to out, or a note if it has none.
 * 0, or -1 after printing why not. */
#include <stdio.h>
int cli_lines_print(FILE *out, const profile *p);

/* html.c: writes the HTML report of p to path (for `lento run --html`);
 * 0, or -1 after printing why not. */
int cli_html_write(const profile *p, const char *path);

#endif
