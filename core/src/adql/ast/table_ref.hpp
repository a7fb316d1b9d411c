// adql/ast/table_ref.hpp — FROM items: catalog tables (and CTE names), derived tables
// (subqueries with a name) and joins.  The binder attaches the range variable each named
// item introduces.
// Thread-safety: see query_node.hpp.
#pragma once

#include "adql/ast/expression.hpp"
#include "adql/ast/identifier.hpp"
#include "adql/ast/query_node.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace meles::adql {

struct RangeVar;
struct BoundColumn;

enum class TableRefKind : uint8_t { Base, Derived, Join };

struct TableRef {
	TableRef(TableRefKind k, uint32_t p) : kind(k), pos(p) {}
	virtual ~TableRef() = default;
	TableRef(const TableRef&) = delete;
	TableRef& operator=(const TableRef&) = delete;
	TableRefKind kind;
	uint32_t pos;
	uint32_t height = 1; // see Expr::height
};
using TableRefPtr = std::unique_ptr<TableRef>;

struct BaseTableRef final : TableRef {
	explicit BaseTableRef(uint32_t p) : TableRef(TableRefKind::Base, p) {}
	std::vector<Identifier> parts; // [catalog.][schema.]table
	std::optional<Identifier> alias;
	std::string_view sample_percent; // TABLESAMPLE(n): the number's source text, or empty

	RangeVar* range = nullptr; // binder
};

struct DerivedTableRef final : TableRef {
	DerivedTableRef(uint32_t p, QueryPtr q) : TableRef(TableRefKind::Derived, p), query(std::move(q)) {}
	QueryPtr query;
	Identifier alias;

	RangeVar* range = nullptr; // binder
};

enum class JoinType : uint8_t { Inner, Left, Right, Full };

struct JoinRef final : TableRef {
	explicit JoinRef(uint32_t p) : TableRef(TableRefKind::Join, p) {}
	JoinType type = JoinType::Inner;
	bool natural = false;
	TableRefPtr left, right;
	ExprPtr on;
	std::vector<Identifier> using_columns;

	// binder: the shared columns of USING/NATURAL, as (left, right) pairs
	std::vector<std::pair<const BoundColumn*, const BoundColumn*>> merged;
};

} // namespace meles::adql
