#include "interpreter.hpp"

#include "convert.hpp"
#include "meles_module.hpp"

#include "meles/core/common/layout.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <frameobject.h>
#include <set>

namespace meles::rd::python {

namespace {

thread_local bool tls_python_thread = false;

std::string lib_dir() {
	return layout::current().python_lib.string();
}

// Files RD code was compiled from; frames from them are "RD frames" in tracebacks.
std::set<std::string>& rd_files() {
	static std::set<std::string> files;
	return files;
}

} // namespace

void note_rd_file(const std::string& file) {
	rd_files().insert(file);
}

Interpreter& Interpreter::get() {
	// Never destroyed: the Python threads may still be parked when the process exits.
	static Interpreter* instance = new Interpreter();
	return *instance;
}

Interpreter::Interpreter() = default;

bool Interpreter::on_python_thread() {
	return tls_python_thread;
}

void Interpreter::set_options(RuntimeOptions o) {
	std::lock_guard lk(mutex_);
	if (started_) {
		// Thread count and priority are fixed once the threads run.
		o.threads = options_.threads;
		o.nice = options_.nice;
	}
	options_ = std::move(o);
}

void Interpreter::start_locked() {
	if (started_) return;
	started_ = true;
	int n = std::max(1, options_.threads);
	for (int i = 0; i < n; ++i) {
		threads_.emplace_back([this, i] { worker(i); });
		threads_.back().detach();
	}
}

void Interpreter::initialise_python() {
	PyImport_AppendInittab("_meles", &init_meles_module);
	PyConfig config;
	// Isolated: no PYTHON* variables, no user site, no signal handlers (the daemon's own
	// SIGTERM/SIGHUP handling must stay as it is).
	PyConfig_InitIsolatedConfig(&config);
	PyConfig_SetBytesString(&config, &config.home, MELES_PYTHON_HOME);
	PyConfig_SetBytesString(&config, &config.program_name, "meles");
	config.install_signal_handlers = 0;
	PyStatus status = Py_InitializeFromConfig(&config);
	PyConfig_Clear(&config);
	if (PyStatus_Exception(status))
		throw Error(ErrorKind::Internal, concat("cannot start the embedded Python: ",
		                                        status.err_msg ? status.err_msg : "unknown reason"));
	init_conversions();
	PyObject* path = PySys_GetObject("path"); // borrowed
	PyRef dir = py_str(lib_dir());
	if (!path || PyList_Insert(path, 0, dir.get()) != 0)
		throw Error(ErrorKind::Internal, "cannot set Python's sys.path");
	rt_ = PyImport_ImportModule("meles_rt");
	if (!rt_) {
		auto f = fetch_python_failure({});
		throw Error(ErrorKind::Internal,
		            concat("cannot load Meles's Python support from ", lib_dir(), ": ", f.type, ": ",
		                   f.message, f.trace.empty() ? "" : " (" + f.trace + ")"));
	}
	PyEval_SaveThread(); // the GIL is taken per task from now on
}

void Interpreter::worker(int index) {
	tls_python_thread = true;
	if (options_.nice > 0) setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.nice);
	{
		std::unique_lock lk(mutex_);
		if (index == 0) {
			lk.unlock();
			std::exception_ptr err;
			try {
				initialise_python();
			} catch (...) {
				err = std::current_exception();
			}
			lk.lock();
			init_error_ = err;
			ready_ = true;
			wake_.notify_all();
		} else {
			wake_.wait(lk, [&] { return ready_; });
		}
	}
	for (;;) {
		std::shared_ptr<Task> t;
		{
			std::unique_lock lk(mutex_);
			wake_.wait(lk, [&] { return !queue_.empty(); });
			t = std::move(queue_.front());
			queue_.pop_front();
		}
		std::exception_ptr err = init_error_;
		if (!err) {
			PyGILState_STATE g = PyGILState_Ensure();
			try {
				t->work();
			} catch (...) {
				err = std::current_exception();
			}
			if (PyErr_Occurred()) PyErr_Clear();
			PyGILState_Release(g);
		}
		if (t->detached && err) {
			try {
				std::rethrow_exception(err);
			} catch (const std::exception& e) {
				log::error(concat("python task failed: ", e.what()));
			} catch (...) {
			}
		}
		{
			std::lock_guard lk(mutex_);
			t->error = err;
			t->done = true;
		}
		finished_.notify_all();
	}
}

