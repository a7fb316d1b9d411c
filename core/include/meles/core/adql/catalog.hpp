// meles/core/adql/catalog.hpp — the tables a query may name, as the binder sees them: ADQL
// names, the SQL relation to emit, columns and spatial indexes.  Name matching lives in the
// binder; implementations only store and index entries by lower-cased table name.
// Thread-safety: read concurrently by translations; immutable once filled.
#pragma once

#include "meles/core/common/column_meta.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace meles::adql {

// An (ra, dec) pair of columns in degrees, carrying an index usable for cone searches.
// Column names are the ADQL column names as in TableEntry::columns[].name.
struct PositionIndex {
	std::string ra;
	std::string dec;
};

struct TableEntry {
	// ADQL names.  A regular name matches case-insensitively; a delimited one exactly.
	std::string schema;
	bool schema_delimited = false;
	std::string name;
	bool name_delimited = false;

	// The relation to put into SQL, already quoted as needed ("ivoa.obscore",
	// "pg_temp.\"upload_mine\"").  Never derived from the ADQL name by the translator.
	std::string sql_name;
	std::string description;
	std::vector<ColumnMeta> columns;

	// Spatial index facts (used to pick index-using SQL for cones and crossmatches):
	// pairs with a q3c index on q3c_ang2ipix(ra, dec) ...
	std::vector<PositionIndex> q3c_indexes;
	// ... pairs with a pg_sphere GiST index on exactly spoint_sql(ra, dec) (see below) ...
	std::vector<PositionIndex> spoint_indexes;
	// ... and geometry columns (spoint, scircle, spoly, ...) with a GiST index.
	std::vector<std::string> gist_columns;

	// Matched only when the query names the schema too.  Persistent user tables are like this:
	// anyone may create one, and that must never make someone else's unqualified name ambiguous.
	bool qualified_only = false;

	// "schema.name" as the user would write it (for messages).
	std::string qualified_name() const;
};

// The pg_sphere point expression the translator emits for POINT(ra, dec) over degree
// columns.  An spoint GiST index must be built on exactly this expression (with the bare
// column names) for PostgreSQL to use it: spoint(radians(ra), radians(dec)).
std::string spoint_sql(std::string_view ra_sql, std::string_view dec_sql);

class Catalog {
public:
	virtual ~Catalog() = default;
	// Appends every table whose ADQL table name equals `lower_name` when lower-cased
	// (schema not considered); the binder then applies the exact matching rules.
	virtual void find_tables(std::string_view lower_name, std::vector<const TableEntry*>& out) const = 0;
	// Appends all tables (used for "did you mean" suggestions only).
	virtual void all_tables(std::vector<const TableEntry*>& out) const = 0;
};

// A catalog held in memory: what the CLI's --tables file, tests and upload sets build.
class SimpleCatalog final : public Catalog {
public:
	SimpleCatalog() = default;
	SimpleCatalog(SimpleCatalog&&) noexcept = default;
	SimpleCatalog& operator=(SimpleCatalog&&) noexcept = default;

	// Adds a table; entries keep their address for the life of the catalog.
	const TableEntry& add(TableEntry table);
	size_t size() const { return tables_.size(); }

	void find_tables(std::string_view lower_name, std::vector<const TableEntry*>& out) const override;
	void all_tables(std::vector<const TableEntry*>& out) const override;

private:
	std::vector<std::unique_ptr<TableEntry>> tables_;
	std::unordered_map<std::string, std::vector<const TableEntry*>> by_name_;
};

// Several catalogs seen as one (e.g. TAP_SCHEMA tables + this query's uploads).  Holds
// references: the parts must outlive it.
class CompositeCatalog final : public Catalog {
public:
	explicit CompositeCatalog(std::vector<const Catalog*> parts) : parts_(std::move(parts)) {}
	void find_tables(std::string_view lower_name, std::vector<const TableEntry*>& out) const override;
	void all_tables(std::vector<const TableEntry*>& out) const override;

private:
	std::vector<const Catalog*> parts_;
};

} // namespace meles::adql
