/* names.h: a name (file, function, thread) as a profile stores it.
 *
 * The profile's strings are UTF-8 without NUL (docs/format.md), but a
 * Python name may hold one (code.replace(co_name="a\0b"), a thread named
 * so): it is written as the two characters "\0", so nothing after it is
 * cut off.  Lone surrogates (undecodable file names) are kept as
 * surrogatepass writes them. */
#ifndef LENTO_NAMES_H
#define LENTO_NAMES_H

#include <Python.h>

/* s (a str) as stored: a new reference to a bytes object, or NULL with no
 * exception set (not a str, or out of memory). */
PyObject *names_utf8(PyObject *s);

#endif
