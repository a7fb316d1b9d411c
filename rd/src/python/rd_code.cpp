#include "meles/rd/python/rd_code.hpp"

#include "convert.hpp"
#include "describe.hpp"
#include "interpreter.hpp"
#include "meles_module.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/model/resource.hpp"
#include "meles/rd/regtest/request.hpp"

#include <pythread.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

namespace meles::rd::python {

namespace ex = meles::rd::expr;

// (procs.cpp)
PyRef proc_spec(const ApplyDef& a, const ProcDef* pd, std::string_view name, std::string_view args,
                std::string_view at_dict,
                const std::function<std::string(std::string_view, const SourcePos&)>& expand);

namespace {

std::string file_of(const SourcePos& pos) {
	std::string f = pos.source.empty() ? std::string("<rd>") : pos.source;
	note_rd_file(f);
	return f;
}

PyRef resolver_callable(const LoadHooks& hooks) {
	return make_callback([hooks](PyObject* args) -> PyObject* {
		const char* ref = nullptr;
		if (!PyArg_ParseTuple(args, "s", &ref)) return nullptr;
		Resolved r = hooks.resolve ? hooks.resolve(ref) : Resolved{};
		if (r.column) return describe_column(*r.column).release();
		if (r.table) return describe_table(*r.table).release();
		Py_RETURN_NONE;
	});
}

PyRef load_namespace(const LoadHooks&) {
	PyRef ns(PyObject_CallFunctionObjArgs(rt_function("proc_namespace"), Py_None, nullptr));
	if (!ns) throw_python_error("RD code namespace", {}, ErrorKind::Internal);
	return ns;
}

// A function compiled from a bare code block (no procDef, no binds).
PyRef compile_function(const PythonCode& code, std::string_view name, std::string_view args, PyObject* ns,
                       std::string_view what) {
	ApplyDef a;
	a.element = std::string(name);
	a.code = code;
	a.pos = code.pos;
	PyRef spec = proc_spec(a, nullptr, name, args, "", {});
	PyRef fn(PyObject_CallFunctionObjArgs(rt_function("make_proc"), spec.get(), ns, nullptr));
	if (!fn) throw_python_error(what, code.pos);
	return fn;
}

// Stops Python code running on a thread after a time limit (TimeoutError raised in it).
class Watchdog {
public:
	Watchdog(unsigned long thread_id, std::chrono::seconds limit) : id_(thread_id) {
		if (limit.count() <= 0) return;
		thread_ = std::thread([this, limit] {
			std::unique_lock lk(m_);
			if (cv_.wait_for(lk, limit, [this] { return done_.load(); })) return;
			lk.unlock();
			PyGILState_STATE g = PyGILState_Ensure();
			if (!done_.load()) {
				fired_ = true;
				PyThreadState_SetAsyncExc(id_, PyExc_TimeoutError);
			}
			PyGILState_Release(g);
		});
	}
	~Watchdog() { stop(); }
	// Called with the GIL held; releases it while waiting for the watchdog thread.
	void stop() {
		if (!thread_.joinable()) return;
		{
			std::lock_guard lk(m_);
			done_ = true;
		}
		cv_.notify_all();
		Py_BEGIN_ALLOW_THREADS thread_.join();
		Py_END_ALLOW_THREADS
	}
	bool fired() const { return fired_; }

private:
	unsigned long id_;
	std::thread thread_;
	std::mutex m_;
	std::condition_variable cv_;
	std::atomic<bool> done_{false};
	std::atomic<bool> fired_{false};
};

// Calls `call` (which returns a new reference or nullptr with a Python error set) under a Watchdog.
// timed_out: the limit stopped the code (no Python error is then pending).  A TimeoutError the
// watchdog raised too late to be delivered is withdrawn, so it never hits unrelated code later.
PyRef call_with_limit(std::chrono::seconds limit, bool& timed_out, const std::function<PyObject*()>& call) {
	unsigned long id = PyThread_get_thread_ident();
	Watchdog dog(id, limit);
	PyRef r(call());
	PyObject *t, *v, *tb;
	PyErr_Fetch(&t, &v, &tb);
	dog.stop();
	PyErr_Restore(t, v, tb);
	timed_out = false;
	if (dog.fired()) {
		PyThreadState_SetAsyncExc(id, nullptr);
		if (!r) {
			timed_out = true;
			PyErr_Clear();
		}
	}
	return r;
}

std::string job_name(const ExecuteDef& x) {
	return x.title.empty() ? (x.id.empty() ? std::string("execute") : concat("execute ", x.id))
	                       : concat("execute '", x.title, "'");
}

// Runs the job with the GIL held (inside Interpreter::call).
void run_job_locked(const std::shared_ptr<const Resource>& rd, PyObject* rdo, const ExecuteDef& x,
                    std::chrono::seconds limit) {
	std::string what = concat(job_name(x), " of RD ", rd->rd_id);
	PyRef ns(PyObject_CallFunctionObjArgs(rt_function("proc_namespace"), rdo, nullptr));
	if (!ns) throw_python_error(what, x.pos, ErrorKind::Internal);
	const ProcDef* pd = nullptr;
	std::shared_ptr<const Resource> keep;
	if (!x.job.proc_ref.empty()) {
		auto hash = x.job.proc_ref.find('#');
		if (hash != std::string::npos && x.job.proc_ref.substr(0, hash) == rd->rd_id)
			pd = rd->find_procdef(x.job.proc_ref.substr(hash + 1));
		if (!pd)
			throw Error(ErrorKind::NotFound, concat(what, ": procDef ", x.job.proc_ref, " not found"), x.pos);
	}
	PyRef spec = proc_spec(x.job, pd, "job", "rd, execDef", "", {});
	PyRef fn(PyObject_CallFunctionObjArgs(rt_function("make_proc"), spec.get(), ns.get(), nullptr));
	if (!fn) throw_python_error(what, x.pos);
	PyRef desc(PyDict_New());
	PyDict_SetItemString(desc.get(), "id", py_str(x.id).get());
	PyDict_SetItemString(desc.get(), "title", py_str(x.title).get());
	PyRef exec_def(PyObject_CallFunctionObjArgs(rt_function("ExecDef"), desc.get(), rdo, nullptr));
	if (!exec_def) throw_python_error(what, x.pos, ErrorKind::Internal);
	if (limit.count() == 0) limit = Interpreter::get().options().job_time_limit;
	bool timed_out = false;
	PyRef r = call_with_limit(limit, timed_out, [&] {
		return PyObject_CallFunctionObjArgs(fn.get(), rdo, exec_def.get(), nullptr);
	});
	if (timed_out)
		throw Error(ErrorKind::Timeout,
		            concat(what, " was stopped after ", std::to_string(limit.count()), " s (time limit)"),
		            x.pos);
	if (!r) throw_python_error(what, x.pos);
}

} // namespace

// ------------------------------------------------------------------ load time

std::vector<std::map<std::string, std::string>> loop_items(const PythonCode& code, const LoadHooks& hooks) {
	std::vector<std::map<std::string, std::string>> out;
	Interpreter::get().call([&] {
		PyRef ns = load_namespace(hooks);
		std::string file = file_of(code.pos);
		PyRef gen(PyObject_CallFunction(rt_function("make_generator"), "ssisO", code.text.c_str(),
		                                file.c_str(), std::max(1, code.pos.line), "context", ns.get()));
		if (!gen) throw_python_error("LOOP codeItems", code.pos, ErrorKind::Syntax);
		PyRef resolver = resolver_callable(hooks);
		PyRef ctx(
		    PyObject_CallFunction(rt_function("ParseContext"), "Os", resolver.get(), hooks.rd_id.c_str()));
		if (!ctx) throw_python_error("LOOP codeItems", code.pos, ErrorKind::Internal);
		PyRef items(PyObject_CallFunctionObjArgs(rt_function("loop_items"), gen.get(), ctx.get(), nullptr));
		if (!items) throw_python_error("LOOP codeItems", code.pos);
		for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items.get()); ++i) {
			PyObject* d = PyList_GET_ITEM(items.get(), i);
			std::map<std::string, std::string> row;
			PyObject *k, *v;
			Py_ssize_t pos = 0;
			while (PyDict_Next(d, &pos, &k, &v))
				row[py_text(k)] = py_text(v);
			out.push_back(std::move(row));
		}
	});
	return out;
}

