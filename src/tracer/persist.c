/* persist.c: see persist.h.
 *
 * The flush timer is a C thread: it sleeps, takes the GIL
 * (PyGILState_Ensure), copies the profile as if every open call ended
 * then, encodes it, moves every open call's start past the time that
 * took (so no function is charged for lento's own work), gives the GIL
 * back, and writes the file.  A generation number tells an old timer to
 * stop; a semaphore wakes it, and timer_stop waits for it to end.
 * write_mu orders the timer's writes with the final save's, so a stale
 * flush never replaces the final file.
 */
#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/outfile.h"
#include "../core/paths.h"
#include "../core/pstats.h"
#include "../core/store.h"
#include "clock.h"
#include "lines.h"
#include "module.h"
#include "notes.h"
#include "recorder_keep.h"
#include "runner.h"

/* Seconds between flushes at least, and the largest share of the run they
 * may take: the interval grows when a profile takes long to save (a
 * profile of 20,000 functions, 1.1 MiB, takes about 30 ms here, so it is
 * saved every 3 s). */
#define FLUSH_SECONDS 1.0
#define FLUSH_SHARE 0.01

static struct {
    profiler *prof;   /* strong; NULL when not keeping */
    lineprof *lp;     /* strong or NULL */
    char *path;       /* where this process saves (owned) */
    char *dir;        /* lento run's directory, or NULL (owned) */
    PyObject *label;  /* str or NULL */
    const char *lines_mode;
    int64_t lines_start;
    int64_t t0;       /* clock ns when this process's profile began */
    long pid, ppid;
    int follow;       /* children are profiled (lento run without
                         --no-children) */
    int forked;       /* this process is a fork()ed child */
    int no_save;      /* a forked child that is not followed */
    int timer_on;
    pthread_t timer_th;  /* joinable while timer_on */
    int timer_paused;    /* stopped for a fork, to start again after it */
    uint64_t flushed_bytes, flushes; /* what the periodic saves wrote: the
                                        run's IO figures leave it out */
    uint64_t fork_ident; /* in a forked child: the forking thread */
    uint32_t fork_depth; /* and how many calls it had open then */
} ps;

static uint64_t timer_gen;  /* atomic: bumped to stop the current timer */

/* SIGTERM in a child process (see term_saver_install): the handler wakes
 * the timer thread, which saves and then lets SIGTERM kill the process as
 * it would have without lento.  term_armed (atomic) says a timer is there
 * to do it; without one the handler does the default at once. */
static sem_t wake_sem;
static int wake_sem_ok;
static volatile sig_atomic_t term_got;
static int term_armed;
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;
static int final_done;      /* under write_mu: no flush may write now */
static int hooks_installed; /* at-fork and os._exit, once per process */

/* ---- the profile as it stands --------------------------------------- */

static int any_busy(profiler *prof)
{
    Py_ssize_t n = PyList_GET_SIZE(prof->tr.recorders);
    for (Py_ssize_t i = 0; i < n; i++)
        if (((recorder *)PyList_GET_ITEM(prof->tr.recorders, i))->busy)
            return 1;
    return 0;
}

/* The profile with open calls closed at now; NULL on out-of-memory. */
static profile *snapshot_open(profiler *prof, int64_t now)
{
    profile *p = profile_new(tracer_tick(&prof->tr));
    if (!p || registry_export(&prof->tr.reg, p) < 0)
        goto nomem;
    Py_ssize_t n = PyList_GET_SIZE(prof->tr.recorders);
    for (Py_ssize_t i = 0; i < n; i++) {
        recorder *r = (recorder *)PyList_GET_ITEM(prof->tr.recorders, i);
        /* those of the parent's calls that are still open (a frame that
         * returned in the child was the child's too) */
        uint32_t inh = ps.forked && r->ident == ps.fork_ident
                           ? (ps.fork_depth < r->depth ? ps.fork_depth
                                                       : r->depth)
                           : 0;
        if (recorder_export_open(r, p, now, inh) < 0)
            goto nomem;
    }
    if (ps.lp && lineprof_export(ps.lp, p) < 0)
        goto nomem;
    if (notes_add(p, &prof->tr.notes_since) < 0)
        goto nomem;
    return p;
nomem:
    profile_free(p);
    return NULL;
}

