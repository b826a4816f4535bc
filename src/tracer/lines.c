/* lines.c: line timing of selected code objects, the shared part (see
 * lines.h): selection, patterns, --lines=auto's choice, export. */
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "engine.h"
#include "lines.h"
#include "names.h"
#include "profiler.h"

int lines_n_enabled;
uint64_t lines_gen = 1;
lines_owner *lines_pattern_owner;
uint64_t lines_pattern_gen = 1;
Py_ssize_t lines_extra_index = -1;
int64_t lines_auto_at;
lines_owner *lines_auto_owner;
int64_t lines_auto_switched;

/* Called by code_dealloc (with NULL for code lento never looked at).  A
 * slot outlives no record: each record keeps its code alive, so the chain
 * is empty by then. */
static void slot_free(void *p)
{
    lines_slot *s = p;
    if (!s)
        return;
    engine_slot_free(s);
    free(s);
}

int lines_init(void)
{
    if (lines_extra_index >= 0)
        return 0;
    lines_extra_index = pyapi_request_code_extra_index(slot_free);
    if (lines_extra_index < 0) {
        PyErr_SetString(PyExc_RuntimeError,
                        "lento: no code-extra slot left for line timing");
        return -1;
    }
    return 0;
}

/* ---- selection -------------------------------------------------------- */

lines_slot *lines_slot_get(PyCodeObject *code, int create)
{
    void *x = NULL;
    if (pyapi_code_get_extra((PyObject *)code, lines_extra_index, &x) < 0) {
        PyErr_Clear();
        return NULL;
    }
    if (x || !create)
        return x;
    lines_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (pyapi_code_set_extra((PyObject *)code, lines_extra_index, s) < 0) {
        PyErr_Clear();
        free(s);
        return NULL;
    }
    return s;
}

/* The smallest and largest line of code's instructions, from co_lines()
 * (the line table itself).  Not PyCode_Addr2Line: on 3.11, once line
 * tracing has built a code object's line array, it returns garbage for the
 * code units that array leaves unset (seen: line 29440 of a 14-line
 * function).  0, or -1 with an exception set. */
static int code_line_span(PyCodeObject *code, int *lo, int *hi)
{
    *lo = *hi = code->co_firstlineno;
    PyObject *it = PyObject_CallMethod((PyObject *)code, "co_lines", NULL);
    PyObject *iter = it ? PyObject_GetIter(it) : NULL;
    Py_XDECREF(it);
    if (!iter)
        return -1;
    PyObject *item;
    while ((item = PyIter_Next(iter))) {
        PyObject *l = PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 3
                          ? PyTuple_GET_ITEM(item, 2)
                          : NULL;
        long line = l && PyLong_Check(l) ? PyLong_AsLong(l) : -1;
        Py_DECREF(item);
        if (line > 0 && line <= INT_MAX) {
            if (line < *lo)
                *lo = (int)line;
            if (line > *hi)
                *hi = (int)line;
        }
    }
    Py_DECREF(iter);
    if (PyErr_Occurred())
        return -1;
    return 0;
}

static void code_free(lines_code *c);

lines_code *lines_add_code(lines_owner *o, PyCodeObject *code)
{
    lines_slot *s = lines_slot_get(code, 1);
    if (!s) {
        PyErr_NoMemory();
        return NULL;
    }
    for (lines_code *c = s->chain; c; c = c->next)
        if (c->owner == o)
            return c;
    int lo, hi;
    if (code_line_span(code, &lo, &hi) < 0)
        return NULL;
    if (o->n_codes == o->cap_codes) {
        uint32_t ncap = o->cap_codes ? o->cap_codes * 2 : 16;
        lines_code **n = realloc(o->codes, (size_t)ncap * sizeof *n);
        if (!n) {
            PyErr_NoMemory();
            return NULL;
        }
        o->codes = n;
        o->cap_codes = ncap;
    }
    lines_code *c = calloc(1, sizeof *c);
    lines_stat *st = c ? calloc((size_t)(hi - lo + 1), sizeof *st) : NULL;
    if (!st) {
        free(c);
        PyErr_NoMemory();
        return NULL;
    }
    c->owner = o;
    c->slot = s;
    c->code = (PyCodeObject *)Py_NewRef(code);
    c->first = lo;
    c->n = hi - lo + 1;
    c->stats = st;
    c->next = s->chain;
    s->chain = c;
    o->codes[o->n_codes++] = c;
    if (engine_lines_selected(c) < 0) {
        o->n_codes--;
        code_free(c);
        return NULL;
    }
    return c;
}