MixinProcResult run_mixin_proc(const PythonCode& code, bool late, const TableDef& table,
                               const std::map<std::string, std::string>& mixin_pars, const LoadHooks& hooks) {
	MixinProcResult out;
	Interpreter::get().call([&] {
		PyRef ns = load_namespace(hooks);
		const char* name = late ? "processLate" : "processEarly";
		PyRef fn = compile_function(
		    code, name, late ? "substrate, root, context, mixinPars" : "context, substrate, mixinPars",
		    ns.get(), name);
		PyRef tdesc = describe_table(table);
		PyRef substrate(
		    PyObject_CallFunctionObjArgs(rt_function("make_table"), tdesc.get(), Py_None, nullptr));
		if (!substrate) throw_python_error(name, code.pos, ErrorKind::Internal);
		PyRef pars(PyDict_New());
		for (auto& [k, v] : mixin_pars)
			PyDict_SetItemString(pars.get(), k.c_str(), py_str(v).get());
		PyRef resolver = resolver_callable(hooks);
		PyRef ctx(
		    PyObject_CallFunction(rt_function("ParseContext"), "Os", resolver.get(), hooks.rd_id.c_str()));
		if (!ctx) throw_python_error(name, code.pos, ErrorKind::Internal);
		PyRef r(
		    late ? PyObject_CallFunctionObjArgs(fn.get(), substrate.get(), Py_None, ctx.get(), pars.get(),
		                                        nullptr)
		         : PyObject_CallFunctionObjArgs(fn.get(), ctx.get(), substrate.get(), pars.get(), nullptr));
		if (!r) throw_python_error(concat(name, " of a mixin on table ", table.id), code.pos);
		// Meta the code set on the substrate.
		PyRef meta(PyObject_CallMethod(substrate.get(), "changed_meta", nullptr));
		if (!meta) throw_python_error(name, code.pos, ErrorKind::Internal);
		for (Py_ssize_t i = 0; i < PyList_GET_SIZE(meta.get()); ++i) {
			PyObject* pair = PyList_GET_ITEM(meta.get(), i);
			out.meta.emplace_back(py_text(PyTuple_GET_ITEM(pair, 0)), py_text(PyTuple_GET_ITEM(pair, 1)));
		}
	});
	return out;
}

