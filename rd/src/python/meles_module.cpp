#include "meles_module.hpp"

#include "convert.hpp"
#include "interpreter.hpp"

#include "expr/runtime.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/pg/connection.hpp"

namespace meles::rd::python {

namespace ex = meles::rd::expr;

namespace {

constexpr const char* kHelperCapsule = "meles.helper";
constexpr const char* kCallbackCapsule = "meles.callback";
constexpr const char* kConnCapsule = "meles.connection";

struct ConnBox {
	pg::Connection* conn = nullptr;
	std::unique_ptr<pg::Connection> owned;
};

PyObject* set_error(const std::exception& e) {
	if (auto* xe = dynamic_cast<const ex::ExprError*>(&e)) {
		PyErr_SetString(python_exception_class(xe->exc()),
		                xe->detail().empty() ? xe->message().c_str() : xe->detail().c_str());
		return nullptr;
	}
	if (auto* me = dynamic_cast<const Error*>(&e)) {
		PyObject* cls = (me->kind() == ErrorKind::NotFound || me->kind() == ErrorKind::Name)
		                    ? PyExc_LookupError
		                    : PyExc_RuntimeError;
		PyErr_SetString(cls, me->full_message().c_str());
		return nullptr;
	}
	PyErr_SetString(PyExc_RuntimeError, e.what());
	return nullptr;
}

PyObject* helper_call(PyObject* self, PyObject* args, PyObject* kwargs) {
	auto* fn = static_cast<const ex::Builtin*>(PyCapsule_GetPointer(self, kHelperCapsule));
	if (!fn) return nullptr;
	try {
		std::vector<ex::Value> vals;
		std::vector<std::string> kw;
		Py_ssize_t n = PyTuple_GET_SIZE(args);
		for (Py_ssize_t i = 0; i < n; ++i)
			vals.push_back(from_python(PyTuple_GET_ITEM(args, i)));
		if (kwargs) {
			PyObject *k, *v;
			Py_ssize_t pos = 0;
			while (PyDict_Next(kwargs, &pos, &k, &v)) {
				kw.push_back(py_text(k));
				vals.push_back(from_python(v));
			}
		}
		return to_python(ex::rt::call(fn, vals, kw));
	} catch (const std::exception& e) {
		return set_error(e);
	}
}

PyMethodDef helper_def = {"helper", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&helper_call)),
                          METH_VARARGS | METH_KEYWORDS, "a native rowmaker helper"};

using Callback = std::function<PyObject*(PyObject*)>;

PyObject* callback_call(PyObject* self, PyObject* args) {
	auto* fn = static_cast<Callback*>(PyCapsule_GetPointer(self, kCallbackCapsule));
	if (!fn) return nullptr;
	try {
		return (*fn)(args);
	} catch (const std::exception& e) {
		return set_error(e);
	}
}

PyMethodDef callback_def = {"callback", &callback_call, METH_VARARGS, "a Meles callback"};

PyObject* m_helper(PyObject*, PyObject* args) {
	const char* name;
	if (!PyArg_ParseTuple(args, "s", &name)) return nullptr;
	const ex::Builtin* fn = ex::rt::find_builtin(name);
	if (!fn) {
		PyErr_Format(PyExc_KeyError, "no rowmaker helper %s", name);
		return nullptr;
	}
	return helper_callable(fn);
}

PyObject* m_notify(PyObject*, PyObject* args) {
	const char *level, *msg;
	if (!PyArg_ParseTuple(args, "ss", &level, &msg)) return nullptr;
	const auto& opts = Interpreter::get().options();
	if (opts.notify) {
		opts.notify(level, msg);
	} else {
		std::string_view l(level);
		if (l == "warning")
			log::warn(msg);
		else if (l == "error")
			log::error(msg);
		else if (l == "debug")
			log::debug(msg);
		else
			log::info(msg);
	}
	Py_RETURN_NONE;
}

PyObject* m_config(PyObject*, PyObject* args) {
	const char *section, *key;
	if (!PyArg_ParseTuple(args, "ss", &section, &key)) return nullptr;
	const auto& opts = Interpreter::get().options();
	std::optional<std::string> v;
	if (opts.config) v = opts.config(section, key);
	if (!v && std::string_view(section) == "web" && std::string_view(key) == "serverURL") v = opts.server_url;
	if (!v) Py_RETURN_NONE;
	return py_str(*v).release();
}

