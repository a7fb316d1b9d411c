// Statements and queries: WITH, SELECT (clauses in the order their names become visible),
// set operations, ORDER BY/OFFSET, and the output columns with their metadata.
#include "adql/binder/binder.hpp"
#include "adql/binder/type_resolution.hpp"

#include "adql/common/suggest.hpp"
#include "adql/functions/function_table.hpp"
#include "adql/lexer/lexer.hpp"
#include "meles/core/common/strings.hpp"

#include <charconv>
#include <unordered_set>

namespace meles::adql {

namespace {

const char* category(const ValueInfo& v) {
	if (!v.known) return "unknown";
	const auto& t = v.type;
	if (t.is_array) return "array";
	if (t.is_numeric()) return "number";
	if (t.is_string()) return "string";
	if (t.base == BaseType::Timestamp || t.base == BaseType::Date || t.base == BaseType::Time)
		return "timestamp";
	if (t.base == BaseType::SPoint) return "point";
	if (t.is_geometry()) return "geometry";
	if (t.base == BaseType::Boolean) return "boolean";
	return "binary";
}

// The name a select-list expression gets when it has no alias.
std::pair<std::string, bool> natural_name(const Expr& e) {
	if (e.kind == ExprKind::ColumnRef) {
		const auto& ref = as<ColumnRefExpr>(e);
		if (ref.target) return {std::string(ref.target->name), ref.target->delimited};
		return {ref.column().name, ref.column().delimited};
	}
	if (e.kind == ExprKind::Function) {
		const auto& f = as<FunctionExpr>(e);
		if (f.def->id == FunctionId::Declared) return {f.name, false};
		return {to_lower(f.def->name), false};
	}
	return {"expr", false};
}

// True when the SQL for this output yields a column whose name already equals `name`.
bool emits_own_name(const OutputColumn& o) {
	const BoundColumn* c = o.column;
	if (!c && o.expr && o.expr->kind == ExprKind::ColumnRef) c = as<ColumnRefExpr>(*o.expr).target;
	if (!c) return false;
	if (o.expr && o.expr->info.pg_numeric) return false; // wrapped in a CAST
	while (!c->owner) { // merged USING column: INNER/LEFT emit the left column, RIGHT the right
		if (c->merge == JoinType::Full) return false;
		c = c->merge == JoinType::Right ? c->right : c->left;
	}
	return names_match(c->name, c->delimited, o.name, o.delimited);
}

bool categories_compatible(const ValueInfo& a, const ValueInfo& b) {
	if (!a.known || !b.known) return true;
	return std::string_view(category(a)) == category(b);
}

// PostgreSQL reads an integer constant in ORDER BY or GROUP BY as the position of an output
// column, also when negated (-1, -(-2)), and refuses any other constant there.  The binder
// checks both, so that the user reads ADQL terms with a position instead of PostgreSQL's text.
// Returns 0 when `e` is no such constant, else a position within 1..outputs (or fails).
int constant_position(std::string_view src, const Expr& e, size_t outputs, std::string_view clause) {
	const Expr* x = &e;
	bool negative = false;
	while (x->kind == ExprKind::Unary && as<UnaryExpr>(*x).op == UnaryOp::Minus) {
		negative = !negative;
		x = as<UnaryExpr>(*x).operand.get();
	}
	if (x->kind != ExprKind::Literal) return 0;
	const auto& lit = as<LiteralExpr>(*x);
	std::string text = excerpt(lit.lit == LiteralKind::String ? concat("'", lit.value, "'")
	                           : lit.lit == LiteralKind::Null ? std::string("NULL")
	                                                          : concat(negative ? "-" : "", lit.text),
	                           40);
	if (lit.lit != LiteralKind::Integer && lit.lit != LiteralKind::Hex)
		throw_at(ErrorKind::Syntax, src, e.pos,
		         concat(clause, " ", text, " is a constant, which does not ",
		                clause == "ORDER BY" ? "sort" : "group",
		                " anything; give a column, an expression or the position of an output column (1 to ",
		                std::to_string(outputs), ")"));
	int64_t n = 0;
	auto digits = lit.lit == LiteralKind::Hex ? lit.text.substr(2) : lit.text;
	auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n,
	                               lit.lit == LiteralKind::Hex ? 16 : 10);
	if (ec != std::errc()) n = 0; // far too large: reported as out of range
	if (negative) n = -n;
	if (n < 1 || n > static_cast<int64_t>(outputs))
		throw_at(ErrorKind::Name, src, e.pos,
		         concat(clause, " position ", text, " is out of range: the query has ",
		                std::to_string(outputs), outputs == 1 ? " output column" : " output columns"));
	return static_cast<int>(n);
}

} // namespace

bool is_point(const ValueInfo& v) {
	return v.known && !v.type.is_array && v.type.base == BaseType::SPoint;
}
bool is_geometry(const ValueInfo& v) {
	return v.known && !v.type.is_array && v.type.is_geometry();
}

