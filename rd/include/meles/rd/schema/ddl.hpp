// meles/rd/schema/ddl.hpp — SQL for the tables an RD defines: CREATE TABLE, primary keys,
// indexes, and identifier spelling.
//
// Regular identifiers are folded to lower case (what PostgreSQL does with unquoted names,
// and what the ADQL translator emits), delimited ones are kept exactly; both are quoted
// whenever needed, so a column called "order" or "Dec" never breaks a statement.
// Thread-safety: pure functions.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/rd/model/table_def.hpp"

#include <string>
#include <vector>

namespace meles::rd::schema {

// The SQL spelling of a column name.
std::string sql_identifier(std::string_view name, bool delimited);
inline std::string sql_identifier(const ColumnMeta& c) {
	return sql_identifier(c.name, c.delimited);
}
// "schema"."table" (regular names, so folded and quoted only when needed).
std::string qualified(std::string_view schema, std::string_view table);

std::string create_table_sql(const TableDef& table, const std::string& relation);
std::string primary_key_sql(const TableDef& table, const std::string& relation,
                            const std::string& constraint);
// CREATE INDEX statements; index names get `name_suffix` appended (for building on a
// fresh table before the swap).
struct IndexSql {
	std::string name; // final name (without suffix)
	std::string sql;  // CREATE INDEX ... (with suffixed name)
	bool cluster = false;
};
std::vector<IndexSql> index_sqls(const TableDef& table, const std::string& relation,
                                 const std::string& name_suffix);

// Spatial index facts for the ADQL catalog, derived from the table's index definitions:
// (ra, dec) pairs with a q3c index and with an spoint(radians(ra), radians(dec)) GiST index.
struct PositionPairs {
	std::vector<std::pair<std::string, std::string>> q3c, spoint;
	std::vector<std::string> gist_columns;
};
PositionPairs position_indexes(const TableDef& table);

} // namespace meles::rd::schema
