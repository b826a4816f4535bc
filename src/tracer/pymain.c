/* pymain.c: `python -m lento [-o out] [-s sort] (script | -m mod | -c code)
 * [args...]`, accepting what `python -m cProfile` accepts.
 *
 * Without -o the table is printed as cProfile prints it.  With -o, a name
 * ending in .lento gets lento's own profile file (what `lento run` reads
 * back); any other name gets a pstats file, as cProfile writes. */
#include "pymain.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/outfile.h"
#include "../core/paths.h"
#include "../core/pstats.h"
#include "../core/store.h"
#include "clock.h"
#include "lineprof.h"
#include "lines.h"
#include "module.h"
#include "persist.h"
#include "runner.h"

static const char usage[] =
    "usage: python -m lento [-o output_file] [-s sort] [--no-threads]\n"
    "                       [--no-builtins]\n"
    "                       (scriptfile | -m module | -c code) [arg] ...\n"
    "\n"
    "Runs a Python program under lento's profiler, like python -m "
    "cProfile.\n"
    "\n"
    "  -o FILE, --outfile FILE  save the profile instead of printing it: a\n"
    "                           .lento name writes lento's profile file,\n"
    "                           any other name a pstats file; '-' writes\n"
    "                           it to standard output.  An existing file\n"
    "                           is replaced only by a profile of its kind\n"
    "  -s SORT, --sort SORT     sort order of the printed table (as pstats:\n"
    "                           cumulative, tottime, calls, name, ...)\n"
    "  -m MODULE                run a library module as a script\n"
    "  -c CODE                  run a program passed as a string\n"
    "  --no-threads             profile the main thread only (as cProfile)\n"
    "  --no-builtins            time Python functions only, several times\n"
    "                           faster: C functions' time counts in their\n"
    "                           callers (as cProfile with builtins=False)\n"
    "  --lines                  time the lines of functions decorated with\n"
    "                           @profile (as kernprof -l); implies\n"
    "                           --no-builtins\n"
    "  --lines=PATTERN          also time the lines of module:function,\n"
    "                           module:Class.method or file.py:function\n"
    "                           (repeatable)\n"
    "  --lines=auto             time the lines of the functions with the\n"
    "                           most self time, chosen after 0.2 s\n"
    "  -h, --help               show this help\n"
    "\n"
    "The `lento` command adds a summary, saved profiles and more: lento "
    "--help.\n";


static int is_stdout(const char *out)
{
    return outfile_is_stdout(out);
}

/* The one rule for python -m lento's -o, cProfile's: a .lento name gets
 * lento's own file, any other name a pstats file. */
static int wants_lento(const char *out)
{
    return path_ends_with(out, ".lento");
}

/* Checks before the program runs that out can be written and that writing
 * it loses nothing: not the script itself (script, or NULL), not a file
 * that is not a profile of the kind written.  Prints why not.  1 if all is
 * well. */
static int output_ok(const char *out, const char *script)
{
    if (script && path_same_file(out, script)) {
        fprintf(stderr, "lento: '%s' is the program being run; not "
                        "overwriting it (choose another -o)\n", out);
        return 0;
    }
    char dir[4096];
    int rc = path_check_output(out, wants_lento(out) ? store_sniff
                                                     : pstats_sniff,
                               dir, sizeof dir);
    path_say_refusal(stderr, rc, out, dir,
                     wants_lento(out) ? "a lento profile" : "a pstats file",
                     "choose another -o");
    return rc == 0;
}

static int valid_sort(PyObject *sort)
{
    PyObject *pstats = PyImport_ImportModule("pstats");
    PyObject *stats = pstats ? PyObject_GetAttrString(pstats, "Stats") : NULL;
    PyObject *keys = stats ? PyObject_GetAttrString(stats,
                                                    "sort_arg_dict_default")
                           : NULL;
    int ok = keys ? PySequence_Contains(keys, sort) : -1;
    Py_XDECREF(pstats);
    Py_XDECREF(stats);
    Py_XDECREF(keys);
    if (ok < 0)
        PyErr_Clear();
    return ok == 1;
}

/* Clears the exception in flight and returns -errno for it: its errno if
 * it is an OSError that has one, else -EIO. */
static int take_exception_errno(void)
{
    int err = EIO;
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (v && PyObject_IsInstance(v, PyExc_OSError) == 1) {
        PyObject *e = PyObject_GetAttrString(v, "errno");
        long n = e && PyLong_Check(e) ? PyLong_AsLong(e) : 0;
        if (n > 0 && n < 4096)
            err = (int)n;
        Py_XDECREF(e);
    }
    PyErr_Clear();
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    return -err;
}

/* Flushes sys.stdout (what the program printed goes before what lento
 * writes to fd 1).  0, or -errno with no exception left set. */
