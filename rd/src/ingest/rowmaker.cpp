#include "meles/rd/ingest/rowmaker.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/expr/literals.hpp"
#include "meles/rd/expr/value.hpp"
#include "meles/rd/model/proc_def.hpp"
#include "meles/rd/python/runtime.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>

namespace meles::rd::ingest {

namespace ex = meles::rd::expr;

bool name_matches(std::string_view pattern, std::string_view name) {
	std::string p(pattern), n(name);
	return fnmatch(p.c_str(), n.c_str(), 0) == 0;
}

namespace {

// Null: no map (with Python applies: what the applies put into `result`, if anything);
// Raw: a raw field, type-directed; Expression: a map body; Slot: a raw field or var read from
// the slots after the applies ran (they may have changed it).
enum class CellKind { Null, Raw, Expression, Slot };

struct Cell {
	CellKind kind = CellKind::Null;
	size_t field = 0;   // Raw: index in the layout
	int slot = -1;      // Slot: slot index
	int expr = -1;      // Expression: index into exprs
	int null_expr = -1; // compiled nullExpr, if any
	ex::ExcSet null_excs;
	SourcePos pos; // of the map element
};

struct VarStep {
	int slot;
	int expr = -1; // expression, or -1 for a plain source copy
	size_t source_field = 0;
	bool source_known = false;
	int null_expr = -1;
	ex::ExcSet null_excs;
	SourcePos pos;
};

struct Condition {
	IgnoreCondition::Kind kind;
	std::optional<size_t> field;
	std::string value;
	std::vector<Condition> children;
};

} // namespace

struct CompiledRowmaker::Impl {
	const TableDef& table;
	ex::Scope scope{true};
	std::unique_ptr<python::RowStage> stage; // Python parts, made when first needed
	std::vector<int> default_slots;          // column-named slots DaCHS fills with None (Python rowmakers)
	bool applied = false;                    // this row's applies ran (their `result` may fill Null cells)
	std::vector<Cell> cells;                 // one per table column
	std::vector<VarStep> vars;
	std::vector<ex::Expression> exprs;
	std::vector<std::pair<int, size_t>> field_slots; // (slot, layout index) filled per row
	std::vector<Condition> ignore;                   // any true → skip
	std::vector<bool> bail;                          // per ignore entry: error instead of skip
	std::vector<ex::Value> slots;
	std::string tmp;

	explicit Impl(const TableDef& t) : table(t) {}

	bool holds(const Condition& c, std::span<const Value> rec) const {
		switch (c.kind) {
		case IgnoreCondition::Kind::KeyMissing:
			return !c.field;
		case IgnoreCondition::Kind::KeyPresent:
			return c.field.has_value();
		case IgnoreCondition::Kind::KeyNull:
			return !c.field || rec[*c.field].is_null() ||
			       (rec[*c.field].kind() == ValueKind::Text && rec[*c.field].as_text().empty());
		case IgnoreCondition::Kind::KeyIs:
			return c.field && rec[*c.field].kind() == ValueKind::Text && rec[*c.field].as_text() == c.value;
		case IgnoreCondition::Kind::Not:
			for (auto& ch : c.children)
				if (holds(ch, rec)) return false;
			return true;
		case IgnoreCondition::Kind::And:
			for (auto& ch : c.children)
				if (!holds(ch, rec)) return false;
			return true;
		}
		return false;
	}