void Binder::fail(ErrorKind kind, uint32_t offset, std::string message, std::string_view suffix) const {
	throw_at(kind, src_, offset, std::move(message), suffix);
}

void Binder::bind(Statement& st) {
	for (auto& ct : st.with) {
		bind_query(*ct.query, nullptr);
		ctes_.push_back(&ct);
	}
	bind_query(*st.query, nullptr);
}

void Binder::bind_query(QueryNode& q, Scope* outer) {
	switch (q.kind) {
	case QueryKind::Select:
		bind_select(static_cast<SelectNode&>(q), outer);
		break;
	case QueryKind::SetOp:
		bind_set_op(static_cast<SetOpNode&>(q), outer);
		break;
	case QueryKind::Ordered:
		bind_ordered(static_cast<OrderedNode&>(q), outer);
		break;
	}
}

void Binder::bind_select(SelectNode& sel, Scope* outer) {
	Scope& scope = scopes_.emplace_back();
	scope.parent = outer;
	scope.select = &sel;
	sel.scope = &scope;
	bind_from(sel, scope);
	if (sel.where) bind_expr(*sel.where, scope, Clause::Where);
	for (auto& item : sel.items)
		if (item.expr) bind_expr(*item.expr, scope, Clause::Select);
	build_outputs(sel, scope);
	bind_group_by(sel, scope);
	if (sel.having) bind_expr(*sel.having, scope, Clause::Having);
}

void Binder::build_outputs(SelectNode& sel, Scope& scope) {
	auto add_column = [&](const BoundColumn* bc) {
		OutputColumn o;
		o.column = bc;
		o.name = std::string(bc->name);
		o.delimited = bc->delimited;
		o.meta = *bc->meta;
		sel.outputs.push_back(std::move(o));
	};
	for (auto& item : sel.items) {
		if (item.star) {
			if (item.star_qualifier.empty()) {
				for (const BoundColumn* bc : scope.visible)
					add_column(bc);
				continue;
			}
			// t.* / s.t.*: a FROM item of this SELECT
			const RangeVar* found = nullptr;
			const auto& q = item.star_qualifier;
			for (const RangeVar* rv : scope.range_vars) {
				bool match;
				if (q.size() == 1) {
					match = rv->alias ? names_match(q[0], rv->alias->name, rv->alias->delimited)
					                  : names_match(q[0], rv->name, rv->name_delimited);
				} else {
					match = q.size() == 2 && !rv->alias && rv->table &&
					        names_match(q[0], rv->schema, rv->schema_delimited) &&
					        names_match(q[1], rv->name, rv->name_delimited);
				}
				if (match) {
					if (found)
						fail(ErrorKind::Name, item.pos,
						     concat("'", q.back().name,
						            ".*' is ambiguous; qualify the table with its schema"));
					found = rv;
				}
			}
			if (!found) {
				Suggester s(q.back().name);
				for (const RangeVar* rv : scope.range_vars)
					s.offer(rv->display());
				fail(ErrorKind::Name, item.pos,
				     concat("Unknown table '", q.back().name, "' in ", q.back().name, ".*"), s.suffix());
			}
			for (const BoundColumn& bc : found->columns)
				add_column(&bc);
			continue;
		}
		OutputColumn o;
		o.expr = item.expr.get();
		const ValueInfo& v = item.expr->info;
		if (item.alias) {
			o.name = item.alias->name;
			o.delimited = item.alias->delimited;
		} else {
			std::tie(o.name, o.delimited) = natural_name(*item.expr);
		}
		if (v.column) o.meta = *v.column;
		o.meta.type = v.known ? v.type : SqlType{BaseType::Text, 0};
		if (!v.column) o.meta.xtype.clear();
		o.meta.unit = v.unit;
		o.meta.ucd = v.ucd;
		sel.outputs.push_back(std::move(o));
	}
	finish_output_names(sel.outputs);
}

void Binder::finish_output_names(std::vector<OutputColumn>& outputs) {
	std::unordered_set<std::string> used;
	used.reserve(outputs.size() * 2);
	auto real = [](const std::string& n, bool delimited) { return delimited ? n : to_lower(n); };
	for (auto& o : outputs) {
		std::string key = real(o.name, o.delimited);
		if (used.count(key)) {
			for (int n = 2;; ++n) {
				std::string candidate = o.name + "_" + std::to_string(n);
				if (!used.count(real(candidate, o.delimited))) {
					o.name = std::move(candidate);
					key = real(o.name, o.delimited);
					break;
				}
			}
		}
		used.insert(std::move(key));
		o.meta.name = o.name;
		o.meta.delimited = o.delimited;
		o.needs_alias = !emits_own_name(o);
	}
}

void Binder::bind_group_by(SelectNode& sel, Scope& scope) {
	for (auto& g : sel.group_by) {
		if (int n = constant_position(src_, *g, sel.outputs.size(), "GROUP BY")) {
			g->info = sel.outputs[n - 1].expr ? sel.outputs[n - 1].expr->info : ValueInfo{};
			continue;
		}
		bind_expr(*g, scope, Clause::GroupBy);
	}
}

