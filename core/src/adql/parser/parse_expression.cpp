// Value expressions and search conditions, by precedence climbing (lowest first):
// OR, AND, NOT, predicates (comparison, BETWEEN, IN, [I]LIKE, IS NULL), ||, |, ^, &, + -,
// * /, unary + - ~, primaries.  ADQL's grammar keeps values and conditions apart; here one
// tree holds both and require_value()/require_condition() enforce the separation with
// messages that say what was expected.
#include "adql/lexer/lexer.hpp"
#include "adql/parser/parser.hpp"

#include <algorithm>

namespace meles::adql {

namespace {

bool is_geometry_value(const Expr& e) {
	return e.kind == ExprKind::Function && as<FunctionExpr>(e).def->geometry_value;
}

// Reserved words that structure a query: after them "expected an expression" is the
// helpful message, not "quote it to use it as a name".
bool structural(Keyword kw) {
	switch (kw) {
	case Keyword::From:
	case Keyword::Where:
	case Keyword::Group:
	case Keyword::Order:
	case Keyword::Having:
	case Keyword::By:
	case Keyword::Union:
	case Keyword::Except:
	case Keyword::Intersect:
	case Keyword::Offset:
	case Keyword::On:
	case Keyword::Using:
	case Keyword::Join:
	case Keyword::As:
	case Keyword::And:
	case Keyword::Or:
	case Keyword::Not:
	case Keyword::Is:
	case Keyword::In:
	case Keyword::Like:
	case Keyword::Ilike:
	case Keyword::Between:
	case Keyword::Asc:
	case Keyword::Desc:
	case Keyword::Distinct:
	case Keyword::All:
	case Keyword::Top:
	case Keyword::Inner:
	case Keyword::Left:
	case Keyword::Right:
	case Keyword::Full:
	case Keyword::Outer:
	case Keyword::Natural:
	case Keyword::When:
	case Keyword::Then:
	case Keyword::Else:
	case Keyword::End:
	case Keyword::With:
	case Keyword::Create:
	case Keyword::Table:
		return true;
	default:
		return false;
	}
}

} // namespace

void Parser::require_value(const Expr& e, std::string_view context) const {
	if (e.is_condition())
		fail(e.pos, concat("A condition is not allowed in ", context,
		                   " (ADQL has no boolean values; use CASE WHEN ... THEN 1 ELSE 0 END)"));
}

void Parser::require_condition(const Expr& e, std::string_view context) const {
	if (e.is_condition()) return;
	if (e.kind == ExprKind::Function) {
		auto id = as<FunctionExpr>(e).def->id;
		if (id == FunctionId::Contains || id == FunctionId::Intersects)
			fail(e.pos,
			     concat(as<FunctionExpr>(e).def->name, " returns 0 or 1; compare it with 1, as in 1 = ",
			            as<FunctionExpr>(e).def->name, "(...)"));
	}
	fail_expected(
	    concat("a comparison operator, BETWEEN, IN, LIKE or IS NULL to make a condition in ", context));
}

void Parser::require_arithmetic_operand(const Expr& e, std::string_view op) const {
	if (e.is_condition()) fail(e.pos, concat("A condition cannot be an operand of ", op));
	if (is_geometry_value(e))
		fail(e.pos, concat(op, " cannot be applied to a geometry (", as<FunctionExpr>(e).def->name, ")"),
		     ErrorKind::Type);
}

ExprPtr Parser::parse_condition(std::string_view context) {
	ExprPtr e = parse_or();
	require_condition(*e, context);
	return e;
}

ExprPtr Parser::parse_value(std::string_view context) {
	ExprPtr e = parse_or();
	require_value(*e, context);
	return e;
}

ExprPtr Parser::parse_or() {
	ExprPtr first = parse_and();
	if (!at(Keyword::Or)) return first;
	require_condition(*first, "OR");
	auto node = std::make_unique<LogicalExpr>(ExprKind::Or, first->pos);
	grow(node->height, first->height, node->pos);
	node->operands.push_back(std::move(first));
	while (accept(Keyword::Or)) {
		ExprPtr next = parse_and();
		require_condition(*next, "OR");
		grow(node->height, next->height, node->pos);
		node->operands.push_back(std::move(next));
	}
	return node;
}

ExprPtr Parser::parse_and() {
	ExprPtr first = parse_not();
	if (!at(Keyword::And)) return first;
	require_condition(*first, "AND");
	auto node = std::make_unique<LogicalExpr>(ExprKind::And, first->pos);
	grow(node->height, first->height, node->pos);
	node->operands.push_back(std::move(first));
	while (accept(Keyword::And)) {
		ExprPtr next = parse_not();
		require_condition(*next, "AND");
		grow(node->height, next->height, node->pos);
		node->operands.push_back(std::move(next));
	}
	return node;
}

ExprPtr Parser::parse_not() {
	std::vector<uint32_t> nots; // iterative, so NOT NOT NOT ... cannot recurse deeply
	while (at(Keyword::Not))
		nots.push_back(advance().offset);
	ExprPtr e = parse_predicate();
	if (nots.empty()) return e;
	require_condition(*e, "NOT");
	for (auto it = nots.rbegin(); it != nots.rend(); ++it) {
		auto node = std::make_unique<NotExpr>(*it, std::move(e));
		grow(node->height, node->operand->height, node->pos);
		e = std::move(node);
	}
	return e;
}

ExprPtr Parser::parse_predicate() {
	ExprPtr left = parse_concat();
	const Token& t = peek();
	CompareOp op;
	switch (t.kind) {
	case TokenKind::Eq:
		op = CompareOp::Eq;
		break;
	case TokenKind::Ne:
		op = CompareOp::Ne;
		break;
	case TokenKind::Lt:
		op = CompareOp::Lt;
		break;
	case TokenKind::Gt:
		op = CompareOp::Gt;
		break;
	case TokenKind::Le:
		op = CompareOp::Le;
		break;
	case TokenKind::Ge:
		op = CompareOp::Ge;
		break;
	case TokenKind::Keyword: {
		bool negated = false;
		size_t k = 0;
		if (t.kw == Keyword::Not) {
			const Token& n = peek(1);
			if (!(n.is(Keyword::Between) || n.is(Keyword::In) || n.is(Keyword::Like) || n.is(Keyword::Ilike)))
				return left;
			negated = true;
			k = 1;
		}
		const Token& kwt = peek(k);
		if (kwt.is(Keyword::Between)) {
			require_value(*left, "BETWEEN");
			i_ += k + 1;
			auto node = std::make_unique<BetweenExpr>(left->pos);
			node->negated = negated;
			node->value = std::move(left);
			node->low = parse_concat();
			require_value(*node->low, "BETWEEN");
			expect(Keyword::And);
			node->high = parse_concat();
			require_value(*node->high, "BETWEEN");
			grow(node->height, std::max({node->value->height, node->low->height, node->high->height}),
			     node->pos);
			return node;
		}
		if (kwt.is(Keyword::In)) {
			require_value(*left, "IN");
			i_ += k + 1;
			auto node = std::make_unique<InExpr>(left->pos);
			node->negated = negated;
			node->value = std::move(left);
			grow(node->height, node->value->height, node->pos);
			const Token& open = expect(TokenKind::LParen, "'(' after IN");
			Descend d(*this, open.offset);
			if (at(Keyword::Select) || (at(TokenKind::LParen) && looks_like_query_after_paren())) {
				node->subquery = parse_query_expression();
				grow(node->height, node->subquery->height, node->pos);
			} else {
				do {
					ExprPtr v = parse_value("an IN list");
					grow(node->height, v->height, node->pos);
					node->list.push_back(std::move(v));
				} while (accept(TokenKind::Comma));
			}
			expect(TokenKind::RParen, "',' or ')' in the IN list");
			return node;
		}
		if (kwt.is(Keyword::Like) || kwt.is(Keyword::Ilike)) {
			require_value(*left, "LIKE");
			i_ += k + 1;
			auto node = std::make_unique<LikeExpr>(left->pos);
			node->negated = negated;
			node->ilike = kwt.is(Keyword::Ilike);
			node->value = std::move(left);
			node->pattern = parse_concat();
			require_value(*node->pattern, "LIKE");
			grow(node->height, std::max(node->value->height, node->pattern->height), node->pos);
			return node;
		}
		if (kwt.is(Keyword::Is)) {
			require_value(*left, "IS NULL");
			advance();
			auto node = std::make_unique<IsNullExpr>(left->pos);
			node->negated = accept(Keyword::Not);
			expect(Keyword::Null);
			node->value = std::move(left);
			grow(node->height, node->value->height, node->pos);
			return node;
		}
		return left;
	}
	default:
		return left;
	}
	advance();
	require_value(*left, "a comparison");
	ExprPtr right = parse_concat();
	require_value(*right, "a comparison");
	auto node = std::make_unique<CompareExpr>(left->pos, op, std::move(left), std::move(right));
	grow(node->height, std::max(node->left->height, node->right->height), node->pos);
	return node;
}

namespace {

struct BinaryLevel {
	TokenKind token;
	BinaryOp op;
	const char* text;
};

} // namespace

// The binary levels share one shape: operand {op operand}, left-associative.
#define MELES_ADQL_BINARY_LEVEL(method, next, ...)                                                           \
	ExprPtr Parser::method() {                                                                               \
		static constexpr BinaryLevel kOps[] = {__VA_ARGS__};                                                 \
		ExprPtr left = next();                                                                               \
		for (;;) {                                                                                           \
			const BinaryLevel* hit = nullptr;                                                                \
			for (const auto& o : kOps)                                                                       \
				if (at(o.token)) hit = &o;                                                                   \
			if (!hit) return left;                                                                           \
			uint32_t pos = advance().offset;                                                                 \
			require_arithmetic_operand(*left, hit->text);                                                    \
			ExprPtr right = next();                                                                          \
			require_arithmetic_operand(*right, hit->text);                                                   \
			auto node = std::make_unique<BinaryExpr>(left->pos, hit->op, std::move(left), std::move(right)); \
			grow(node->height, std::max(node->left->height, node->right->height), pos);                      \
			left = std::move(node);                                                                          \
		}                                                                                                    \
	}

MELES_ADQL_BINARY_LEVEL(parse_concat, parse_bitor, {TokenKind::Concat, BinaryOp::Concat, "'||'"})
MELES_ADQL_BINARY_LEVEL(parse_bitor, parse_bitxor, {TokenKind::Pipe, BinaryOp::BitOr, "'|'"})
MELES_ADQL_BINARY_LEVEL(parse_bitxor, parse_bitand, {TokenKind::Caret, BinaryOp::BitXor, "'^'"})
MELES_ADQL_BINARY_LEVEL(parse_bitand, parse_additive, {TokenKind::Amp, BinaryOp::BitAnd, "'&'"})
MELES_ADQL_BINARY_LEVEL(parse_additive, parse_term, {TokenKind::Plus, BinaryOp::Add, "'+'"},
                        {TokenKind::Minus, BinaryOp::Sub, "'-'"})
MELES_ADQL_BINARY_LEVEL(parse_term, parse_factor, {TokenKind::Star, BinaryOp::Mul, "'*'"},
                        {TokenKind::Slash, BinaryOp::Div, "'/'"})

#undef MELES_ADQL_BINARY_LEVEL

ExprPtr Parser::parse_factor() {
	struct Pending {
		UnaryOp op;
		uint32_t pos;
	};
	std::vector<Pending> ops; // iterative: "- - - - x" must not recurse
	for (;;) {
		if (at(TokenKind::Minus))
			ops.push_back({UnaryOp::Minus, advance().offset});
		else if (at(TokenKind::Plus))
			ops.push_back({UnaryOp::Plus, advance().offset});
		else if (at(TokenKind::Tilde))
			ops.push_back({UnaryOp::BitNot, advance().offset});
		else
			break;
	}
	ExprPtr e = parse_primary();
	for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
		require_arithmetic_operand(*e, it->op == UnaryOp::BitNot  ? "'~'"
		                               : it->op == UnaryOp::Minus ? "'-'"
		                                                          : "'+'");
		auto node = std::make_unique<UnaryExpr>(it->pos, it->op, std::move(e));
		grow(node->height, node->operand->height, node->pos);
		e = std::move(node);
	}
	return e;
}

