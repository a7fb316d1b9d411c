// Procedure applications as the spec dicts meles_rt.make_proc compiles: code, setups and the
// effective parameters (the application's binds over the procDef's defaults), with the RD
// positions of each piece so that errors name the right line.
#include "interpreter.hpp"

#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/proc_def.hpp"
#include "meles/rd/python/runtime.hpp"

namespace meles::rd::python {

namespace {

void set(PyObject* d, const char* key, PyRef v) {
	if (v) PyDict_SetItemString(d, key, v.get());
}

PyRef str_or_none(const std::optional<std::string>& s) {
	if (!s) return PyRef::borrow(Py_None);
	return py_str(*s);
}

PyRef setup_dict(const std::vector<std::string>& imports, const std::optional<PythonCode>& code,
                 const SourcePos& fallback, const RowStage::Expander& expand) {
	PyRef d(PyDict_New());
	PyRef imp(PyList_New(0));
	for (auto& i : imports) {
		PyRef s = py_str(i);
		PyList_Append(imp.get(), s.get());
	}
	set(d.get(), "imports", imp);
	const SourcePos& pos = code ? code->pos : fallback;
	std::optional<std::string> text;
	if (code && !code->empty()) text = expand ? expand(code->text, code->pos) : code->text;
	set(d.get(), "code", str_or_none(text));
	std::string file = pos.source.empty() ? "<rd>" : pos.source;
	note_rd_file(file);
	set(d.get(), "file", py_str(file));
	set(d.get(), "line", PyRef(PyLong_FromLong(std::max(1, pos.line))));
	return d;
}

} // namespace

PyRef proc_spec(const ApplyDef& a, const ProcDef* pd, std::string_view name, std::string_view args,
                std::string_view at_dict, const RowStage::Expander& expand) {
	PyRef d(PyDict_New());
	set(d.get(), "name", py_str(name));
	set(d.get(), "args", py_str(args));
	set(d.get(), "at", py_str(at_dict));
	const PythonCode* code =
	    (a.code && !a.code->empty()) ? &*a.code : (pd && pd->code ? &*pd->code : nullptr);
	SourcePos code_pos = code ? code->pos : a.pos;
	std::string file = code_pos.source.empty() ? "<rd>" : code_pos.source;
	note_rd_file(file);
	std::optional<std::string> text;
	if (code) text = expand ? expand(code->text, code->pos) : code->text;
	set(d.get(), "code", str_or_none(text));
	set(d.get(), "file", py_str(file));
	set(d.get(), "line", PyRef(PyLong_FromLong(std::max(1, code_pos.line))));

	PyRef setups(PyList_New(0));
	if (pd && (!pd->imports.empty() || pd->setup_code)) {
		PyRef s = setup_dict(pd->imports, pd->setup_code, pd->pos, expand);
		PyList_Append(setups.get(), s.get());
	}
	if (!a.imports.empty() || a.setup_code) {
		PyRef s = setup_dict(a.imports, a.setup_code, a.pos, expand);
		PyList_Append(setups.get(), s.get());
	}
	set(d.get(), "setups", setups);

	// Parameters: the procDef's, overridden by the application's own setup pars; values from
	// the binds, else the defaults.
	std::vector<const ProcPar*> pars;
	auto add = [&](const ProcPar& p) {
		for (auto& q : pars)
			if (q->key == p.key) {
				q = &p;
				return;
			}
		pars.push_back(&p);
	};
	if (pd)
		for (auto& p : pd->pars)
			add(p);
	for (auto& p : a.setup_pars)
		add(p);
	PyRef plist(PyList_New(0));
	for (auto* p : pars) {
		const BindDef* bind = nullptr;
		for (auto& b : a.binds)
			if (b.key == p->key) bind = &b;
		std::optional<std::string> expr;
		SourcePos pos = p->pos;
		if (bind) {
			expr = bind->expr.text;
			pos = bind->expr.pos.line ? bind->expr.pos : bind->pos;
		} else if (p->default_value) {
			expr = p->default_value->text;
			if (p->default_value->pos.line) pos = p->default_value->pos;
		}
		if (expr && expand) expr = expand(*expr, pos);
		if (expr && *expr == "__NULL__") expr = "None";
		PyRef pdict(PyDict_New());
		set(pdict.get(), "key", py_str(p->key));
		set(pdict.get(), "expr", str_or_none(expr));
		set(pdict.get(), "late", PyRef(PyBool_FromLong(p->late)));
		std::string pfile = pos.source.empty() ? "<rd>" : pos.source;
		note_rd_file(pfile);
		set(pdict.get(), "file", py_str(pfile));
		set(pdict.get(), "line", PyRef(PyLong_FromLong(std::max(1, pos.line))));
		PyList_Append(plist.get(), pdict.get());
	}
	set(d.get(), "pars", plist);
	return d;
}

} // namespace meles::rd::python
