/* names.c: names as a profile stores them (see names.h). */
#include "names.h"

#include <string.h>

PyObject *names_utf8(PyObject *s)
{
    PyObject *b = PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
    if (!b) {
        PyErr_Clear();
        return NULL;
    }
    const char *in = PyBytes_AS_STRING(b);
    Py_ssize_t n = PyBytes_GET_SIZE(b), nuls = 0;
    for (const char *c = in; (c = memchr(c, '\0', (size_t)(in + n - c)));
         c++)
        nuls++;
    if (!nuls)
        return b;
    PyObject *e = PyBytes_FromStringAndSize(NULL, n + nuls);
    if (!e) {
        PyErr_Clear();
        Py_DECREF(b);
        return NULL;
    }
    char *out = PyBytes_AS_STRING(e);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (in[i]) {
            *out++ = in[i];
        } else {
            *out++ = '\\';
            *out++ = '0';
        }
    }
    Py_DECREF(b);
    return e;
}
