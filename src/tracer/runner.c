/* runner.c: run a script, a module or a code string as __main__. */
#include "runner.h"
#include "engine.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* str(v) as UTF-8 bytes, a name that is not UTF-8 (surrogate-escaped)
 * shown as \xNN; a new reference, or NULL with no exception set. */
static PyObject *exc_text(PyObject *v)
{
    PyObject *s = v ? PyObject_Str(v) : NULL;
    PyObject *u = s ? PyUnicode_AsEncodedString(s, "utf-8",
                                                "backslashreplace")
                    : NULL;
    Py_XDECREF(s);
    PyErr_Clear();
    return u;
}

void runner_print_exc(const char *prefix)
{
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    PyObject *s = exc_text(v);
    const char *msg = s ? PyBytes_AS_STRING(s) : NULL;
    PyErr_Clear();
    fprintf(stderr, "lento: %s: %s%s%s\n", prefix,
            t ? ((PyTypeObject *)t)->tp_name : "error", msg && *msg ? ": " : "",
            msg ? msg : "");
    Py_XDECREF(s);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
}

static int set_sys(const char *name, PyObject *v)
{
    int rc = v ? PySys_SetObject(name, v) : -1;
    Py_XDECREF(v);
    return rc;
}

/* sys.argv = [argv0] + args */
static int set_argv(PyObject *argv0, PyObject *args)
{
    PyObject *argv = PyList_New(0);
    if (!argv || PyList_Append(argv, argv0) < 0 ||
        PyList_SetSlice(argv, 1, 1, args) < 0) {
        Py_XDECREF(argv);
        return -1;
    }
    return set_sys("argv", argv);
}

static int set_path0(PyObject *dir)
{
    PyObject *path = PySys_GetObject("path");
    if (!path || !PyList_Check(path))
        return -1;
    if (PyList_GET_SIZE(path) == 0)
        return PyList_Append(path, dir);
    return PyList_SetItem(path, 0, Py_NewRef(dir));
}

/* A fresh module named __main__, installed in sys.modules; its dict is
 * returned (new reference). */
static PyObject *new_main(void)
{
    PyObject *m = PyModule_New("__main__");
    if (!m)
        return NULL;
    PyObject *d = PyModule_GetDict(m);
    PyObject *builtins = PyImport_ImportModule("builtins");
    PyObject *modules = PyImport_GetModuleDict();
    if (!builtins || PyDict_SetItemString(d, "__builtins__", builtins) < 0 ||
        PyDict_SetItemString(modules, "__main__", m) < 0) {
        Py_XDECREF(builtins);
        Py_DECREF(m);
        return NULL;
    }
    Py_DECREF(builtins);
    Py_INCREF(d);
    Py_DECREF(m); /* sys.modules keeps it */
    return d;
}

static int dict_set(PyObject *d, const char *k, PyObject *v)
{
    int rc = v ? PyDict_SetItemString(d, k, v) : -1;
    Py_XDECREF(v);
    return rc;
}

