#include "meles/rd/python/grammars.hpp"

#include "meles/rd/ingest/native_procs.hpp"

#include "convert.hpp"
#include "describe.hpp"
#include "interpreter.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/model/proc_def.hpp"
#include "meles/rd/model/resource.hpp"
#include "meles/rd/python/runtime.hpp"

#include <unordered_map>

namespace meles::rd::python {

namespace ex = meles::rd::expr;
using ingest::FieldInfo;
using ingest::FieldLayout;
using ingest::RecordBatch;
using ingest::RecordReader;
using ingest::SourceInfo;
using ingest::Value;

// (procs.cpp)
PyRef proc_spec(const ApplyDef& a, const ProcDef* pd, std::string_view name, std::string_view args,
                std::string_view at_dict,
                const std::function<std::string(std::string_view, const SourcePos&)>& expand);

namespace {

constexpr size_t kBatchRows = 4096;

void release_soon(PyObject* o) {
	if (!o) return;
	if (Interpreter::on_python_thread())
		Py_DECREF(o);
	else
		Interpreter::get().post([o] { Py_DECREF(o); });
}

// An owned reference that may be dropped on any thread.
struct Held {
	PyObject* p = nullptr;
	Held() = default;
	explicit Held(PyObject* o) : p(o) {}
	Held(const Held&) = delete;
	Held& operator=(const Held&) = delete;
	Held(Held&& o) noexcept : p(std::exchange(o.p, nullptr)) {}
	Held& operator=(Held&& o) noexcept {
		std::swap(p, o.p);
		return *this;
	}
	~Held() { release_soon(p); }
};

PyRef compile_application(const ApplyDef& a, const ProcDef* pd, std::string_view args, std::string_view at,
                          PyObject* ns,
                          const std::function<std::string(std::string_view, const SourcePos&)>& expand) {
	std::string name = a.element;
	PyRef spec = proc_spec(a, pd, name, args, at, expand);
	PyRef fn(PyObject_CallFunctionObjArgs(rt_function("make_proc"), spec.get(), ns, nullptr));
	if (!fn) throw_python_error(concat(a.element, a.proc_ref.empty() ? "" : " of " + a.proc_ref), a.pos);
	return fn;
}

const ProcDef* procdef_of(const ApplyDef& a, const ProcDefLookup& find) {
	if (a.proc_ref.empty()) return nullptr;
	const ProcDef* pd = find ? find(a.proc_ref) : nullptr;
	if (!pd)
		throw Error(ErrorKind::NotFound, concat(a.element, ": procDef ", a.proc_ref, " cannot be found"),
		            a.pos);
	return pd;
}

// Turns Python dicts into records.  The layout grows when a dict brings a new key; the batch
// in progress then ends, so every batch has one layout.
class DictBatcher {
public:
	DictBatcher(std::shared_ptr<const SourceInfo> source, ingest::PositionUnit unit)
	    : source_(std::move(source)), unit_(unit) {}

	const std::shared_ptr<const FieldLayout>& layout() const { return layout_; }

	// Appends the dict as a record at `line`; returns false (nothing appended) when the dict
	// needs a wider layout and the batch already has records.
	bool add(RecordBatch& batch, PyObject* dict, int64_t line) {
		if (!PyDict_Check(dict))
			throw Error(ErrorKind::Validation, concat("a row must be a dict, not ", Py_TYPE(dict)->tp_name,
			                                          " (", source_->display, ")"));
		// New keys?
		std::vector<std::string> fresh;
		PyObject *k, *v;
		Py_ssize_t pos = 0;
		while (PyDict_Next(dict, &pos, &k, &v)) {
			std::string key = PyUnicode_Check(k) ? py_text(k) : py_str_of(k);
			if (!index_.count(key)) fresh.push_back(std::move(key));
		}
		if (!fresh.empty() || !layout_) {
			if (!batch.empty()) return false;
			std::vector<FieldInfo> fields = layout_ ? layout_->fields() : std::vector<FieldInfo>{};
			for (auto& f : fresh) {
				index_.emplace(f, fields.size());
				fields.push_back(FieldInfo{f, ingest::ValueKind::Text, {}});
			}
			layout_ = std::make_shared<const FieldLayout>(std::move(fields));
		}
		if (batch.empty() && (batch_layout_ != layout_.get() || !begun_)) {
			batch.begin(source_, layout_, unit_);
			batch_layout_ = layout_.get();
			begun_ = true;
		}
		Value* rec = batch.append(line);
		pos = 0;
		while (PyDict_Next(dict, &pos, &k, &v)) {
			std::string key = PyUnicode_Check(k) ? py_text(k) : py_str_of(k);
			rec[index_.at(key)] = field_value(batch, v);
			rec = batch.mutable_record(batch.size() - 1); // field_value may not move records, but be safe
		}
		return true;
	}

