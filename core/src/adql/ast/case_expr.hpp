// adql/ast/case_expr.hpp — CASE [operand] WHEN ... THEN ... [ELSE ...] END (SQL-92; an
// extension to ADQL's grammar that users expect).
// Thread-safety: see expression.hpp.
#pragma once

#include "adql/ast/expression.hpp"

#include <utility>
#include <vector>

namespace meles::adql {

struct CaseExpr final : Expr {
	explicit CaseExpr(uint32_t p) : Expr(ExprKind::Case, p) {}
	ExprPtr operand; // simple CASE; null for searched CASE
	std::vector<std::pair<ExprPtr, ExprPtr>> whens;
	ExprPtr otherwise;
};

} // namespace meles::adql
