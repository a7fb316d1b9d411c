// adql/ast/predicate_expr.hpp — search conditions: comparisons, BETWEEN, IN, [I]LIKE,
// IS [NOT] NULL, EXISTS and the boolean connectives.
// A comparison of CONTAINS/INTERSECTS with 0/1, or of DISTANCE with a radius, carries a
// SpatialPlan from the binder telling the emitter which index-using form to write.
// Thread-safety: see expression.hpp.
#pragma once

#include "adql/ast/expression.hpp"
#include "adql/ast/query_node.hpp"

#include <vector>

namespace meles::adql {

struct SpatialPlan;

enum class CompareOp : uint8_t { Eq, Ne, Lt, Gt, Le, Ge };

struct CompareExpr final : Expr {
	CompareExpr(uint32_t p, CompareOp o, ExprPtr l, ExprPtr r);
	~CompareExpr() override;
	CompareOp op;
	ExprPtr left;
	ExprPtr right;
	std::unique_ptr<SpatialPlan> spatial; // binder
};

struct BetweenExpr final : Expr {
	explicit BetweenExpr(uint32_t p) : Expr(ExprKind::Between, p) {}
	bool negated = false;
	ExprPtr value, low, high;
};

struct InExpr final : Expr {
	explicit InExpr(uint32_t p) : Expr(ExprKind::In, p) {}
	bool negated = false;
	ExprPtr value;
	std::vector<ExprPtr> list; // IN (a, b, ...)
	QueryPtr subquery;         // IN (SELECT ...)
};

struct LikeExpr final : Expr {
	explicit LikeExpr(uint32_t p) : Expr(ExprKind::Like, p) {}
	bool negated = false;
	bool ilike = false;
	ExprPtr value, pattern;
};

struct IsNullExpr final : Expr {
	explicit IsNullExpr(uint32_t p) : Expr(ExprKind::IsNull, p) {}
	bool negated = false;
	ExprPtr value;
};

struct ExistsExpr final : Expr {
	ExistsExpr(uint32_t p, QueryPtr q) : Expr(ExprKind::Exists, p), query(std::move(q)) {}
	QueryPtr query;
};

// AND / OR (kind says which) over two or more operands: chains are kept flat so that
// generated queries with hundreds of ORs do not become deep trees.
struct LogicalExpr final : Expr {
	LogicalExpr(ExprKind k, uint32_t p) : Expr(k, p) {}
	std::vector<ExprPtr> operands;
};

struct NotExpr final : Expr {
	NotExpr(uint32_t p, ExprPtr x) : Expr(ExprKind::Not, p), operand(std::move(x)) {}
	ExprPtr operand;
};

} // namespace meles::adql