	void restart(RecordBatch& batch) {
		batch.begin(source_, layout_ ? layout_ : std::make_shared<const FieldLayout>(), unit_);
		batch_layout_ = layout_.get();
		begun_ = true;
	}

private:
	static Value field_value(RecordBatch& batch, PyObject* v) {
		if (v == Py_None) return Value();
		if (PyBool_Check(v)) return Value::of_bool(v == Py_True);
		if (PyUnicode_Check(v)) return Value::text(batch.store(py_text(v)));
		if (PyFloat_Check(v)) return Value::of_double(PyFloat_AS_DOUBLE(v));
		if (PyLong_Check(v)) {
			int overflow = 0;
			long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
			if (!overflow && !(x == -1 && PyErr_Occurred())) return Value::of_int(x);
			PyErr_Clear();
		}
		return batch.keep(from_python(v));
	}

	std::shared_ptr<const SourceInfo> source_;
	ingest::PositionUnit unit_;
	std::shared_ptr<const FieldLayout> layout_;
	std::unordered_map<std::string, size_t> index_;
	const FieldLayout* batch_layout_ = nullptr;
	bool begun_ = false;
};

// Pulls dicts from a Python iterator into batches.
class IteratorReader final : public RecordReader {
public:
	IteratorReader(std::shared_ptr<const SourceInfo> source, PyObject* iterator, std::string what,
	               SourcePos code_pos)
	    : RecordReader(source), it_(iterator), batcher_(source, ingest::PositionUnit::Row),
	      what_(std::move(what)), code_pos_(std::move(code_pos)) {}

