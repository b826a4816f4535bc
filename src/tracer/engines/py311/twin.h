/* twin.h: the twin of a selected code object, its bytecode rewritten with
 * line probes (bcode.h), and the probes themselves.
 *
 * A probe is a constant of the twin; the twin's bytecode applies unary +
 * to it at each line event, which lands in probe_positive: one clock read
 * and the line's counters, for the frame's record on the thread's chain
 * (lines_hot.h).  A twin frame runs with the interpreter's fast paths on. */
#ifndef LENTO_TWIN_H
#define LENTO_TWIN_H

#include <Python.h>

/* Once: the interpreter's opcode tables and the probe type.  0, or -1
 * with an exception set. */
int twin_init(void);

/* A new reference to a twin of code.  NULL with no exception set if code
 * is in a form bcode.c does not handle (its frames keep the tracing path);
 * NULL with an exception set on error. */
PyObject *twin_build(PyCodeObject *code);

/* For tests.  lento._lento._line_twin(code): a fresh twin of code, or
 * None.  lento._lento._line_probes(on): new frames of selected code run on
 * twins (True, the default) or on the tracing path; returns the old
 * setting. */
PyObject *twin_py_build(PyObject *module, PyObject *code);
PyObject *twin_py_switch(PyObject *module, PyObject *on);

#endif