// ------------------------------------------------------------------ scripts

void run_script(const ScriptDef& script, const ScriptContext& context) {
	Interpreter::get().call([&] {
		std::string what = concat("python script '", script.name, "'");
		PyRef rdo = rd_object(context.rd);
		// The table's view names the relation the rows go to (during imp: the new table that
		// replaces the old one at the end), so that COPYs into tableDef.getQName() land there.
		PyRef tdef = PyRef::borrow(Py_None);
		if (context.table) {
			PyRef desc = describe_table(*context.table);
			if (!context.relation.empty())
				PyDict_SetItemString(desc.get(), "qname", py_str(context.relation).get());
			tdef = PyRef(
			    PyObject_CallFunctionObjArgs(rt_function("make_table"), desc.get(), rdo.get(), nullptr));
			if (!tdef) throw_python_error(what, script.pos, ErrorKind::Internal);
		}
		PyRef conn = PyRef::borrow(Py_None);
		if (context.connection) {
			PyRef handle = connection_handle(context.connection);
			PyRef sql(PyImport_ImportModule("meles_rt.sql"));
			if (sql) conn = PyRef(PyObject_CallMethod(sql.get(), "Connection", "OO", handle.get(), Py_False));
			if (!conn) throw_python_error(what, script.pos, ErrorKind::Internal);
		}
		PyRef table(PyObject_CallFunction(rt_function("TargetTable"), "OOs", tdef.get(), conn.get(),
		                                  context.relation.c_str()));
		if (!table) throw_python_error(what, script.pos, ErrorKind::Internal);
		PyRef ns(PyObject_CallFunctionObjArgs(rt_function("proc_namespace"), rdo.get(), nullptr));
		if (!ns) throw_python_error(what, script.pos, ErrorKind::Internal);
		PyDict_SetItemString(ns.get(), "table", table.get());
		std::string file = file_of(script.pos);
		PyRef r(PyObject_CallFunction(rt_function("run_statements"), "ssiO", script.content.c_str(),
		                              file.c_str(), std::max(1, script.pos.line), ns.get()));
		if (!r) throw_python_error(what, script.pos);
	});
}

