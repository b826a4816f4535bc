/* run.c: `lento run`: start the program under the tracer in a child
 * process supervised by monitor/ (signals passed on, the whole run
 * measured from outside), then report what the child saved together with
 * the system figures, and save both.
 *
 * The child is `python -m lento -o FILE.lento ...` (the tracer's own front
 * end); this process never runs Python, so it costs the program nothing
 * and survives the program's crash. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/outfile.h"
#include "../core/paths.h"
#include "../core/pstats.h"
#include "../core/store.h"
#include "../monitor/supervise.h"
#include "../report/bottleneck.h"
#include "../report/hotspots.h"
#include "../report/json.h"
#include "../report/lines.h"
#include "../report/summary.h"
#include "../report/verdict.h"
#include "cli.h"
#include "run_outputs.h"
#include "run_procs.h"
#include "lento_config.h"

static const char help[] =
    "usage: lento run [options] (script.py | -m module | -c code) [args...]\n"
    "\n"
    "Runs a Python program under lento's tracer: every call of every\n"
    "function (builtins included) in every thread, counted exactly as\n"
    "cProfile counts them.  When the program ends, prints the functions\n"
    "where the time went, what limited the run (the Bottleneck section:\n"
    "CPU, memory, IO or waiting, with the figures, the advice and Amdahl's\n"
    "law on the hotspots) and saves the profile with those figures.\n"
    "\n"
    "options:\n"
    "  -o FILE        where to save the profile (default: the script's name\n"
    "                 with .lento, in the current directory); a name ending\n"
    "                 in .pstats or .prof saves a pstats file instead, for\n"
    "                 pstats, snakeviz and gprof2dot, any other name a\n"
    "                 .lento profile.  '-' writes it to standard output\n"
    "                 (after the program's own output; the summary stays\n"
    "                 on standard error).  An existing file is replaced\n"
    "                 only if it is a profile of that kind (or empty)\n"
    "  --top N        rows in each table of the summary (default 10)\n"
    "  --html FILE    also write the HTML report (see lento html --help)\n"
    "  --no-threads   profile the main thread only\n"
    "  --no-children  profile the program's own process only; by default\n"
    "                 the processes it starts are profiled too (fork,\n"
    "                 multiprocessing, concurrent.futures, subprocess running\n"
    "                 the same Python), and the report shows each process\n"
    "                 and their sum\n"
    "  --no-builtins  time Python functions only: C functions (len,\n"
    "                 list.append, ...) are not timed apart, their time\n"
    "                 counts in the function that called them.  Costs a\n"
    "                 fraction of the default's overhead (see the README)\n"
    "  --json         print the figures, verdict and hotspots as one JSON\n"
    "                 object instead of the text (docs/json.md)\n"
    "  --lines        time the lines of the functions decorated with\n"
    "                 @profile (a builtin while the program runs, as with\n"
    "                 kernprof -l; without --lines it does nothing) and\n"
    "                 print them line by line.  Implies --no-builtins\n"
    "  --lines=PATTERN  time the lines of module:function,\n"
    "                 module:Class.method or path/to/file.py:function\n"
    "                 without editing the code (repeatable)\n"
    "  --lines=auto   let lento pick the functions: the 3 with the most\n"
    "                 self time in the first 0.2 s (among those called at\n"
    "                 least twice or running then) are timed line by line\n"
    "                 from then on\n"
    "  -h, --help     show this help\n"
    "\n"
    "The program's output, exit status and signals are its own; lento's\n"
    "summary goes to standard error.  Ctrl-C or SIGTERM stop the program,\n"
    "and the profile and figures so far are still saved and printed.  If\n"
    "the program crashes or is killed, lento says how it ended, prints the\n"
    "figures and keeps the profile up to its last save (every second),\n"
    "marked partial.\n"
    "`lento report FILE` prints it all again.  `lento stat` measures any\n"
    "command the same way, without the profile.\n"
    "\n"
    "examples:\n"
    "  lento run myscript.py --its-option 3\n"
    "  lento run -o before.pstats -m mypackage.cli\n";

/* Seconds lento run waits, after the program's end, for the processes it
 * started to end and save their profiles. */
#define RUN_CHILD_WAIT 2.0

static const char *html_out; /* --html FILE, or NULL */
static int want_lines;       /* --lines in any form */

/* The interpreter to run: $LENTO_PYTHON, else the python3 installed beside
 * this executable (a venv's or an installation's bin/), else the one lento
 * was built with. */
static const char *find_python(char *buf, size_t cap)
{
    const char *env = getenv("LENTO_PYTHON");
    if (env && *env)
        return env;
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash && (size_t)(slash - buf) + sizeof "/python3" < cap) {
            strcpy(slash, "/python3");
            if (access(buf, X_OK) == 0)
                return buf;
        }
    }
    if (access(LENTO_BUILD_PYTHON, X_OK) == 0)
        return LENTO_BUILD_PYTHON;
    return "python3";
}

