/* registry.c: function identities and cProfile-compatible labels. */
#include "registry.h"

#include <errno.h>

#include "names.h"

static uint32_t hash_ptr(const void *p)
{
    uint64_t k = (uintptr_t)p;
    k ^= k >> 29;
    k *= 0xbf58476d1ce4e5b9ULL;
    return (uint32_t)(k >> 32);
}

void registry_init(registry *r)
{
    memset(r, 0, sizeof *r);
}

void registry_clear(registry *r)
{
    for (uint32_t i = 0; i < r->n; i++) {
        Py_XDECREF(r->funcs[i].file);
        Py_XDECREF(r->funcs[i].name);
        Py_XDECREF(r->funcs[i].keep);
    }
    PyMem_RawFree(r->funcs);
    PyMem_RawFree(r->slot_keys);
    PyMem_RawFree(r->slot_ids);
    registry_init(r);
}

static int rehash(registry *r, uint32_t ncap)
{
    const void **keys = PyMem_RawCalloc(ncap, sizeof *keys);
    uint32_t *ids = PyMem_RawMalloc((size_t)ncap * sizeof *ids);
    if (!keys || !ids) {
        PyMem_RawFree(keys);
        PyMem_RawFree(ids);
        return -ENOMEM;
    }
    for (uint32_t i = 0; r->slot_keys && i <= r->mask; i++) {
        if (!r->slot_keys[i])
            continue;
        uint32_t h = hash_ptr(r->slot_keys[i]) & (ncap - 1);
        while (keys[h])
            h = (h + 1) & (ncap - 1);
        keys[h] = r->slot_keys[i];
        ids[h] = r->slot_ids[i];
    }
    PyMem_RawFree(r->slot_keys);
    PyMem_RawFree(r->slot_ids);
    r->slot_keys = keys;
    r->slot_ids = ids;
    r->mask = ncap - 1;
    return 0;
}

/* Finds key; returns its id, or -1 with *slot set to where it would go. */
static int64_t find(const registry *r, const void *key, uint32_t *slot)
{
    uint32_t h = hash_ptr(key) & r->mask;
    while (r->slot_keys[h]) {
        if (r->slot_keys[h] == key)
            return r->slot_ids[h];
        h = (h + 1) & r->mask;
    }
    *slot = h;
    return -1;
}

/* Adds a function; steals file, name and keep (even on failure). */
static int64_t add(registry *r, const void *key, func_kind kind,
                   PyObject *file, int line, PyObject *name, PyObject *keep)
{
    if (!file || !name)
        goto fail;
    if ((uint64_t)(r->n + 1) * 2 > (uint64_t)r->mask + 1 || !r->slot_keys) {
        if (rehash(r, r->slot_keys ? (r->mask + 1) * 2 : 256) < 0)
            goto fail;
    }
    if (r->n == r->cap) {
        uint32_t ncap = r->cap ? r->cap * 2 : 64;
        registry_func *f = PyMem_RawRealloc(r->funcs, ncap * sizeof *f);
        if (!f)
            goto fail;
        r->funcs = f;
        r->cap = ncap;
    }
    uint32_t slot = 0;
    find(r, key, &slot);
    r->slot_keys[slot] = key;
    r->slot_ids[slot] = r->n;
    r->funcs[r->n] = (registry_func){key, kind, file, line, name, keep};
    return r->n++;
fail:
    Py_XDECREF(file);
    Py_XDECREF(name);
    Py_XDECREF(keep);
    return -1;
}

int64_t registry_code(registry *r, PyCodeObject *code)
{
    uint32_t slot = 0;
    if (r->slot_keys) {
        int64_t id = find(r, code, &slot);
        if (id >= 0)
            return id;
    }
    Py_INCREF(code->co_filename);
    Py_INCREF(code->co_name);
    Py_INCREF(code);
    return add(r, code, FUNC_PYTHON, code->co_filename,
               code->co_firstlineno, code->co_name, (PyObject *)code);
}