	ex::Value eval(int e, const ex::ExcSet& null_excs) {
		if (null_excs.empty()) return exprs[static_cast<size_t>(e)].evaluate(slots);
		return exprs[static_cast<size_t>(e)].evaluate(slots, null_excs);
	}
};

namespace {

Condition compile_condition(const IgnoreCondition& c, const FieldLayout& layout) {
	Condition out{c.kind, std::nullopt, c.value, {}};
	if (!c.key.empty()) out.field = layout.index_of(c.key);
	for (auto& ch : c.children)
		out.children.push_back(compile_condition(ch, layout));
	return out;
}

} // namespace

bool CompiledRowmaker::needs_per_source(const RowmakerDef& rm) {
	auto uses = [](const std::optional<Expr>& e) { return e && !row_macros_in(e->text).empty(); };
	for (auto& m : rm.maps)
		if (uses(m.expr) || uses(m.null_expr)) return true;
	for (auto& v : rm.vars)
		if (uses(v.expr) || uses(v.null_expr)) return true;
	return false;
}

CompiledRowmaker::CompiledRowmaker(const RowmakerDef& rm, const TableDef& table, const FieldLayout& layout,
                                   const RowMacroContext& macros, const RowmakerInputs& inputs)
    : impl_(std::make_unique<Impl>(table)) {
	auto& im = *impl_;
	ex::Scope& scope = im.scope;
	auto expand = [&macros](std::string_view text, const SourcePos& pos) {
		std::string t(text);
		if (!row_macros_in(t).empty())
			t = expand_row_macros(t, macros, RowMacroRendering::PythonLiteral, pos);
		return t;
	};
	// Names the record gets beyond the grammar's fields (native row filters, vars, applies).
	std::vector<std::string> defined;
	// The Python stage, made only for rowmakers that need it; its `vars` holds every raw field.
	auto need_stage = [&]() -> python::RowStage& {
		if (!im.stage) {
			im.stage = std::make_unique<python::RowStage>(inputs.rd, table);
			for (auto& f : layout.fields())
				if (!f.name.empty()) scope.add_field(f.name);
			for (auto& v : rm.vars)
				scope.add_field(v.key);
		}
		return *im.stage;
	};
	ex::FallbackCompiler fallback = [&](std::string_view source, ex::Scope& sc, const ex::CompileError& why) {
		return need_stage().fallback()(source, sc, why);
	};
	auto compile = [&](const Expr& e) -> int {
		std::string text = expand(e.text, e.pos);
		ex::CompileOptions opts;
		opts.pos = e.pos;
		opts.fallback = fallback;
		im.exprs.push_back(ex::Expression::compile(text, scope, opts));
		return static_cast<int>(im.exprs.size() - 1);
	};

	auto add_ignore = [&](const std::vector<IgnoreOn>& list) {
		for (auto& ig : list)
			for (auto& c : ig.conditions) {
				im.ignore.push_back(compile_condition(c, layout));
				im.bail.push_back(ig.bail);
			}
	};
	if (inputs.grammar) add_ignore(inputs.grammar->ignore_on);
	add_ignore(rm.ignore_on);

	auto add_var = [&](const std::string& key, const std::optional<Expr>& expr,
	                   const std::optional<std::string>& source, const std::optional<Expr>& null_expr,
	                   const std::vector<std::string>& null_excs, const SourcePos& pos) {
		VarStep step;
		step.pos = pos;
		step.slot = scope.add_field(key);
		if (expr) {
			step.expr = compile(*expr);
		} else if (source) {
			auto idx = layout.index_of(*source);
			step.source_known = idx.has_value();
			step.source_field = idx.value_or(0);
		}
		if (null_expr) step.null_expr = compile(*null_expr);
		step.null_excs = ex::ExcSet::parse(join(null_excs, ","));
		im.vars.push_back(std::move(step));
		defined.push_back(key);
	};
	// Procedure applications: natively where native_procs has them, else in the Python stage
	// (after the vars).  The grammar's Python row filters have run in the importer already.
	std::vector<NativeAssignment> column_results;
	auto apply = [&](const ApplyDef& a, bool grammar_filter) {
		const ProcDef* def = inputs.procs && !a.proc_ref.empty() ? inputs.procs(a.proc_ref) : nullptr;
		std::string what = a.proc_ref.empty() ? a.element : concat(a.element, " of ", a.proc_ref);
		if (!a.proc_ref.empty() && !def)
			throw Error(ErrorKind::NotFound, concat(what, ": its procDef cannot be found"), a.pos);
		switch (runner_of(a, def)) {
		case ProcRunner::Nothing:
			return;
		case ProcRunner::Python:
			if (!grammar_filter) need_stage().add_apply(a, def, expand);
			return;
		case ProcRunner::Missing:
			throw Error(
			    ErrorKind::Validation,
			    concat(what, ": the procedure has no code and Meles has no native implementation of it"),
			    a.pos);
		case ProcRunner::Native:
			break;
		}
		for (auto& as : find_native_proc(a.proc_ref)->expand(a, *def)) {
			if (as.target == NativeAssignment::Target::Column)
				column_results.push_back(std::move(as));
			else
				add_var(as.name, as.expr, std::nullopt, std::nullopt, {}, a.pos);
		}
	};
	if (inputs.grammar)
		for (auto& rf : inputs.grammar->rowfilters)
			apply(rf, true);
	for (auto& v : rm.vars)
		add_var(v.key, v.expr, v.source, v.null_expr, v.null_excs, v.pos);
	for (auto& a : rm.applies)
		apply(a, false);

	bool applies = im.stage && im.stage->has_applies();
	im.cells.resize(table.columns.size());
	auto column_index = [&](const std::string& name, const SourcePos& pos) -> size_t {
		for (size_t i = 0; i < table.columns.size(); ++i)
			if (iequals(table.columns[i].meta.name, name)) return i;
		throw Error(ErrorKind::Name, concat("table ", table.id, " has no column '", name, "'"), pos);
	};
	auto is_defined = [&](const std::string& name) {
		return std::find(defined.begin(), defined.end(), name) != defined.end();
	};
	// A raw field or var that the maps copy.  After Python applies (which may change vars) it is
	// read from the slots; otherwise straight from the record.
	auto copy_cell = [&](const std::string& src, const SourcePos& pos) -> Cell {
		Cell c;
		c.pos = pos;
		// A var of that name wins over a raw field (vars are the raw row with the vars set on it).
		if (applies || is_defined(src)) {
			c.kind = CellKind::Slot;
			c.slot = scope.add_field(src);
			return c;
		}
		if (auto idx = layout.index_of(src)) {
			c.kind = CellKind::Raw;
			c.field = *idx;
		}
		return c;
	};
	// idmaps and simplemaps first; explicit maps override them.
	for (size_t i = 0; i < table.columns.size(); ++i) {
		const auto& cname = table.columns[i].meta.name;
		for (auto& pat : rm.idmaps)
			if (name_matches(pat, cname)) im.cells[i] = copy_cell(cname, rm.pos);
	}
	for (auto& [dest, src] : rm.simplemaps) {
		size_t ci = column_index(dest, rm.pos);
		im.cells[ci] = copy_cell(src, rm.pos);
	}
	// Columns native applies compute win over blind copies (idmaps), not over explicit maps.
	for (auto& r : column_results) {
		size_t ci = column_index(r.name, r.expr.pos);
		Cell cell;
		cell.pos = r.expr.pos;
		cell.kind = CellKind::Expression;
		cell.expr = compile(r.expr);
		im.cells[ci] = cell;
	}
	for (auto& m : rm.maps) {
		size_t ci = column_index(m.key, m.pos);
		Cell cell;
		cell.pos = m.pos;
		if (m.expr) {
			cell.kind = CellKind::Expression;
			cell.expr = compile(*m.expr);
		} else {
			std::string src = m.source.value_or(m.key);
			if (applies) {
				cell = copy_cell(src, m.pos);
			} else if (auto idx = layout.index_of(src)) {
				cell.kind = CellKind::Raw;
				cell.field = *idx;
			} else if (scope.field(src)) {
				// a var of that name
				cell.kind = CellKind::Expression;
				Expr e{concat("@", src), m.pos};
				cell.expr = compile(e);
			} else {
				throw Error(ErrorKind::Name,
				            concat("map of column '", m.key, "' reads '", src,
				                   "', which the grammar does not provide (it has: ",
				                   join(layout.names(), ", "), ")"),
				            m.pos);
			}
		}
		if (m.null_expr) cell.null_expr = compile(*m.null_expr);
		cell.null_excs = ex::ExcSet::parse(join(m.null_excs, ","));
		im.cells[ci] = cell;
	}
	if (im.stage) {
		// As in DaCHS, a column name absent from the raw row is None in vars (not a KeyError).
		for (auto& c : table.columns)
			if (!layout.index_of(c.meta.name) && !is_defined(c.meta.name))
				im.default_slots.push_back(scope.add_field(c.meta.name));
	}
	// Which @names the expressions read from the record.  A var of a raw field's name starts
	// as that field (vars are the raw row), so that <var key="b">@b + "!"</var> reads it.
	im.slots.assign(static_cast<size_t>(scope.size()), ex::Value::missing());
	for (auto& f : layout.fields())
		if (auto s = scope.field(f.name)) im.field_slots.emplace_back(*s, *layout.index_of(f.name));
	// @names neither in the record nor defined by a var: DaCHS raises at run time; say it now
	// (unless Python applies, which may define any name, run first).
	for (int s = 0; s < scope.size() && !applies; ++s) {
		if (scope.is_variable(s)) continue;
		const std::string& name = scope.name(s);
		bool known = layout.index_of(name).has_value() || is_defined(name);
		for (int d : im.default_slots)
			known = known || d == s;
		if (!known)
			throw Error(ErrorKind::Name,
			            concat("an expression of this rowmaker uses @", name,
			                   ", but the grammar provides no field '", name,
			                   "' (it has: ", join(layout.names(), ", "), ") and no var defines it"),
			            rm.pos);
	}
}

CompiledRowmaker::~CompiledRowmaker() = default;
CompiledRowmaker::CompiledRowmaker(CompiledRowmaker&&) noexcept = default;

void CompiledRowmaker::run(const std::function<void()>& work) {
	if (impl_->stage)
		impl_->stage->run_batch(work);
	else
		work();
}

bool CompiledRowmaker::uses_python() const {
	return impl_->stage != nullptr;
}

namespace {

void append_slot_value(std::string& out, const ex::Value& v, const SqlType& type) {
	if (v.is_missing() || v.is_none())
		out += "\\N";
	else if (v.kind() == ex::Kind::Str)
		ex::append_copy_literal(out, v.as_str(), type);
	else
		ex::append_copy_value(out, v, type);
}

} // namespace

bool CompiledRowmaker::append(const RecordBatch& batch, size_t r, std::string& out) {
	auto& im = *impl_;
	auto rec = batch.record(r);
	for (size_t i = 0; i < im.ignore.size(); ++i) {
		if (im.holds(im.ignore[i], rec)) {
			if (im.bail[i]) throw batch.error(r, "record rejected by an ignoreOn condition with bail");
			return false;
		}
	}
	for (auto& [slot, field] : im.field_slots)
		im.slots[static_cast<size_t>(slot)] = to_expr_value(rec[field]);
	python::RowStage* stage = im.stage.get();
	if (stage) {
		for (int s : im.default_slots)
			im.slots[static_cast<size_t>(s)] = ex::Value::none();
		stage->begin_row(im.scope, im.slots);
	}
	size_t start = out.size();
	try {
		for (auto& v : im.vars) {
			ex::Value val;
			try {
				if (v.expr >= 0)
					val = im.eval(v.expr, v.null_excs);
				else if (v.source_known)
					val = to_expr_value(rec[v.source_field]);
				if (v.null_expr >= 0 && ex::py_equal(val, im.eval(v.null_expr, {}))) val = ex::Value::none();
			} catch (const ex::ExprError& e) {
				throw batch.error(
				    r, concat("var ", std::string(v.pos.to_string()), ": ", e.exc_name(), ": ", e.detail()));
			}
			im.slots[static_cast<size_t>(v.slot)] = val.to_owned();
			if (stage) stage->slot_changed(v.slot);
		}
		if (stage && stage->has_applies()) {
			im.applied = true;
			try {
				if (!stage->run_applies()) return false;
			} catch (const Error& e) {
				if (e.kind() == ErrorKind::Internal) throw;
				throw batch.error(r, e.full_message());
			}
		}
		for (size_t c = 0; c < im.cells.size(); ++c) {
			if (c) out += '\t';
			const Cell& cell = im.cells[c];
			const auto& col = im.table.columns[c].meta;
			size_t before = out.size();
			switch (cell.kind) {
			case CellKind::Null: {
				ex::Value set;
				if (!im.applied || !stage->result_value(c, set)) {
					out += "\\N";
					break;
				}
				try {
					append_slot_value(out, set, col.type);
				} catch (const ex::ExprError& e) {
					throw batch.error(r,
					                  concat("column ", col.name, " (result set by an apply): ", e.detail()));
				}
				break;
			}
			case CellKind::Raw: {
				const Value& v = rec[cell.field];
				try {
					if (v.kind() == ValueKind::Text)
						ex::append_copy_literal(out, v.as_text(), col.type);
					else if (v.is_null())
						out += "\\N";
					else
						ex::append_copy_value(out, to_expr_value(v), col.type);
				} catch (const Error& e) {
					std::string detail = e.message();
					if (auto* pe = dynamic_cast<const ex::ExprError*>(&e)) detail = pe->detail();
					throw batch.error(r, concat("column ", col.name, ": ", detail), cell.field);
				}
				break;
			}
			case CellKind::Slot: {
				try {
					append_slot_value(out, im.slots[static_cast<size_t>(cell.slot)], col.type);
				} catch (const Error& e) {
					std::string detail = e.message();
					if (auto* pe = dynamic_cast<const ex::ExprError*>(&e)) detail = pe->detail();
					throw batch.error(r, concat("column ", col.name, ": ", detail));
				}
				break;
			}
			case CellKind::Expression: {
				ex::Value val;
				try {
					val = im.eval(cell.expr, cell.null_excs);
					if (cell.null_expr >= 0 && ex::py_equal(val, im.eval(cell.null_expr, {})))
						val = ex::Value::none();
					ex::append_copy_value(out, val, col.type);
				} catch (const ex::ExprError& e) {
					throw batch.error(r, concat("column ", col.name, " (map at ", cell.pos.to_string(),
					                            "): ", e.exc_name(), ": ", e.detail()));
				} catch (const Error& e) {
					if (e.kind() == ErrorKind::Internal) throw;
					throw batch.error(r, concat("column ", col.name, " (map at ", cell.pos.to_string(),
					                            "): ", e.message()));
				}
				break;
			}
			}
			if (col.required && out.compare(before, std::string::npos, "\\N") == 0)
				throw batch.error(r, concat("column ", col.name, " is required but got no value"));
		}
	} catch (...) {
		out.resize(start);
		throw;
	}
	out += '\n';
	return true;
}

} // namespace meles::rd::ingest
