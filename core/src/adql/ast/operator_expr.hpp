// adql/ast/operator_expr.hpp — arithmetic, string concatenation and bitwise operators.
// Bitwise & | ^ ~ and hex literals are extensions (ADQL 2.1 drafts had them; DaCHS too).
// Thread-safety: see expression.hpp.
#pragma once

#include "adql/ast/expression.hpp"

namespace meles::adql {

enum class UnaryOp : uint8_t { Minus, Plus, BitNot };
enum class BinaryOp : uint8_t { Add, Sub, Mul, Div, Concat, BitAnd, BitOr, BitXor };

struct UnaryExpr final : Expr {
	UnaryExpr(uint32_t p, UnaryOp o, ExprPtr x) : Expr(ExprKind::Unary, p), op(o), operand(std::move(x)) {}
	UnaryOp op;
	ExprPtr operand;
};

struct BinaryExpr final : Expr {
	BinaryExpr(uint32_t p, BinaryOp o, ExprPtr l, ExprPtr r)
	    : Expr(ExprKind::Binary, p), op(o), left(std::move(l)), right(std::move(r)) {}
	BinaryOp op;
	ExprPtr left;
	ExprPtr right;
};

} // namespace meles::adql
