// The public face of the Python runtime: which sites run, checks, expressions, rowmaker code.
#include "meles/rd/python/runtime.hpp"

#include "convert.hpp"
#include "describe.hpp"
#include "interpreter.hpp"
#include "meles_module.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/model/resource.hpp"

#include <array>

namespace meles::rd::python {

namespace ex = meles::rd::expr;

// ------------------------------------------------------------------ sites

namespace {

constexpr std::array<SiteInfo, 18> kSites{{
    {Site::Expression, "expression", true, ""},
    {Site::Apply, "apply", true, ""},
    {Site::Rowfilter, "rowfilter", true, ""},
    {Site::SourceFields, "sourceFields", true, ""},
    {Site::EmbeddedGrammar, "embeddedGrammar", true, ""},
    {Site::CustomGrammar, "customGrammar", true, ""},
    {Site::LoopCodeItems, "LOOP codeItems", true, ""},
    {Site::MixinProc, "processEarly/processLate", true, ""},
    {Site::Script, "python script", true, ""},
    {Site::ExecuteJob, "execute job", true, ""},
    {Site::PythonCore, "pythonCore", true, ""},
    {Site::CustomCore, "customCore", false, "Meles does not load core modules yet"},
    {Site::PhraseMaker, "phraseMaker", false, "Meles's form services use their native condDescs"},
    {Site::Datalink, "datalink procedure", false, "Meles has no datalink service yet"},
    {Site::Formatter, "outputField formatter", false, "Meles formats output fields natively"},
    {Site::CustomRenderer, "customRF/customDF", false, "Meles's renderers are native"},
    {Site::RegTest, "regTest", false, "Meles has no `test` command yet"},
    {Site::Require, "require", false, "RD code imports what it needs itself"},
}};

} // namespace

const SiteInfo& site_info(Site site) {
	for (auto& s : kSites)
		if (s.site == site) return s;
	return kSites[0];
}

std::string kept_message(Site site, std::string_view what) {
	const SiteInfo& s = site_info(site);
	return concat(what, " is Python code that Meles checks but does not run (", s.why, ")");
}

void configure(RuntimeOptions options) {
	Interpreter::get().set_options(std::move(options));
}

void run_on_python_thread(const std::function<void()>& work) {
	Interpreter::get().call(work);
}

namespace {

// Py_DECREF where the GIL is (owners may be destroyed on any thread).
void release_later(PyObject* o) {
	if (!o) return;
	if (Interpreter::on_python_thread()) {
		Py_DECREF(o);
		return;
	}
	Interpreter::get().post([o] { Py_DECREF(o); });
}

const char* shape_name(CodeShape s) {
	switch (s) {
	case CodeShape::Statements:
		return "statements";
	case CodeShape::FunctionBody:
		return "function";
	case CodeShape::Expression:
		return "expression";
	}
	return "statements";
}

std::string file_of(const SourcePos& pos) {
	return pos.source.empty() ? std::string("<rd>") : pos.source;
}

} // namespace

std::optional<Error> check_code(std::string_view code, const SourcePos& pos, CodeShape shape,
                                std::string_view dict_name) {
	std::optional<Error> out;
	Interpreter::get().call([&] {
		std::string file = file_of(pos);
		note_rd_file(file);
		PyRef r(PyObject_CallFunction(rt_function("check"), "s#sisz#", code.data(),
		                              static_cast<Py_ssize_t>(code.size()), file.c_str(),
		                              std::max(1, pos.line), shape_name(shape), dict_name.data(),
		                              static_cast<Py_ssize_t>(dict_name.size())));
		if (r) return;
		PythonFailure f = fetch_python_failure(pos);
		SourcePos at = f.pos.line > 0 ? f.pos : pos;
		out = Error(ErrorKind::Syntax,
		            f.is_syntax ? concat("Python syntax error: ", f.message)
		                        : concat("Python code does not compile: ", f.type, ": ", f.message),
		            at);
	});
	return out;
}

ExpressionCheck check_expression(std::string_view text, const SourcePos& pos) {
	ExpressionCheck out;
	out.error = check_code(text, pos, CodeShape::Expression, "vars");
	if (out.error) return out;
	Interpreter::get().call([&] {
		PyRef names(PyObject_CallFunction(rt_function("unknown_names"), "s#", text.data(),
		                                  static_cast<Py_ssize_t>(text.size())));
		if (!names) {
			PyErr_Clear();
			return;
		}
		for (Py_ssize_t i = 0; i < PyList_GET_SIZE(names.get()); ++i)
			out.unknown_names.push_back(py_text(PyList_GET_ITEM(names.get(), i)));
	});
	return out;
}

// ------------------------------------------------------------------ RowStage

struct RowStage::Impl {
	std::shared_ptr<const Resource> rd;
	const TableDef& table;
	PyObject* ns = nullptr;           // rowmaker namespace (owned)
	PyObject* target_table = nullptr; // TargetTable (owned)
	struct Apply {
		PyObject* fn = nullptr; // owned
		std::string what;
		SourcePos pos;
	};
	std::vector<Apply> applies;