// ------------------------------------------------------------------ execute jobs

void run_job(const std::shared_ptr<const Resource>& rd, const ExecuteDef& job, std::chrono::seconds limit) {
	Interpreter::get().call([&] {
		PyRef rdo = rd_object(rd);
		run_job_locked(rd, rdo.get(), job, limit);
	});
}

std::vector<const ExecuteDef*> loaded_jobs(const Resource& rd) {
	std::vector<const ExecuteDef*> out;
	for (auto& x : rd.executes)
		if (x.on == "loaded") out.push_back(&x);
	return out;
}

namespace {
std::mutex observer_mutex;
LoadedJobObserver loaded_job_observer;

void tell_observer(const Resource& rd, const ExecuteDef& x, std::chrono::system_clock::time_point started,
                   const Error* error) {
	std::lock_guard lock(observer_mutex);
	if (loaded_job_observer) loaded_job_observer(rd.rd_id, x, started, error);
}
} // namespace

void set_loaded_job_observer(LoadedJobObserver observer) {
	std::lock_guard lock(observer_mutex);
	loaded_job_observer = std::move(observer);
}

// Called by rd_object() for a fresh RD object (GIL held).
void run_loaded_jobs(const std::shared_ptr<const Resource>& rd, PyObject* rdo) {
	for (const ExecuteDef* x : loaded_jobs(*rd)) {
		auto started = std::chrono::system_clock::now();
		try {
			run_job_locked(rd, rdo, *x, std::chrono::seconds(0));
			log::info(concat(job_name(*x), " of RD ", rd->rd_id, " ran (on=\"loaded\")"));
			tell_observer(*rd, *x, started, nullptr);
		} catch (const Error& e) {
			log::error(concat("on-loaded ", e.full_message()));
			tell_observer(*rd, *x, started, &e);
		}
	}
}

void ensure_loaded(const std::shared_ptr<const Resource>& rd) {
	if (!rd || loaded_jobs(*rd).empty()) return;
	Interpreter::get().call([&] { rd_object(rd); });
}

// ------------------------------------------------------------------ pythonCore

namespace {

ErrorKind kind_of_service_exception(const std::string& type) {
	if (type == "UnknownURI" || type == "NotFoundError") return ErrorKind::NotFound;
	if (type == "ForbiddenURI" || type == "Authenticate") return ErrorKind::Permission;
	if (type == "ValidationError" || type == "LiteralParseError") return ErrorKind::Validation;
	return ErrorKind::Validation;
}

} // namespace