static int flush_stdout(void)
{
    PyObject *f = PySys_GetObject("stdout"); /* borrowed */
    if (!f || f == Py_None)
        return 0;
    PyObject *r = PyObject_CallMethod(f, "flush", NULL);
    if (r) {
        Py_DECREF(r);
        return 0;
    }
    return take_exception_errno();
}

/* Standard output failed (a full disk, a closed pipe): the interpreter
 * would try the unwritten bytes again at exit and print a traceback of
 * its own, after lento's one line.  Pointing fd 1 at /dev/null lets that
 * last flush succeed quietly; nothing more can reach the real output. */
static void drop_stdout(void)
{
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        close(fd);
    }
}

/* The --lines session's mode ("decorated", "patterns", "auto") and when
 * the program started (clock ns), for the metadata. */
static const char *lp_mode = "decorated";
static int64_t lp_start;

/* Starts the --lines session: lento.profile and builtins.profile select
 * into it.  Without --lines, builtins.profile is the no-op lento.profile
 * unless the program's builtins already have one.  0, or a exit status
 * after printing why. */
static int lines_begin(PyObject *module, lineprof **lpp, PyObject *patterns,
                       int mode)
{
    PyObject *builtins = PyImport_ImportModule("builtins");
    PyObject *deco = PyObject_GetAttrString(module, "profile");
    int rc = RUN_EXIT_FAILED;
    if (!builtins || !deco)
        goto fail;
    if (mode) {
        module_state *st = module_get_state(module);
        lineprof *lp = (lineprof *)PyObject_CallNoArgs(st->lineprof_type);
        if (!lp)
            goto fail;
        *lpp = lp;
        for (Py_ssize_t i = 0; patterns && i < PyList_GET_SIZE(patterns);
             i++) {
            const char *spec = PyUnicode_AsUTF8(PyList_GET_ITEM(patterns, i));
            if (!spec || lines_add_pattern(&lp->o, spec) < 0) {
                rc = RUN_EXIT_USAGE;
                goto fail;
            }
        }
        lineprof_session = lp;
        lp_start = clock_now_ns();
        if (mode == 2) {
            lp_mode = "auto";
            lines_auto_owner = &lp->o;
            lines_auto_arm(lp_start + 200000000);
        } else {
            lp_mode = lp->o.n_patterns ? "patterns" : "decorated";
            if (lines_enable(&lp->o) < 0)
                runner_print_exc("cannot time lines; the program runs without line "
                         "timing");
        }
    }
    if (mode || !PyObject_HasAttrString(builtins, "profile"))
        if (PyObject_SetAttrString(builtins, "profile", deco) < 0)
            goto fail;
    Py_DECREF(builtins);
    Py_DECREF(deco);
    return 0;
fail:
    if (PyErr_Occurred()) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        PyObject *s = v ? PyObject_Str(v) : NULL;
        fprintf(stderr, "lento: %s\n",
                s && PyUnicode_AsUTF8(s) ? PyUnicode_AsUTF8(s) : "error");
        PyErr_Clear();
        Py_XDECREF(s);
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(tb);
    }
    Py_XDECREF(builtins);
    Py_XDECREF(deco);
    return rc;
}

/* Stops the session; warns about patterns that matched nothing. */
static void lines_end(lineprof *lp)
{
    if (!lp)
        return;
    lines_auto_disarm();
    lines_auto_owner = NULL;
    lineprof_session = NULL;
    lines_disable(&lp->o);
    for (uint32_t i = 0; i < lp->o.n_patterns; i++)
        if (!lp->o.patterns[i].matched)
            fprintf(stderr, "lento: warning: --lines pattern '%s' matched no "
                            "function that ran\n", lp->o.patterns[i].spec);
    if (!strcmp(lp_mode, "auto") && !lines_auto_switched)
        fprintf(stderr, "lento: warning: --lines=auto: the program ended "
                        "before 0.2 s, when line timing would have started; "
                        "name functions with --lines=module:function\n");
    else if (!lp->o.n_codes && !lp->o.n_patterns)
        fprintf(stderr, "lento: warning: --lines: no function was selected "
                        "(decorate functions with @profile, or use "
                        "--lines=module:function)\n");
}

/* What ran, as a person would type it: "script.py a b", "-m mod a". */
static PyObject *command_label(const run_target *t)
{
    PyObject *parts = PyList_New(0), *sep = PyUnicode_FromString(" ");
    PyObject *res = NULL;
    if (!parts || !sep)
        goto done;
    if (t->kind != TARGET_SCRIPT) {
        PyObject *flag = PyUnicode_FromString(t->kind == TARGET_MODULE
                                                  ? "-m" : "-c");
        if (!flag || PyList_Append(parts, flag) < 0) {
            Py_XDECREF(flag);
            goto done;
        }
        Py_DECREF(flag);
    }
    if (PyList_Append(parts, t->what) < 0 ||
        PyList_SetSlice(parts, PY_SSIZE_T_MAX, PY_SSIZE_T_MAX, t->args) < 0)
        goto done;
    res = PyUnicode_Join(sep, parts);
done:
    PyErr_Clear();
    Py_XDECREF(parts);
    Py_XDECREF(sep);
    return res;
}