	// Row state (only touched on a Python thread).
	const ex::Scope* scope = nullptr;
	std::span<ex::Value> slots;
	PyObject* dict = nullptr;           // current row's vars (owned)
	std::vector<PyObject*> inserted;    // per slot: the object put into dict (borrowed), or null
	std::vector<PyObject*> keys;        // per slot: the key string (owned)
	PyObject* result = nullptr;         // current row's `result` (owned; cleared per row)
	std::vector<PyObject*> column_keys; // per table column: its name, interned (owned)

	Impl(std::shared_ptr<const Resource> r, const TableDef& t) : rd(std::move(r)), table(t) {}

	~Impl() {
		std::vector<PyObject*> refs{ns, target_table, dict, result};
		for (auto& a : applies)
			refs.push_back(a.fn);
		for (auto* k : keys)
			refs.push_back(k);
		for (auto* k : column_keys)
			refs.push_back(k);
		for (auto* o : refs)
			release_later(o);
	}

	void ensure_namespace() {
		if (ns) return;
		PyRef rdo = rd_object(rd);
		PyRef tdef = table_object(rd, table);
		PyRef target(PyObject_CallFunctionObjArgs(
		    PyObject_GetAttrString(Interpreter::get().rt_module(), "TargetTable"), tdef.get(), nullptr));
		if (!target) throw_python_error("making targetTable", table.pos, ErrorKind::Internal);
		PyRef n(PyObject_CallFunctionObjArgs(rt_function("rowmaker_namespace"), rdo.get(), target.get(),
		                                     nullptr));
		if (!n) throw_python_error("making the rowmaker namespace", table.pos, ErrorKind::Internal);
		ns = n.release();
		target_table = target.release();
		result = PyDict_New();
		for (auto& c : table.columns) {
			PyObject* k = py_str(c.meta.name).release();
			PyUnicode_InternInPlace(&k);
			column_keys.push_back(k);
		}
	}

	PyObject* key(int slot) {
		size_t i = static_cast<size_t>(slot);
		if (keys.size() <= i) keys.resize(i + 1, nullptr);
		if (!keys[i]) {
			PyObject* k = py_str(scope->name(slot)).release();
			PyUnicode_InternInPlace(&k);
			keys[i] = k;
		}
		return keys[i];
	}

	PyObject* row_dict() {
		if (dict) return dict;
		dict = PyDict_New();
		int n = scope ? scope->size() : 0;
		inserted.assign(static_cast<size_t>(n), nullptr);
		for (int s = 0; s < n && static_cast<size_t>(s) < slots.size(); ++s) {
			const ex::Value& v = slots[static_cast<size_t>(s)];
			if (v.is_missing()) continue;
			PyRef o(to_python(v));
			if (!o) throw_python_error("converting a row for Python", table.pos, ErrorKind::Internal);
			PyDict_SetItem(dict, key(s), o.get());
			inserted[static_cast<size_t>(s)] = o.get();
		}
		return dict;
	}
};

RowStage::RowStage(std::shared_ptr<const Resource> rd, const TableDef& table)
    : impl_(std::make_unique<Impl>(std::move(rd), table)) {}

RowStage::~RowStage() = default;

namespace {

std::string identifier_for(std::string_view s, size_t index) {
	std::string out;
	for (char c : s)
		out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
	if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])))
		out = "apply" + std::to_string(index) + out;
	return out;
}

} // namespace