PyObject* m_db_connect(PyObject*, PyObject* args) {
	const char* role;
	if (!PyArg_ParseTuple(args, "s", &role)) return nullptr;
	const auto& opts = Interpreter::get().options();
	if (!opts.connect) {
		PyErr_SetString(PyExc_RuntimeError, "RD code asked for a database connection, but there is none here "
		                                    "(meles val does not connect to the database)");
		return nullptr;
	}
	auto box = std::make_unique<ConnBox>();
	std::string err;
	Py_BEGIN_ALLOW_THREADS try {
		box->owned = opts.connect(std::string_view(role) == "admin" ? DbRole::Admin : DbRole::ReadOnly);
	} catch (const std::exception& e) {
		err = e.what();
	}
	Py_END_ALLOW_THREADS if (!err.empty() || !box->owned) {
		PyErr_SetString(PyExc_RuntimeError, err.empty() ? "no database connection" : err.c_str());
		return nullptr;
	}
	box->conn = box->owned.get();
	return PyCapsule_New(box.release(), kConnCapsule, [](PyObject* cap) {
		delete static_cast<ConnBox*>(PyCapsule_GetPointer(cap, kConnCapsule));
	});
}

pg::Connection* conn_of(PyObject* cap) {
	auto* box = static_cast<ConnBox*>(PyCapsule_GetPointer(cap, kConnCapsule));
	if (!box) return nullptr;
	if (!box->conn) {
		PyErr_SetString(PyExc_RuntimeError, "the database connection is closed");
		return nullptr;
	}
	return box->conn;
}

// (names, type oids, rows as lists of str/None, affected rows)
PyObject* m_db_execute(PyObject*, PyObject* args) {
	PyObject *cap, *params;
	const char* sql;
	if (!PyArg_ParseTuple(args, "OsO", &cap, &sql, &params)) return nullptr;
	pg::Connection* c = conn_of(cap);
	if (!c) return nullptr;
	std::vector<std::optional<std::string>> ps;
	PyRef seq(PySequence_Fast(params, "parameters must be a sequence"));
	if (!seq) return nullptr;
	for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); ++i) {
		PyObject* p = PySequence_Fast_GET_ITEM(seq.get(), i);
		if (p == Py_None)
			ps.emplace_back(std::nullopt);
		else
			ps.emplace_back(py_text(p));
	}
	std::optional<pg::Result> res;
	std::string err;
	std::string sqlstate;
	Py_BEGIN_ALLOW_THREADS try {
		res = ps.empty() ? c->exec(sql) : c->exec_params(sql, ps);
	} catch (const pg::DbError& e) {
		err = e.message();
		sqlstate = e.sqlstate();
	} catch (const std::exception& e) {
		err = e.what();
	}
	Py_END_ALLOW_THREADS if (!err.empty()) {
		PyRef exc_args(Py_BuildValue("(ss)", err.c_str(), sqlstate.c_str()));
		PyObject* cls = PyObject_GetAttrString(Interpreter::get().rt_module(), "DatabaseError");
		if (!cls) return nullptr;
		PyErr_SetObject(cls, exc_args.get());
		Py_DECREF(cls);
		return nullptr;
	}
	int nc = res->columns(), nr = res->rows();
	PyRef names(PyList_New(nc)), oids(PyList_New(nc)), rows(PyList_New(nr));
	for (int j = 0; j < nc; ++j) {
		PyList_SET_ITEM(names.get(), j, py_str(res->column_name(j)).release());
		PyList_SET_ITEM(oids.get(), j, PyLong_FromUnsignedLong(res->column_type(j)));
	}
	for (int i = 0; i < nr; ++i) {
		PyObject* row = PyList_New(nc);
		for (int j = 0; j < nc; ++j) {
			if (res->is_null(i, j)) {
				Py_INCREF(Py_None);
				PyList_SET_ITEM(row, j, Py_None);
			} else {
				PyList_SET_ITEM(row, j, py_str(res->value(i, j)).release());
			}
		}
		PyList_SET_ITEM(rows.get(), i, row);
	}
	long long affected = 0;
	try {
		affected = res->affected_rows();
	} catch (...) {
	}
	return Py_BuildValue("(OOOL)", names.get(), oids.get(), rows.get(), affected);
}

