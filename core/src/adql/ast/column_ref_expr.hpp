// adql/ast/column_ref_expr.hpp — [[catalog.]schema.]table.]column as written, and what the
// binder resolved it to: a column of a FROM item, or (ORDER BY/GROUP BY only) a select-list
// alias whose expression is substituted.
// Thread-safety: see expression.hpp.
#pragma once

#include "adql/ast/expression.hpp"
#include "adql/ast/identifier.hpp"

#include <vector>

namespace meles::adql {

struct BoundColumn;

struct ColumnRefExpr final : Expr {
	explicit ColumnRefExpr(uint32_t p) : Expr(ExprKind::ColumnRef, p) {}
	std::vector<Identifier> parts; // 1..4, the last is the column

	const BoundColumn* target = nullptr; // binder: a FROM column
	const Expr* substitute = nullptr;    // binder: select-list expression named by an alias
	int output_position = 0;             // binder: 1-based output column named (set-op ORDER BY)

	const Identifier& column() const { return parts.back(); }
};

} // namespace meles::adql