// (defined in procs.cpp) the spec dict meles_rt.make_proc takes.
PyRef proc_spec(const ApplyDef& a, const ProcDef* pd, std::string_view name, std::string_view args,
                std::string_view at_dict,
                const std::function<std::string(std::string_view, const SourcePos&)>& expand);

void RowStage::add_apply(const ApplyDef& a, const ProcDef* pd,
                         const std::function<std::string(std::string_view, const SourcePos&)>& expand) {
	Interpreter::get().call([&] {
		auto& im = *impl_;
		im.ensure_namespace();
		std::string name =
		    identifier_for(a.name.empty() ? (pd ? pd->id : "apply") : a.name, im.applies.size());
		std::string what =
		    a.proc_ref.empty() ? concat("apply '", name, "'") : concat("apply of ", a.proc_ref);
		PyRef spec = proc_spec(a, pd, name, "vars, result, targetTable, _self", "vars", expand);
		PyRef fn(PyObject_CallFunctionObjArgs(rt_function("make_proc"), spec.get(), im.ns, nullptr));
		if (!fn) throw_python_error(what, a.pos);
		im.applies.push_back({fn.release(), what, a.pos});
	});
}

bool RowStage::has_applies() const {
	return !impl_->applies.empty();
}

void RowStage::begin_row(const ex::Scope& scope, std::span<ex::Value> slots) {
	auto& im = *impl_;
	im.scope = &scope;
	im.slots = slots;
	if (im.dict) {
		Py_DECREF(im.dict);
		im.dict = nullptr;
	}
}

void RowStage::slot_changed(int slot) {
	auto& im = *impl_;
	if (!im.dict) return;
	size_t i = static_cast<size_t>(slot);
	if (im.inserted.size() <= i) im.inserted.resize(i + 1, nullptr);
	const ex::Value& v = im.slots[i];
	if (v.is_missing()) {
		if (PyDict_DelItem(im.dict, im.key(slot)) != 0) PyErr_Clear();
		im.inserted[i] = nullptr;
		return;
	}
	PyRef o(to_python(v));
	if (!o) throw_python_error("converting a value for Python", im.table.pos, ErrorKind::Internal);
	PyDict_SetItem(im.dict, im.key(slot), o.get());
	im.inserted[i] = o.get();
}

bool RowStage::run_applies() {
	auto& im = *impl_;
	PyObject* d = im.row_dict();
	PyObject* res = im.result;
	PyDict_Clear(res);
	static PyObject* ignore = rt_function("IgnoreThisRow");
	for (auto& a : im.applies) {
		PyRef r(PyObject_CallFunctionObjArgs(a.fn, d, res, im.target_table, Py_None, nullptr));
		if (!r) {
			bool skip = PyErr_ExceptionMatches(ignore);
			if (skip) {
				PyErr_Clear();
				return false;
			}
			throw_python_error(a.what, a.pos);
		}
	}
	// vars changed by the applies go back into the slots the maps read.
	int n = im.scope->size();
	if (im.inserted.size() < static_cast<size_t>(n)) im.inserted.resize(static_cast<size_t>(n), nullptr);
	for (int s = 0; s < n && static_cast<size_t>(s) < im.slots.size(); ++s) {
		PyObject* cur = PyDict_GetItem(d, im.key(s)); // borrowed
		if (cur == im.inserted[static_cast<size_t>(s)]) continue;
		try {
			im.slots[static_cast<size_t>(s)] = cur ? from_python(cur) : ex::Value::missing();
		} catch (const ex::ExprError& e) {
			throw Error(ErrorKind::Validation,
			            concat("vars[\"", im.scope->name(s), "\"] set by an apply: ", e.detail()));
		}
		im.inserted[static_cast<size_t>(s)] = cur;
	}
	return true;
}

bool RowStage::result_value(size_t column, ex::Value& out) {
	auto& im = *impl_;
	if (!im.result || PyDict_GET_SIZE(im.result) == 0 || column >= im.column_keys.size()) return false;
	PyObject* v = PyDict_GetItem(im.result, im.column_keys[column]); // borrowed
	if (!v) return false;
	try {
		out = from_python(v);
	} catch (const ex::ExprError& e) {
		throw Error(ErrorKind::Validation, concat("result[\"", im.table.columns[column].meta.name,
		                                          "\"] set by an apply: ", e.detail()));
	}
	return true;
}