/* Reads a whole file into a NUL-terminated buffer (caller frees). */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f)) {
            free(buf);
            buf = NULL;
            break;
        }
        if (feof(f))
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int saved = errno;
    fclose(f);
    errno = saved;
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static int prepare_script_named(const run_target *t, const char *given,
                                PyObject **code, PyObject **globals)
{
    struct stat st;
    if (stat(given, &st) < 0) {
        fprintf(stderr, "lento: can't open file '%s': %s\n", given,
                strerror(errno));
        return RUN_EXIT_USAGE;
    }
    if (S_ISDIR(st.st_mode)) {
        fprintf(stderr, "lento: '%s' is a directory, not a Python script\n",
                given);
        return RUN_EXIT_USAGE;
    }
    size_t len = 0;
    char *src = read_all(given, &len);
    if (!src) {
        fprintf(stderr, "lento: can't read file '%s': %s\n", given,
                strerror(errno));
        return RUN_EXIT_USAGE;
    }
    /* Python makes __main__.__file__ and the code's file name absolute,
     * and puts the script's real directory first on sys.path. */
    char cwd[PATH_MAX], absbuf[2 * PATH_MAX + 2], realbuf[PATH_MAX];
    const char *abs = given;
    if (given[0] != '/' && getcwd(cwd, sizeof cwd)) {
        int n = snprintf(absbuf, sizeof absbuf, "%s/%s", cwd, given);
        if (n > 0 && (size_t)n < sizeof absbuf)
            abs = absbuf;
    }
    const char *real = realpath(given, realbuf) ? realbuf : abs;
    if (strlen(src) != len) {
        fprintf(stderr, "lento: cannot run '%s': source code cannot contain "
                        "null bytes\n", given);
        free(src);
        return RUN_EXIT_FAILED;
    }
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    *code = Py_CompileStringExFlags(src, abs, Py_file_input, &flags, -1);
    free(src);
    if (!*code) {
        runner_print_exc("cannot run the script");
        return RUN_EXIT_FAILED;
    }
    PyObject *dir = NULL;
    const char *slash = strrchr(real, '/');
    dir = PyUnicode_DecodeFSDefaultAndSize(real, slash && slash != real
                                                     ? slash - real
                                                     : 1);
    PyObject *d = NULL;
    PyObject *machinery = PyImport_ImportModule("importlib.machinery");
    if (!dir || !machinery || set_path0(dir) < 0 ||
        set_argv(t->what, t->args) < 0 || !(d = new_main()) ||
        dict_set(d, "__file__", PyUnicode_DecodeFSDefault(abs)) < 0 ||
        dict_set(d, "__cached__", Py_NewRef(Py_None)) < 0 ||
        dict_set(d, "__loader__",
                 PyObject_CallMethod(machinery, "SourceFileLoader", "sO&",
                                     "__main__", PyUnicode_DecodeFSDefault,
                                     abs)) < 0) {
        Py_XDECREF(dir);
        Py_XDECREF(machinery);
        Py_XDECREF(d);
        Py_CLEAR(*code);
        runner_print_exc("cannot set up the script");
        return RUN_EXIT_FAILED;
    }
    Py_DECREF(dir);
    Py_DECREF(machinery);
    *globals = d;
    return 0;
}

static int prepare_script(const run_target *t, PyObject **code,
                          PyObject **globals)
{
    /* the file system's bytes: a name that is not UTF-8 is still a name */
    PyObject *fsname = PyUnicode_EncodeFSDefault(t->what);
    if (!fsname) {
        runner_print_exc("cannot run the script");
        return RUN_EXIT_USAGE;
    }
    int rc = prepare_script_named(t, PyBytes_AS_STRING(fsname), code,
                                  globals);
    Py_DECREF(fsname);
    return rc;
}

static int prepare_module(const run_target *t, PyObject **code,
                          PyObject **globals)
{
    PyObject *runpy = PyImport_ImportModule("runpy");
    PyObject *det = runpy ? PyObject_CallMethod(runpy, "_get_module_details",
                                                "OO", t->what,
                                                PyExc_ImportError)
                          : NULL;
    Py_XDECREF(runpy);
    if (!det || !PyTuple_Check(det) || PyTuple_GET_SIZE(det) != 3) {
        if (PyErr_ExceptionMatches(PyExc_ImportError)) {
            PyObject *t_, *v, *tb;
            PyErr_Fetch(&t_, &v, &tb);
            PyObject *s = exc_text(v);
            fprintf(stderr, "lento: %s\n", s ? PyBytes_AS_STRING(s) : "?");
            PyErr_Clear();
            Py_XDECREF(s);
            Py_XDECREF(t_);
            Py_XDECREF(v);
            Py_XDECREF(tb);
        } else {
            runner_print_exc("cannot run the module");
        }
        Py_XDECREF(det);
        return RUN_EXIT_FAILED;
    }
    PyObject *spec = PyTuple_GET_ITEM(det, 1);
    PyObject *origin = PyObject_GetAttrString(spec, "origin");
    PyObject *d = NULL;
    int ok = origin && set_argv(origin, t->args) == 0 && (d = new_main()) &&
             dict_set(d, "__file__", Py_NewRef(origin)) == 0 &&
             dict_set(d, "__cached__",
                      PyObject_GetAttrString(spec, "cached")) == 0 &&
             dict_set(d, "__loader__",
                      PyObject_GetAttrString(spec, "loader")) == 0 &&
             dict_set(d, "__package__",
                      PyObject_GetAttrString(spec, "parent")) == 0 &&
             dict_set(d, "__spec__", Py_NewRef(spec)) == 0;
    Py_XDECREF(origin);
    if (!ok) {
        Py_XDECREF(d);
        Py_DECREF(det);
        runner_print_exc("cannot set up the module");
        return RUN_EXIT_FAILED;
    }
    *code = Py_NewRef(PyTuple_GET_ITEM(det, 2));
    *globals = d;
    Py_DECREF(det);
    return 0;
}

