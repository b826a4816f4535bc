/* twin.c: twins of code objects with line probes (see twin.h). */
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>
#include <internal/pycore_frame.h>   /* _PyInterpreterFrame */
#include <internal/pycore_pystate.h> /* _PyThreadState_GET */

#include <errno.h>

#include "bcode.h"
#include "../../clock.h"
#include "lines_hot.h"
#include "twin.h"

typedef struct {
    PyObject_HEAD
    int line;
} twin_probe;

static bc_ops ops;
static PyTypeObject *probe_type; /* strong; set once, with the GIL */

/* The hot path: a LINE event of the frame running this probe. */
static PyObject *probe_positive(PyObject *self)
{
    lines_act *a = lines_top;
    if (a && a->probes &&
        a->iframe == _PyThreadState_GET()->cframe->current_frame)
        lines_step(a, clock_now_ns(), ((twin_probe *)self)->line);
    return Py_NewRef(self);
}

static PyObject *probe_repr(PyObject *self)
{
    return PyUnicode_FromFormat("<lento line probe %d>",
                                ((twin_probe *)self)->line);
}

static PyType_Slot probe_slots[] = {
    {Py_nb_positive, probe_positive},
    {Py_tp_repr, probe_repr},
    {Py_tp_doc, "A line probe of lento's line timing."},
    {0, NULL},
};

static PyType_Spec probe_spec = {
    .name = "lento._lento.LineProbe",
    .basicsize = sizeof(twin_probe),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = probe_slots,
};

static int stack_effect(int op, int arg, int jump)
{
    return PyCompile_OpcodeStackEffectWithJump(op, arg, jump);
}

/* opcode.opmap[name], or -1. */
static int opnum(PyObject *opmap, const char *name)
{
    PyObject *v = PyDict_GetItemString(opmap, name);
    long n = v && PyLong_Check(v) ? PyLong_AsLong(v) : -1;
    return n >= 0 && n < 256 ? (int)n : -1;
}

/* opcode.hasjrel: forward or backward by name (3.11 has both kinds). */
static int mark_jumps(PyObject *mod)
{
    PyObject *l = PyObject_GetAttrString(mod, "hasjrel");
    PyObject *names = PyObject_GetAttrString(mod, "opname");
    int rc = -1;
    if (!l || !PyList_Check(l) || !names || !PyList_Check(names))
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(l); i++) {
        long op = PyLong_AsLong(PyList_GET_ITEM(l, i));
        if (op < 0 || op > 255 || op >= PyList_GET_SIZE(names))
            continue;
        const char *name = PyUnicode_AsUTF8(PyList_GET_ITEM(names, op));
        if (!name)
            goto done;
        ops.jump[op] = strstr(name, "BACKWARD") ? BC_BACKWARD : BC_FORWARD;
        ops.breaker[op] = ops.jump[op] == BC_BACKWARD &&
                          !strstr(name, "NO_INTERRUPT");
    }
    rc = PyErr_Occurred() ? -1 : 0;
done:
    Py_XDECREF(names);
    Py_XDECREF(l);
    return rc;
}

int twin_init(void)
{
    if (probe_type)
        return 0;
    PyObject *mod = PyImport_ImportModule("opcode");
    PyObject *opmap = mod ? PyObject_GetAttrString(mod, "opmap") : NULL;
    PyObject *caches =
        mod ? PyObject_GetAttrString(mod, "_inline_cache_entries") : NULL;
    int rc = -1;
    if (!opmap || !PyDict_Check(opmap) || !caches || !PyList_Check(caches))
        goto done;
    memset(&ops, 0, sizeof ops);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(caches) && i < 256; i++) {
        long c = PyLong_AsLong(PyList_GET_ITEM(caches, i));
        ops.caches[i] = c > 0 && c < 64 ? (uint8_t)c : 0;
    }
    if (mark_jumps(mod) < 0)
        goto done;
    PyObject *ha = PyObject_GetAttrString(mod, "HAVE_ARGUMENT");
    ops.have_argument = ha ? (int)PyLong_AsLong(ha) : 90;
    Py_XDECREF(ha);
    ops.extended_arg = opnum(opmap, "EXTENDED_ARG");
    ops.resume = opnum(opmap, "RESUME");
    ops.send = opnum(opmap, "SEND");
    ops.precall = opnum(opmap, "PRECALL");
    ops.call = opnum(opmap, "CALL");
    ops.kw_names = opnum(opmap, "KW_NAMES");
    ops.reraise = opnum(opmap, "RERAISE");
    ops.return_generator = opnum(opmap, "RETURN_GENERATOR");
    ops.load_const = opnum(opmap, "LOAD_CONST");
    ops.unary_positive = opnum(opmap, "UNARY_POSITIVE");
    ops.pop_top = opnum(opmap, "POP_TOP");
    ops.jump_forward = opnum(opmap, "JUMP_FORWARD");
    static const char *const noflow[] = {
        "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT",
        "RETURN_VALUE", "RAISE_VARARGS", "RERAISE"};
    for (size_t i = 0; i < sizeof noflow / sizeof *noflow; i++) {
        int op = opnum(opmap, noflow[i]);
        if (op >= 0)
            ops.noflow[op] = 1;
    }
    ops.stack_effect = stack_effect;
    if (PyErr_Occurred())
        goto done;
    probe_type = (PyTypeObject *)PyType_FromSpec(&probe_spec);
    rc = probe_type ? 0 : -1;