void RowStage::run_batch(const std::function<void()>& work) {
	Interpreter::get().call([&] {
		impl_->ensure_namespace();
		work();
	});
}

// ------------------------------------------------------------------ expressions

namespace {

class PyEvaluator final : public ex::Evaluator {
public:
	PyEvaluator(PyObject* fn, RowStage::Impl* stage, std::vector<std::string> names)
	    : fn_(fn), stage_(stage), names_(std::move(names)) {}
	~PyEvaluator() override { release_later(fn_); }

	ex::Value evaluate(std::span<const ex::Value> slots) const override {
		if (!Interpreter::on_python_thread()) {
			ex::Value out;
			Interpreter::get().call([&] { out = evaluate(slots); });
			return out;
		}
		PyRef own;
		PyObject* vars = nullptr;
		if (stage_ && stage_->scope) {
			vars = stage_->row_dict();
		} else {
			own = PyRef(PyDict_New());
			for (size_t i = 0; i < names_.size() && i < slots.size(); ++i) {
				if (slots[i].is_missing() || names_[i].empty()) continue;
				PyRef v(to_python(slots[i]));
				PyDict_SetItemString(own.get(), names_[i].c_str(), v.get());
			}
			vars = own.get();
		}
		PyRef r(PyObject_CallFunctionObjArgs(fn_, vars, nullptr));
		if (!r) throw_as_expr_error();
		return from_python(r.get());
	}

private:
	PyObject* fn_;
	RowStage::Impl* stage_;
	std::vector<std::string> names_;
};

ex::FallbackCompiler make_fallback(std::function<PyObject*()> namespace_of, RowStage::Impl* stage) {
	return [namespace_of = std::move(namespace_of),
	        stage](std::string_view source, ex::Scope& scope,
	               const ex::CompileError&) -> std::unique_ptr<ex::Evaluator> {
		std::unique_ptr<ex::Evaluator> out;
		SourcePos pos; // the expression adds its own position to errors
		Interpreter::get().call([&] {
			// @names the code reads become fields of the scope, so that the rowmaker fills them.
			std::string text(source);
			for (size_t i = 0; i < text.size(); ++i) {
				if (text[i] != '@') continue;
				size_t j = i + 1;
				while (j < text.size() &&
				       (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
					++j;
				if (j > i + 1 && !std::isdigit(static_cast<unsigned char>(text[i + 1])))
					if (scope.extends() || scope.field(text.substr(i + 1, j - i - 1)))
						scope.add_field(text.substr(i + 1, j - i - 1));
			}
			PyObject* ns = namespace_of();
			PyRef fn(PyObject_CallFunction(rt_function("make_expression"), "s#siO", source.data(),
			                               static_cast<Py_ssize_t>(source.size()), "<expression>", 1, ns));
			if (!fn) {
				PyErr_Clear(); // keep the native compiler's error; check_code reports Python's
				return;
			}
			std::vector<std::string> names;
			for (int s = 0; s < scope.size(); ++s)
				names.push_back(scope.name(s));
			out = std::make_unique<PyEvaluator>(fn.release(), stage, std::move(names));
		});
		(void)pos;
		return out;
	};
}

} // namespace

ex::FallbackCompiler RowStage::fallback() {
	Impl* im = impl_.get();
	return make_fallback(
	    [im]() {
		    im->ensure_namespace();
		    return im->ns;
	    },
	    im);
}

ex::FallbackCompiler expression_fallback(ExpressionContext context) {
	auto ns_holder = std::make_shared<PyObject*>(nullptr);
	return make_fallback(
	    [context, ns_holder]() {
		    if (!*ns_holder) {
			    PyRef rdo = rd_object(context.rd);
			    PyRef target = PyRef::borrow(Py_None);
			    if (context.table && context.rd) target = table_object(context.rd, *context.table);
			    PyRef n(PyObject_CallFunctionObjArgs(rt_function("rowmaker_namespace"), rdo.get(), Py_None,
			                                         nullptr));
			    if (!n) throw_python_error("making the rowmaker namespace", {}, ErrorKind::Internal);
			    *ns_holder = n.release(); // kept for the process (one per fallback compiler)
		    }
		    return *ns_holder;
	    },
	    nullptr);
}

} // namespace meles::rd::python