static void code_free(lines_code *c)
{
    lines_code **pp = &c->slot->chain;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp)
        *pp = c->next;
    free(c->stats);
    Py_DECREF(c->code);
    free(c);
}

static char *dupstr(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int lines_add_pattern(lines_owner *o, const char *spec)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) {
        PyErr_Format(PyExc_ValueError,
                     "--lines pattern '%s' is not module:function, "
                     "module:Class.method or path/to/file.py:function",
                     spec);
        return -1;
    }
    lines_pattern *n = realloc(o->patterns,
                               (o->n_patterns + 1) * sizeof *n);
    if (!n) {
        PyErr_NoMemory();
        return -1;
    }
    o->patterns = n;
    lines_pattern *p = &n[o->n_patterns];
    memset(p, 0, sizeof *p);
    size_t wl = (size_t)(colon - spec);
    p->spec = dupstr(spec, strlen(spec));
    p->where = dupstr(spec, wl);
    p->qualname = dupstr(colon + 1, strlen(colon + 1));
    if (!p->spec || !p->where || !p->qualname) {
        free(p->spec);
        free(p->where);
        free(p->qualname);
        PyErr_NoMemory();
        return -1;
    }
    p->is_path = strchr(p->where, '/') != NULL ||
                 (wl > 3 && !strcmp(p->where + wl - 3, ".py"));
    if (p->is_path) {
        char buf[PATH_MAX];
        if (realpath(p->where, buf))
            p->real = dupstr(buf, strlen(buf));
    }
    o->n_patterns++;
    return 0;
}

/* Is the file of code the file named (resolving links)? */
static int same_file(PyCodeObject *code, const char *real)
{
    const char *f = PyUnicode_AsUTF8(code->co_filename);
    char buf[PATH_MAX];
    if (!f) {
        PyErr_Clear();
        return 0;
    }
    return realpath(f, buf) && !strcmp(buf, real);
}

/* The realpath of sys.modules[name].__file__ into buf, or NULL. */
static const char *module_file(const char *name, char *buf)
{
    PyObject *key = PyUnicode_FromString(name);
    PyObject *m = key ? PyImport_GetModule(key) : NULL;
    Py_XDECREF(key);
    const char *res = NULL;
    if (m) {
        PyObject *f = PyObject_GetAttrString(m, "__file__");
        const char *s = f && PyUnicode_Check(f) ? PyUnicode_AsUTF8(f) : NULL;
        if (s && realpath(s, buf))
            res = buf;
        Py_XDECREF(f);
        Py_DECREF(m);
    }
    PyErr_Clear();
    return res;
}

static int deciding; /* inside lines_decide, which may run Python */

lines_code *lines_decide(PyCodeObject *code, lines_slot *s)
{
    lines_owner *o = lines_pattern_owner;
    if (deciding || !o)
        return NULL;
    deciding = 1;
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    lines_code *res = NULL;
    if (!s)
        s = lines_slot_get(code, 1);
    if (!s) {
        o->nomem = 1;
        goto done;
    }
    s->decided = lines_pattern_gen;
    const char *qn = PyUnicode_AsUTF8(code->co_qualname);
    if (!qn) {
        PyErr_Clear();
        goto done;
    }
    for (uint32_t i = 0; i < o->n_patterns; i++) {
        lines_pattern *p = &o->patterns[i];
        if (strcmp(p->qualname, qn) != 0)
            continue;
        char buf[PATH_MAX];
        const char *real = p->is_path ? p->real : module_file(p->where, buf);
        if (!real || !same_file(code, real))
            continue;
        p->matched++;
        res = lines_add_code(o, code);
        if (!res) {
            PyErr_Clear();
            o->nomem = 1;
        }
        break;
    }
done:
    PyErr_Restore(et, ev, etb);
    deciding = 0;
    return res && o->enabled ? res : NULL;
}

/* ---- lifecycle ------------------------------------------------------- */

int lines_enable(lines_owner *o)
{
    if (o->enabled)
        return 0;
    if (lines_init() < 0)
        return -1;
    if (o->n_patterns) {
        if (lines_pattern_owner) {
            PyErr_SetString(PyExc_RuntimeError,
                            "lento: another line profiler with patterns is "
                            "enabled");
            return -1;
        }
        lines_pattern_owner = o;
        lines_pattern_gen++;
    }
    o->enabled = 1;
    lines_n_enabled++;
    lines_gen++;
    if (engine_lines_on(o) < 0) {
        PyObject *et, *ev, *etb;
        PyErr_Fetch(&et, &ev, &etb);
        lines_disable(o);
        PyErr_Restore(et, ev, etb);
        return -1;
    }
    return 0;
}

