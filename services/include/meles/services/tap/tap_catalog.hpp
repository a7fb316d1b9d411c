// meles/services/tap/tap_catalog.hpp — the tables TAP queries may use, as the ADQL
// translator and VOSI /tables see them.
//
// Built from Meles's table metadata in the database (meles.tablemeta/columnmeta, written by
// the importer in the same transaction as TAP_SCHEMA, so the two agree), kept as an
// immutable snapshot shared by all requests, and rebuilt when an import or drop bumped
// meles.catalog_version.  A daemon listen()s: a thread waits for the NOTIFY the importer's
// commit sends and marks the snapshot stale, so new metadata shows as soon as `meles imp`
// returns.  Without a listener (or while its connection is down) the version is polled, no
// more than once a second.
// Thread-safety: snapshot() may be called from any thread; snapshots are immutable.
#pragma once

#include "meles/core/adql/catalog.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/core/pg/pool.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace meles::services::tap {

struct ForeignKeyInfo {
	std::string target_table;
	std::vector<std::pair<std::string, std::string>> columns; // (from, target)
};

struct TapTable {
	std::vector<ForeignKeyInfo> foreign_keys; // as TAP_SCHEMA.keys/key_columns list them
	const adql::TableEntry* entry = nullptr;
	std::string table_type = "table"; // or "view"
	bool listed = true;               // adql="hidden" tables are queryable but not listed
	bool adql = true;                 // queryable through TAP (only load_snapshot(every_table) has others)
	std::optional<int64_t> nrows;
	std::string rd_id; // the RD that defines it (its examples go to /tap/examples)
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
	std::vector<TapSchema> schemas; // listed tables only, sorted
	int64_t version = -1;

	const TapTable* find(std::string_view qualified_lower) const;
};

// Reads the catalog from Meles's table metadata: the tables TAP may query, or with
// `every_table` every table imported (registry records describe those too).  Schemas list
// the TAP-listed tables only.
std::shared_ptr<CatalogSnapshot> load_snapshot(pg::Connection& conn, bool every_table);

class TapCatalog {
public:
	// `pool`: connections that may read the meles schema (the admin pool).
	explicit TapCatalog(pg::Pool& pool) : pool_(pool) {}
	~TapCatalog();
	// The current snapshot (reloaded if the database says the catalog changed).
	std::shared_ptr<const CatalogSnapshot> snapshot();
	// A snapshot newer than `seen` if the database has one now (asked right away, whatever
	// the listener or the poll interval say), else nullptr.  For a query that named something
	// unknown: the NOTIFY of an import that just committed may still be on its way.
	std::shared_ptr<const CatalogSnapshot> newer_than(const CatalogSnapshot& seen);
	// Forces a reload on the next snapshot().
	void invalidate();
	// Starts the listener thread on its own connection (`params`: a role that may LISTEN,
	// i.e. any).  Stopped by the destructor.
	void listen(pg::ConnectParams params);

private:
	std::shared_ptr<const CatalogSnapshot> load(int64_t version);
	int64_t current_version();
	void listen_loop(pg::ConnectParams params);
	pg::Pool& pool_;
	std::mutex mutex_;
	std::shared_ptr<const CatalogSnapshot> current_;
	std::chrono::steady_clock::time_point checked_{};
	std::thread listener_;
	std::atomic<bool> stop_{false};
	std::atomic<bool> listening_{false}; // the listener's connection is up and LISTENing
	std::atomic<bool> stale_{true};      // a notification came since the last version check
};

} // namespace meles::services::tap
