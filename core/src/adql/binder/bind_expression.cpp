// Expressions: column resolution (innermost scope first, as SQL), select-list aliases in
// GROUP BY/ORDER BY/HAVING, and the type/unit/UCD rules of operators and predicates.
#include "adql/binder/binder.hpp"
#include "adql/binder/derived_ucd.hpp"
#include "adql/binder/type_resolution.hpp"

#include "adql/common/suggest.hpp"
#include "adql/lexer/lexer.hpp"
#include "meles/core/common/strings.hpp"

#include <charconv>
#include <limits>

namespace meles::adql {

namespace {

int rank(BaseType b) {
	switch (b) {
	case BaseType::SmallInt:
		return 1;
	case BaseType::Integer:
		return 2;
	case BaseType::BigInt:
		return 3;
	case BaseType::Real:
		return 4;
	case BaseType::Double:
		return 5;
	default:
		return 0;
	}
}

bool is_string_literal(const Expr& e) {
	return e.kind == ExprKind::Literal && as<LiteralExpr>(e).lit == LiteralKind::String;
}

const char* kind_of(const ValueInfo& v) {
	const auto& t = v.type;
	if (t.is_array) return "an array";
	if (t.is_numeric()) return "a number";
	if (t.is_string()) return "a string";
	switch (t.base) {
	case BaseType::Timestamp:
	case BaseType::Date:
	case BaseType::Time:
		return "a timestamp";
	case BaseType::SPoint:
		return "a point";
	case BaseType::SCircle:
		return "a circle";
	case BaseType::SPoly:
		return "a polygon";
	case BaseType::SBox:
		return "a box";
	case BaseType::SMoc:
		return "a MOC";
	case BaseType::Boolean:
		return "a boolean";
	default:
		return "binary data";
	}
}

// VOUnit product/quotient of two units; compound operands are parenthesised.
std::string unit_combine(const std::string& a, const std::string& b, char op) {
	auto wrap = [](const std::string& u, bool right) {
		bool compound = u.find('/') != std::string::npos || (right && u.find('.') != std::string::npos) ||
		                u.find(' ') != std::string::npos;
		return compound ? "(" + u + ")" : u;
	};
	return wrap(a, false) + op + wrap(b, op == '/');
}

} // namespace

void Binder::bind_expr(Expr& e, Scope& scope, Clause clause) {
	ValueInfo& v = e.info;
	switch (e.kind) {
	case ExprKind::Literal: {
		auto& lit = as<LiteralExpr>(e);
		v.constant = true;
		switch (lit.lit) {
		case LiteralKind::Null:
			v.is_null = true;
			v.type = SqlType{BaseType::Text, 0};
			break;
		case LiteralKind::String:
			v.known = true;
			v.type = SqlType{BaseType::Text, 0};
			break;
		case LiteralKind::Decimal:
		case LiteralKind::Real:
			v.known = true;
			v.type = SqlType{BaseType::Double};
			v.pg_numeric = true;
			break;
		case LiteralKind::Integer: {
			v.known = true;
			int64_t n = 0;
			auto [p, ec] = std::from_chars(lit.text.data(), lit.text.data() + lit.text.size(), n);
			if (ec != std::errc()) {
				v.type = SqlType{BaseType::Double};
				v.pg_numeric = true;
			} else {
				v.type =
				    SqlType{n <= std::numeric_limits<int32_t>::max() ? BaseType::Integer : BaseType::BigInt};
			}
			break;
		}
		case LiteralKind::Hex: {
			v.known = true;
			uint64_t n = 0;
			auto t = lit.text.substr(2);
			auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n, 16);
			if (ec != std::errc() || n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
				fail(ErrorKind::Type, e.pos,
				     concat("The hexadecimal literal ", lit.text, " does not fit into a BIGINT"));
			v.type =
			    SqlType{n <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max()) ? BaseType::Integer
			                                                                            : BaseType::BigInt};
			break;
		}
		}
		break;
	}
	case ExprKind::ColumnRef:
		bind_column_ref(as<ColumnRefExpr>(e), scope, clause);
		break;
	case ExprKind::Unary: {
		auto& u = as<UnaryExpr>(e);
		bind_expr(*u.operand, scope, clause);
		const ValueInfo& o = u.operand->info;
		v.constant = o.constant;
		if (u.op == UnaryOp::BitNot) {
			if (o.known && !o.type.is_integer())
				fail(ErrorKind::Type, e.pos, concat("'~' needs an integer, found ", kind_of(o)));
			v.known = true;
			v.type = o.known ? o.type : SqlType{BaseType::BigInt};
			break;
		}
		if (o.known && !o.type.is_numeric() && !is_string_literal(*u.operand))
			fail(ErrorKind::Type, e.pos, concat("A sign needs a number, found ", kind_of(o)));
		v.known = o.known;
		v.type = o.type;
		v.pg_numeric = o.pg_numeric;
		v.unit = o.unit;
		// -ra is no right ascension; +x is x
		v.ucd = u.op == UnaryOp::Plus ? o.ucd : std::string();
		break;
	}
	case ExprKind::Binary: {
		auto& b = as<BinaryExpr>(e);
		bind_expr(*b.left, scope, clause);
		bind_expr(*b.right, scope, clause);
		bind_binary(b);
		break;
	}
	case ExprKind::Function:
		bind_function(as<FunctionExpr>(e), scope, clause);
		break;
	case ExprKind::Cast: {
		auto& c = as<CastExpr>(e);
		bind_expr(*c.operand, scope, clause);
		bind_cast(c);
		break;
	}
	case ExprKind::Case: {
		auto& c = as<CaseExpr>(e);
		bool constant = true;
		if (c.operand) {
			bind_expr(*c.operand, scope, clause);
			constant &= c.operand->info.constant;
		}
		const ValueInfo* result = nullptr;
		std::vector<const ValueInfo*> branches;
		auto consider = [&](Expr& x) {
			bind_expr(x, scope, clause);
			constant &= x.info.constant;
			branches.push_back(&x.info);
			if (x.info.known && !result) result = &x.info;
		};
		for (auto& [cond, value] : c.whens) {
			bind_expr(*cond, scope, clause);
			constant &= cond->info.constant;
			consider(*value);
		}
		if (c.otherwise) consider(*c.otherwise);
		if (result) {
			v.known = true;
			v.type = result->type;
			v.unit = result->unit;
			v.ucd = common_ucd(branches);
			v.pg_numeric = result->pg_numeric;
			resolve_common_type(branches, v);
		}
		v.constant = constant;
		break;
	}
	case ExprKind::Subquery: {
		auto& s = as<SubqueryExpr>(e);
		bind_subquery(*s.query, scope, e.pos, true);
		const ColumnMeta& m = s.query->outputs[0].meta;
		v.known = true;
		v.type = m.type;
		v.unit = m.unit;
		v.ucd = same_meaning_ucd(m.ucd, false);
		break;
	}
	case ExprKind::Compare: {
		auto& c = as<CompareExpr>(e);
		bind_expr(*c.left, scope, clause);
		bind_expr(*c.right, scope, clause);
		bind_compare(c, scope);
		break;
	}
	case ExprKind::Between: {
		auto& b = as<BetweenExpr>(e);
		bind_expr(*b.value, scope, clause);
		bind_expr(*b.low, scope, clause);
		bind_expr(*b.high, scope, clause);
		break;
	}
	case ExprKind::In: {
		auto& in = as<InExpr>(e);
		bind_expr(*in.value, scope, clause);
		if (in.subquery) bind_subquery(*in.subquery, scope, e.pos, true);
		for (auto& x : in.list)
			bind_expr(*x, scope, clause);
		break;
	}
	case ExprKind::Like: {
		auto& l = as<LikeExpr>(e);
		bind_expr(*l.value, scope, clause);
		bind_expr(*l.pattern, scope, clause);
		for (const Expr* x : {l.value.get(), l.pattern.get()})
			if (x->info.known && !x->info.type.is_string())
				fail(ErrorKind::Type, x->pos,
				     concat(l.ilike ? "ILIKE" : "LIKE", " needs strings, found ", kind_of(x->info)));
		break;
	}
	case ExprKind::IsNull:
		bind_expr(*as<IsNullExpr>(e).value, scope, clause);
		break;
	case ExprKind::Exists:
		bind_subquery(*as<ExistsExpr>(e).query, scope, e.pos, false);
		break;
	case ExprKind::And:
	case ExprKind::Or:
		for (auto& x : as<LogicalExpr>(e).operands)
			bind_expr(*x, scope, clause);
		break;
	case ExprKind::Not:
		bind_expr(*as<NotExpr>(e).operand, scope, clause);
		break;
	}
}