void lines_disable(lines_owner *o)
{
    if (!o->enabled)
        return;
    o->enabled = 0;
    lines_n_enabled--;
    lines_gen++;
    if (lines_pattern_owner == o)
        lines_pattern_owner = NULL;
    engine_lines_off(o);
}

void lines_owner_clear(lines_owner *o)
{
    lines_disable(o);
    lines_gen++;
    for (uint32_t i = 0; i < o->n_codes; i++)
        code_free(o->codes[i]);
    free(o->codes);
    o->codes = NULL;
    o->n_codes = o->cap_codes = 0;
    for (uint32_t i = 0; i < o->n_patterns; i++) {
        free(o->patterns[i].spec);
        free(o->patterns[i].where);
        free(o->patterns[i].qualname);
        free(o->patterns[i].real);
    }
    free(o->patterns);
    o->patterns = NULL;
    o->n_patterns = 0;
}

/* ---- --lines=auto ---------------------------------------------------- */

void lines_auto_switch(void *vp, void *vr, int64_t now)
{
    profiler *p = vp;
    recorder *cur = vr;
    lines_owner *o = lines_auto_owner;
    lines_auto_at = 0;
    if (!p || !o)
        return;
    lines_auto_switched = now;
    uint32_t n = p->tr.reg.n;
    int64_t *self = calloc(n ? n : 1, sizeof *self);
    uint64_t *calls = calloc(n ? n : 1, sizeof *calls);
    if (!self || !calls)
        goto done;
    Py_ssize_t nr = PyList_GET_SIZE(p->tr.recorders);
    for (Py_ssize_t i = 0; i < nr; i++) {
        recorder *r = (recorder *)PyList_GET_ITEM(p->tr.recorders, i);
        for (uint32_t k = 1; k < r->n_nodes; k++)
            if (r->nodes[k].func < n) {
                self[r->nodes[k].func] += r->nodes[k].self;
                calls[r->nodes[k].func] += r->nodes[k].calls;
            }
    }
    /* frames running in this thread: their self time so far; they can be
     * timed from now on even if they are called only once */
    for (uint32_t k = 0; cur && k < cur->depth; k++) {
        const rec_frame *f = &cur->stack[k];
        int64_t end = k + 1 < cur->depth ? cur->stack[k + 1].t0 : now;
        uint32_t fn = cur->nodes[f->node].func;
        if (fn < n) {
            self[fn] += end - f->t0 - f->subt;
            calls[fn] += 2; /* eligible: see the choice below */
        }
    }
    /* a function with under 5% of the self time so far is not worth a
     * table (a main() that only calls, a module body) */
    int64_t all = 0;
    for (uint32_t i = 0; i < n; i++)
        all += self[i] > 0 ? self[i] : 0;
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    for (int pick = 0; pick < LINES_AUTO_TOP; pick++) {
        int64_t best = all / 20;
        uint32_t at = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++) {
            const registry_func *rf = &p->tr.reg.funcs[i];
            if (rf->kind == FUNC_PYTHON && calls[i] >= 2 && self[i] > best) {
                best = self[i];
                at = i;
            }
        }
        if (at == UINT32_MAX)
            break;
        self[at] = 0;
        PyObject *code = (PyObject *)p->tr.reg.funcs[at].key;
        if (PyCode_Check(code) && !lines_add_code(o, (PyCodeObject *)code)) {
            PyErr_Clear();
            o->nomem = 1;
        }
    }
    if (lines_enable(o) < 0)
        PyErr_Clear();
    else
        engine_lines_take_up_running();
    PyErr_Restore(et, ev, etb);
done:
    free(self);
    free(calls);
}

/* Which arming the timer thread belongs to: it acts only if nothing
 * disarmed or re-armed since.  Read by the timer thread without the GIL,
 * hence atomic. */
static uint64_t auto_session;

/* In the main thread, with the GIL, at its next check of pending calls. */
static int auto_pending(void *arg)
{
    if ((uint64_t)(uintptr_t)arg == __atomic_load_n(&auto_session,
                                                    __ATOMIC_ACQUIRE) &&
        lines_auto_at)
        engine_lines_auto_switch_now();
    return 0;
}

typedef struct {
    int64_t at;
    uint64_t session;
} auto_timer_arg;