PyObject* m_db_copy_in(PyObject*, PyObject* args) {
	PyObject* cap;
	const char* sql;
	Py_buffer data;
	if (!PyArg_ParseTuple(args, "Osy*", &cap, &sql, &data)) return nullptr;
	pg::Connection* c = conn_of(cap);
	if (!c) {
		PyBuffer_Release(&data);
		return nullptr;
	}
	std::string err;
	long long rows = 0;
	std::string_view bytes(static_cast<const char*>(data.buf), static_cast<size_t>(data.len));
	Py_BEGIN_ALLOW_THREADS try {
		auto copy = c->copy_in(sql);
		copy.write(bytes);
		rows = copy.finish();
	} catch (const std::exception& e) {
		err = e.what();
	}
	Py_END_ALLOW_THREADS PyBuffer_Release(&data);
	if (!err.empty()) {
		PyErr_SetString(PyExc_RuntimeError, err.c_str());
		return nullptr;
	}
	return PyLong_FromLongLong(rows);
}

PyObject* m_db_close(PyObject*, PyObject* args) {
	PyObject* cap;
	if (!PyArg_ParseTuple(args, "O", &cap)) return nullptr;
	auto* box = static_cast<ConnBox*>(PyCapsule_GetPointer(cap, kConnCapsule));
	if (!box) return nullptr;
	box->conn = nullptr;
	box->owned.reset();
	Py_RETURN_NONE;
}

PyObject* m_helper_names(PyObject*, PyObject*) {
	PyObject* out = PyList_New(0);
	for (auto name : ex::rt::global_names()) {
		PyRef s = py_str(name);
		PyList_Append(out, s.get());
	}
	return out;
}

PyMethodDef methods[] = {
    {"helper", m_helper, METH_VARARGS, "helper(name): the native rowmaker helper of that name"},
    {"helper_names", m_helper_names, METH_NOARGS, "names of the native helpers and constants"},
    {"notify", m_notify, METH_VARARGS, "notify(level, message)"},
    {"config", m_config, METH_VARARGS, "config(section, key): configuration value or None"},
    {"db_connect", m_db_connect, METH_VARARGS, "db_connect(role): a connection handle ('admin' or 'ro')"},
    {"db_execute", m_db_execute, METH_VARARGS, "db_execute(handle, sql, params)"},
    {"db_copy_in", m_db_copy_in, METH_VARARGS, "db_copy_in(handle, sql, data)"},
    {"db_close", m_db_close, METH_VARARGS, "db_close(handle)"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module_def = {PyModuleDef_HEAD_INIT,
                          "_meles",
                          "Meles's side of RD code",
                          -1,
                          methods,
                          nullptr,
                          nullptr,
                          nullptr,
                          nullptr};

} // namespace

PyObject* init_meles_module() {
	return PyModule_Create(&module_def);
}

PyObject* helper_callable(const ex::Builtin* fn) {
	PyRef cap(PyCapsule_New(const_cast<ex::Builtin*>(fn), kHelperCapsule, nullptr));
	if (!cap) return nullptr;
	return PyCFunction_NewEx(&helper_def, cap.get(), nullptr);
}

PyObject* validation_error_class() {
	static PyObject* cls = nullptr;
	if (cls) return cls;
	PyObject* rt = Interpreter::get().rt_module();
	if (!rt) return nullptr;
	cls = PyObject_GetAttrString(rt, "ValidationError");
	if (!cls) PyErr_Clear();
	return cls;
}

PyRef make_callback(std::function<PyObject*(PyObject* args)> fn) {
	auto* box = new Callback(std::move(fn));
	PyRef cap(PyCapsule_New(box, kCallbackCapsule, [](PyObject* c) {
		delete static_cast<Callback*>(PyCapsule_GetPointer(c, kCallbackCapsule));
	}));
	if (!cap) {
		delete box;
		return PyRef();
	}
	return PyRef(PyCFunction_NewEx(&callback_def, cap.get(), nullptr));
}

PyRef connection_handle(pg::Connection* borrowed) {
	auto* box = new ConnBox{borrowed, nullptr};
	return PyRef(PyCapsule_New(box, kConnCapsule, [](PyObject* c) {
		delete static_cast<ConnBox*>(PyCapsule_GetPointer(c, kConnCapsule));
	}));
}

} // namespace meles::rd::python
