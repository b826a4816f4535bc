/* pymain.h: `python -m lento`, cProfile's command line, and the child side
 * of `lento run`. */
#ifndef LENTO_PYMAIN_H
#define LENTO_PYMAIN_H

#include <Python.h>

/* lento._lento.main(argv): argv without the program name.  Returns the
 * exit status (an int object). */
PyObject *pymain_main(PyObject *module, PyObject *argv);

#endif
