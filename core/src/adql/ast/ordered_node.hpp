// adql/ast/ordered_node.hpp — a query with ORDER BY and/or OFFSET: ADQL's <select_expression>
// when it has either clause.  ORDER BY terms name output columns (by alias or position) or
// are expressions over the FROM items of a plain SELECT body.
// Thread-safety: see query_node.hpp.
#pragma once

#include "adql/ast/expression.hpp"
#include "adql/ast/query_node.hpp"

#include <optional>
#include <vector>

namespace meles::adql {

struct OrderItem {
	ExprPtr expr;
	bool descending = false;
	int position = 0; // binder: 1-based output position for ORDER BY n
};

struct OrderedNode final : QueryNode {
	OrderedNode(uint32_t p, QueryPtr b) : QueryNode(QueryKind::Ordered, p), body(std::move(b)) {}
	QueryPtr body;
	std::vector<OrderItem> order_by;
	std::optional<int64_t> offset;
};

} // namespace meles::adql
