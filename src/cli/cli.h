/* cli.h: the `lento` subcommands. */
#ifndef LENTO_CLI_H
#define LENTO_CLI_H

/* Each takes the arguments after its name and returns the exit status. */
int cli_run(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_stat(int argc, char **argv);

/* Parses a positive row count for --top; 0 if invalid. */
unsigned cli_parse_top(const char *s);

#endif