static void set_meta_obj(profile *p, const char *k, PyObject *v)
{
    /* a name that is not UTF-8 (surrogate-escaped) stays readable as
     * \xNN: the file's strings are UTF-8 (docs/format.md) */
    PyObject *b = v && PyUnicode_Check(v)
                      ? PyUnicode_AsEncodedString(v, "utf-8",
                                                  "backslashreplace")
                      : NULL;
    if (b)
        profile_set_meta(p, k, PyBytes_AS_STRING(b));
    Py_XDECREF(b);
    PyErr_Clear();
}

/* " ".join(sys.argv): what a child process runs (after the interpreter,
 * sys.orig_argv for python -c, whose argv says only "-c").  New reference
 * or NULL; C only (no Python code runs), so the flush timer may call it. */
static PyObject *argv_label(void)
{
    PyObject *argv = PySys_GetObject("argv"); /* borrowed */
    PyObject *orig = PySys_GetObject("orig_argv");
    PyObject *dash_c = NULL;
    if (argv && PyList_Check(argv) && PyList_GET_SIZE(argv) &&
        PyUnicode_Check(PyList_GET_ITEM(argv, 0)) &&
        !PyUnicode_CompareWithASCIIString(PyList_GET_ITEM(argv, 0), "-c") &&
        orig && PyList_Check(orig) && PyList_GET_SIZE(orig) > 1)
        argv = dash_c = PyList_GetSlice(orig, 1, PyList_GET_SIZE(orig));
    PyObject *sep = PyUnicode_FromString(" ");
    PyObject *s = argv && PyList_Check(argv) && sep
                      ? PyUnicode_Join(sep, argv)
                      : NULL;
    Py_XDECREF(sep);
    Py_XDECREF(dash_c);
    PyErr_Clear();
    return s;
}

/* A child's name: multiprocessing's name for its workers
 * ("ForkPoolWorker-2"), else its command line.  New reference or NULL.
 * Read from the objects' dicts without calling Python code (the name
 * property would run in whichever thread saves). */
static PyObject *child_label(void)
{
    PyObject *key = PyUnicode_FromString("multiprocessing.process");
    PyObject *mod = key ? PyImport_GetModule(key) : NULL;
    Py_XDECREF(key);
    PyObject *cur = mod ? PyObject_GetAttrString(mod, "_current_process")
                        : NULL;
    PyObject *d = cur ? PyObject_GenericGetDict(cur, NULL) : NULL;
    PyObject *name = d && PyDict_Check(d)
                         ? PyDict_GetItemString(d, "_name") /* borrowed */
                         : NULL;
    Py_XINCREF(name);
    Py_XDECREF(d);
    Py_XDECREF(cur);
    Py_XDECREF(mod);
    PyErr_Clear();
    if (name && PyUnicode_Check(name) &&
        PyUnicode_CompareWithASCIIString(name, "MainProcess") != 0)
        return name;
    Py_XDECREF(name);
    return argv_label();
}

static void set_num(profile *p, const char *k, long long v)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", v);
    profile_set_meta(p, k, num);
}

/* The metadata every saved profile carries.  status: the exit status, or
 * a negative number if not known. */
