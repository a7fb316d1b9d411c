// adql/ast/cast_expr.hpp — CAST(value AS type) with ADQL 2.1's target types.
// Thread-safety: see expression.hpp.
#pragma once

#include "adql/ast/expression.hpp"

#include <vector>

namespace meles::adql {

enum class CastTarget : uint8_t {
	Smallint,
	Integer,
	Bigint,
	Real,
	Double,
	Char,
	Varchar,
	Timestamp,
	Point,
	Circle,
	Polygon
};

struct CastExpr final : Expr {
	CastExpr(uint32_t p, ExprPtr v) : Expr(ExprKind::Cast, p), operand(std::move(v)) {}
	ExprPtr operand;
	CastTarget target = CastTarget::Double;
	int length = 0;                // CHAR(n)/VARCHAR(n); 0 = not given
	std::vector<double> constants; // binder: numbers of a DALI string cast to a geometry
};

} // namespace meles::adql