CoreOutput run_core(const std::shared_ptr<const Resource>& rd, const ServiceDef& service,
                    const CoreInput& input) {
	CoreOutput out;
	if (!service.core || service.core->type != "pythonCore")
		throw Error(ErrorKind::Internal, concat("service ", service.id, " has no pythonCore"));
	const CoreDef& core = *service.core;
	const ApplyDef* proc = nullptr;
	for (auto& p : core.procs)
		if (p.element == "coreProc") proc = &p;
	if (!proc)
		throw Error(ErrorKind::Validation,
		            concat("the pythonCore of service ", service.id, " has no coreProc"), core.pos);
	Interpreter::get().call([&] {
		std::string what = concat("coreProc of service ", service.id);
		PyRef rdo = rd_object(rd);
		PyRef ns(PyObject_CallFunctionObjArgs(rt_function("proc_namespace"), rdo.get(), nullptr));
		if (!ns) throw_python_error(what, proc->pos, ErrorKind::Internal);
		PyRef spec = proc_spec(*proc, nullptr, "coreProc", "self, service, inputTable, queryMeta", "", {});
		PyRef fn(PyObject_CallFunctionObjArgs(rt_function("make_proc"), spec.get(), ns.get(), nullptr));
		if (!fn) throw_python_error(what, proc->pos);
		// outputTable: its columns (declared fields).
		PyRef odesc(PyDict_New());
		PyDict_SetItemString(odesc.get(), "id",
		                     py_str(core.output_table ? core.output_table->id : "output").get());
		PyRef cols(PyList_New(0));
		if (core.output_table)
			for (auto& f : core.output_table->fields) {
				PyRef c = describe_column(f.column);
				PyList_Append(cols.get(), c.get());
			}
		PyDict_SetItemString(odesc.get(), "columns", cols.get());
		PyRef otable(
		    PyObject_CallFunctionObjArgs(rt_function("make_table"), odesc.get(), rdo.get(), nullptr));
		if (!otable) throw_python_error(what, proc->pos, ErrorKind::Internal);
		PyRef params(PyDict_New());
		for (auto& [k, v] : input.params) {
			PyRef pv(to_python(v));
			PyDict_SetItemString(params.get(), k.c_str(), pv.get());
		}
		PyRef args(PyDict_New());
		for (auto& [k, vs] : input.raw_args) {
			PyRef l(PyList_New(0));
			for (auto& s : vs)
				PyList_Append(l.get(), py_str(s).get());
			PyDict_SetItemString(args.get(), k.c_str(), l.get());
		}
		PyRef itable(
		    PyObject_CallFunctionObjArgs(rt_function("InputTable"), params.get(), args.get(), nullptr));
		PyRef cores_mod(PyImport_ImportModule("meles_rt.cores"));
		PyRef limit = input.limit ? PyRef(PyLong_FromLongLong(*input.limit)) : PyRef::borrow(Py_None);
		PyRef qm(PyObject_CallMethod(cores_mod.get(), "QueryMeta", "sO", input.format.c_str(), limit.get()));
		PyRef core_obj(PyObject_CallMethod(cores_mod.get(), "Core", "OOO", rdo.get(), otable.get(), Py_None));
		PyRef sdesc(PyDict_New());
		PyDict_SetItemString(sdesc.get(), "id", py_str(service.id).get());
		PyDict_SetItemString(sdesc.get(), "kind", py_str("service").get());
		PyRef rdobjects(PyImport_ImportModule("meles_rt.rdobjects"));
		PyRef svc(rdobjects ? PyObject_CallMethod(rdobjects.get(), "Element", "OO", sdesc.get(), rdo.get())
		                    : nullptr);
		if (!itable || !qm || !core_obj || !svc) throw_python_error(what, proc->pos, ErrorKind::Internal);
		// A request's code gets the synchronous time limit: its client waits for it.
		std::chrono::seconds time_limit = Interpreter::get().options().request_time_limit;
		bool timed_out = false;
		PyRef res = call_with_limit(time_limit, timed_out, [&] {
			return PyObject_CallFunctionObjArgs(rt_function("run_core"), fn.get(), core_obj.get(), svc.get(),
			                                    itable.get(), qm.get(), nullptr);
		});
		if (timed_out)
			throw Error(ErrorKind::Timeout, concat("the service ", service.id, " did not answer within ",
			                                       std::to_string(time_limit.count()), " s"));
		if (!res) {
			PythonFailure f = fetch_python_failure(proc->pos);
			std::string msg = f.message;
			if (f.type != "UnknownURI" && f.type != "ValidationError" && f.type != "ForbiddenURI")
				msg = concat(what, ": ", f.type, ": ", f.message);
			throw Error(kind_of_service_exception(f.type), msg, f.pos);
		}
		std::string kind = py_text(PyTuple_GET_ITEM(res.get(), 0));
		if (kind == "data") {
			out.is_data = true;
			out.mime = py_text(PyTuple_GET_ITEM(res.get(), 1));
			PyObject* b = PyTuple_GET_ITEM(res.get(), 2);
			out.data.assign(PyBytes_AS_STRING(b), static_cast<size_t>(PyBytes_GET_SIZE(b)));
			return;
		}
		PyObject* names = PyTuple_GET_ITEM(res.get(), 1);
		PyObject* rows = PyTuple_GET_ITEM(res.get(), 2);
		for (Py_ssize_t i = 0; i < PyList_GET_SIZE(names); ++i) {
			std::string n = py_text(PyList_GET_ITEM(names, i));
			ColumnMeta cm;
			cm.name = n;
			cm.type = SqlType::parse("text");
			if (core.output_table)
				for (auto& f : core.output_table->fields)
					if (f.column.meta.name == n) cm = f.column.meta;
			out.columns.push_back(cm);
		}
		for (Py_ssize_t i = 0; i < PyList_GET_SIZE(rows); ++i) {
			PyObject* row = PyList_GET_ITEM(rows, i);
			std::vector<ex::Value> vals;
			for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(row); ++j) {
				try {
					vals.push_back(from_python(PyTuple_GET_ITEM(row, j)).to_owned());
				} catch (const ex::ExprError& e) {
					throw Error(ErrorKind::Validation,
					            concat(what, ": row ", std::to_string(i + 1), ": ", e.detail()), proc->pos);
				}
			}
			out.rows.push_back(std::move(vals));
		}
	});
	return out;
}

