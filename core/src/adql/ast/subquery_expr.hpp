// adql/ast/subquery_expr.hpp — a parenthesised query used as a value (scalar subquery).
// Thread-safety: see expression.hpp.
#pragma once

#include "adql/ast/expression.hpp"
#include "adql/ast/query_node.hpp"

namespace meles::adql {

struct SubqueryExpr final : Expr {
	SubqueryExpr(uint32_t p, QueryPtr q) : Expr(ExprKind::Subquery, p), query(std::move(q)) {}
	QueryPtr query;
};

} // namespace meles::adql
