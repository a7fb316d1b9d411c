#include "convert.hpp"

#include "meles_module.hpp"

#include "expr/object.hpp"
#include "expr/runtime.hpp"

#include <datetime.h>

namespace meles::rd::python {

namespace ex = meles::rd::expr;

namespace {

constexpr std::int64_t kUsPerDay = 86400LL * 1000000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
	std::int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
	return q;
}

} // namespace

void init_conversions() {
	PyDateTime_IMPORT;
}

PyObject* to_python(const ex::Value& v) {
	switch (v.kind()) {
	case ex::Kind::None:
	case ex::Kind::Missing:
		Py_RETURN_NONE;
	case ex::Kind::Bool:
		return PyBool_FromLong(v.as_bool() ? 1 : 0);
	case ex::Kind::Int:
		return PyLong_FromLongLong(v.as_int());
	case ex::Kind::Float:
		return PyFloat_FromDouble(v.as_float());
	case ex::Kind::Str: {
		auto s = v.as_str();
		return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape");
	}
	case ex::Kind::Bytes: {
		auto s = v.as_str();
		return PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
	}
	case ex::Kind::Date: {
		int y, m, d;
		ex::civil_from_days(v.as_days(), y, m, d);
		return PyDate_FromDate(y, m, d);
	}
	case ex::Kind::DateTime: {
		std::int64_t us = v.as_int();
		std::int64_t days = floor_div(us, kUsPerDay);
		std::int64_t tod = us - days * kUsPerDay;
		int y, m, d;
		ex::civil_from_days(static_cast<std::int32_t>(days), y, m, d);
		return PyDateTime_FromDateAndTime(
		    y, m, d, static_cast<int>(tod / 3600000000LL), static_cast<int>(tod / 60000000LL % 60),
		    static_cast<int>(tod / 1000000 % 60), static_cast<int>(tod % 1000000));
	}
	case ex::Kind::Time: {
		std::int64_t tod = v.as_int();
		return PyTime_FromTime(static_cast<int>(tod / 3600000000LL), static_cast<int>(tod / 60000000LL % 60),
		                       static_cast<int>(tod / 1000000 % 60), static_cast<int>(tod % 1000000));
	}
	case ex::Kind::TimeDelta: {
		std::int64_t us = v.as_int();
		std::int64_t days = floor_div(us, kUsPerDay);
		std::int64_t rest = us - days * kUsPerDay;
		return PyDelta_FromDSU(static_cast<int>(days), static_cast<int>(rest / 1000000),
		                       static_cast<int>(rest % 1000000));
	}
	case ex::Kind::Callable:
		return helper_callable(v.as_callable());
	case ex::Kind::List:
	case ex::Kind::Tuple: {
		const auto& items = v.items();
		bool list = v.kind() == ex::Kind::List;
		PyObject* out = list ? PyList_New(static_cast<Py_ssize_t>(items.size()))
		                     : PyTuple_New(static_cast<Py_ssize_t>(items.size()));
		if (!out) return nullptr;
		for (size_t i = 0; i < items.size(); ++i) {
			PyObject* item = to_python(items[i]);
			if (!item) {
				Py_DECREF(out);
				return nullptr;
			}
			if (list)
				PyList_SET_ITEM(out, static_cast<Py_ssize_t>(i), item);
			else
				PyTuple_SET_ITEM(out, static_cast<Py_ssize_t>(i), item);
		}
		return out;
	}
	case ex::Kind::Dict: {
		PyObject* out = PyDict_New();
		if (!out) return nullptr;
		const auto& keys = v.dict_keys();
		const auto& vals = v.dict_values();
		for (size_t i = 0; i < keys.size(); ++i) {
			PyRef k(to_python(keys[i])), val(to_python(vals[i]));
			if (!k || !val || PyDict_SetItem(out, k.get(), val.get()) != 0) {
				Py_DECREF(out);
				return nullptr;
			}
		}
		return out;
	}
	case ex::Kind::Set: {
		PyObject* out = PySet_New(nullptr);
		if (!out) return nullptr;
		for (const auto& it : v.items()) {
			PyRef k(to_python(it));
			if (!k || PySet_Add(out, k.get()) != 0) {
				Py_DECREF(out);
				return nullptr;
			}
		}
		return out;
	}
	case ex::Kind::Match: {
		auto* m = static_cast<ex::detail::MatchObj*>(v.heap());
		if (m->groups.empty() || !m->groups[0]) Py_RETURN_NONE;
		return PyUnicode_DecodeUTF8(m->groups[0]->data(), static_cast<Py_ssize_t>(m->groups[0]->size()),
		                            "surrogateescape");
	}
	}
	Py_RETURN_NONE;
}

