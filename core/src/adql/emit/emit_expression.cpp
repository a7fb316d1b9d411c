// Expressions, with parentheses wherever PostgreSQL's precedence differs from the tree's
// grouping (and around every compound operand of the "other operator" class: ||, &, |, #).
#include "adql/emit/emitter.hpp"
#include "adql/emit/sql_writer.hpp"
#include "adql/functions/function_table.hpp"

#include <charconv>

namespace meles::adql {

namespace {

enum Prec : int {
	kOr = 1,
	kAnd = 2,
	kNot = 3,
	kPredicate = 4,
	kOther = 5,
	kAdd = 6,
	kMul = 7,
	kUnary = 8,
	kPrimary = 10
};

int precedence(const Expr& e) {
	switch (e.kind) {
	case ExprKind::Or:
		return kOr;
	case ExprKind::And:
		return kAnd;
	case ExprKind::Not:
		return kNot;
	case ExprKind::Compare:
	case ExprKind::Between:
	case ExprKind::In:
	case ExprKind::Like:
	case ExprKind::IsNull:
		return kPredicate;
	case ExprKind::Binary:
		switch (as<BinaryExpr>(e).op) {
		case BinaryOp::Add:
		case BinaryOp::Sub:
			return kAdd;
		case BinaryOp::Mul:
		case BinaryOp::Div:
			return kMul;
		default:
			return kOther;
		}
	case ExprKind::Unary:
		return kUnary;
	default:
		return kPrimary;
	}
}

const char* binary_op(BinaryOp op) {
	switch (op) {
	case BinaryOp::Add:
		return " + ";
	case BinaryOp::Sub:
		return " - ";
	case BinaryOp::Mul:
		return " * ";
	case BinaryOp::Div:
		return " / ";
	case BinaryOp::Concat:
		return " || ";
	case BinaryOp::BitAnd:
		return " & ";
	case BinaryOp::BitOr:
		return " | ";
	case BinaryOp::BitXor:
		return " # "; // PostgreSQL's XOR; ^ is its power operator
	}
	return " ";
}

const char* compare_op(CompareOp op) {
	switch (op) {
	case CompareOp::Eq:
		return " = ";
	case CompareOp::Ne:
		return " <> ";
	case CompareOp::Lt:
		return " < ";
	case CompareOp::Gt:
		return " > ";
	case CompareOp::Le:
		return " <= ";
	case CompareOp::Ge:
		return " >= ";
	}
	return " ";
}

} // namespace

void Emitter::operand(const Expr& e) {
	child(e, precedence(e) < kPrimary);
}

void Emitter::child(const Expr& e, bool parens) {
	if (parens) out_ += '(';
	expr(e);
	if (parens) out_ += ')';
}

void Emitter::column(const BoundColumn& c) {
	if (c.owner) {
		out_ += c.owner->sql_alias;
		out_ += '.';
		append_identifier(out_, c.name, c.delimited);
		return;
	}
	switch (c.merge) {
	case JoinType::Full:
		out_ += "COALESCE(";
		column(*c.left);
		out_ += ", ";
		column(*c.right);
		out_ += ')';
		return;
	case JoinType::Right:
		column(*c.right);
		return;
	default:
		column(*c.left);
		return;
	}
}

void Emitter::literal(const LiteralExpr& l) {
	switch (l.lit) {
	case LiteralKind::Null:
		out_ += "NULL";
		return;
	case LiteralKind::String:
		append_string_literal(out_, l.value);
		return;
	case LiteralKind::Hex: {
		uint64_t v = 0;
		auto t = l.text.substr(2);
		std::from_chars(t.data(), t.data() + t.size(), v, 16); // range checked by the binder
		out_ += std::to_string(v);
		return;
	}
	default:
		out_ += l.text;
		return; // digits, '.', 'e', sign of the exponent: checked by the lexer
	}
}

void Emitter::sql_type(const SqlType& t) {
	switch (t.base) {
	case BaseType::SmallInt:
		out_ += "smallint";
		return;
	case BaseType::Integer:
		out_ += "integer";
		return;
	case BaseType::BigInt:
		out_ += "bigint";
		return;
	case BaseType::Real:
		out_ += "real";
		return;
	default:
		out_ += "double precision";
		return;
	}
}

void Emitter::expr(const Expr& e) {
	switch (e.kind) {
	case ExprKind::Literal:
		literal(as<LiteralExpr>(e));
		return;
	case ExprKind::ColumnRef: {
		const auto& ref = as<ColumnRefExpr>(e);
		if (ref.target) {
			column(*ref.target);
		} else if (ref.substitute) {
			out_ += '(';
			expr(*ref.substitute);
			out_ += ')';
		}
		return;
	}
	case ExprKind::Unary: {
		const auto& u = as<UnaryExpr>(e);
		out_ += u.op == UnaryOp::Minus ? "-" : u.op == UnaryOp::Plus ? "+" : "~";
		// always parenthesise compound operands: also keeps "-" from meeting another "-"
		child(*u.operand, precedence(*u.operand) < kPrimary);
		return;
	}
	case ExprKind::Binary: {
		const auto& b = as<BinaryExpr>(e);
		int p = precedence(e);
		int lp = precedence(*b.left), rp = precedence(*b.right);
		bool lparen = lp < p || (p == kOther && lp == kOther &&
		                         !(b.left->kind == ExprKind::Binary && as<BinaryExpr>(*b.left).op == b.op));
		bool rparen = rp <= p;
		child(*b.left, lparen);
		out_ += binary_op(b.op);
		child(*b.right, rparen);
		return;
	}
	case ExprKind::Function:
		function(as<FunctionExpr>(e));
		return;
	case ExprKind::Cast:
		cast(as<CastExpr>(e));
		return;
	case ExprKind::Case: {
		const auto& c = as<CaseExpr>(e);
		out_ += "CASE";
		if (c.operand) {
			out_ += ' ';
			expr(*c.operand);
		}
		for (const auto& [cond, value] : c.whens) {
			out_ += " WHEN ";
			expr(*cond);
			out_ += " THEN ";
			expr(*value);
		}
		if (c.otherwise) {
			out_ += " ELSE ";
			expr(*c.otherwise);
		}
		out_ += " END";
		return;
	}
	case ExprKind::Subquery:
		out_ += '(';
		query(*as<SubqueryExpr>(e).query, std::nullopt);
		out_ += ')';
		return;
	case ExprKind::Compare:
		compare(as<CompareExpr>(e));
		return;
	case ExprKind::Between: {
		const auto& b = as<BetweenExpr>(e);
		child(*b.value, precedence(*b.value) <= kPredicate);
		out_ += b.negated ? " NOT BETWEEN " : " BETWEEN ";
		child(*b.low, precedence(*b.low) <= kPredicate);
		out_ += " AND ";
		child(*b.high, precedence(*b.high) <= kPredicate);
		return;
	}
	case ExprKind::In: {
		const auto& in = as<InExpr>(e);
		child(*in.value, precedence(*in.value) <= kPredicate);
		out_ += in.negated ? " NOT IN (" : " IN (";
		if (in.subquery) {
			query(*in.subquery, std::nullopt);
		} else {
			for (size_t i = 0; i < in.list.size(); ++i) {
				if (i) out_ += ", ";
				expr(*in.list[i]);
			}
		}
		out_ += ')';
		return;
	}
	case ExprKind::Like: {
		const auto& l = as<LikeExpr>(e);
		child(*l.value, precedence(*l.value) <= kPredicate);
		out_ += l.negated ? (l.ilike ? " NOT ILIKE " : " NOT LIKE ") : (l.ilike ? " ILIKE " : " LIKE ");
		child(*l.pattern, precedence(*l.pattern) <= kPredicate);
		return;
	}
	case ExprKind::IsNull: {
		const auto& n = as<IsNullExpr>(e);
		child(*n.value, precedence(*n.value) <= kPredicate);
		out_ += n.negated ? " IS NOT NULL" : " IS NULL";
		return;
	}
	case ExprKind::Exists:
		out_ += "EXISTS (";
		query(*as<ExistsExpr>(e).query, std::nullopt);
		out_ += ')';
		return;
	case ExprKind::And:
	case ExprKind::Or: {
		const auto& l = as<LogicalExpr>(e);
		int p = precedence(e);
		for (size_t i = 0; i < l.operands.size(); ++i) {
			if (i) out_ += e.kind == ExprKind::And ? " AND " : " OR ";
			child(*l.operands[i], precedence(*l.operands[i]) < p);
		}
		return;
	}
	case ExprKind::Not: {
		const auto& n = as<NotExpr>(e);
		out_ += "NOT ";
		child(*n.operand, precedence(*n.operand) < kPrimary);
		return;
	}
	}
}

void Emitter::compare(const CompareExpr& c) {
	if (c.spatial) {
		spatial(*c.spatial);
		return;
	}
	// 1 = CONTAINS(...), ivo_hasword(...) = 0 ...: the predicate itself, not its 0/1 value
	if (c.op == CompareOp::Eq || c.op == CompareOp::Ne) {
		for (auto [fn, value] :
		     {std::pair{c.left.get(), c.right.get()}, std::pair{c.right.get(), c.left.get()}}) {
			if (fn->kind != ExprKind::Function || as<FunctionExpr>(*fn).def->rule != ResultRule::Flag)
				continue;
			if (value->kind != ExprKind::Literal || as<LiteralExpr>(*value).lit != LiteralKind::Integer)
				continue;
			std::string_view t = as<LiteralExpr>(*value).text;
			size_t k = t.find_first_not_of('0');
			std::string_view digits = k == std::string_view::npos ? std::string_view("0") : t.substr(k);
			if (digits != "0" && digits != "1") continue;
			bool negate = (digits == "0") != (c.op == CompareOp::Ne);
			if (negate) out_ += "NOT ";
			bool_function(as<FunctionExpr>(*fn));
			return;
		}
	}
	child(*c.left, precedence(*c.left) <= kPredicate);
	out_ += compare_op(c.op);
	child(*c.right, precedence(*c.right) <= kPredicate);
}

void Emitter::cast(const CastExpr& c) {
	switch (c.target) {
	case CastTarget::Point:
	case CastTarget::Circle:
	case CastTarget::Polygon: {
		const auto& v = c.constants;
		if (v.empty()) { // NULL
			out_ += c.target == CastTarget::Point    ? "CAST(NULL AS spoint)"
			        : c.target == CastTarget::Circle ? "CAST(NULL AS scircle)"
			                                         : "CAST(NULL AS spoly)";
			return;
		}
		if (c.target == CastTarget::Point) {
			spoint_literal(v[0], v[1]);
		} else if (c.target == CastTarget::Circle) {
			out_ += "scircle(";
			spoint_literal(v[0], v[1]);
			out_ += ", ";
			append_double(out_, v[2] * (3.14159265358979323846 / 180));
			out_ += ')';
		} else {
			constant_polygon(v);
		}
		return;
	}
	default:
		break;
	}
	out_ += "CAST(";
	expr(*c.operand);
	out_ += " AS ";
	switch (c.target) {
	case CastTarget::Smallint:
		out_ += "smallint";
		break;
	case CastTarget::Integer:
		out_ += "integer";
		break;
	case CastTarget::Bigint:
		out_ += "bigint";
		break;
	case CastTarget::Real:
		out_ += "real";
		break;
	case CastTarget::Double:
		out_ += "double precision";
		break;
	case CastTarget::Char:
		if (c.length)
			out_ += "char(" + std::to_string(c.length) + ")";
		else
			out_ += "text"; // ADQL allows CHAR "just big enough"; char(1) would truncate
		break;
	case CastTarget::Varchar:
		if (c.length)
			out_ += "varchar(" + std::to_string(c.length) + ")";
		else
			out_ += "varchar";
		break;
	case CastTarget::Timestamp:
		out_ += "timestamp";
		break;
	default:
		break;
	}
	out_ += ')';
}

} // namespace meles::adql
