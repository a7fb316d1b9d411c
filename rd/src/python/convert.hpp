// rd/src/python/convert.hpp — expression Values to Python objects and back.
//
// The one bridge between the native value model (meles/rd/expr/value.hpp, which ingest
// values already convert to in one place) and Python: None, bool, int, float, str, bytes,
// date, datetime, time, timedelta, list, tuple, dict, set and the rowmaker helpers
// (callables).  Back from Python, numpy scalars and arrays, and pg_sphere objects of
// gavo.utils.pgsphere (through their asPgSphere() literal) are understood too.
// Thread-safety: GIL held.
#pragma once

#include "py_ref.hpp"

#include "meles/rd/expr/value.hpp"

namespace meles::rd::python {

void init_conversions(); // once, after Py_Initialize (datetime C API)

// New reference; never null for the kinds above (Missing becomes None).  Sets a Python
// error and returns null only when Python runs out of memory.
PyObject* to_python(const expr::Value& v);
// Raises expr::ExprError(TypeError) for objects without a counterpart; Python errors while
// converting become ExprError too.
expr::Value from_python(PyObject* o);

// The Python exception class for an expression exception and back.
PyObject* python_exception_class(expr::PyExc exc);
expr::PyExc expr_exception_of(PyObject* exc_type);

// Raises the pending Python exception as an expr::ExprError (no position), for evaluators.
[[noreturn]] void throw_as_expr_error();

} // namespace meles::rd::python