[[noreturn]] void throw_as_expr_error() {
	PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
	PyErr_Fetch(&type, &value, &tb);
	PyErr_NormalizeException(&type, &value, &tb);
	PyRef t(type), v(value), trace(tb);
	ex::PyExc exc = type ? expr_exception_of(type) : ex::PyExc::TypeError;
	std::string msg = value ? py_str_of(value) : "Python failure";
	if (exc == ex::PyExc::Other && type)
		msg = concat(reinterpret_cast<PyTypeObject*>(type)->tp_name, ": ", msg);
	if (exc == ex::PyExc::KeyError && value) {
		// str(KeyError('x')) is "'x'"; say what it is.
		msg = "no key " + msg;
	}
	ex::raise(exc, msg);
}

ex::Value from_python(PyObject* o) {
	if (o == Py_None) return ex::Value::none();
	if (PyBool_Check(o)) return ex::Value::boolean(o == Py_True);
	if (PyLong_Check(o)) {
		int overflow = 0;
		long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
		if (overflow)
			ex::raise(ex::PyExc::OverflowError, "integer " + py_str_of(o) + " does not fit 64 bits");
		if (x == -1 && PyErr_Occurred()) throw_as_expr_error();
		return ex::Value::integer(x);
	}
	if (PyFloat_Check(o)) return ex::Value::real(PyFloat_AS_DOUBLE(o));
	if (PyUnicode_Check(o)) return ex::Value::str(py_text(o));
	if (PyBytes_Check(o))
		return ex::Value::bytes(std::string(PyBytes_AS_STRING(o), static_cast<size_t>(PyBytes_GET_SIZE(o))));
	if (PyByteArray_Check(o))
		return ex::Value::bytes(
		    std::string(PyByteArray_AS_STRING(o), static_cast<size_t>(PyByteArray_GET_SIZE(o))));
	if (PyDateTime_Check(o)) {
		std::int64_t days =
		    ex::days_from_civil(PyDateTime_GET_YEAR(o), PyDateTime_GET_MONTH(o), PyDateTime_GET_DAY(o));
		std::int64_t us = ((PyDateTime_DATE_GET_HOUR(o) * 60LL + PyDateTime_DATE_GET_MINUTE(o)) * 60 +
		                   PyDateTime_DATE_GET_SECOND(o)) *
		                      1000000LL +
		                  PyDateTime_DATE_GET_MICROSECOND(o);
		return ex::Value::datetime_from_us(days * kUsPerDay + us);
	}
	if (PyDate_Check(o))
		return ex::Value::date_from_days(
		    ex::days_from_civil(PyDateTime_GET_YEAR(o), PyDateTime_GET_MONTH(o), PyDateTime_GET_DAY(o)));
	if (PyTime_Check(o))
		return ex::Value::time_from_us(
		    ((PyDateTime_TIME_GET_HOUR(o) * 60LL + PyDateTime_TIME_GET_MINUTE(o)) * 60 +
		     PyDateTime_TIME_GET_SECOND(o)) *
		        1000000LL +
		    PyDateTime_TIME_GET_MICROSECOND(o));
	if (PyDelta_Check(o))
		return ex::Value::timedelta_us(
		    (PyDateTime_DELTA_GET_DAYS(o) * 86400LL + PyDateTime_DELTA_GET_SECONDS(o)) * 1000000LL +
		    PyDateTime_DELTA_GET_MICROSECONDS(o));
	if (PyList_Check(o) || PyTuple_Check(o)) {
		PyRef seq(PySequence_Fast(o, "sequence"));
		Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
		std::vector<ex::Value> items;
		items.reserve(static_cast<size_t>(n));
		for (Py_ssize_t i = 0; i < n; ++i)
			items.push_back(from_python(PySequence_Fast_GET_ITEM(seq.get(), i)));
		return PyList_Check(o) ? ex::Value::list(std::move(items)) : ex::Value::tuple(std::move(items));
	}
	if (PyDict_Check(o)) {
		std::vector<std::pair<ex::Value, ex::Value>> items;
		PyObject *k, *v;
		Py_ssize_t pos = 0;
		while (PyDict_Next(o, &pos, &k, &v))
			items.emplace_back(from_python(k), from_python(v));
		return ex::Value::dict(std::move(items));
	}
	if (PyAnySet_Check(o)) {
		std::vector<ex::Value> items;
		PyRef it(PyObject_GetIter(o));
		if (!it) throw_as_expr_error();
		while (PyRef x{PyIter_Next(it.get())})
			items.push_back(from_python(x.get()));
		if (PyErr_Occurred()) throw_as_expr_error();
		return ex::Value::set(std::move(items));
	}
	// pg_sphere objects of gavo.utils.pgsphere: their pg_sphere literal goes to the column.
	if (PyObject_HasAttrString(o, "asPgSphere")) {
		PyRef lit(PyObject_CallMethod(o, "asPgSphere", nullptr));
		if (!lit) throw_as_expr_error();
		return from_python(lit.get());
	}
	// numpy scalars and arrays (and anything else with tolist()).
	if (PyObject_HasAttrString(o, "tolist") && PyObject_HasAttrString(o, "dtype")) {
		PyRef l(PyObject_CallMethod(o, "tolist", nullptr));
		if (!l) throw_as_expr_error();
		if (l.get() != o) return from_python(l.get());
	}
	if (PyIndex_Check(o)) {
		PyRef i(PyNumber_Index(o));
		if (i) return from_python(i.get());
		PyErr_Clear();
	}
	if (PyNumber_Check(o)) {
		PyRef f(PyNumber_Float(o));
		if (f) return from_python(f.get());
		PyErr_Clear();
	}
	ex::raise(ex::PyExc::TypeError, concat("a value of type ", Py_TYPE(o)->tp_name,
	                                       " cannot go into a table (", py_str_of(o).substr(0, 80), ")"));
}

