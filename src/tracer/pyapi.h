/* pyapi.h: the C API functions whose names changed between CPython 3.11
 * and 3.15, spelled once here so that shared code uses one name.  (What
 * differs in behaviour belongs to an engine, engine.h.) */
#ifndef LENTO_PYAPI_H
#define LENTO_PYAPI_H

#include <Python.h>

#if PY_VERSION_HEX >= 0x030C0000 /* PyUnstable_ names since 3.12 */
#define pyapi_code_get_extra PyUnstable_Code_GetExtra
#define pyapi_code_set_extra PyUnstable_Code_SetExtra
#define pyapi_request_code_extra_index PyUnstable_Eval_RequestCodeExtraIndex
#else
#define pyapi_code_get_extra _PyCode_GetExtra
#define pyapi_code_set_extra _PyCode_SetExtra
#define pyapi_request_code_extra_index _PyEval_RequestCodeExtraIndex
#endif

#endif
