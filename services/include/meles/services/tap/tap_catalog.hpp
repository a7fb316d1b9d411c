// meles/services/tap/tap_catalog.hpp — the tables TAP queries may use, as the ADQL
// translator and VOSI /tables see them.
//
// Built from Meles's table metadata in the database (meles.tablemeta/columnmeta, written by
// the importer in the same transaction as TAP_SCHEMA, so the two agree), kept as an
// immutable snapshot shared by all requests, and rebuilt when an import or drop bumped
// meles.catalog_version (looked at no more than once a second).
// Thread-safety: snapshot() may be called from any thread; snapshots are immutable.
#pragma once

#include "meles/core/adql/catalog.hpp"
#include "meles/core/pg/pool.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace meles::services::tap {

struct ForeignKeyInfo {
	std::string target_table;
	std::vector<std::pair<std::string, std::string>> columns;  // (from, target)
};

struct TapTable {
	std::vector<ForeignKeyInfo> foreign_keys;  // as TAP_SCHEMA.keys/key_columns list them
	const adql::TableEntry* entry = nullptr;
	std::string table_type = "table";  // or "view"
	bool listed = true;                // adql="hidden" tables are queryable but not listed
	std::optional<int64_t> nrows;
};

struct TapSchema {
	std::string name;
	std::string description;
	std::vector<const TapTable*> tables;
};

class CatalogSnapshot {
public:
	adql::SimpleCatalog catalog;
	std::vector<std::unique_ptr<TapTable>> tables;
	std::vector<TapSchema> schemas;  // listed tables only, sorted
	int64_t version = -1;

	const TapTable* find(std::string_view qualified_lower) const;
};

class TapCatalog {
public:
	// `pool`: connections that may read the meles schema (the admin pool).
	explicit TapCatalog(pg::Pool& pool) : pool_(pool) {}
	// The current snapshot (reloaded if the database says the catalog changed).
	std::shared_ptr<const CatalogSnapshot> snapshot();
	// Forces a reload on the next snapshot().
	void invalidate();

private:
	std::shared_ptr<const CatalogSnapshot> load(int64_t version);
	pg::Pool& pool_;
	std::mutex mutex_;
	std::shared_ptr<const CatalogSnapshot> current_;
	std::chrono::steady_clock::time_point checked_{};
};

}  // namespace meles::services::tap