// ------------------------------------------------------------------ regression tests

namespace {

PyRef request_dict(const regtest::HttpRequest& r) {
	PyRef d(PyDict_New());
	PyDict_SetItemString(d.get(), "method", py_str(r.method).get());
	PyDict_SetItemString(d.get(), "url", py_str(r.url).get());
	PyRef headers(PyList_New(0));
	for (auto& [k, v] : r.headers) {
		PyRef pair(Py_BuildValue("(NN)", py_str(k).release(), py_str(v).release()));
		PyList_Append(headers.get(), pair.get());
	}
	PyDict_SetItemString(d.get(), "headers", headers.get());
	PyRef body =
	    r.body ? PyRef(PyBytes_FromStringAndSize(r.body->data(), static_cast<Py_ssize_t>(r.body->size())))
	           : PyRef::borrow(Py_None);
	PyDict_SetItemString(d.get(), "body", body.get());
	PyRef chunk = r.chunk_size ? PyRef(PyLong_FromLongLong(*r.chunk_size)) : PyRef::borrow(Py_None);
	PyDict_SetItemString(d.get(), "chunk_size", chunk.get());
	PyDict_SetItemString(d.get(), "honor_redirects", r.honor_redirects ? Py_True : Py_False);
	PyDict_SetItemString(d.get(), "auth_key", py_str(r.auth_key).get());
	return d;
}

std::string str_attr(PyObject* o, const char* name) {
	PyRef v(PyObject_GetAttrString(o, name));
	if (!v || v.get() == Py_None) {
		PyErr_Clear();
		return {};
	}
	return py_text(v.get());
}

} // namespace