ExprPtr Parser::parse_literal() {
	const Token& t = advance();
	LiteralKind k;
	switch (t.kind) {
	case TokenKind::Integer:
		k = LiteralKind::Integer;
		break;
	case TokenKind::Decimal:
		k = LiteralKind::Decimal;
		break;
	case TokenKind::Real:
		k = LiteralKind::Real;
		break;
	case TokenKind::Hex:
		k = LiteralKind::Hex;
		break;
	case TokenKind::String:
		k = LiteralKind::String;
		break;
	default:
		k = LiteralKind::Null;
		break;
	}
	auto lit = std::make_unique<LiteralExpr>(t.offset, k);
	if (k == LiteralKind::String)
		lit->value = unquote_string(text(t));
	else if (k != LiteralKind::Null)
		lit->text = text(t);
	return lit;
}

ExprPtr Parser::parse_column_ref() {
	auto ref = std::make_unique<ColumnRefExpr>(peek().offset);
	ref->parts.push_back(identifier(advance()));
	while (at(TokenKind::Period)) {
		advance();
		if (!at_identifier()) fail_expected("a name after '.'");
		ref->parts.push_back(identifier(advance()));
	}
	if (ref->parts.size() > 4)
		fail(ref->pos, "A column reference has at most four parts (catalog.schema.table.column)");
	return ref;
}

