// rd/src/python/meles_module.hpp — `_meles`, the built-in module through which the Python side
// (rd/src/python/lib: meles_rt and the gavo package RD code imports) reaches Meles: the
// native rowmaker helpers, configuration, notifications, database connections, and callbacks
// the C++ side hands to a particular piece of code (resolving ids while an RD loads, say).
// Thread-safety: GIL held.
#pragma once

#include "py_ref.hpp"

#include <functional>

namespace meles::pg {
class Connection;
}

namespace meles::rd::expr {
struct Builtin;
}

namespace meles::rd::python {

PyObject* init_meles_module();

// A Python callable running a native rowmaker helper (hmsToDeg, parseISODT, ...).
PyObject* helper_callable(const expr::Builtin* fn);

// gavo.base.ValidationError once meles_rt is loaded (borrowed; null before).
PyObject* validation_error_class();

// A Python callable that runs `fn` with the call's positional arguments as a tuple.  `fn`
// returns a new reference, or throws meles::Error (raised in Python as LookupError for
// NotFound/Name, else RuntimeError).
PyRef make_callback(std::function<PyObject*(PyObject* args)> fn);

// A Python handle on a database connection for RD code: owned (closed with the handle) or
// borrowed (the importer's, valid while the code runs).
PyRef connection_handle(pg::Connection* borrowed);

} // namespace meles::rd::python