PyObject* python_exception_class(ex::PyExc exc) {
	switch (exc) {
	case ex::PyExc::ValueError:
		return PyExc_ValueError;
	case ex::PyExc::TypeError:
		return PyExc_TypeError;
	case ex::PyExc::KeyError:
		return PyExc_KeyError;
	case ex::PyExc::IndexError:
		return PyExc_IndexError;
	case ex::PyExc::ZeroDivisionError:
		return PyExc_ZeroDivisionError;
	case ex::PyExc::OverflowError:
		return PyExc_OverflowError;
	case ex::PyExc::AttributeError:
		return PyExc_AttributeError;
	case ex::PyExc::NameError:
		return PyExc_NameError;
	case ex::PyExc::ValidationError:
		return validation_error_class();
	case ex::PyExc::Other:
		return PyExc_Exception;
	}
	return PyExc_Exception;
}

ex::PyExc expr_exception_of(PyObject* type) {
	// Most specific first (KeyError before LookupError-ish checks; ZeroDivisionError is an
	// ArithmeticError like OverflowError).
	static const std::pair<PyObject**, ex::PyExc> order[] = {
	    {&PyExc_KeyError, ex::PyExc::KeyError},
	    {&PyExc_IndexError, ex::PyExc::IndexError},
	    {&PyExc_ZeroDivisionError, ex::PyExc::ZeroDivisionError},
	    {&PyExc_OverflowError, ex::PyExc::OverflowError},
	    {&PyExc_AttributeError, ex::PyExc::AttributeError},
	    {&PyExc_NameError, ex::PyExc::NameError},
	    {&PyExc_TypeError, ex::PyExc::TypeError},
	    {&PyExc_ValueError, ex::PyExc::ValueError},
	};
	if (PyObject* ve = validation_error_class(); ve && PyErr_GivenExceptionMatches(type, ve))
		return ex::PyExc::ValidationError;
	for (auto& [cls, exc] : order)
		if (PyErr_GivenExceptionMatches(type, *cls)) return exc;
	return ex::PyExc::Other;
}

} // namespace meles::rd::python