ExprPtr Parser::parse_primary() {
	const Token& t = peek();
	switch (t.kind) {
	case TokenKind::Integer:
	case TokenKind::Decimal:
	case TokenKind::Real:
	case TokenKind::Hex:
	case TokenKind::String:
		return parse_literal();
	case TokenKind::Identifier:
		if (peek(1).kind == TokenKind::LParen) return parse_function_call(lookup_function(t), t);
		return parse_column_ref();
	case TokenKind::Delimited:
		if (peek(1).kind == TokenKind::LParen)
			fail(t.offset, "A function name cannot be a delimited identifier");
		return parse_column_ref();
	case TokenKind::LParen: {
		advance();
		Descend d(*this, t.offset);
		if (at(Keyword::Select) || (at(TokenKind::LParen) && looks_like_query_after_paren())) {
			size_t save = i_;
			try {
				QueryPtr q = parse_query_expression();
				expect(TokenKind::RParen, "')' closing the subquery");
				auto node = std::make_unique<SubqueryExpr>(t.offset, std::move(q));
				grow(node->height, node->query->height, node->pos);
				return node;
			} catch (const Error&) {
				if (toks_[save].is(Keyword::Select)) throw;
				i_ = save; // "((SELECT ...) + 1)": a value after all
			}
		}
		if (at(Keyword::With)) fail(peek().offset, "WITH is only allowed at the start of the main query");
		ExprPtr inner = parse_or();
		expect(TokenKind::RParen, "')'");
		return inner;
	}
	case TokenKind::Keyword: {
		Keyword kw = t.kw;
		if (kw == Keyword::Null) return parse_literal();
		if (kw == Keyword::Cast) return parse_cast();
		if (kw == Keyword::Case) return parse_case();
		if (kw == Keyword::Exists) {
			advance();
			const Token& open = expect(TokenKind::LParen, "'(' and a subquery after EXISTS");
			Descend d(*this, open.offset);
			QueryPtr q = parse_query_expression();
			expect(TokenKind::RParen, "')' closing the subquery");
			auto node = std::make_unique<ExistsExpr>(t.offset, std::move(q));
			grow(node->height, node->query->height, node->pos);
			return node;
		}
		if (const FunctionDef* def = find_function(kw)) {
			if (peek(1).kind == TokenKind::LParen) return parse_function_call(def, t);
		} else if (kw == Keyword::Select) {
			fail(t.offset, "A subquery must be written in parentheses");
		} else if (structural(kw)) {
			fail_expected("an expression");
		}
		std::string_view word = text(t);
		fail(t.offset, concat("'", word, "' is a reserved word; write \"", word,
		                      "\" in double quotes to use it as a name"));
	}
	default:
		fail_expected("an expression");
	}
}

} // namespace meles::adql
