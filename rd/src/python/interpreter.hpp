// rd/src/python/interpreter.hpp — the embedded CPython and the threads it runs on.
//
// One interpreter per process, started on first use on a thread of its own.  Work reaches it
// through call(): the caller's function runs on one of the runtime's Python threads with the
// GIL held, and the caller waits (inline when the caller already is such a thread, so RD code
// calling back into Meles cannot deadlock).  Python threads run at a lower CPU priority
// ([python] nice) so that a busy job leaves the HTTP and database threads their cores.
// Thread-safety: call()/post() from any thread.  Everything else in this folder assumes it runs
// inside call() (GIL held).
#pragma once

#include "py_ref.hpp"

#include "meles/rd/python/runtime.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

namespace meles::rd::python {

class Interpreter {
public:
	static Interpreter& get();

	// Runs `work` on a Python thread with the GIL and returns when it is done; exceptions
	// travel back to the caller.
	void call(const std::function<void()>& work);
	// Queues `work` for a Python thread and returns at once.
	void post(std::function<void()> work);

	static bool on_python_thread();
	const RuntimeOptions& options() const { return options_; }
	void set_options(RuntimeOptions o);

	// Module objects set up at start (borrowed for the process's life).
	PyObject* rt_module() const { return rt_; }

private:
	Interpreter();
	void start_locked();
	void worker(int index);
	void initialise_python();

	struct Task {
		std::function<void()> work;
		std::exception_ptr error;
		bool done = false;
		bool detached = false;
	};

	std::mutex mutex_;
	std::condition_variable wake_, finished_;
	std::deque<std::shared_ptr<Task>> queue_;
	std::vector<std::thread> threads_;
	bool started_ = false;
	bool ready_ = false;
	std::exception_ptr init_error_;
	RuntimeOptions options_;
	PyObject* rt_ = nullptr; // meles_rt
};

// Raises the pending Python exception as a meles::Error: "<Type>: <message>" at the RD
// position of the innermost frame that is RD code (compiled with the RD file as file name),
// else at `fallback`.  `what` prefixes the message ("apply 'x'").  Clears the exception.
[[noreturn]] void throw_python_error(std::string_view what, const SourcePos& fallback,
                                     ErrorKind kind = ErrorKind::Validation);
// The pending exception as text and its RD position (for callers that add more context).
struct PythonFailure {
	std::string type;    // "ValueError"
	std::string message; // str(exc)
	SourcePos pos;       // RD file:line of the failing code line, or the fallback
	std::string trace;   // short traceback of RD frames: "q.rd:12 in apply ..."
	bool is_syntax = false;
};
PythonFailure fetch_python_failure(const SourcePos& fallback);

// Records that RD code is compiled with this file name (its frames count in tracebacks).
void note_rd_file(const std::string& file);

// The meles_rt function `name` (borrowed).
PyObject* rt_function(const char* name);

} // namespace meles::rd::python