static PyObject *status_obj(int status)
{
    return PyLong_FromLong(status);
}

/* The arguments as the file system encodes them (bytes, surrogateescape
 * undone), so that a script or -o name that is not UTF-8 is the very name
 * the user typed.  A new list of bytes, or NULL with an exception set. */
static PyObject *fs_args(PyObject *argv)
{
    Py_ssize_t n = PyList_GET_SIZE(argv);
    PyObject *res = PyList_New(n);
    for (Py_ssize_t i = 0; res && i < n; i++) {
        PyObject *b = PyUnicode_EncodeFSDefault(PyList_GET_ITEM(argv, i));
        if (!b)
            Py_CLEAR(res);
        else
            PyList_SET_ITEM(res, i, b);
    }
    return res;
}

PyObject *pymain_main(PyObject *module, PyObject *argv)
{
    if (!PyList_Check(argv)) {
        PyErr_SetString(PyExc_TypeError, "main() takes a list of str");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(argv), i = 0, script_at = -1;
    const char *out = NULL;
    PyObject *sort = NULL;
    int threads = 1, builtins = 1, lines = 0;
    PyObject *result = NULL, *code = NULL, *globals = NULL, *prof = NULL;
    lineprof *lp = NULL;
    run_target t = {TARGET_SCRIPT, NULL, NULL};
    PyObject *patterns = PyList_New(0);
    PyObject *bargs = fs_args(argv); /* owns the strings below */
    if (!patterns || !bargs)
        goto done;
    for (; i < n; i++) {
        const char *a = PyBytes_AS_STRING(PyList_GET_ITEM(bargs, i));
        const char *val = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            result = status_obj(0);
            goto done;
        } else if (strcmp(a, "--no-threads") == 0) {
            threads = 0;
        } else if (strcmp(a, "--no-builtins") == 0) {
            builtins = 0;
        } else if (strcmp(a, "--lines") == 0) {
            lines = lines ? lines : 1;
        } else if (strncmp(a, "--lines=", 8) == 0) {
            if (!strcmp(a + 8, "auto")) {
                lines = 2;
            } else {
                PyObject *pat = PyUnicode_DecodeFSDefault(a + 8);
                if (!pat || PyList_Append(patterns, pat) < 0) {
                    Py_XDECREF(pat);
                    goto done;
                }
                Py_DECREF(pat);
                lines = lines ? lines : 1;
            }
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--outfile") ||
                   !strcmp(a, "-s") || !strcmp(a, "--sort") ||
                   !strcmp(a, "-m") || !strcmp(a, "-c")) {
            if (i + 1 >= n) {
                fprintf(stderr, "lento: option %s needs a value (python -m "
                                "lento --help)\n", a);
                result = status_obj(RUN_EXIT_USAGE);
                goto done;
            }
            val = PyBytes_AS_STRING(PyList_GET_ITEM(bargs, ++i));
        } else if (!strncmp(a, "-o", 2) || !strncmp(a, "-s", 2)) {
            val = a + 2;
        } else if (!strncmp(a, "--outfile=", 10) ||
                   !strncmp(a, "--sort=", 7)) {
            val = strchr(a, '=') + 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "lento: unknown option %s (python -m lento "
                            "--help)\n", a);
            result = status_obj(RUN_EXIT_USAGE);
            goto done;
        } else {
            break; /* the script */
        }
        if (!val)
            continue;
        char opt = a[1] == '-' ? a[2] : a[1];
        if (opt == 'o') {
            out = val;
        } else if (opt == 's') {
            Py_XDECREF(sort);
            if (!(sort = PyUnicode_DecodeFSDefault(val)))
                goto done;
            if (!valid_sort(sort)) {
                fprintf(stderr, "lento: invalid sort '%s' (try cumulative, "
                                "tottime, calls, name, stdname)\n", val);
                result = status_obj(RUN_EXIT_USAGE);
                goto done;
            }
        } else {
            t.kind = opt == 'm' ? TARGET_MODULE : TARGET_CODE;
            t.what = PyUnicode_DecodeFSDefault(val);
            i++;
            break;
        }
    }
    if (!t.what) {
        if (i >= n) {
            fputs(usage, stderr); /* as python -m cProfile does */
            result = status_obj(RUN_EXIT_USAGE);
            goto done;
        }
        script_at = i;
        t.what = Py_NewRef(PyList_GET_ITEM(argv, i++));
    }
    t.args = PyList_GetSlice(argv, i, n);
    if (lines == 2 && PyList_GET_SIZE(patterns)) {
        fprintf(stderr, "lento: --lines=auto cannot be combined with "
                        "--lines=PATTERN\n");
        result = status_obj(RUN_EXIT_USAGE);
        goto done;
    }
    if (!t.what || !t.args)
        goto done;
    if (out && !output_ok(out, script_at < 0 ? NULL
                                             : PyBytes_AS_STRING(PyList_GET_ITEM(
                                                   bargs, script_at)))) {
        result = status_obj(RUN_EXIT_USAGE);
        goto done;
    }
    /* the program may chdir(): fix the output's place now, as cProfile
     * does */
    char absout[2 * 4096 + 2], cwd[4096];
    if (out && out[0] != '/' && !is_stdout(out) && getcwd(cwd, sizeof cwd)) {
        int len = snprintf(absout, sizeof absout, "%s/%s", cwd, out);
        if (len > 0 && (size_t)len < sizeof absout)
            out = absout;
    }
    int status = runner_prepare(&t, &code, &globals);
    if (status) {
        result = status_obj(status);
        goto done;
    }
    status = lines_begin(module, &lp, patterns, lines);
    if (status) {
        result = status_obj(status);
        goto done;
    }
    module_state *st = module_get_state(module);
    prof = PyObject_CallFunction(st->profile_type, NULL);
    if (!prof)
        goto done;
    ((profiler *)prof)->tr.threads = threads;
    /* with line timing on, the function profile runs in fast mode, so a
     * frame that is not selected costs what fast mode costs */
    ((profiler *)prof)->tr.builtins = builtins && !lines;
    if (out) {
        persist_save_on_sigterm();
        PyObject *label = command_label(&t);
        int rc = persist_begin((profiler *)prof, lp, out, label);
        Py_XDECREF(label);
        if (rc < 0)
            goto done;
        persist_set_lines(lp_mode, lp_start);
    }
    status = runner_run((profiler *)prof, code, globals);
    lines_end(lp);
    if (out) {
        /* what the program printed goes before a profile written to
         * standard output */
        int rc = is_stdout(out) ? flush_stdout() : 0;
        if (rc == 0)
            rc = persist_save_final(status);
        persist_end();
        if (rc < 0 && is_stdout(out)) {
            fprintf(stderr, "lento: cannot write standard output: %s\n",
                    strerror(-rc));
            drop_stdout();
        } else if (rc < 0) {
            fprintf(stderr, "lento: cannot write '%s': %s\n", out,
                    strerror(-rc));
        }
        if (rc < 0 && !status)
            status = RUN_EXIT_FAILED;
    } else {
        /* cProfile's command line sorts by cumulative time (its -s
         * default, 2); Profile.print_stats() by standard name (-1) */
        /* nothing recorded (the profiler could not start): pstats has no
         * table to print */
        PyObject *r = !((profiler *)prof)->tr.reg.n ? NULL
                      : sort ? PyObject_CallMethod(prof, "print_stats", "O",
                                                   sort)
                             : PyObject_CallMethod(prof, "print_stats", "i",
                                                   2);
        int frc = 0; /* standard output's first error */
        if (!r && PyErr_Occurred()) {
            if (PyErr_ExceptionMatches(PyExc_OSError))
                frc = take_exception_errno(); /* told below */
            else
                PyErr_Print();
        } else {
            Py_XDECREF(r);
        }
        r = lp && !frc ? PyObject_CallMethod((PyObject *)lp, "print_stats",
                                             NULL)
                       : NULL;
        if (lp && !frc && !r) {
            if (PyErr_ExceptionMatches(PyExc_OSError))
                frc = take_exception_errno();
            else
                PyErr_Print();
        }
        Py_XDECREF(r);
        /* the printed table is the output here: a failure to write it is
         * a failure of the command, in one line */
        if (!frc)
            frc = flush_stdout();
        if (frc < 0) {
            fprintf(stderr, "lento: cannot write standard output: %s\n",
                    strerror(-frc));
            drop_stdout();
            if (!status)
                status = RUN_EXIT_FAILED;
        }
    }
    result = status_obj(status);
done:
    Py_XDECREF(bargs);
    if (lp && lineprof_session == lp) {
        lines_auto_disarm();
        lines_auto_owner = NULL;
        lineprof_session = NULL;
    }
    Py_XDECREF(lp);
    Py_XDECREF(patterns);
    Py_XDECREF(sort);
    Py_XDECREF(t.what);
    Py_XDECREF(t.args);
    Py_XDECREF(code);
    Py_XDECREF(globals);
    Py_XDECREF(prof);
    return result;
}
