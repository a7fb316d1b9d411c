// adql/ast/literal_expr.hpp — NULL, numbers and strings as written in the query.
// Numbers keep their source text (already validated by the lexer) so the SQL shows them
// unchanged; strings keep their unescaped value and are re-escaped by the emitter.
// Thread-safety: see expression.hpp.
#pragma once

#include "adql/ast/expression.hpp"

#include <string_view>

namespace meles::adql {

enum class LiteralKind : uint8_t { Null, Integer, Decimal, Real, Hex, String };

struct LiteralExpr final : Expr {
	LiteralExpr(uint32_t p, LiteralKind k) : Expr(ExprKind::Literal, p), lit(k) {}
	LiteralKind lit;
	std::string_view text; // numbers: source text (points into the query, or into storage)
	std::string value;     // strings: unescaped value
	std::string storage;   // numbers the binder computed (coordinates converted to ICRS)

	bool is_number() const {
		return lit == LiteralKind::Integer || lit == LiteralKind::Decimal || lit == LiteralKind::Real ||
		       lit == LiteralKind::Hex;
	}
};

} // namespace meles::adql
