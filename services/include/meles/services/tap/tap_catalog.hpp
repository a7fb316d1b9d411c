// meles/services/tap/tap_catalog.hpp — what TAP knows about the published tables: the
// ADQL catalog (from meles.tablemeta/columnmeta, tables with adql = yes or hidden) and the
// VOSI tableset (from TAP_SCHEMA itself, so /tables and TAP_SCHEMA cannot disagree).
// Thread-safety: snapshot() may be called from any thread; a snapshot is immutable and
// stays valid as long as someone holds it, whatever reloads happen meanwhile.
#pragma once

#include "meles/core/adql/catalog.hpp"
#include "meles/core/pg/pool.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace meles::services::tap {

// One TAP_SCHEMA.columns row.
struct TapColumn {
	std::string name; // as in TAP_SCHEMA (delimited names with their quotes)
	std::string datatype, arraysize, xtype, unit, ucd, utype, description;
	bool indexed = false, principal = false, std = false;
};

struct TapForeignKey {
	std::string target_table;
	std::vector<std::pair<std::string, std::string>> columns; // (from, target)
	std::string description, utype;
};

struct TapTable {
	std::string name; // schema-qualified, as in TAP_SCHEMA.tables
	std::string type; // table or view
	std::string description, utype;
	std::optional<int64_t> nrows;
	std::vector<TapColumn> columns;
	std::vector<TapForeignKey> foreign_keys;
};

struct TapSchema {
	std::string name, description, utype;
	std::vector<TapTable> tables;
};

struct TapSnapshot {
	int64_t version = -1;            // meles.catalog_version when loaded
	adql::SimpleCatalog catalog;     // what queries may name
	std::vector<TapSchema> schemas;  // what clients see (TAP_SCHEMA order)
	std::vector<std::string> rd_ids; // RDs with published tables (for examples)

	// Case-insensitive lookup of "schema.table" (as TAP_SCHEMA spells it).
	const TapTable* find_table(std::string_view qualified) const;
};

// Reads a snapshot now (one transaction, so catalog and tableset agree).
std::shared_ptr<const TapSnapshot> load_tap_snapshot(pg::Connection& conn);

class TapCatalog {
public:
	// `pool` must be able to read meles.* and tap_schema.* (the admin pool).
	explicit TapCatalog(pg::Pool& pool, std::chrono::milliseconds check_interval = std::chrono::seconds(1));

	// The current snapshot.  At most once per check interval, one caller compares
	// meles.catalog_version with the snapshot's and reloads if it changed.
	std::shared_ptr<const TapSnapshot> snapshot();
	// Makes the next snapshot() check the version (tests, SIGHUP).
	void invalidate();

private:
	pg::Pool& pool_;
	std::chrono::milliseconds interval_;
	std::mutex mutex_;        // guards current_
	std::mutex reload_mutex_; // one reloader at a time
	std::shared_ptr<const TapSnapshot> current_;
	std::atomic<int64_t> next_check_{0}; // steady_clock ticks
};

} // namespace meles::services::tap
