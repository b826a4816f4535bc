/* main.c: the `lento` command: parse the subcommand, hand over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lento_config.h"

static const char help[] =
    "lento " LENTO_VERSION " - a Python profiler written in C\n"
    "\n"
    "usage: lento <command> [options] ...\n"
    "\n"
    "commands:\n"
    "  run     run a Python program under the profiler; print where the\n"
    "          time went (with Amdahl's law on each hotspot), what limited\n"
    "          the run (CPU, memory, IO, waiting) and what to do about it;\n"
    "          save the profile and the figures\n"
    "            lento run script.py [args...]\n"
    "            lento run -m module [args...]\n"
    "            lento run -c 'code' [args...]\n"
    "          --lines: time the lines of @profile functions (kernprof -l);\n"
    "          --no-builtins: a quarter of the overhead, C calls folded in\n"
    "  stat    run any command and measure it from outside, children\n"
    "          included: time, CPU, memory, IO, a timeline, hardware\n"
    "          counters, and the verdict (like /usr/bin/time -v, plus why)\n"
    "            lento stat [--json] [-o FILE] -- command [args...]\n"
    "  report  print the summary (and the Bottleneck section) of a saved\n"
    "          profile again\n"
    "            lento report [--json | --lines] script.lento\n"
    "  export  write a saved profile for other viewers: pstats,\n"
    "          callgrind, folded, speedscope, chrome, pprof, json\n"
    "            lento export script.lento -o script.pstats\n"
    "  graph   draw the call graph (gprof2dot-style; SVG/PNG with Graphviz)\n"
    "            lento graph script.lento -o callgraph.svg\n"
    "  html    one self-contained HTML report: summary, function table,\n"
    "          call graph, flame graph (or: lento run --html FILE ...)\n"
    "            lento html script.lento -o report.html\n"
    "  flame   a flame graph of the call paths as one SVG\n"
    "            lento flame script.lento -o flame.svg\n"
    "\n"
    "`lento <command> --help` tells more.  `python -m lento` takes the same\n"
    "arguments as `python -m cProfile`.  Programs run under the Python lento\n"
    "was installed for (CPython 3.11 to 3.15); LENTO_PYTHON names another\n"
    "one with lento installed.\n";

unsigned cli_parse_top(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v <= 0 || v > 100000)
        return 0;
    return (unsigned)v;
}

int cli_take_arg(const char *cmd, const char *a, const char **in)
{
    if (a[0] == '-' && a[1]) {
        fprintf(stderr, "lento: unknown option '%s' (lento %s --help)\n", a,
                cmd);
        return 2;
    }
    if (*in) {
        fprintf(stderr, "lento: unexpected argument '%s' (lento %s --help)\n",
                a, cmd);
        return 2;
    }
    *in = a;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(help, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(help, stdout);
        return cli_stdout_status(0);
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("lento %s\n", LENTO_VERSION);
        return cli_stdout_status(0);
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"run", cli_run},     {"report", cli_report},
                {"export", cli_export}, {"graph", cli_graph},
                {"html", cli_html},   {"flame", cli_flame},
                {"stat", cli_stat}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(cmd, cmds[i].name))
            return cli_stdout_status(cmds[i].fn(argc - 2, argv + 2));
    fprintf(stderr, "lento: unknown command '%s' (try: lento run script.py; "
                    "lento stat -- command; lento --help)\n", cmd);
    return 2;
}
