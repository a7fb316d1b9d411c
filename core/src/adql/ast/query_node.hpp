// adql/ast/query_node.hpp — base of the query forms: a SELECT, a set operation, or a query
// with ORDER BY/OFFSET around either.  After binding each node lists its output columns.
// Thread-safety: a tree is owned and used by one translation at a time.
#pragma once

#include "meles/core/common/column_meta.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace meles::adql {

struct Expr;
struct BoundColumn;

enum class QueryKind : uint8_t { Select, SetOp, Ordered };

// One column of a query's result.
struct OutputColumn {
	std::string name; // unique within the query's outputs
	bool delimited = false;
	ColumnMeta meta;                     // name/delimited repeated here for callers
	const Expr* expr = nullptr;          // the select-list expression, or
	const BoundColumn* column = nullptr; // the column a * stood for
	bool needs_alias = false;            // the SQL must say AS name
};

struct QueryNode {
	QueryNode(QueryKind k, uint32_t p) : kind(k), pos(p) {}
	virtual ~QueryNode() = default;
	QueryNode(const QueryNode&) = delete;
	QueryNode& operator=(const QueryNode&) = delete;

	QueryKind kind;
	uint32_t pos;
	uint32_t height = 1;               // see Expr::height
	std::vector<OutputColumn> outputs; // binder
};

using QueryPtr = std::unique_ptr<QueryNode>;

} // namespace meles::adql
