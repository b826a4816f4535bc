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
/* The start of every `lento CMD PROFILE -o OUT`: checks out
 * (cli_check_output, as a kind of file), then reads in into *p.  0, or
 * the exit status (2 for a bad output, 1 for a bad profile) after printing
 * why. */
int cli_open(const char *in, const char *out, const char *kind, profile **p);

/* outputs.c: can out be written without losing anything (paths.h's
 * path_check_output), and is it not the file `in` (which may be NULL)?
 * kind names what will be written ("lento profile", "pstats", "html",
 * "svg", "png", "dot", or an export format's name): an existing non-empty
 * file is replaced only if it is of that kind; NULL accepts any.  0, or -1
 * after printing why not. */
int cli_check_output(const char *out, const char *in, const char *kind);
/* Writes b to out (outfile.h: "-" is standard output, flushed first);
 * 0, or -1 after printing why not. */
int cli_write(const buf *b, const char *out);
/* "standard output" for "-", else out itself: for messages. */
const char *cli_out_name(const char *out);
/* How to recognise an existing file of a kind (see cli_check_output), or
 * NULL for an unknown kind. */
#include "../core/paths.h"
path_sniff_fn cli_sniff_for(const char *kind);
/* The exit status once standard output is flushed: status, or non-zero
 * after one line saying why standard output could not be written. */
int cli_stdout_status(int status);
/* Notes that writing standard output failed with errno err, for
 * cli_stdout_status to tell (once, at exit) instead of the writer. */
void cli_stdout_failed(int err);
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
