// adql/binder/scope.hpp — the names visible while binding one SELECT: its FROM items (range
// variables) with their columns, the columns visible without qualification (USING/NATURAL
// merge theirs), and the enclosing scope for correlated subqueries.
// Thread-safety: owned by one Binder.
#pragma once

#include "adql/ast/identifier.hpp"
#include "adql/ast/table_ref.hpp"
#include "meles/core/adql/catalog.hpp"

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::adql {

struct RangeVar;
struct SelectNode;
struct CommonTable;

// A column as seen through a FROM item.
struct BoundColumn {
	std::string_view name; // its SQL name (regular names fold to lower case when matched)
	bool delimited = false;
	const ColumnMeta* meta = nullptr;
	const RangeVar* owner = nullptr; // null for a USING/NATURAL merged column
	// merged column: the join type decides which side (or COALESCE of both) it stands for
	JoinType merge = JoinType::Inner;
	const BoundColumn* left = nullptr;
	const BoundColumn* right = nullptr;
};

// A named FROM item: catalog table, CTE reference or derived table.
struct RangeVar {
	std::optional<Identifier> alias;   // when given, the only name it answers to
	const TableEntry* table = nullptr; // catalog table
	CommonTable* cte = nullptr;        // WITH query
	std::string_view name;             // table/CTE name when no alias
	bool name_delimited = false;
	std::string_view schema; // catalog tables
	bool schema_delimited = false;
	std::string sql_alias; // SQL text after AS, quoted as needed
	std::vector<BoundColumn> columns;

	// spatial index facts resolved to column metadata (catalog tables only)
	struct Pair {
		const ColumnMeta* ra;
		const ColumnMeta* dec;
	};
	std::vector<Pair> q3c;
	std::vector<Pair> spoint;
	std::vector<const ColumnMeta*> gist;

	// The name users see in messages.
	std::string display() const;
};

enum class Clause : uint8_t { Select, On, Where, GroupBy, Having, OrderBy };

struct Scope {
	Scope* parent = nullptr;
	std::vector<RangeVar*> range_vars;
	std::vector<const BoundColumn*> visible; // unqualified names and * expansion, in order
	std::deque<BoundColumn> merged;          // storage for USING/NATURAL columns
	SelectNode* select = nullptr;            // for select-list aliases in GROUP/ORDER BY
};

} // namespace meles::adql