	bool next(RecordBatch& batch) override {
		if (done_) return false;
		Interpreter::get().call([&] {
			batch.begin(source_, batcher_.layout() ? batcher_.layout() : layout_ptr(),
			            ingest::PositionUnit::Row);
			batcher_.restart(batch);
			if (pending_) {
				batcher_.add(batch, pending_.get(), pending_line_);
				pending_ = PyRef();
			}
			while (batch.size() < kBatchRows) {
				PyRef row(PyIter_Next(it_.p));
				if (!row) {
					if (PyErr_Occurred()) {
						PythonFailure f = fetch_python_failure(code_pos_);
						std::string msg = concat(what_, " failed on ", source_->display, " after ",
						                         std::to_string(count_), " rows: ", f.type, ": ", f.message);
						if (!f.trace.empty()) msg += " (" + f.trace + ")";
						throw Error(ErrorKind::Validation, msg, f.pos);
					}
					done_ = true;
					break;
				}
				++count_;
				if (!batcher_.add(batch, row.get(), static_cast<int64_t>(count_))) {
					pending_ = row;
					pending_line_ = static_cast<int64_t>(count_);
					break;
				}
			}
			if (batcher_.layout()) set_layout(*batcher_.layout());
		});
		set_consumed(count_);
		return !batch.empty() || (!done_ && pending_);
	}

private:
	Held it_;
	DictBatcher batcher_;
	std::string what_;
	SourcePos code_pos_;
	PyRef pending_;
	int64_t pending_line_ = 0;
	uint64_t count_ = 0;
	bool done_ = false;
};

class PythonGrammar final : public ingest::Grammar {
public:
	PythonGrammar(const GrammarDef& g, std::shared_ptr<const Resource> rd, const ProcDefLookup& find)
	    : Grammar(g.pos), def_(g), rd_(std::move(rd)) {
		check_grammar(g);
		Interpreter::get().call([&] {
			PyRef rdo = rd_object(rd_);
			PyRef props(PyDict_New());
			for (auto& p : g.element.attributes) {
				PyRef v = py_str(p.value);
				PyDict_SetItemString(props.get(), p.name.c_str(), v.get());
			}
			PyRef gobj(PyObject_CallFunctionObjArgs(rt_function("grammar_object"), py_str(g.type).get(),
			                                        props.get(), rdo.get(), nullptr));
			if (!gobj) throw_python_error(g.type, g.pos, ErrorKind::Internal);
			grammar_obj_ = Held(gobj.release());
			PyRef ns(PyObject_CallFunctionObjArgs(rt_function("proc_namespace"), rdo.get(), nullptr));
			if (!ns) throw_python_error(g.type, g.pos, ErrorKind::Internal);
			if (g.type == "embeddedGrammar") {
				const ProcDef* pd = procdef_of(*g.iterator, find);
				iterator_ = Held(compile_application(*g.iterator, pd, "self", "", ns.get(), {}).release());
				const PythonCode* c =
				    g.iterator->code ? &*g.iterator->code : (pd && pd->code ? &*pd->code : nullptr);
				code_pos_ = c ? c->pos : g.iterator->pos;
				if (g.pargetter) {
					const ProcDef* ppd = procdef_of(*g.pargetter, find);
					pargetter_ =
					    Held(compile_application(*g.pargetter, ppd, "self", "", ns.get(), {}).release());
				}
			} else {
				std::string file = g.module + ".py";
				if (!file.empty() && file[0] != '/') file = (rd_->resdir / file).string();
				note_rd_file(file);
				PyRef mod(PyObject_CallFunction(rt_function("load_custom_grammar"), "sO", file.c_str(),
				                                grammar_obj_.p));
				if (!mod) throw_python_error(concat("customGrammar module ", g.module), g.pos);
				module_ = Held(mod.release());
				code_pos_ = SourcePos{file, 1, 0};
			}
		});
	}

	std::string_view element_name() const override { return def_.type; }
	std::optional<std::vector<std::string>> declared_fields() const override { return std::nullopt; }
	bool yields_typed() const override { return true; }

	std::unique_ptr<RecordReader> open(const SourceInfo& source, const ingest::ReadOptions&) const override {
		auto src = std::make_shared<const SourceInfo>(source);
		PyObject* iterator = nullptr;
		std::string what =
		    def_.type == "embeddedGrammar" ? "the embeddedGrammar iterator" : "customGrammar " + def_.module;
		Interpreter::get().call([&] {
			PyRef token = py_str(source.path);
			PyRef it;
			if (iterator_.p) {
				it = PyRef(PyObject_CallFunctionObjArgs(rt_function("embedded_rows"), iterator_.p,
				                                        pargetter_.p ? pargetter_.p : Py_None, token.get(),
				                                        grammar_obj_.p, nullptr));
			} else {
				it = PyRef(PyObject_CallFunctionObjArgs(rt_function("custom_rows"), module_.p, token.get(),
				                                        grammar_obj_.p, nullptr));
			}
			if (!it) {
				PythonFailure f = fetch_python_failure(code_pos_);
				throw Error(ErrorKind::Validation,
				            concat(what, " failed on ", source.display, ": ", f.type, ": ", f.message),
				            f.pos);
			}
			iterator = it.release();
		});
		return std::make_unique<IteratorReader>(src, iterator, what, code_pos_);
	}

private:
	GrammarDef def_;
	std::shared_ptr<const Resource> rd_;
	Held grammar_obj_, iterator_, pargetter_, module_;
	SourcePos code_pos_;
};

// Runs sourceFields and rowfilters over the records of another reader.
class FilterReader final : public RecordReader {
public:
	FilterReader(std::unique_ptr<RecordReader> inner, std::vector<Held> filters, Held source_fields,
	             std::vector<SourcePos> filter_pos, std::shared_ptr<const Resource> rd)
	    : RecordReader(std::make_shared<const SourceInfo>(inner->source())), inner_(std::move(inner)),
	      filters_(std::move(filters)), source_fields_(std::move(source_fields)),
	      filter_pos_(std::move(filter_pos)), rd_(std::move(rd)),
	      batcher_(source_, ingest::PositionUnit::Line) {}