void Interpreter::call(const std::function<void()>& work) {
	if (tls_python_thread) {
		work();
		return;
	}
	auto t = std::make_shared<Task>();
	t->work = work;
	{
		std::unique_lock lk(mutex_);
		start_locked();
		queue_.push_back(t);
		wake_.notify_all();
		finished_.wait(lk, [&] { return t->done; });
	}
	if (t->error) std::rethrow_exception(t->error);
}

void Interpreter::post(std::function<void()> work) {
	auto t = std::make_shared<Task>();
	t->work = std::move(work);
	t->detached = true;
	std::lock_guard lk(mutex_);
	start_locked();
	queue_.push_back(std::move(t));
	wake_.notify_all();
}

PyObject* rt_function(const char* name) {
	static std::map<std::string, PyObject*> cache;
	auto it = cache.find(name);
	if (it != cache.end()) return it->second;
	PyObject* f = PyObject_GetAttrString(Interpreter::get().rt_module(), name);
	if (!f) throw_python_error(concat("meles_rt.", name), {}, ErrorKind::Internal);
	cache.emplace(name, f);
	return f;
}

PythonFailure fetch_python_failure(const SourcePos& fallback) {
	PythonFailure out;
	out.pos = fallback;
	PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
	PyErr_Fetch(&type, &value, &tb);
	if (!type) {
		out.type = "Error";
		out.message = "unknown Python failure";
		return out;
	}
	PyErr_NormalizeException(&type, &value, &tb);
	if (tb && value) PyException_SetTraceback(value, tb);
	PyRef t(type), v(value), trace(tb);
	std::string name = reinterpret_cast<PyTypeObject*>(type)->tp_name;
	if (auto dot = name.rfind('.'); dot != std::string::npos) name = name.substr(dot + 1);
	out.type = name;
	out.message = value ? py_str_of(value) : "";
	out.is_syntax = PyErr_GivenExceptionMatches(type, PyExc_SyntaxError);
	if (out.is_syntax && value) {
		// SyntaxError carries its own file and line; the message alone is `msg`.
		PyRef fn(PyObject_GetAttrString(value, "filename"));
		PyRef ln(PyObject_GetAttrString(value, "lineno"));
		PyRef msg(PyObject_GetAttrString(value, "msg"));
		PyErr_Clear();
		if (msg && PyUnicode_Check(msg.get())) out.message = py_text(msg.get());
		if (fn && PyUnicode_Check(fn.get()) && rd_files().count(py_text(fn.get())) && ln &&
		    PyLong_Check(ln.get())) {
			out.pos.source = py_text(fn.get());
			out.pos.line = static_cast<int>(PyLong_AsLong(ln.get()));
		}
	}
	// Innermost frame of RD code.
	std::vector<std::string> frames;
	for (PyObject* cur = tb; cur && PyTraceBack_Check(cur);
	     cur = reinterpret_cast<PyObject*>(reinterpret_cast<PyTracebackObject*>(cur)->tb_next)) {
		auto* t = reinterpret_cast<PyTracebackObject*>(cur);
		PyRef code(reinterpret_cast<PyObject*>(PyFrame_GetCode(t->tb_frame)));
		auto* co = reinterpret_cast<PyCodeObject*>(code.get());
		std::string file = py_text(co->co_filename);
		if (!rd_files().count(file)) continue;
		int line = t->tb_lineno;
		out.pos.source = file;
		out.pos.line = line;
		std::string fname = py_text(co->co_name);
		auto slash = file.rfind('/');
		frames.push_back(concat(slash == std::string::npos ? file : file.substr(slash + 1), ":",
		                        std::to_string(line),
		                        fname.empty() || fname == "<module>" ? "" : " in " + fname));
	}
	if (frames.size() > 1) out.trace = join(frames, " > ");
	out.pos.column = 0;
	return out;
}

void throw_python_error(std::string_view what, const SourcePos& fallback, ErrorKind kind) {
	PythonFailure f = fetch_python_failure(fallback);
	std::string exc =
	    f.is_syntax ? concat("Python syntax error: ", f.message) : concat(f.type, ": ", f.message);
	std::string msg = what.empty() ? exc : concat(what, ": ", exc);
	if (f.is_syntax) kind = ErrorKind::Syntax;
	if (!f.trace.empty()) msg += concat(" (", f.trace, ")");
	if (f.pos.source.empty() && f.pos.line == 0) throw Error(kind, msg);
	throw Error(kind, msg, f.pos);
}

} // namespace meles::rd::python