/* Default output: the script's (or module's) base name with .lento. */
static void default_output(char *dst, size_t cap, const char *kind,
                           const char *what)
{
    if (!strcmp(kind, "-c")) {
        snprintf(dst, cap, "lento-c.lento");
        return;
    }
    const char *base = strrchr(what, '/');
    base = base ? base + 1 : what;
    size_t n = strlen(base);
    if (!strcmp(kind, "script") && n > 3 && !strcmp(base + n - 3, ".py"))
        n -= 3;
    if (n == 0)
        snprintf(dst, cap, "lento.lento");
    else
        snprintf(dst, cap, "%.*s.lento", (int)n, base);
}

/* The one rule for lento run's -o: .pstats and .prof names get a pstats
 * file, every other name lento's own. */
static int wants_pstats(const char *out)
{
    return path_ends_with(out, ".pstats") || path_ends_with(out, ".prof");
}

/* Prints what the run found: the summary, then the Bottleneck section
 * (or all of it as JSON).  0 or -errno. */
static int print_all(const profile *p, const char *label, unsigned top,
                     int json, const char *saved_to)
{
    enum { N_HOT = 10 };
    hotspot hot[N_HOT];
    size_t n_hot = 0;
    verdict v;
    int rc = hotspots_verdict(p, hot, N_HOT, &n_hot, &v);
    if (rc < 0)
        goto done;
    fflush(stdout);
    if (json) {
        json_report jr = {"run", NULL, label, saved_to, p->system,
                          p->system ? &v : NULL, hot, n_hot, p};
        rc = json_write(stderr, &jr);
    } else {
        summary_opts o = {top, label};
        rc = summary_print(stderr, p, &o);
        if (rc == 0 && p->system)
            rc = bottleneck_print(stderr, p->system, &v);
    }
done:
    verdict_free(&v);
    return rc;
}

/* Without a profile (the program died before its first save), the
 * figures of the run are still worth having: as `lento stat` prints them. */
static void print_figures_only(profile_system *fig, int json)
{
    verdict v;
    if (verdict_compute(fig, NULL, 0, &v) < 0)
        return;
    fflush(stdout);
    if (json) {
        json_report jr = {"run", NULL, NULL, NULL, fig, &v, NULL, 0, NULL};
        json_write(stderr, &jr);
    } else {
        bottleneck_print(stderr, fig, &v);
    }
    verdict_free(&v);
}

/* Reads the profiles the run's processes saved in dir, adds the system
 * figures (fig; taken over), writes the format the user asked for, prints
 * it all.  Returns 0, or 1 if the profile could not be had. */
static int finish(const char *dir, const char *out, const char *label,
                  unsigned top, int json, profile_system *fig)
{
    profile *p = NULL;
    const char *why = NULL;
    /* pool workers, a forkserver, a resource tracker end just after the
     * program: give them a moment to save */
    unsigned running = run_wait_children(dir, RUN_CHILD_WAIT);
    if (running)
        fprintf(stderr, "lento: %u process%s the program started still "
                        "ran %.0f s after it ended; %s profile is partial "
                        "(up to its last save)\n",
                running, running == 1 ? "" : "es", RUN_CHILD_WAIT,
                running == 1 ? "its" : "their");
    run_own_io own = {0, 0};
    int rc = run_collect(dir, &p, &why, &own);
    run_own_io_remove(fig, &own);
    run_print_ending(stderr, fig ? fig->term_signal : 0, p);
    if (rc < 0) {
        if (rc != -ENOENT)
            fprintf(stderr, "lento: no profile was saved (%s)\n",
                    why ? why : strerror(-rc));
        if (fig)
            print_figures_only(fig, json);
        system_free(fig);
        return 1;
    }
    p->system = fig;
    /* Save before printing: a closed terminal must not cost the profile. */
    int status = 0;
    if (outfile_is_stdout(out))
        fflush(stdout);
    int save_rc = wants_pstats(out) ? pstats_write(p, out)
                                    : store_write(p, out);
    if (save_rc < 0)
        status = 1;
    /* the label the profile keeps, so `lento report` says the same */
    const char *saved = profile_get_meta(p, "command");
    rc = print_all(p, saved ? saved : label, top, json, status ? NULL : out);
    if (rc < 0)
        fprintf(stderr, "lento: cannot print the report: %s\n",
                strerror(-rc));
    if (want_lines && cli_lines_print(stderr, p) < 0)
        status = 1;
    if (save_rc < 0)
        fprintf(stderr, "lento: the profile was not saved: cannot write "
                        "%s%s%s: %s\n", outfile_is_stdout(out) ? "" : "'",
                cli_out_name(out), outfile_is_stdout(out) ? "" : "'",
                strerror(-save_rc));
    else if (!json && outfile_is_stdout(out))
        fprintf(stderr, "\nProfile written to standard output\n");
    else if (!json && !wants_pstats(out))
        fprintf(stderr, "\nProfile saved to %s (lento report %s)\n", out,
                out);
    else if (!json)
        fprintf(stderr, "\nProfile saved to %s\n", out);
    if (html_out && cli_html_write(p, html_out) < 0)
        status = 1;
    profile_free(p);
    return status;
}