	bool next(RecordBatch& out) override {
		for (;;) {
			if (in_pos_ >= in_.size() && !in_done_) {
				if (!inner_->next(in_)) in_done_ = true;
				in_pos_ = 0;
			}
			if (in_pos_ >= in_.size() && in_done_ && pending_.empty()) return false;
			bool got = false;
			Interpreter::get().call([&] { got = fill(out); });
			set_consumed(inner_->bytes_consumed());
			if (got) return true;
		}
	}

private:
	bool fill(RecordBatch& out) {
		if (!rowiter_.p) {
			PyRef token = py_str(source_->path);
			PyRef ri(PyObject_CallFunctionObjArgs(rt_function("row_iterator_object"), token.get(), nullptr));
			if (!ri)
				throw_python_error("rowfilter", filter_pos_.empty() ? SourcePos{} : filter_pos_[0],
				                   ErrorKind::Internal);
			rowiter_ = Held(ri.release());
			if (source_fields_.p) {
				PyRef data(PyObject_CallFunctionObjArgs(rt_function("source_fields"), source_fields_.p,
				                                        token.get(), rowiter_.p, nullptr));
				if (!data) throw_python_error(concat("sourceFields on ", source_->display), SourcePos{});
				extra_ = Held(data.release());
			}
		}
		batcher_.restart(out);
		// Rows of an earlier record that did not fit the previous batch's layout.
		while (!pending_.empty()) {
			if (!batcher_.add(out, pending_.front().first.get(), pending_.front().second)) return true;
			pending_.erase(pending_.begin());
		}
		if (in_pos_ >= in_.size()) return !out.empty();
		PyRef filters(PyList_New(0));
		for (auto& f : filters_)
			PyList_Append(filters.get(), f.p);
		const auto& layout = in_.layout();
		std::vector<PyRef> keys;
		for (auto& f : layout.fields())
			keys.push_back(py_str(f.name));
		while (in_pos_ < in_.size() && out.size() < kBatchRows) {
			size_t r = in_pos_++;
			auto rec = in_.record(r);
			PyRef row(PyDict_New());
			for (size_t i = 0; i < rec.size(); ++i) {
				if (layout.field(i).name.empty()) continue;
				PyRef v(to_python(ingest::to_expr_value(rec[i])));
				PyDict_SetItem(row.get(), keys[i].get(), v.get());
			}
			if (extra_.p) PyDict_Update(row.get(), extra_.p);
			PyRef rows(PyObject_CallFunctionObjArgs(rt_function("apply_filters"), filters.get(), row.get(),
			                                        rowiter_.p, nullptr));
			if (!rows) {
				PythonFailure f = fetch_python_failure(filter_pos_.empty() ? SourcePos{} : filter_pos_[0]);
				std::string msg = concat("rowfilter: ", f.type, ": ", f.message);
				if (!f.trace.empty()) msg += " (" + f.trace + ")";
				msg += concat(" (RD ", f.pos.to_string(), ")");
				throw in_.error(r, msg);
			}
			Py_ssize_t n = PyList_GET_SIZE(rows.get());
			for (Py_ssize_t i = 0; i < n; ++i) {
				PyObject* d = PyList_GET_ITEM(rows.get(), i);
				if (!pending_.empty() || !batcher_.add(out, d, in_.line(r)))
					pending_.emplace_back(PyRef::borrow(d), in_.line(r));
			}
			if (!pending_.empty()) break;
		}
		if (batcher_.layout()) set_layout(*batcher_.layout());
		return !out.empty();
	}