void Binder::bind_set_op(SetOpNode& node, Scope* outer) {
	bind_query(*node.left, outer);
	bind_query(*node.right, outer);
	const auto& l = node.left->outputs;
	const auto& r = node.right->outputs;
	const char* name = node.op == SetOpKind::Union    ? "UNION"
	                   : node.op == SetOpKind::Except ? "EXCEPT"
	                                                  : "INTERSECT";
	if (l.size() != r.size())
		fail(ErrorKind::Type, node.pos,
		     concat(name, " needs the same number of columns on both sides; found ", std::to_string(l.size()),
		            " and ", std::to_string(r.size())));
	for (size_t i = 0; i < l.size(); ++i) {
		ValueInfo a, b;
		a.known = b.known = true;
		a.type = l[i].meta.type;
		b.type = r[i].meta.type;
		if (!categories_compatible(a, b) && !(l[i].expr && !l[i].expr->info.known) &&
		    !(r[i].expr && !r[i].expr->info.known))
			fail(ErrorKind::Type, node.pos,
			     concat(name, " column ", std::to_string(i + 1), " ('", l[i].name, "') is a ", category(a),
			            " on the left but a ", category(b), " on the right"));
	}
	node.outputs.reserve(l.size());
	for (size_t i = 0; i < l.size(); ++i) {
		OutputColumn c;
		c.name = l[i].name;
		c.delimited = l[i].delimited;
		c.meta = l[i].meta;
		// the operands return their declared types (select lists cast numerics); PostgreSQL
		// gives the column the type both convert to
		ValueInfo a, b, merged;
		a.known = b.known = true;
		a.type = l[i].meta.type;
		b.type = r[i].meta.type;
		merged.type = a.type;
		resolve_common_type({&a, &b}, merged);
		c.meta.type = merged.type;
		node.outputs.push_back(std::move(c));
	}
}

void Binder::bind_ordered(OrderedNode& node, Scope* outer) {
	bind_query(*node.body, outer);
	Scope* scope =
	    node.body->kind == QueryKind::Select ? static_cast<SelectNode&>(*node.body).scope : nullptr;
	for (auto& item : node.order_by)
		bind_order_item(item, *node.body, scope);
	for (const auto& o : node.body->outputs) {
		OutputColumn c;
		c.name = o.name;
		c.delimited = o.delimited;
		c.meta = o.meta;
		node.outputs.push_back(std::move(c));
	}
}

void Binder::bind_order_item(OrderItem& item, QueryNode& body, Scope* scope) {
	Expr& e = *item.expr;
	const auto& outs = body.outputs;
	if (int n = constant_position(src_, e, outs.size(), "ORDER BY")) {
		item.position = n;
		return;
	}
	if (e.kind == ExprKind::ColumnRef && as<ColumnRefExpr>(e).parts.size() == 1) {
		auto& ref = as<ColumnRefExpr>(e);
		int found = 0;
		NameMatch best = NameMatch::None;
		bool twice = false;
		for (size_t i = 0; i < outs.size(); ++i) {
			NameMatch m = reference_match(ref.column(), outs[i].name, outs[i].delimited);
			if (m == NameMatch::None || m < best) continue;
			twice = m == best;
			best = m;
			found = static_cast<int>(i) + 1;
		}
		if (twice)
			fail(ErrorKind::Name, e.pos,
			     concat("ORDER BY '", ref.column().name,
			            "' is ambiguous: several output columns have that name"));
		if (found) {
			ref.output_position = found;
			ref.info.known = true;
			ref.info.type = outs[found - 1].meta.type;
			return;
		}
		if (!scope) {
			Suggester s(ref.column().name);
			for (const auto& o : outs)
				s.offer(o.name);
			fail(ErrorKind::Name, e.pos,
			     concat("Unknown output column '", ref.column().name, "' in ORDER BY"), s.suffix());
		}
	}
	if (!scope)
		fail(ErrorKind::Name, e.pos,
		     "ORDER BY of UNION, EXCEPT or INTERSECT can only name output columns or give their positions");
	bind_expr(e, *scope, Clause::OrderBy);
	// SELECT DISTINCT rows can only be sorted by what they contain; for a column, PostgreSQL's
	// check is this one (an expression it compares with the selected expressions itself).
	if (body.kind == QueryKind::Select && static_cast<SelectNode&>(body).distinct &&
	    e.kind == ExprKind::ColumnRef) {
		const auto& ref = as<ColumnRefExpr>(e);
		if (!ref.target || ref.substitute) return;
		for (const auto& o : outs)
			if (o.column == ref.target || (o.expr && o.expr->kind == ExprKind::ColumnRef &&
			                               as<ColumnRefExpr>(*o.expr).target == ref.target))
				return;
		fail(ErrorKind::Name, e.pos,
		     concat("With SELECT DISTINCT, ORDER BY can only sort by selected columns; select '",
		            ref.column().name, "' too, or sort by an output column"));
	}
}

} // namespace meles::adql
