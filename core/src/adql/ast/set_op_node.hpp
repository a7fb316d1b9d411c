// adql/ast/set_op_node.hpp — UNION / EXCEPT / INTERSECT [ALL] of two queries.
// Thread-safety: see query_node.hpp.
#pragma once

#include "adql/ast/query_node.hpp"

namespace meles::adql {

enum class SetOpKind : uint8_t { Union, Except, Intersect };

struct SetOpNode final : QueryNode {
	SetOpNode(uint32_t p, SetOpKind o, bool a, QueryPtr l, QueryPtr r)
	    : QueryNode(QueryKind::SetOp, p), op(o), all(a), left(std::move(l)), right(std::move(r)) {}
	SetOpKind op;
	bool all;
	QueryPtr left;
	QueryPtr right;
};

} // namespace meles::adql