void Binder::bind_subquery(QueryNode& q, Scope& scope, uint32_t pos, bool single_column) {
	bind_query(q, &scope);
	if (single_column && q.outputs.size() != 1)
		fail(ErrorKind::Type, pos,
		     concat("A subquery used as a value must return one column; this one returns ",
		            std::to_string(q.outputs.size())));
}

void Binder::bind_binary(BinaryExpr& e) {
	const ValueInfo& l = e.left->info;
	const ValueInfo& r = e.right->info;
	ValueInfo& v = e.info;
	v.constant = l.constant && r.constant;
	v.known = true;
	static constexpr const char* kOpText[] = {"'+'", "'-'", "'*'", "'/'", "'||'", "'&'", "'|'", "'^'"};
	const char* op = kOpText[static_cast<int>(e.op)];
	switch (e.op) {
	case BinaryOp::Concat:
		for (const Expr* x : {e.left.get(), e.right.get()})
			if (x->info.known && (x->info.type.is_geometry() || x->info.type.is_array))
				fail(ErrorKind::Type, x->pos, concat("'||' cannot be applied to ", kind_of(x->info)));
		v.type = SqlType{BaseType::Text, 0};
		return;
	case BinaryOp::BitAnd:
	case BinaryOp::BitOr:
	case BinaryOp::BitXor:
		for (const Expr* x : {e.left.get(), e.right.get()})
			if (x->info.known && !x->info.type.is_integer())
				fail(ErrorKind::Type, x->pos, concat(op, " needs integers, found ", kind_of(x->info)));
		v.type = SqlType{rank(l.type.base) >= rank(r.type.base) && l.known ? l.type.base
		                 : r.known                                         ? r.type.base
		                                                                   : BaseType::BigInt};
		return;
	default:
		break;
	}
	for (const Expr* x : {e.left.get(), e.right.get()})
		if (x->info.known && !x->info.type.is_numeric() && !is_string_literal(*x))
			fail(ErrorKind::Type, x->pos, concat(op, " needs numbers, found ", kind_of(x->info)));
	// PostgreSQL's numeric type resolution: any float wins, else numeric, else the wider integer.
	auto is_float = [](const ValueInfo& x) { return x.known && !x.pg_numeric && rank(x.type.base) >= 4; };
	if (is_float(l) || is_float(r)) {
		bool both_real =
		    (!l.known || l.type.base == BaseType::Real) && (!r.known || r.type.base == BaseType::Real);
		v.type = SqlType{both_real ? BaseType::Real : BaseType::Double};
	} else if (l.pg_numeric || r.pg_numeric) {
		v.type = SqlType{BaseType::Double};
		v.pg_numeric = true;
	} else {
		BaseType lb = l.known ? l.type.base : BaseType::Integer,
		         rb = r.known ? r.type.base : BaseType::Integer;
		if (rank(lb) == 0) lb = BaseType::Integer; // string literals read as numbers
		if (rank(rb) == 0) rb = BaseType::Integer;
		v.type = SqlType{rank(lb) >= rank(rb) ? lb : rb};
	}
	// Units follow the algebra (a unit-less constant factor keeps the other side's unit); UCDs
	// do not survive arithmetic: id / 3 is no identifier, ra * 2 no right ascension,
	// mag1 + mag2 no magnitude (derived_ucd.hpp).
	bool l_scalar = l.constant && l.unit.empty();
	bool r_scalar = r.constant && r.unit.empty();
	switch (e.op) {
	case BinaryOp::Add:
	case BinaryOp::Sub:
		if (l.unit == r.unit)
			v.unit = l.unit;
		else if (r_scalar)
			v.unit = l.unit;
		else if (l_scalar)
			v.unit = r.unit;
		break;
	case BinaryOp::Mul:
		if (r_scalar) {
			v.unit = l.unit;
		} else if (l_scalar) {
			v.unit = r.unit;
		} else if (!l.unit.empty() && !r.unit.empty()) {
			v.unit = unit_combine(l.unit, r.unit, '.');
		}
		break;
	case BinaryOp::Div:
		if (r_scalar) {
			v.unit = l.unit;
		} else if (!l.unit.empty() && !r.unit.empty()) {
			v.unit = unit_combine(l.unit, r.unit, '/');
		}
		break;
	default:
		break;
	}
}