static void *auto_timer(void *varg)
{
    auto_timer_arg a = *(auto_timer_arg *)varg;
    free(varg);
    struct timespec ts = {(time_t)(a.at / 1000000000), (long)(a.at % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    if (__atomic_load_n(&auto_session, __ATOMIC_ACQUIRE) != a.session)
        return NULL;
    /* Taking the GIL makes the main thread give it up; when it takes it
     * back it sees the pending call.  (On 3.11 Py_AddPendingCall from
     * another thread does not set the eval breaker by itself: the main
     * thread would run the call only at its next GIL switch or signal.) */
    PyGILState_STATE g = PyGILState_Ensure();
    if (__atomic_load_n(&auto_session, __ATOMIC_ACQUIRE) == a.session)
        Py_AddPendingCall(auto_pending, (void *)(uintptr_t)a.session);
    PyGILState_Release(g);
    return NULL;
}

int lines_auto_arm(int64_t at)
{
    lines_auto_at = at;
    uint64_t session = __atomic_add_fetch(&auto_session, 1, __ATOMIC_ACQ_REL);
    auto_timer_arg *a = malloc(sizeof *a);
    pthread_attr_t attr;
    pthread_t th;
    if (!a)
        goto fail;
    *a = (auto_timer_arg){at, session};
    if (pthread_attr_init(&attr) != 0)
        goto fail;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, auto_timer, a);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        goto fail;
    return 0;
fail:
    /* the hook still switches at the first frame after `at` */
    free(a);
    return 0;
}

void lines_auto_disarm(void)
{
    lines_auto_at = 0;
    __atomic_add_fetch(&auto_session, 1, __ATOMIC_ACQ_REL);
}

/* ---- export ---------------------------------------------------------- */

static const char *utf8(PyObject *s, PyObject **keep)
{
    *keep = names_utf8(s);
    if (!*keep)
        return NULL;
    return PyBytes_AS_STRING(*keep);
}

static int same_key(const lines_code *a, const lines_code *b)
{
    return a->code->co_firstlineno == b->code->co_firstlineno &&
           PyUnicode_Compare(a->code->co_filename, b->code->co_filename) ==
               0 &&
           PyUnicode_Compare(a->code->co_qualname, b->code->co_qualname) == 0;
}

int lines_export(const lines_owner *o, profile *p)
{
    int rc = -ENOMEM;
    char *done = calloc(o->n_codes ? o->n_codes : 1, 1);
    if (!done)
        return -ENOMEM;
    for (uint32_t i = 0; i < o->n_codes; i++) {
        if (done[i])
            continue;
        const lines_code *c = o->codes[i];
        /* the span of every record sharing c's key */
        int lo = c->first, hi = c->first + c->n - 1;
        for (uint32_t j = i + 1; j < o->n_codes; j++) {
            const lines_code *d = o->codes[j];
            if (!done[j] && same_key(c, d)) {
                if (d->first < lo)
                    lo = d->first;
                if (d->first + d->n - 1 > hi)
                    hi = d->first + d->n - 1;
            }
        }
        lines_stat *sum = calloc((size_t)(hi - lo + 1), sizeof *sum);
        if (!sum)
            goto fail;
        for (uint32_t j = i; j < o->n_codes; j++) {
            const lines_code *d = o->codes[j];
            if (done[j] || (j != i && !same_key(c, d)))
                continue;
            done[j] = 1;
            for (int k = 0; k < d->n; k++) {
                sum[d->first - lo + k].hits += d->stats[k].hits;
                sum[d->first - lo + k].time += d->stats[k].time;
            }
        }
        PyObject *kf = NULL, *kn = NULL;
        const char *file = utf8(c->code->co_filename, &kf);
        const char *name = utf8(c->code->co_qualname, &kn);
        int first = c->code->co_firstlineno;
        profile_line_func *f =
            file && name && first > 0
                ? profile_add_line_func(p, file, (uint32_t)first,
                                        (uint32_t)(hi > first ? hi : first),
                                        name)
                : NULL;
        Py_XDECREF(kf);
        Py_XDECREF(kn);
        for (int k = 0; f && k <= hi - lo; k++)
            if (sum[k].hits &&
                profile_line_func_add(f, (uint32_t)(lo + k), sum[k].hits,
                                      sum[k].time) < 0)
                f = NULL;
        free(sum);
        if (!f && file && name && first > 0)
            goto fail;
    }
    rc = 0;
fail:
    free(done);
    return rc;
}