int cli_run(int argc, char **argv)
{
    const char *out = NULL, *kind = NULL, *what = NULL;
    unsigned top = 10;
    int threads = 1, builtins = 1, json = 0, children = 1, i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(a, "--no-threads")) {
            threads = 0;
        } else if (!strcmp(a, "--no-builtins")) {
            builtins = 0;
        } else if (!strcmp(a, "--no-children")) {
            children = 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--lines") || !strncmp(a, "--lines=", 8)) {
            if (a[7] == '=' && (!a[8] || (strcmp(a + 8, "auto") &&
                                          !strchr(a + 8, ':')))) {
                fprintf(stderr, "lento: --lines pattern '%s' is not "
                                "module:function, module:Class.method or "
                                "path/to/file.py:function\n", a + 8);
                return 2;
            }
            want_lines++;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--top") ||
                   !strcmp(a, "--html") || !strcmp(a, "-m") ||
                   !strcmp(a, "-c")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lento: %s needs a value (lento run --help)\n",
                        a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-o")) {
                out = v;
            } else if (!strcmp(a, "--html")) {
                html_out = v;
            } else if (!strcmp(a, "--top")) {
                if (!(top = cli_parse_top(v))) {
                    fprintf(stderr, "lento: --top takes a positive number\n");
                    return 2;
                }
            } else {
                kind = a;
                what = v;
                i++;
                break;
            }
        } else if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "lento: unknown option '%s' (lento run --help)\n",
                    a);
            return 2;
        } else {
            break;
        }
    }
    if (!what) {
        if (i >= argc) {
            fprintf(stderr, "lento: nothing to run\n%s", help);
            return 2;
        }
        kind = "script";
        what = argv[i++];
    }

    char defout[PATH_MAX];
    if (!out) {
        default_output(defout, sizeof defout, kind, what);
        out = defout;
    }
    /* Before the run: no run is wasted on an output that cannot be
     * written, and no file of the user's is lost to one. */
    if (run_check_outputs(out, wants_pstats(out) ? "pstats" : "lento profile",
                          html_out, strcmp(kind, "script") ? NULL : what) < 0)
        return 2;
    /* The program's processes save into a private directory; the
     * destination is written once, at the end, so a run that fails leaves
     * the previous profile as it was and nothing stray beside it. */
    char dir[PATH_MAX], raw[PATH_MAX + 16];
    int drc = run_dir_make(dir, sizeof dir);
    if (drc < 0) {
        fprintf(stderr, "lento: cannot make a temporary directory: %s\n",
                strerror(-drc));
        return 1;
    }
    snprintf(raw, sizeof raw, "%s/main.lento", dir);

    char pybuf[PATH_MAX];
    const char *python = find_python(pybuf, sizeof pybuf);
    int rest = argc - i;
    char **cargv = calloc((size_t)rest + (size_t)want_lines + 12,
                          sizeof *cargv);
    if (!cargv) {
        fprintf(stderr, "lento: out of memory\n");
        return 1;
    }
    int k = 0;
    cargv[k++] = (char *)python;
    cargv[k++] = "-m";
    cargv[k++] = "lento";
    cargv[k++] = "-o";
    cargv[k++] = raw;
    if (!threads)
        cargv[k++] = "--no-threads";
    if (!builtins)
        cargv[k++] = "--no-builtins";
    for (int j = 0; want_lines && j < i; j++)
        if (!strcmp(argv[j], "--lines") || !strncmp(argv[j], "--lines=", 8))
            cargv[k++] = argv[j];
    if (strcmp(kind, "script") != 0)
        cargv[k++] = (char *)kind;
    else
        cargv[k++] = "--";
    cargv[k++] = (char *)what;
    for (int j = 0; j < rest; j++)
        cargv[k++] = argv[i + j];
    cargv[k] = NULL;

    supervise_opts so = {cargv, "/proc", 0.05, 1};
    supervise_result sr;
    run_env_set(dir, children, builtins && !want_lines, threads);
    int rc = supervise_run(&so, &sr);
    run_env_clear();
    free(cargv);
    /* a closed stderr must not kill lento before it saves (set only now:
     * an ignored signal would be inherited by the program) */
    signal(SIGPIPE, SIG_IGN);
    if (rc < 0) {
        run_dir_remove(dir);
        fprintf(stderr, "lento: cannot start the program: %s\n",
                strerror(-rc));
        return 1;
    }
    if (sr.exec_errno) {
        run_dir_remove(dir);
        fprintf(stderr, "lento: cannot run Python '%s': %s\n", python,
                strerror(sr.exec_errno));
        return sr.status;
    }
    int status = sr.status;
    /* an exit without a profile is lento's own refusal (a bad option, a
     * missing script), which said why */
    if (access(raw, F_OK) != 0 && !sr.fig->term_signal) {
        run_dir_remove(dir);
        system_free(sr.fig);
        return status ? status : 1;
    }
    int frc = finish(dir, out, what, top, json, sr.fig);
    run_dir_remove(dir);
    return status ? status : frc;
}