	std::unique_ptr<RecordReader> inner_;
	std::vector<Held> filters_;
	Held source_fields_;
	std::vector<SourcePos> filter_pos_;
	std::shared_ptr<const Resource> rd_;
	DictBatcher batcher_;
	RecordBatch in_;
	size_t in_pos_ = 0;
	bool in_done_ = false;
	Held rowiter_, extra_;
	std::vector<std::pair<PyRef, int64_t>> pending_;
};

bool has_code(const ApplyDef& a, const ProcDefLookup& find) {
	if (a.has_python()) return true;
	// The native registry comes first: those applications run in the rowmaker.
	if (a.proc_ref.empty() || ingest::find_native_proc(a.proc_ref)) return false;
	const ProcDef* pd = find ? find(a.proc_ref) : nullptr;
	return pd && pd->has_python();
}

} // namespace

void check_grammar(const GrammarDef& g) {
	if (auto v = g.option("isDispatching"); v && (*v == "True" || *v == "true"))
		throw Error(ErrorKind::Validation, concat(g.type, " with isDispatching is not supported by Meles"),
		            g.pos);
	if (g.type == "embeddedGrammar" && !g.iterator)
		throw Error(ErrorKind::Validation, "embeddedGrammar needs an iterator", g.pos);
}

bool is_python_grammar(std::string_view element) {
	return element == "embeddedGrammar" || element == "customGrammar";
}

std::unique_ptr<ingest::Grammar> make_grammar(const GrammarDef& grammar, std::shared_ptr<const Resource> rd,
                                              const ProcDefLookup& find_procdef) {
	return std::make_unique<PythonGrammar>(grammar, std::move(rd), find_procdef);
}

bool runs_application(const ApplyDef& a, const ProcDefLookup& find_procdef) {
	return has_code(a, find_procdef);
}

bool has_python_filters(const GrammarDef& grammar, const ProcDefLookup& find_procdef) {
	for (auto& f : grammar.rowfilters)
		if (has_code(f, find_procdef)) return true;
	return grammar.source_fields && has_code(*grammar.source_fields, find_procdef);
}

std::unique_ptr<RecordReader>
filter_records(std::unique_ptr<RecordReader> reader, const GrammarDef& grammar,
               std::shared_ptr<const Resource> rd, const ProcDefLookup& find_procdef,
               const std::function<std::string(std::string_view, const SourcePos&)>& expand) {
	std::vector<Held> filters;
	std::vector<SourcePos> positions;
	Held source_fields;
	Interpreter::get().call([&] {
		PyRef rdo = rd_object(rd);
		PyRef ns(PyObject_CallFunctionObjArgs(rt_function("proc_namespace"), rdo.get(), nullptr));
		if (!ns) throw_python_error("rowfilter namespace", grammar.pos, ErrorKind::Internal);
		for (auto& f : grammar.rowfilters) {
			// Rowfilters without code are Meles's native ones (//products#define): nothing to run here.
			if (!has_code(f, find_procdef)) continue;
			const ProcDef* pd = procdef_of(f, find_procdef);
			filters.emplace_back(
			    compile_application(f, pd, "row, rowIter", "row", ns.get(), expand).release());
			const PythonCode* c = f.code ? &*f.code : (pd && pd->code ? &*pd->code : nullptr);
			positions.push_back(c ? c->pos : f.pos);
		}
		if (grammar.source_fields && has_code(*grammar.source_fields, find_procdef)) {
			const ProcDef* pd = procdef_of(*grammar.source_fields, find_procdef);
			source_fields = Held(
			    compile_application(*grammar.source_fields, pd, "sourceToken, data", "", ns.get(), expand)
			        .release());
		}
	});
	return std::make_unique<FilterReader>(std::move(reader), std::move(filters), std::move(source_fields),
	                                      std::move(positions), std::move(rd));
}

} // namespace meles::rd::python
