// adql/ast/statement.hpp — the root of a parsed query: [WITH ...] query, or our extension
// CREATE TABLE [schema.]name AS query.
// Thread-safety: see query_node.hpp.
#pragma once

#include "adql/ast/identifier.hpp"
#include "adql/ast/query_node.hpp"
#include "meles/core/adql/translator.hpp"

#include <optional>
#include <vector>

namespace meles::adql {

struct CommonTable {
	Identifier name;
	QueryPtr query;
};

struct Statement {
	StatementKind kind = StatementKind::Select;
	std::vector<CommonTable> with;
	QueryPtr query;
	std::optional<Identifier> target_schema; // CREATE TABLE only
	Identifier target_name;
};

} // namespace meles::adql
