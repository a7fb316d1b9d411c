// adql/ast/select_node.hpp — SELECT [ALL|DISTINCT] [TOP n] list FROM ... [WHERE] [GROUP BY]
// [HAVING]: ADQL's <select_query>.  ORDER BY and OFFSET belong to the enclosing OrderedNode.
// Thread-safety: see query_node.hpp.
#pragma once

#include "adql/ast/expression.hpp"
#include "adql/ast/identifier.hpp"
#include "adql/ast/query_node.hpp"
#include "adql/ast/table_ref.hpp"

#include <optional>
#include <vector>

namespace meles::adql {

struct Scope;

struct SelectItem {
	uint32_t pos = 0;
	ExprPtr expr; // null for * and t.*
	std::optional<Identifier> alias;
	bool star = false;
	std::vector<Identifier> star_qualifier; // t.* / s.t.*
};

struct SelectNode final : QueryNode {
	explicit SelectNode(uint32_t p) : QueryNode(QueryKind::Select, p) {}
	bool distinct = false;
	std::optional<int64_t> top;
	std::vector<SelectItem> items;
	std::vector<TableRefPtr> from;
	ExprPtr where;
	std::vector<ExprPtr> group_by;
	ExprPtr having;

	Scope* scope = nullptr; // binder
};

} // namespace meles::adql