void Binder::bind_compare(CompareExpr& e, const Scope& scope) {
	const ValueInfo& l = e.left->info;
	const ValueInfo& r = e.right->info;
	e.info.constant = l.constant && r.constant;
	if (l.known && r.known && !is_string_literal(*e.left) && !is_string_literal(*e.right)) {
		auto cat = [](const ValueInfo& x) -> int {
			if (x.type.is_array) return 5;
			if (x.type.is_numeric()) return 1;
			if (x.type.is_string()) return 2;
			if (x.type.base == BaseType::Timestamp || x.type.base == BaseType::Date ||
			    x.type.base == BaseType::Time)
				return 3;
			if (x.type.is_geometry()) return 10 + static_cast<int>(x.type.base);
			return 4;
		};
		if (cat(l) != cat(r))
			fail(ErrorKind::Type, e.pos, concat("Cannot compare ", kind_of(l), " with ", kind_of(r)));
	}
	plan_spatial(e, scope);
}

// --- names

void Binder::bind_column_ref(ColumnRefExpr& ref, Scope& scope, Clause clause) {
	const BoundColumn* c = find_column(ref, scope);
	if (!c) {
		if ((clause == Clause::GroupBy || clause == Clause::OrderBy || clause == Clause::Having) &&
		    ref.parts.size() == 1) {
			if (const Expr* alias = find_select_alias(ref, scope)) {
				ref.substitute = alias;
				ref.info = alias->info;
				ref.info.column = nullptr;
				return;
			}
		}
		fail_unknown_column(ref, scope, clause);
	}
	ref.target = c;
	ValueInfo& v = ref.info;
	v.known = true;
	v.type = c->meta->type;
	v.unit = c->meta->unit;
	v.ucd = c->meta->ucd;
	v.column = c->meta;
	v.constant = false;
}

