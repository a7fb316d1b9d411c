// meles/core/adql/translator.hpp — ADQL 2.1 in, PostgreSQL (pg_sphere, q3c) SQL and result
// column metadata out; errors are meles::Error (Syntax, Name, Type) with SourcePos and a
// complete message().  Details: docs/adql.md.
// Thread-safety: free functions without shared state; the Catalog is only read.
#pragma once

#include "meles/core/adql/catalog.hpp"
#include "meles/core/common/column_meta.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::adql {

enum class StatementKind {
	Select,        // a query expression (SELECT ..., set operations, WITH ...)
	CreateTableAs, // our extension: CREATE TABLE schema.name AS <query expression>
};

struct TranslateOptions {
	// TAP MAXREC.  When set, the SQL ends in LIMIT maxrec+1 (so that the caller can tell
	// overflow), unless the query's own TOP n <= maxrec, which gives LIMIT n.
	std::optional<int64_t> maxrec;
	// CREATE TABLE ... AS is refused unless the caller expects it (persistent user tables).
	bool allow_create_table = false;
};

struct TableUse {
	std::string schema; // ADQL names as in the catalog entry
	std::string name;
	std::string sql_name;
	const TableEntry* entry = nullptr; // valid as long as the catalog is
};

struct Translation {
	StatementKind kind = StatementKind::Select;
	// The SELECT statement (for CreateTableAs: the query to wrap into CREATE TABLE ... AS;
	// the caller chooses the SQL table name).
	std::string sql;
	// One per output column, in order: name (unique within the result; `delimited` set when
	// it needs quotes), type (datatype/arraysize/xtype via votable_type), unit, UCD,
	// description, xtype.
	std::vector<ColumnMeta> columns;
	// Catalog tables the query reads (not CTEs or subquery names), without duplicates.
	std::vector<TableUse> tables;
	// True when the SQL may return maxrec+1 rows: then deliver maxrec rows and flag OVERFLOW.
	bool may_overflow = false;
	// The LIMIT in the SQL, if any.
	std::optional<int64_t> limit;
	// True when the SQL uses q3c functions (a crossmatch/cone was rewritten to use an index).
	bool uses_q3c = false;

	// CreateTableAs only: the target as written (schema may be empty if not given).
	std::string target_schema;
	bool target_schema_delimited = false;
	std::string target_name;
	bool target_name_delimited = false;
};

Translation translate(std::string_view adql, const Catalog& catalog, const TranslateOptions& options = {});

struct ParseOptions {
	// The user-defined functions of the service the query is meant for, when known (its
	// TAPRegExt declarations; a conformance-corpus file's <functions>): then exactly ADQL's own
	// functions and these are accepted.  When not known (nullopt), a call of a name with a
	// prefix -- ivo_healpix_foo, eso_dateadd_sec: ADQL 2.1's convention for user-defined
	// functions -- is taken as some service's function, with any arguments; an unknown name
	// without one (TAN2) cannot be one and is refused.
	std::optional<std::vector<std::string>> udfs;
};

// Checks syntax only (no catalog): what `meles adql --syntax-only` and `meles val` use.
// ADQL's own functions are checked for their arguments (also the structure of geometry
// constructors: POINT takes two coordinates after an optional coordinate system), other
// functions only as options.udfs says.  Throws meles::Error like translate(); returns the
// statement kind.
StatementKind parse_only(std::string_view adql, const ParseOptions& options = {});

} // namespace meles::adql