/* cProfile's name for a C function (Modules/_lsprof.c normalizeUserObj),
 * followed literally so the names match: repr(type(self).NAME) when the
 * type has it ("<method 'append' of 'list' objects>"), else
 * "<built-in method MODULE.NAME>" (module functions such as len, whose
 * self is their module).  Returns a new reference, or NULL with no
 * exception set. */
static PyObject *cfunc_label(PyCFunctionObject *fn)
{
    PyObject *res = NULL;
    const char *mname = fn->m_ml->ml_name;
    if (fn->m_self == NULL) {
        PyObject *mod = fn->m_module, *modname = NULL;
        if (mod && PyUnicode_Check(mod))
            modname = Py_NewRef(mod);
        else if (mod && PyModule_Check(mod))
            modname = PyModule_GetNameObject(mod);
        PyErr_Clear();
        if (modname && PyUnicode_CompareWithASCIIString(modname, "builtins") != 0)
            res = PyUnicode_FromFormat("<%U.%s>", modname, mname);
        else
            res = PyUnicode_FromFormat("<%s>", mname);
        Py_XDECREF(modname);
    } else {
        PyObject *name = PyUnicode_FromString(mname);
        if (name) {
            PyObject *mo = _PyType_Lookup(Py_TYPE(fn->m_self), name);
            Py_DECREF(name);
            if (mo)
                res = PyObject_Repr(mo);
        }
        if (!res) {
            PyErr_Clear();
            PyObject *modname = fn->m_module;
            if (modname && PyUnicode_Check(modname))
                res = PyUnicode_FromFormat("<built-in method %S.%s>", modname,
                                           mname);
            else
                res = PyUnicode_FromFormat("<built-in method %s>", mname);
        }
    }
    if (!res)
        PyErr_Clear();
    return res;
}

int64_t registry_cfunc(registry *r, PyCFunctionObject *fn)
{
    uint32_t slot = 0;
    if (r->slot_keys) {
        int64_t id = find(r, fn->m_ml, &slot);
        if (id >= 0)
            return id;
    }
    PyObject *file = PyUnicode_FromString("~");
    if (!file)
        PyErr_Clear();
    return add(r, fn->m_ml, FUNC_BUILTIN, file, 0, cfunc_label(fn), NULL);
}

int64_t registry_cmethod(registry *r, PyObject *descr, PyObject *self)
{
    const void *key = ((PyMethodDescrObject *)descr)->d_method;
    uint32_t slot = 0;
    if (r->slot_keys) {
        int64_t id = find(r, key, &slot);
        if (id >= 0)
            return id;
    }
    /* the first sight only: bind it as cProfile does, for the same name */
    PyObject *bound = Py_TYPE(descr)->tp_descr_get(descr, self,
                                                   (PyObject *)Py_TYPE(self));
    PyObject *label = NULL;
    if (bound && PyCFunction_Check(bound))
        label = cfunc_label((PyCFunctionObject *)bound);
    else
        label = PyObject_Repr(descr);
    Py_XDECREF(bound);
    if (!label)
        PyErr_Clear();
    PyObject *file = PyUnicode_FromString("~");
    if (!file)
        PyErr_Clear();
    return add(r, key, FUNC_BUILTIN, file, 0, label, NULL);
}

/* As the profile stores names (names.h): nothing is lost.  New reference
 * to a bytes object, or NULL. */
static PyObject *utf8_bytes(PyObject *s)
{
    return names_utf8(s);
}

int registry_export(const registry *r, profile *p)
{
    for (uint32_t i = 0; i < r->n; i++) {
        const registry_func *f = &r->funcs[i];
        PyObject *file = utf8_bytes(f->file), *name = utf8_bytes(f->name);
        int64_t rc = -ENOMEM;
        if (file && name)
            rc = profile_add_func(p, f->kind, PyBytes_AS_STRING(file),
                                  f->line < 0 ? 0 : (uint32_t)f->line,
                                  PyBytes_AS_STRING(name));
        Py_XDECREF(file);
        Py_XDECREF(name);
        if (rc < 0)
            return -ENOMEM;
    }
    return 0;
}

PyObject *registry_label(const registry *r, uint32_t id)
{
    const registry_func *f = &r->funcs[id];
    return Py_BuildValue("(OiO)", f->file, f->line, f->name);
}
