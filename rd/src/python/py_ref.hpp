// rd/src/python/py_ref.hpp — owning references to Python objects (RAII Py_XDECREF).
// Thread-safety: use with the GIL held only.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <string_view>
#include <utility>

namespace meles::rd::python {

class PyRef {
public:
	PyRef() = default;
	// Takes over a new reference (may be null).
	explicit PyRef(PyObject* owned) : p_(owned) {}
	static PyRef borrow(PyObject* p) {
		Py_XINCREF(p);
		return PyRef(p);
	}
	PyRef(const PyRef& o) : p_(o.p_) { Py_XINCREF(p_); }
	PyRef(PyRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
	PyRef& operator=(PyRef o) noexcept {
		std::swap(p_, o.p_);
		return *this;
	}
	~PyRef() { Py_XDECREF(p_); }

	PyObject* get() const { return p_; }
	PyObject* release() { return std::exchange(p_, nullptr); }
	explicit operator bool() const { return p_ != nullptr; }

private:
	PyObject* p_ = nullptr;
};

inline PyRef py_str(std::string_view s) {
	return PyRef(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape"));
}

// UTF-8 text of a str (surrogates escaped back to bytes); "" for other objects.
inline std::string py_text(PyObject* o) {
	if (!o || !PyUnicode_Check(o)) return {};
	PyRef b(PyUnicode_AsEncodedString(o, "utf-8", "surrogateescape"));
	if (!b) {
		PyErr_Clear();
		return {};
	}
	return std::string(PyBytes_AS_STRING(b.get()), static_cast<size_t>(PyBytes_GET_SIZE(b.get())));
}

// str(o) as UTF-8 (never throws; "<unprintable>" when str() fails).
inline std::string py_str_of(PyObject* o) {
	PyRef s(PyObject_Str(o));
	if (!s) {
		PyErr_Clear();
		return "<unprintable>";
	}
	return py_text(s.get());
}

} // namespace meles::rd::python
