/* mechanisms.c: the two ways CPython 3.12+ can tell a profiler about
 * calls, with the same small piece of work behind each, to choose between
 * them (see run.py).
 *
 *   hook      a PEP 523 frame-evaluation hook: one C call around each
 *             frame run (a call, a generator resumed)
 *   monitor   sys.monitoring callbacks (PEP 669): PY_START, PY_RESUME,
 *             PY_THROW, PY_RETURN, PY_YIELD, PY_UNWIND, and for C
 *             functions CALL, C_RETURN, C_RAISE
 *
 * The work per call is what a profiler's hot path does at least: two
 * clock reads and a few stores on a shadow stack.  Built by run.py; not
 * part of lento. */
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>
#include <time.h>
#if PY_VERSION_HEX >= 0x030E0000
#include <internal/pycore_interpframe.h>
#else
#include <internal/pycore_frame.h>
#endif

static inline int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct {
    const void *key;
    int64_t t0, sub;
} entry;

static entry stack[1 << 16];
static int depth;
static int64_t self_total;
static uint64_t n_calls;

static inline void enter(const void *key)
{
    if (depth == (int)(sizeof stack / sizeof *stack))
        return;
    entry *e = &stack[depth++];
    e->key = key;
    e->sub = 0;
    e->t0 = now_ns();
}

static inline void leave(void)
{
    if (!depth)
        return;
    int64_t t = now_ns();
    entry *e = &stack[--depth];
    int64_t tt = t - e->t0;
    self_total += tt - e->sub;
    n_calls++;
    if (depth)
        stack[depth - 1].sub += tt;
}

/* ---- the frame-evaluation hook ---- */

static _PyFrameEvalFunction next_eval;

static PyObject *hook(PyThreadState *ts, struct _PyInterpreterFrame *f,
                      int throwflag)
{
    PyCodeObject *co = _PyFrame_GetCode(f);
    /* the run that only makes a generator is not a call */
    if ((co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) &&
        f->owner != FRAME_OWNED_BY_GENERATOR)
        return next_eval(ts, f, throwflag);
    enter(co);
    PyObject *r = next_eval(ts, f, throwflag);
    leave();
    return r;
}

static PyObject *hook_on(PyObject *m, PyObject *a)
{
    (void)m;
    (void)a;
    PyInterpreterState *i = PyInterpreterState_Get();
    next_eval = _PyInterpreterState_GetEvalFrameFunc(i);
    _PyInterpreterState_SetEvalFrameFunc(i, hook);
    Py_RETURN_NONE;
}

static PyObject *hook_off(PyObject *m, PyObject *a)
{
    (void)m;
    (void)a;
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Get(), next_eval);
    Py_RETURN_NONE;
}

/* ---- sys.monitoring callbacks ---- */

static PyObject *missing; /* sys.monitoring.MISSING */

static const void *cfunc_key(PyObject *c, PyObject *self)
{
    if (PyCFunction_Check(c))
        return ((PyCFunctionObject *)c)->m_ml;
    if (Py_IS_TYPE(c, &PyMethodDescr_Type) && self != missing &&
        PyObject_TypeCheck(self, PyDescr_TYPE(c)))
        return ((PyMethodDescrObject *)c)->d_method;
    return NULL;
}

static PyObject *on_start(PyObject *s, PyObject *const *a, Py_ssize_t n)
{
    (void)s;
    (void)n;
    enter(a[0]);
    Py_RETURN_NONE;
}

static PyObject *on_return(PyObject *s, PyObject *const *a, Py_ssize_t n)
{
    (void)s;
    (void)a;
    (void)n;
    leave();
    Py_RETURN_NONE;
}

static PyObject *on_call(PyObject *s, PyObject *const *a, Py_ssize_t n)
{
    (void)s;
    (void)n;
    const void *k = cfunc_key(a[2], a[3]);
    if (k)
        enter(k);
    Py_RETURN_NONE;
}

static PyObject *on_c_return(PyObject *s, PyObject *const *a, Py_ssize_t n)
{
    (void)s;
    (void)n;
    if (cfunc_key(a[2], a[3]))
        leave();
    Py_RETURN_NONE;
}

static PyObject *calls(PyObject *m, PyObject *a)
{
    (void)m;
    (void)a;
    return PyLong_FromUnsignedLongLong(n_calls);
}

#define FAST(f) {#f, (PyCFunction)(void (*)(void))f, METH_FASTCALL, NULL}
static PyMethodDef methods[] = {
    {"hook_on", hook_on, METH_NOARGS, NULL},
    {"hook_off", hook_off, METH_NOARGS, NULL},
    {"calls", calls, METH_NOARGS, NULL},
    FAST(on_start), FAST(on_return), FAST(on_call), FAST(on_c_return),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "mechanisms", NULL,
                                 -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_mechanisms(void)
{
    PyObject *mon = PySys_GetObject("monitoring");
    missing = mon ? PyObject_GetAttrString(mon, "MISSING") : NULL;
    if (!missing)
        return NULL;
    return PyModule_Create(&def);
}