const Expr* Binder::find_select_alias(const ColumnRefExpr& ref, Scope& scope) const {
	if (!scope.select) return nullptr;
	const Expr* hit = nullptr;
	for (const auto& item : scope.select->items) {
		if (!item.alias || !names_match(ref.column(), item.alias->name, item.alias->delimited)) continue;
		if (hit)
			fail(ErrorKind::Name, ref.pos,
			     concat("'", ref.column().name, "' names more than one select-list column"));
		hit = item.expr.get();
	}
	return hit;
}

const BoundColumn* Binder::find_in_range_var(const RangeVar& rv, const Identifier& column,
                                             uint32_t pos) const {
	const BoundColumn* hit = nullptr;
	NameMatch best = NameMatch::None;
	bool twice = false;
	for (const auto& c : rv.columns) {
		NameMatch m = reference_match(column, c.name, c.delimited);
		if (m == NameMatch::None || m < best) continue;
		twice = m == best;
		best = m;
		hit = &c;
	}
	if (twice)
		fail(ErrorKind::Name, pos,
		     concat("Column '", column.name, "' is ambiguous: ", rv.display(), " has it twice"));
	if (!hit) {
		Suggester s(column.name);
		for (const auto& c : rv.columns)
			s.offer(c.name, display_name(c.name, c.delimited));
		fail(ErrorKind::Name, column.pos, concat("Unknown column '", column.name, "' in ", rv.display()),
		     s.suffix());
	}
	return hit;
}

