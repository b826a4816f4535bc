/* label.h: how functions are named in reports and exports.
 *
 * The text made here is raw (unescaped): each writer passes it through
 * its own escaper (escape.h). */
#ifndef LENTO_LABEL_H
#define LENTO_LABEL_H

#include "../core/buf.h"
#include "../core/profile.h"

/* The last two components of a path ("pkg/mod.py" for
 * "/usr/lib/python3.11/pkg/mod.py"), a pointer into file.  Deterministic:
 * it does not depend on the current directory. */
const char *label_short_file(const char *file);

/* A frame's name for flame graphs and traces: "fib (app/calls.py:5)" for
 * Python functions, cProfile's label for builtins
 * ("<built-in method builtins.len>").  Appends to out; 0 or -errno. */
int label_frame(buf *out, const profile_func *f);

/* pstats' name with the full file: "/path/calls.py:5(fib)", or
 * "{built-in method builtins.len}" for builtins.  Appends to out. */
int label_pstats(buf *out, const profile_func *f);

#endif
