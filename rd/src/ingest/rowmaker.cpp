#include "meles/rd/ingest/rowmaker.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/expr/literals.hpp"
#include "meles/rd/expr/value.hpp"

#include <fnmatch.h>

namespace meles::rd::ingest {

namespace ex = meles::rd::expr;

bool name_matches(std::string_view pattern, std::string_view name) {
	std::string p(pattern), n(name);
	return fnmatch(p.c_str(), n.c_str(), 0) == 0;
}

namespace {

enum class CellKind { Null, Raw, Expression };

struct Cell {
	CellKind kind = CellKind::Null;
	size_t field = 0;   // Raw: index in the layout
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

ex::Value to_expr_value(const Value& v, std::vector<std::string>& /*scratch*/) {
	switch (v.kind()) {
	case ValueKind::Null:
		return ex::Value::none();
	case ValueKind::Text:
		return ex::Value::borrow(v.as_text());
	case ValueKind::Int:
		return ex::Value::integer(v.as_int());
	case ValueKind::Double:
		return ex::Value::real(v.as_double());
	case ValueKind::Bool:
		return ex::Value::boolean(v.as_bool());
	case ValueKind::IntArray: {
		std::vector<ex::Value> items;
		for (size_t i = 0; i < v.array_size(); ++i)
			items.push_back(v.element_null(i) ? ex::Value::none() : ex::Value::integer(v.ints()[i]));
		return ex::Value::list(std::move(items));
	}
	case ValueKind::DoubleArray: {
		std::vector<ex::Value> items;
		for (size_t i = 0; i < v.array_size(); ++i)
			items.push_back(v.element_null(i) ? ex::Value::none() : ex::Value::real(v.doubles()[i]));
		return ex::Value::list(std::move(items));
	}
	case ValueKind::BoolArray: {
		std::vector<ex::Value> items;
		for (size_t i = 0; i < v.array_size(); ++i)
			items.push_back(v.element_null(i) ? ex::Value::none() : ex::Value::boolean(v.bools()[i] != 0));
		return ex::Value::list(std::move(items));
	}
	}
	return ex::Value::none();
}

} // namespace

struct CompiledRowmaker::Impl {
	const TableDef& table;
	std::vector<Cell> cells; // one per table column
	std::vector<VarStep> vars;
	std::vector<ex::Expression> exprs;
	std::vector<std::pair<int, size_t>> field_slots; // (slot, layout index) filled per row
	std::vector<Condition> ignore;                   // any true → skip
	std::vector<bool> bail;                          // per ignore entry: error instead of skip
	std::vector<ex::Value> slots;
	std::vector<std::string> scratch;
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
	ex::Scope scope(true);
	auto compile = [&](const Expr& e) -> int {
		std::string text = e.text;
		if (!row_macros_in(text).empty())
			text = expand_row_macros(text, macros, RowMacroRendering::PythonLiteral, e.pos);
		ex::CompileOptions opts;
		opts.pos = e.pos;
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

	// Names the record gets beyond the grammar's fields (row filters, vars, applies).
	std::vector<std::string> defined;
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
	// Procedure applications: natively where native_procs has them.
	std::vector<NativeAssignment> column_results;
	auto apply = [&](const ApplyDef& a) {
		const ProcDef* def = inputs.procs && !a.proc_ref.empty() ? inputs.procs(a.proc_ref) : nullptr;
		std::string what = a.proc_ref.empty() ? a.element : concat(a.element, " of ", a.proc_ref);
		switch (runner_of(a, def)) {
		case ProcRunner::Nothing:
			return;
		case ProcRunner::Python:
			throw Error(ErrorKind::Validation,
			            concat(what, " is Python code, which this version of Meles cannot run"), a.pos);
		case ProcRunner::Missing:
			throw Error(
			    ErrorKind::Validation,
			    concat(what, ": the procedure has no code and Meles has no native implementation of it"),
			    a.pos);
		case ProcRunner::Native:
			break;
		}
		if (!def) throw Error(ErrorKind::Internal, concat(what, ": its procDef could not be found"), a.pos);
		for (auto& as : find_native_proc(a.proc_ref)->expand(a, *def)) {
			if (as.target == NativeAssignment::Target::Column)
				column_results.push_back(std::move(as));
			else
				add_var(as.name, as.expr, std::nullopt, std::nullopt, {}, a.pos);
		}
	};
	if (inputs.grammar)
		for (auto& rf : inputs.grammar->rowfilters)
			apply(rf);
	for (auto& v : rm.vars)
		add_var(v.key, v.expr, v.source, v.null_expr, v.null_excs, v.pos);
	for (auto& a : rm.applies)
		apply(a);

	im.cells.resize(table.columns.size());
	auto column_index = [&](const std::string& name, const SourcePos& pos) -> size_t {
		for (size_t i = 0; i < table.columns.size(); ++i)
			if (iequals(table.columns[i].meta.name, name)) return i;
		throw Error(ErrorKind::Name, concat("table ", table.id, " has no column '", name, "'"), pos);
	};
	// idmaps and simplemaps first; explicit maps override them.
	for (size_t i = 0; i < table.columns.size(); ++i) {
		const auto& cname = table.columns[i].meta.name;
		for (auto& pat : rm.idmaps)
			if (name_matches(pat, cname)) {
				if (auto idx = layout.index_of(cname))
					im.cells[i] = Cell{CellKind::Raw, *idx, -1, -1, {}, rm.pos};
				else
					im.cells[i] = Cell{CellKind::Null, 0, -1, -1, {}, rm.pos};
			}
	}
	for (auto& [dest, src] : rm.simplemaps) {
		size_t ci = column_index(dest, rm.pos);
		if (auto idx = layout.index_of(src))
			im.cells[ci] = Cell{CellKind::Raw, *idx, -1, -1, {}, rm.pos};
		else
			im.cells[ci] = Cell{CellKind::Null, 0, -1, -1, {}, rm.pos};
	}
	// Columns applies compute win over blind copies (idmaps), not over explicit maps.
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
			if (auto idx = layout.index_of(src)) {
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
	// Which @names the expressions read from the record (vars get their slots by evaluation).
	im.slots.assign(static_cast<size_t>(scope.size()), ex::Value::none());
	for (auto& f : layout.fields()) {
		if (auto s = scope.field(f.name)) {
			bool is_var = false;
			for (auto& v : im.vars)
				is_var = is_var || v.slot == *s;
			if (!is_var) im.field_slots.emplace_back(*s, *layout.index_of(f.name));
		}
	}
	// @names neither in the record nor defined by a var: DaCHS raises at run time; say it now.
	for (int s = 0; s < scope.size(); ++s) {
		if (scope.is_variable(s)) continue;
		const std::string& name = scope.name(s);
		bool known = layout.index_of(name).has_value();
		for (auto& d : defined)
			known = known || d == name;
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
		im.slots[static_cast<size_t>(slot)] = to_expr_value(rec[field], im.scratch);
	size_t start = out.size();
	try {
		for (auto& v : im.vars) {
			ex::Value val;
			try {
				if (v.expr >= 0)
					val = im.eval(v.expr, v.null_excs);
				else if (v.source_known)
					val = to_expr_value(rec[v.source_field], im.scratch);
				if (v.null_expr >= 0 && ex::py_equal(val, im.eval(v.null_expr, {}))) val = ex::Value::none();
			} catch (const ex::ExprError& e) {
				throw batch.error(
				    r, concat("var ", std::string(v.pos.to_string()), ": ", e.exc_name(), ": ", e.detail()));
			}
			im.slots[static_cast<size_t>(v.slot)] = val.to_owned();
		}
		for (size_t c = 0; c < im.cells.size(); ++c) {
			if (c) out += '\t';
			const Cell& cell = im.cells[c];
			const auto& col = im.table.columns[c].meta;
			size_t before = out.size();
			switch (cell.kind) {
			case CellKind::Null:
				out += "\\N";
				break;
			case CellKind::Raw: {
				const Value& v = rec[cell.field];
				try {
					if (v.kind() == ValueKind::Text)
						ex::append_copy_literal(out, v.as_text(), col.type);
					else if (v.is_null())
						out += "\\N";
					else
						ex::append_copy_value(out, to_expr_value(v, im.scratch), col.type);
				} catch (const Error& e) {
					std::string detail = e.message();
					if (auto* pe = dynamic_cast<const ex::ExprError*>(&e)) detail = pe->detail();
					throw batch.error(r, concat("column ", col.name, ": ", detail), cell.field);
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