RegTestOutcome run_regtest(const std::shared_ptr<const Resource>& rd, const RegTestCall& call) {
	using Status = RegTestOutcome::Status;
	RegTestOutcome out;
	const RegTest& t = *call.test;
	out.where = t.pos;
	if (call.request) out.url = call.request->url;
	Interpreter::get().call([&] {
		PyRef mod(PyImport_ImportModule("meles_rt.regtest"));
		if (!mod) throw_python_error("meles_rt.regtest", t.pos, ErrorKind::Internal);
		PyRef test(PyObject_CallMethod(mod.get(), "RegTest", "sO", t.title.c_str(),
		                               call.sequential ? Py_True : Py_False));
		if (!test) throw_python_error("regTest", t.pos, ErrorKind::Internal);
		auto fail_with_python_error = [&](Status status, const SourcePos& fallback) {
			PythonFailure f = fetch_python_failure(fallback);
			out.status = status;
			out.where = f.pos;
			out.message = f.type == "AssertionError" ? (f.message.empty() ? "assertion failed" : f.message)
			                                         : concat(f.type, ": ", f.message);
		};
		auto collect_response = [&] {
			PyRef st(PyObject_GetAttrString(test.get(), "status"));
			if (st && PyLong_Check(st.get())) out.http_status = static_cast<int>(PyLong_AsLong(st.get()));
			PyErr_Clear();
			std::string u = str_attr(test.get(), "httpURL");
			if (!u.empty() && u != "(not retrieved)") out.url = u;
			PyRef data(PyObject_GetAttrString(test.get(), "data"));
			PyRef ex(data ? PyObject_CallMethod(mod.get(), "excerpt", "O", data.get()) : nullptr);
			if (ex) out.data_excerpt = py_text(ex.get());
			PyErr_Clear();
		};

		if (call.request) {
			PyRef req = request_dict(*call.request);
			bool timed_out = false;
			// the fetch bounds itself; the watchdog catches what blocks between its checks
			PyRef r = call_with_limit(call.timeout + std::chrono::seconds(2), timed_out, [&] {
				return PyObject_CallMethod(mod.get(), "fetch", "OOsl", test.get(), req.get(),
				                           call.credentials_file.c_str(),
				                           static_cast<long>(call.timeout.count()));
			});
			if (timed_out) {
				out.status = Status::Error;
				out.message =
				    concat("no complete answer within ", std::to_string(call.timeout.count()), " s");
				return;
			}
			if (!r) {
				PythonFailure f = fetch_python_failure(t.url ? t.url->pos : t.pos);
				out.status = Status::Error;
				out.where = t.url ? t.url->pos : t.pos;
				out.message = f.type == "FetchError" ? f.message : concat(f.type, ": ", f.message);
				return;
			}
			collect_response();
		}
		if (!t.code || t.code->empty()) return;
		PyRef rdo = rd_object(rd);
		PyRef ns(PyObject_CallFunctionObjArgs(rt_function("proc_namespace"), rdo.get(), nullptr));
		if (!ns) throw_python_error("regTest", t.pos, ErrorKind::Internal);
		PyRef equaling(PyObject_GetAttrString(mod.get(), "EqualingRE"));
		if (equaling) PyDict_SetItemString(ns.get(), "EqualingRE", equaling.get());
		PyErr_Clear();
		PyRef fn;
		try {
			fn = compile_function(*t.code, "regTest", "self", ns.get(), "regTest");
		} catch (const Error& e) {
			out.status = Status::Error;
			out.message = e.message();
			out.where = e.pos() ? *e.pos() : t.code->pos;
			return;
		}
		bool timed_out = false;
		PyRef r = call_with_limit(call.timeout, timed_out, [&] {
			return PyObject_CallFunctionObjArgs(fn.get(), test.get(), nullptr);
		});
		if (timed_out) {
			out.status = Status::Error;
			out.message = concat("the test's code was stopped after ", std::to_string(call.timeout.count()),
			                     " s (timeout)");
			out.where = t.code->pos;
			return;
		}
		if (!r) {
			bool assertion = PyErr_ExceptionMatches(PyExc_AssertionError);
			fail_with_python_error(assertion ? Status::Fail : Status::Error, t.code->pos);
			return;
		}
		std::string next = str_attr(test.get(), "next_location");
		if (!next.empty()) out.next_base = next;
	});
	return out;
}

} // namespace meles::rd::python