done:
    Py_XDECREF(caches);
    Py_XDECREF(opmap);
    Py_XDECREF(mod);
    return rc;
}

/* Without the opcodes a probe needs (another interpreter version), no
 * code gets a twin. */
static int ops_usable(void)
{
    return ops.extended_arg >= 0 && ops.resume >= 0 && ops.send >= 0 &&
           ops.call >= 0 && ops.kw_names >= 0 && ops.reraise >= 0 &&
           ops.load_const >= 0 && ops.unary_positive >= 0 &&
           ops.pop_top >= 0 && ops.jump_forward >= 0 &&
           ops.return_generator >= 0;
}

/* code.replace() with the twin's parts. */
static PyObject *replace(PyCodeObject *code, const bc_twin *t)
{
    Py_ssize_t nc = PyTuple_GET_SIZE(code->co_consts);
    PyObject *consts = PyTuple_New(nc + t->n_probes);
    PyObject *kw = PyDict_New();
    PyObject *res = NULL, *meth = NULL, *empty = NULL;
    if (!consts || !kw)
        goto done;
    for (Py_ssize_t i = 0; i < nc; i++)
        PyTuple_SET_ITEM(consts, i,
                         Py_NewRef(PyTuple_GET_ITEM(code->co_consts, i)));
    for (int k = 0; k < t->n_probes; k++) {
        twin_probe *p = PyObject_New(twin_probe, probe_type);
        if (!p)
            goto done;
        p->line = t->probe_lines[k];
        PyTuple_SET_ITEM(consts, nc + k, (PyObject *)p);
    }
    PyObject *bcode = PyBytes_FromStringAndSize((const char *)t->code,
                                                (Py_ssize_t)t->code_len);
    PyObject *lines = PyBytes_FromStringAndSize((const char *)t->lines,
                                                (Py_ssize_t)t->lines_len);
    PyObject *excs = PyBytes_FromStringAndSize(
        t->excs ? (const char *)t->excs : "", (Py_ssize_t)t->excs_len);
    PyObject *stack = PyLong_FromLong(t->stacksize);
    int bad = !bcode || !lines || !excs || !stack ||
              PyDict_SetItemString(kw, "co_stacksize", stack) < 0 ||
              PyDict_SetItemString(kw, "co_code", bcode) < 0 ||
              PyDict_SetItemString(kw, "co_consts", consts) < 0 ||
              PyDict_SetItemString(kw, "co_linetable", lines) < 0 ||
              PyDict_SetItemString(kw, "co_exceptiontable", excs) < 0;
    Py_XDECREF(bcode);
    Py_XDECREF(lines);
    Py_XDECREF(excs);
    Py_XDECREF(stack);
    if (bad)
        goto done;
    meth = PyObject_GetAttrString((PyObject *)code, "replace");
    empty = PyTuple_New(0);
    if (meth && empty)
        res = PyObject_Call(meth, empty, kw);
done:
    Py_XDECREF(meth);
    Py_XDECREF(empty);
    Py_XDECREF(consts);
    Py_XDECREF(kw);
    return res;
}

PyObject *twin_build(PyCodeObject *code)
{
    if (!probe_type || !ops_usable())
        return NULL;
    PyObject *raw = PyCode_GetCode(code);
    if (!raw)
        return NULL;
    bc_code in = {
        .code = (const uint8_t *)PyBytes_AS_STRING(raw),
        .code_len = (size_t)PyBytes_GET_SIZE(raw),
        .lines = (const uint8_t *)PyBytes_AS_STRING(code->co_linetable),
        .lines_len = (size_t)PyBytes_GET_SIZE(code->co_linetable),
        .excs = (const uint8_t *)PyBytes_AS_STRING(code->co_exceptiontable),
        .excs_len = (size_t)PyBytes_GET_SIZE(code->co_exceptiontable),
        .firstlineno = code->co_firstlineno,
        .stacksize = code->co_stacksize,
        /* a generator's frame lives in the generator, sized by the code
         * it was made from; other frames get the slot (lines_use_twin) */
        .extra_stack = code->co_flags & (CO_GENERATOR | CO_COROUTINE |
                                         CO_ASYNC_GENERATOR) ? 0 : 1,
        .n_consts = (int)PyTuple_GET_SIZE(code->co_consts),
    };
    bc_twin t;
    int rc = bc_instrument(&ops, &in, &t);
    Py_DECREF(raw);
    if (rc == -ENOMEM)
        return PyErr_NoMemory();
    if (rc < 0)
        return NULL;
    PyObject *res = replace(code, &t);
    bc_twin_free(&t);
    return res;
}

PyObject *twin_py_build(PyObject *module, PyObject *code)
{
    (void)module;
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "_line_twin() needs a code object");
        return NULL;
    }
    if (twin_init() < 0)
        return NULL;
    PyObject *t = twin_build((PyCodeObject *)code);
    if (!t && !PyErr_Occurred())
        Py_RETURN_NONE;
    return t;
}

PyObject *twin_py_switch(PyObject *module, PyObject *on)
{
    (void)module;
    int v = PyObject_IsTrue(on);
    if (v < 0)
        return NULL;
    int was = lines_use_probes;
    lines_use_probes = v;
    return PyBool_FromLong(was);
}