static int prepare_code(const run_target *t, PyObject **code,
                        PyObject **globals)
{
    const char *src = PyUnicode_AsUTF8(t->what);
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    *code = src ? Py_CompileStringExFlags(src, "<string>", Py_file_input,
                                          &flags, -1)
                : NULL;
    if (!*code) {
        runner_print_exc("cannot run the code");
        return RUN_EXIT_FAILED;
    }
    PyObject *dash = PyUnicode_FromString("-c"), *empty =
                                                     PyUnicode_FromString("");
    PyObject *d = NULL;
    int ok = dash && empty && set_argv(dash, t->args) == 0 &&
             set_path0(empty) == 0 && (d = new_main());
    Py_XDECREF(dash);
    Py_XDECREF(empty);
    if (!ok) {
        Py_CLEAR(*code);
        runner_print_exc("cannot set up the code");
        return RUN_EXIT_FAILED;
    }
    *globals = d;
    return 0;
}

int runner_prepare(const run_target *t, PyObject **code, PyObject **globals)
{
    *code = *globals = NULL;
    switch (t->kind) {
    case TARGET_SCRIPT:
        return prepare_script(t, code, globals);
    case TARGET_MODULE:
        return prepare_module(t, code, globals);
    case TARGET_CODE:
        return prepare_code(t, code, globals);
    }
    return RUN_EXIT_USAGE;
}

/* The exit status for a pending exception, printing it as Python would;
 * clears it. */
static int exit_status_of_exception(void)
{
    if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        PyErr_NormalizeException(&t, &v, &tb);
        PyObject *c = v ? PyObject_GetAttrString(v, "code") : NULL;
        int status = 0;
        if (!c || c == Py_None) {
            status = 0;
        } else if (PyLong_Check(c)) {
            status = (int)PyLong_AsLong(c);
        } else {
            /* sys.exit("message") prints the message and exits 1 */
            PyObject *sys_stderr = PySys_GetObject("stderr");
            if (sys_stderr && sys_stderr != Py_None) {
                PyFile_WriteObject(c, sys_stderr, Py_PRINT_RAW);
                PyFile_WriteString("\n", sys_stderr);
            }
            status = 1;
        }
        PyErr_Clear();
        Py_XDECREF(c);
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(tb);
        return status;
    }
    int sigint = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
    PyErr_Print();
    return sigint ? RUN_EXIT_SIGINT : 1;
}

/* Waits for non-daemon threads as the interpreter would at exit, so their
 * work is profiled.  Returns an exit status if the wait was interrupted,
 * else -1. */
static int wait_for_threads(void)
{
    PyObject *name = PyUnicode_FromString("threading");
    if (!name)
        return -1;
    PyObject *threading = PyImport_GetModule(name);
    Py_DECREF(name);
    if (!threading) {
        PyErr_Clear();
        return -1;
    }
    PyObject *r = PyObject_CallMethod(threading, "_shutdown", NULL);
    Py_DECREF(threading);
    if (r) {
        Py_DECREF(r);
        return -1;
    }
    return exit_status_of_exception();
}

int runner_run(profiler *p, PyObject *code, PyObject *globals)
{
    /* Another tool holding what the profiler needs (sys.monitoring's tool
     * ids) is no reason not to run the program: it runs unprofiled. */
    int profiling = profiler_enable(p) != NULL;
    if (!profiling)
        runner_print_exc("cannot profile; the program runs without the "
                       "function profile");
    PyObject *res = PyEval_EvalCode(code, globals, globals);
    /* The main thread's own part ends here.  Printing a traceback and
     * waiting for the other threads are lento's doing, not the program's,
     * so they are not recorded (the other threads still are). */
    if (profiling)
        engine_profile_detach_thread(p);
    int status = 0;
    if (res)
        Py_DECREF(res);
    else
        status = exit_status_of_exception();
    int wst = wait_for_threads();
    if (wst >= 0 && status == 0)
        status = wst;
    if (profiling && profiler_disable(p) < 0)
        runner_print_exc("warning");
    return status;
}