static void fill_meta(profile *p, PyObject *label, int64_t now, int status,
                      int partial, int os_exit)
{
    char num[64];
    set_meta_obj(p, "command", label);
    snprintf(num, sizeof num, "%.9f", (double)(now - ps.t0) * 1e-9);
    profile_set_meta(p, "wall_seconds", num);
    if (status >= 0)
        set_num(p, "exit_status", status);
    set_num(p, "pid", ps.pid);
    set_num(p, "ppid", ps.ppid);
    set_num(p, "end_time", (long long)time(NULL));
    profile_set_meta(p, "python", Py_GetVersion());
    profile_set_meta(p, "builtins", ps.prof->tr.builtins ? "yes" : "no");
    if (ps.lp) {
        profile_set_meta(p, "lines", ps.lines_mode ? ps.lines_mode
                                                   : "decorated");
        if (lines_auto_switched && ps.lines_start) {
            snprintf(num, sizeof num, "%.9f",
                     (double)(lines_auto_switched - ps.lines_start) * 1e-9);
            profile_set_meta(p, "lines_since", num);
        }
    }
    if (partial)
        profile_set_meta(p, "partial", "yes");
    if (os_exit)
        profile_set_meta(p, "os_exit", "yes");
    if (ps.forked)
        profile_set_meta(p, "forked", "yes");
    if (ps.dir) {
        set_num(p, "lento_saved_bytes",
                (long long)__atomic_load_n(&ps.flushed_bytes,
                                           __ATOMIC_RELAXED));
        set_num(p, "lento_saves",
                (long long)__atomic_load_n(&ps.flushes, __ATOMIC_RELAXED));
    }
}

/* lento run's marker of a process that is profiling and has not saved
 * its end yet (dir/PID.live): lento run waits a moment for such
 * processes after the program's end, and calls the rest partial. */
static void live_marker(int create)
{
    if (!ps.dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%ld.live", ps.dir, ps.pid);
    if (create) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
    } else {
        unlink(path);
    }
}

static int write_profile(const profile *p, const char *path)
{
    /* python -m lento's rule, as cProfile's: .lento is lento's file, any
     * other name (or - for standard output) a pstats file */
    return path_ends_with(path, ".lento") ? store_write(p, path)
                                          : pstats_write(p, path);
}

/* ---- the flush timer ------------------------------------------------ */

static void shift_all(profiler *prof, int64_t d)
{
    Py_ssize_t n = PyList_GET_SIZE(prof->tr.recorders);
    for (Py_ssize_t i = 0; i < n; i++)
        recorder_shift((recorder *)PyList_GET_ITEM(prof->tr.recorders, i), d);
}

/* With the GIL: copies and encodes the profile into out, and the path to
 * write it to into *path (owned).  Returns the ns the GIL was held, or -1
 * if there is nothing to save now. */
static int64_t flush_encode(buf *out, char **path)
{
    if (!ps.prof || !ps.path || ps.no_save || ps.prof->tr.timer ||
        any_busy(ps.prof))
        return -1;
    int64_t a = clock_now_ns();
    int gc = PyGC_Disable(); /* no finalizer runs in this thread */
    profile *p = snapshot_open(ps.prof, a);
    int rc = -1;
    if (p) {
        PyObject *label = ps.label ? Py_NewRef(ps.label) : argv_label();
        fill_meta(p, label, a, -1, 1, 0);
        Py_XDECREF(label);
        rc = path_ends_with(ps.path, ".lento") ? store_encode(p, out)
                                               : pstats_encode(p, out);
        profile_free(p);
    }
    if (gc)
        PyGC_Enable();
    *path = rc == 0 ? strdup(ps.path) : NULL;
    int64_t d = clock_now_ns() - a;
    if (ps.prof->enabled)
        shift_all(ps.prof, d);
    return *path ? d : -1;
}

static int save_now(int status, int os_exit);

/* In the timer thread, after SIGTERM: save, then die of SIGTERM. */
static void term_save_and_die(void)
{
    PyGILState_STATE g = PyGILState_Ensure();
    if (ps.prof && !ps.no_save) {
        pthread_mutex_lock(&write_mu);
        int done = final_done;
        pthread_mutex_unlock(&write_mu);
        if (!done)
            save_now(128 + SIGTERM, 0);
    }
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    PyGILState_Release(g); /* not reached: SIGTERM is not blocked here */
}