namespace {
bool finds(const Identifier& ref, std::string_view name, bool delimited) {
	return reference_match(ref, name, delimited) != NameMatch::None;
}
} // namespace

const BoundColumn* Binder::find_column(const ColumnRefExpr& ref, Scope& scope) {
	const Identifier& col = ref.column();
	size_t nq = ref.parts.size() - 1;
	if (nq == 0) {
		for (Scope* s = &scope; s; s = s->parent) {
			const BoundColumn* hit = nullptr;
			const BoundColumn* other = nullptr; // a second one as good as hit
			NameMatch best = NameMatch::None;
			for (const BoundColumn* c : s->visible) {
				NameMatch m = reference_match(col, c->name, c->delimited);
				if (m == NameMatch::None || m < best) continue;
				if (m == best && hit) {
					if (!other) other = c;
					continue;
				}
				best = m;
				hit = c;
				other = nullptr;
			}
			if (other) {
				auto where = [](const BoundColumn* b) {
					return b->owner ? b->owner->display() : std::string("a join");
				};
				fail(ErrorKind::Name, col.pos,
				     concat("Column '", col.name, "' is ambiguous: it is in ", where(hit), " and in ",
				            where(other), "; qualify it, e.g. ", where(hit), ".", col.name));
			}
			if (hit) return hit;
		}
		return nullptr;
	}
	if (nq == 3) fail(ErrorKind::Name, ref.pos, "Catalog names are not supported; write schema.table.column");
	const Identifier& table = ref.parts[nq - 1];
	const Identifier* schema = nq == 2 ? &ref.parts[0] : nullptr;
	for (Scope* s = &scope; s; s = s->parent) {
		const RangeVar* found = nullptr;
		for (const RangeVar* rv : s->range_vars) {
			bool match;
			if (schema) {
				match = !rv->alias && rv->table && finds(*schema, rv->schema, rv->schema_delimited) &&
				        finds(table, rv->name, rv->name_delimited);
			} else {
				match = rv->alias ? names_match(table, rv->alias->name, rv->alias->delimited)
				                  : finds(table, rv->name, rv->name_delimited);
			}
			if (!match) continue;
			if (found)
				fail(ErrorKind::Name, table.pos,
				     concat("'", table.name, "' is ambiguous here; qualify it with its schema"));
			found = rv;
		}
		if (found) return find_in_range_var(*found, col, ref.pos);
	}
	// Unknown qualifier: say so, and point at an alias hiding the table name.
	std::string written = schema ? display_name(schema->name, schema->delimited) + "." : "";
	written += display_name(table.name, table.delimited);
	Suggester sg(table.name);
	std::string hint;
	for (Scope* s = &scope; s; s = s->parent)
		for (const RangeVar* rv : s->range_vars) {
			sg.offer(rv->display());
			if (rv->alias && names_match(table, rv->name, rv->name_delimited))
				hint = concat(" (the table is called '", rv->alias->name, "' in this query)");
		}
	fail(ErrorKind::Name, table.pos,
	     concat("Unknown table '", written, "' in '", written, ".", col.name, "'"),
	     hint.empty() ? sg.suffix() : hint);
}

void Binder::fail_unknown_column(const ColumnRefExpr& ref, Scope& scope, Clause clause) const {
	const Identifier& col = ref.column();
	Suggester s(col.name);
	for (Scope* sc = &scope; sc; sc = sc->parent) {
		for (const BoundColumn* c : sc->visible)
			s.offer(c->name, display_name(c->name, c->delimited));
		if (sc->select && clause != Clause::Where && clause != Clause::On && clause != Clause::Select)
			for (const auto& item : sc->select->items)
				if (item.alias)
					s.offer(item.alias->name, display_name(item.alias->name, item.alias->delimited));
	}
	fail(ErrorKind::Name, col.pos,
	     concat("Unknown column '", col.delimited ? display_name(col.name, true) : col.name, "'"),
	     s.suffix());
}

} // namespace meles::adql