/* Sleeps `wait` seconds, or until SIGTERM's handler wakes it. */
static void timer_sleep(double wait)
{
    if (wake_sem_ok) {
        struct timespec at;
        clock_gettime(CLOCK_REALTIME, &at);
        at.tv_sec += (time_t)wait;
        at.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
        if (at.tv_nsec >= 1000000000) {
            at.tv_sec++;
            at.tv_nsec -= 1000000000;
        }
        while (sem_timedwait(&wake_sem, &at) < 0 && errno == EINTR &&
               !term_got)
            ;
        return;
    }
    struct timespec ts = {(time_t)wait,
                          (long)((wait - (double)(time_t)wait) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void *flush_timer(void *arg)
{
    uint64_t gen = (uint64_t)(uintptr_t)arg;
    double wait = FLUSH_SECONDS;
    for (;;) {
        timer_sleep(wait);
        if (term_got)
            term_save_and_die();
        if (__atomic_load_n(&timer_gen, __ATOMIC_ACQUIRE) != gen) {
            if (term_got) /* came as this timer was being stopped */
                term_save_and_die();
            return NULL;
        }
        buf b;
        buf_init(&b, STORE_MAX_SIZE);
        char *path = NULL;
        PyGILState_STATE g = PyGILState_Ensure();
        int64_t held = __atomic_load_n(&timer_gen, __ATOMIC_ACQUIRE) == gen
                           ? flush_encode(&b, &path)
                           : -1;
        int64_t w0 = clock_now_ns();
        Py_BEGIN_ALLOW_THREADS
        if (held >= 0) {
            pthread_mutex_lock(&write_mu);
            if (!final_done &&
                __atomic_load_n(&timer_gen, __ATOMIC_ACQUIRE) == gen &&
                outfile_write(&b, path) == 0) {
                /* read with the GIL by fill_meta; a torn read only
                 * misstates lento's own share */
                __atomic_add_fetch(&ps.flushed_bytes, b.len,
                                   __ATOMIC_RELAXED);
                __atomic_add_fetch(&ps.flushes, 1, __ATOMIC_RELAXED);
            }
            pthread_mutex_unlock(&write_mu);
        }
        Py_END_ALLOW_THREADS
        PyGILState_Release(g);
        free(path);
        buf_free(&b);
        /* the save's whole cost: the copy with the GIL held, and the
         * write and taking the GIL back, which also slow the program on
         * a busy machine */
        double cost = held > 0 ? (double)(held + clock_now_ns() - w0) * 1e-9
                               : 0;
        wait = cost / FLUSH_SHARE > FLUSH_SECONDS ? cost / FLUSH_SHARE
                                                  : FLUSH_SECONDS;
    }
}

static void timer_start(void)
{
    uint64_t gen = __atomic_add_fetch(&timer_gen, 1, __ATOMIC_ACQ_REL);
    /* without a timer the profile is still saved at the end */
    ps.timer_on = pthread_create(&ps.timer_th, NULL, flush_timer,
                                 (void *)(uintptr_t)gen) == 0;
    __atomic_store_n(&term_armed, ps.timer_on, __ATOMIC_RELEASE);
}

/* Stops the timer and waits for its thread to end (with the GIL given
 * up, which the thread may be waiting for): a thread left running would
 * make the program's fork() see a multi-threaded process (3.12+ warns),
 * and must not outlive the interpreter. */
static void timer_stop(void)
{
    __atomic_store_n(&term_armed, 0, __ATOMIC_RELEASE);
    __atomic_add_fetch(&timer_gen, 1, __ATOMIC_ACQ_REL);
    if (!ps.timer_on)
        return;
    ps.timer_on = 0;
    if (wake_sem_ok)
        sem_post(&wake_sem);
    Py_BEGIN_ALLOW_THREADS
    pthread_join(ps.timer_th, NULL);
    Py_END_ALLOW_THREADS
}

static void on_term(int sig)
{
    if (!__atomic_load_n(&term_armed, __ATOMIC_ACQUIRE)) {
        signal(sig, SIG_DFL); /* both async-signal-safe */
        raise(sig);
        return;
    }
    term_got = 1;
    sem_post(&wake_sem);
}

/* In a child process, SIGTERM (a pool's terminate(), a kill) would end it
 * without a save.  A Python-level handler cannot be relied on there: a
 * signal that comes just before the process blocks in a C call (a
 * worker waiting on its queue's lock) is never handled and the process
 * hangs.  So a C handler wakes the timer thread instead, which saves and
 * lets SIGTERM kill the process.  Installed only where SIGTERM does its
 * default (or lento's own Python-level save, inherited across a fork). */
static PyObject *on_sigterm(PyObject *self, PyObject *args);

/* What SIGTERM does now, as Python's signal module knows it. */
enum { TERM_OTHER, TERM_DEFAULT, TERM_LENTOS };
static int sigterm_now(void)
{
    PyObject *mod = PyImport_ImportModule("_signal");
    PyObject *cur = mod ? PyObject_CallMethod(mod, "getsignal", "i", SIGTERM)
                        : NULL;
    PyObject *dfl = mod ? PyObject_GetAttrString(mod, "SIG_DFL") : NULL;
    int now = !cur ? TERM_OTHER
              : dfl && PyObject_RichCompareBool(cur, dfl, Py_EQ) == 1
                  ? TERM_DEFAULT
              : PyCFunction_Check(cur) &&
                      PyCFunction_GET_FUNCTION(cur) == on_sigterm
                  ? TERM_LENTOS
                  : TERM_OTHER;
    Py_XDECREF(mod);
    Py_XDECREF(cur);
    Py_XDECREF(dfl);
    PyErr_Clear();
    return now;
}

/* Sets SIGTERM's Python-level handler to handler (new reference taken). */
static void sigterm_set(PyObject *handler)
{
    PyObject *mod = handler ? PyImport_ImportModule("_signal") : NULL;
    PyObject *r = mod ? PyObject_CallMethod(mod, "signal", "iO", SIGTERM,
                                            handler)
                      : NULL;
    Py_XDECREF(r);
    Py_XDECREF(mod);
    Py_XDECREF(handler);
    PyErr_Clear();
}

static void term_saver_install(void)
{
    if (sigterm_now() == TERM_OTHER || !wake_sem_ok)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
}

/* A forked child that saves nothing must not keep lento's Python-level
 * SIGTERM handler either (see term_saver_install for why it can hang a
 * pool worker): SIGTERM does its default again. */
static void term_default_again(void)
{
    if (sigterm_now() == TERM_LENTOS)
        sigterm_set(PyLong_FromLong(0)); /* SIG_DFL */
}

static void wake_sem_init(void)
{
    wake_sem_ok = sem_init(&wake_sem, 0, 0) == 0;
    term_got = 0;
}

/* ---- the ends a program can take ------------------------------------ */

/* Saves the profile as it stands, as final (status < 0: unknown).  0 or
 * -errno. */
static int save_now(int status, int os_exit)
{
    int64_t now = clock_now_ns();
    profile *p = snapshot_open(ps.prof, now);
    if (!p)
        return -ENOMEM;
    PyObject *label = ps.label ? Py_NewRef(ps.label) : child_label();
    fill_meta(p, label, now, status, 0, os_exit);
    Py_XDECREF(label);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&write_mu);
    final_done = 1;
    rc = write_profile(p, ps.path);
    pthread_mutex_unlock(&write_mu);
    Py_END_ALLOW_THREADS
    profile_free(p);
    live_marker(0);
    return rc;
}

int persist_save_final(int status)
{
    if (!ps.prof || ps.no_save)
        return 0;
    /* the timer stops after the save: a SIGTERM that comes meanwhile (a
     * pool terminating a worker that is already ending) then waits for
     * the save instead of killing it halfway */
    int rc = save_now(status, 0);
    timer_stop();
    return rc;
}

/* The real os._exit, kept while lento's stands in for it. */
static PyObject *real_os_exit;

/* os._exit(n): the process ends without unwinding, atexit or finally, so
 * the profile is saved here first. */
static PyObject *lento_os_exit(PyObject *self, PyObject *arg)
{
    (void)self;
    int status = (int)PyLong_AsLong(arg);
    if (status == -1 && PyErr_Occurred())
        return NULL;
    if (ps.prof && !ps.no_save) {
        save_now(status, 1);
        timer_stop();
    }
    return PyObject_CallOneArg(real_os_exit, arg);
}

static PyMethodDef os_exit_def = {
    "_exit", lento_os_exit, METH_O,
    "_exit(status)\n--\n\nExit to the system with the specified status, "
    "without normal exit processing (lento saves its profile first)."};

/* In a fork()ed child, with the GIL, before the child runs Python. */
static PyObject *after_fork_child(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    /* the parent's timer thread is not in the child; a lock it held is */
    pthread_mutex_init(&write_mu, NULL);
    final_done = 0;
    ps.timer_on = 0; /* its thread is the parent's */
    ps.timer_paused = 0;
    __atomic_store_n(&term_armed, 0, __ATOMIC_RELEASE);
    wake_sem_init();
    if (!ps.prof)
        Py_RETURN_NONE;
    if (!ps.dir || !ps.follow) {
        ps.no_save = 1; /* the parent's file is the parent's */
        term_default_again();
        Py_RETURN_NONE;
    }
    int64_t now = clock_now_ns();
    uint64_t me = PyThread_get_thread_ident();
    PyObject *rs = ps.prof->tr.recorders;
    /* only the forking thread lives on in the child */
    for (Py_ssize_t i = PyList_GET_SIZE(rs); i-- > 0;) {
        recorder *r = (recorder *)PyList_GET_ITEM(rs, i);
        if (r->ident == me) {
            recorder_forget(r, now);
            ps.fork_ident = me;
            ps.fork_depth = r->depth;
        }
        else if (PyList_SetSlice(rs, i, i + 1, NULL) < 0)
            PyErr_Clear();
    }
    if (ps.lp)
        for (uint32_t i = 0; i < ps.lp->o.n_codes; i++) {
            lines_code *c = ps.lp->o.codes[i];
            memset(c->stats, 0, (size_t)c->n * sizeof *c->stats);
        }
    char path[4096];
    snprintf(path, sizeof path, "%s/%ld.lento", ps.dir, (long)getpid());
    char *np = strdup(path);
    if (np) {
        free(ps.path);
        ps.path = np;
    } else {
        ps.no_save = 1;
    }
    ps.ppid = ps.pid;
    ps.pid = (long)getpid();
    ps.forked = 1;
    ps.flushed_bytes = ps.flushes = 0;
    ps.t0 = now;
    live_marker(1);
    Py_CLEAR(ps.label); /* named at its end (a pool worker's name) */
    timer_start();
    term_saver_install();
    Py_RETURN_NONE;
}

static PyMethodDef after_fork_def = {"_lento_after_fork_child",
                                     after_fork_child, METH_NOARGS, NULL};

/* Around a fork in the parent: the timer thread ends before it (the child
 * gets a one-threaded process, and 3.12+ does not warn about forking a
 * multi-threaded one) and starts again after. */
static PyObject *before_fork(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    ps.timer_paused = ps.timer_on;
    if (ps.timer_on)
        timer_stop();
    Py_RETURN_NONE;
}

static PyObject *after_fork_parent(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (ps.timer_paused && ps.prof) {
        ps.timer_paused = 0;
        timer_start();
    }
    Py_RETURN_NONE;
}

static PyMethodDef before_fork_def = {"_lento_before_fork", before_fork,
                                      METH_NOARGS, NULL};
static PyMethodDef after_parent_def = {"_lento_after_fork_parent",
                                       after_fork_parent, METH_NOARGS, NULL};

/* os.register_at_fork(...) and os._exit, once. */
static int install_hooks(void)
{
    if (hooks_installed)
        return 0;
    PyObject *os = PyImport_ImportModule("os");
    PyObject *fn = PyCFunction_New(&after_fork_def, NULL);
    PyObject *bf = PyCFunction_New(&before_fork_def, NULL);
    PyObject *ap = PyCFunction_New(&after_parent_def, NULL);
    PyObject *ex = PyCFunction_NewEx(&os_exit_def, NULL, NULL);
    int rc = -1;
    if (!os || !fn || !bf || !ap || !ex)
        goto done;
    PyObject *reg = PyObject_GetAttrString(os, "register_at_fork");
    PyObject *kw = reg ? Py_BuildValue("{sOsOsO}", "before", bf,
                                       "after_in_parent", ap,
                                       "after_in_child", fn)
                       : NULL;
    PyObject *args = kw ? PyTuple_New(0) : NULL;
    PyObject *r = args ? PyObject_Call(reg, args, kw) : NULL;
    Py_XDECREF(reg);
    Py_XDECREF(kw);
    Py_XDECREF(args);
    if (!r)
        goto done;
    Py_DECREF(r);
    real_os_exit = PyObject_GetAttrString(os, "_exit");
    if (!real_os_exit || PyObject_SetAttrString(os, "_exit", ex) < 0)
        goto done;
    hooks_installed = 1;
    rc = 0;
done:
    Py_XDECREF(os);
    Py_XDECREF(fn);
    Py_XDECREF(bf);
    Py_XDECREF(ap);
    Py_XDECREF(ex);
    return rc;
}

/* SIGTERM while saving to a file: raise SystemExit(128 + SIGTERM) in the
 * main thread, so the program unwinds as on sys.exit (finally blocks run),
 * the profile so far is saved, and the exit status is the one a shell
 * gives a process ended by SIGTERM.  (Ctrl-C already works this way
 * through KeyboardInterrupt.) */
static PyObject *on_sigterm(PyObject *self, PyObject *args)
{
    (void)self;
    (void)args;
    PyObject *code = PyLong_FromLong(128 + SIGTERM);
    if (code) {
        PyErr_SetObject(PyExc_SystemExit, code);
        Py_DECREF(code);
    }
    return NULL;
}

static PyMethodDef sigterm_def = {"_lento_sigterm", on_sigterm, METH_VARARGS,
                                  NULL};

/* Installs on_sigterm unless SIGTERM is already handled or ignored (then
 * the program's or its parent's choice stands; the program may still
 * install its own handler, which replaces ours).  Failure is not an error:
 * SIGTERM then ends the program as it would without lento. */
void persist_save_on_sigterm(void)
{
    if (sigterm_now() == TERM_DEFAULT)
        sigterm_set(PyCFunction_New(&sigterm_def, NULL));
}

/* ---- begin and end -------------------------------------------------- */

/* lento run's directory, if this process is part of a lento run. */
static const char *run_dir(void)
{
    const char *d = getenv("LENTO_RUN_DIR");
    return d && *d == '/' ? d : NULL;
}

/* Under lento run, is this process the main program (lento run's own
 * child) rather than one the program started? */
static int is_run_main(void)
{
    const char *sup = getenv("LENTO_RUN_PID");
    return sup && strtol(sup, NULL, 10) == (long)getppid();
}

static int begin(profiler *prof, lineprof *lp, const char *path,
                 PyObject *label, const char *dir)
{
    char *np = strdup(path);
    char *nd = dir ? strdup(dir) : NULL;
    if (!np || (dir && !nd)) {
        free(np);
        free(nd);
        PyErr_NoMemory();
        return -1;
    }
    persist_end();
    ps.prof = (profiler *)Py_NewRef(prof);
    ps.lp = lp ? (lineprof *)Py_NewRef(lp) : NULL;
    ps.label = label ? Py_NewRef(label) : NULL;
    ps.path = np;
    ps.dir = nd;
    const char *ch = getenv("LENTO_RUN_CHILDREN");
    ps.follow = nd && !(ch && !strcmp(ch, "0"));
    ps.pid = (long)getpid();
    ps.ppid = (long)getppid();
    ps.t0 = clock_now_ns();
    ps.forked = ps.no_save = 0;
    ps.flushed_bytes = ps.flushes = 0;
    final_done = 0;
    if (install_hooks() < 0)
        return -1;
    if (nd) {
        live_marker(1);
        wake_sem_init();
        timer_start();
    }
    return 0;
}

int persist_begin(profiler *prof, lineprof *lp, const char *path,
                  PyObject *label)
{
    /* a `python -m lento -o` that a profiled program runs is not part of
     * the run: its file is its user's */
    return begin(prof, lp, path, label, is_run_main() ? run_dir() : NULL);
}

/* sys.orig_argv starts [python, "-m", "lento", ...]: python -m lento
 * profiles this process itself. */
static int is_python_m_lento(void)
{
    PyObject *argv = PySys_GetObject("orig_argv"); /* borrowed */
    if (!argv || !PyList_Check(argv) || PyList_GET_SIZE(argv) < 3)
        return 0;
    return PyUnicode_Check(PyList_GET_ITEM(argv, 1)) &&
           PyUnicode_Check(PyList_GET_ITEM(argv, 2)) &&
           !PyUnicode_CompareWithASCIIString(PyList_GET_ITEM(argv, 1),
                                             "-m") &&
           !PyUnicode_CompareWithASCIIString(PyList_GET_ITEM(argv, 2),
                                             "lento");
}

void persist_set_lines(const char *mode, int64_t start)
{
    ps.lines_mode = mode;
    ps.lines_start = start;
}

void persist_end(void)
{
    timer_stop();
    Py_CLEAR(ps.prof);
    Py_CLEAR(ps.lp);
    Py_CLEAR(ps.label);
    free(ps.path);
    free(ps.dir);
    ps.path = ps.dir = NULL;
}

/* ---- children that are new interpreters ----------------------------- */

/* atexit: the child's normal end. */
static PyObject *child_end(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (!ps.prof)
        Py_RETURN_NONE;
    if (profiler_disable(ps.prof) < 0)
        PyErr_Clear();
    int rc = persist_save_final(-1);
    if (rc < 0)
        fprintf(stderr, "lento: cannot save this process's profile: %s\n",
                strerror(-rc));
    persist_end();
    Py_RETURN_NONE;
}

static PyMethodDef child_end_def = {"_lento_child_end", child_end,
                                    METH_NOARGS, NULL};

PyObject *persist_child_start(PyObject *module, PyObject *unused)
{
    (void)unused;
    const char *dir = run_dir();
    const char *ch = getenv("LENTO_RUN_CHILDREN");
    /* python -m lento (the main program, or one the program runs)
     * profiles its process itself */
    if (!dir || (ch && !strcmp(ch, "0")) || ps.prof || is_run_main() ||
        is_python_m_lento())
        Py_RETURN_NONE;
    const char *mode = getenv("LENTO_RUN_MODE");
    module_state *st = module_get_state(module);
    PyObject *prof = PyObject_CallNoArgs(st->profile_type);
    if (!prof)
        return NULL;
    profiler *p = (profiler *)prof;
    p->tr.builtins = !(mode && !strncmp(mode, "fast", 4));
    p->tr.threads = !(mode && strstr(mode, "nothreads"));
    char path[4096];
    snprintf(path, sizeof path, "%s/%ld.lento", dir, (long)getpid());
    PyObject *fn = PyCFunction_New(&child_end_def, NULL);
    PyObject *atexit = PyImport_ImportModule("atexit");
    PyObject *r = fn && atexit ? PyObject_CallMethod(atexit, "register", "O",
                                                     fn)
                               : NULL;
    Py_XDECREF(fn);
    Py_XDECREF(atexit);
    int ok = r && begin(p, NULL, path, NULL, dir) == 0;
    Py_XDECREF(r);
    /* the program runs whatever happens here; it is just not profiled */
    if (!ok || !profiler_enable(p)) {
        PyErr_Clear();
        live_marker(0);
        persist_end();
    } else {
        term_saver_install();
    }
    Py_DECREF(prof);
    Py_RETURN_NONE;
}
