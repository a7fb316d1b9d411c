// meles/rd/schema/catalog_store.hpp — what the database knows about imported tables:
// the standard TAP_SCHEMA rows (for clients) and Meles's own bookkeeping (meles.tablemeta,
// meles.columnmeta: the RD types, SQL names and spatial-index facts the ADQL translator
// and the query streamer need).  Written by the importer inside its transaction, so a
// failed import leaves both exactly as they were; read by the daemon's TAP catalog.
// Thread-safety: functions use only the connection they are given.
#pragma once

#include "meles/core/pg/connection.hpp"
#include "meles/rd/model/resource.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meles::rd::schema {

// Creates meles.tablemeta/columnmeta and the catalog version counter if missing.
void ensure_catalog_tables(pg::Connection& conn);

// Records `table` (already created in the database) in meles.tablemeta/columnmeta and, if
// it is published to TAP (adql True or hidden → only True is listed), in TAP_SCHEMA.
// Replaces earlier rows of the same table.  `nrows` is an estimate or exact count.
void record_table(pg::Connection& conn, const Resource& rd, const TableDef& table,
                  std::optional<int64_t> nrows);

// Removes every trace of schema.table from TAP_SCHEMA and the meles tables (and the
// schema's TAP_SCHEMA row if no table of it remains).
void forget_table(pg::Connection& conn, const std::string& schema, const std::string& table);

// The channel bump_catalog_version NOTIFYs on when its transaction commits.
inline constexpr const char* kCatalogChannel = "meles_catalog";

// Increments the catalog version and notifies kCatalogChannel (at commit) so that running
// daemons reload their table metadata.
void bump_catalog_version(pg::Connection& conn);

// Whether TAP_SCHEMA exists (the //tap system RD was imported).
bool tap_schema_exists(pg::Connection& conn);

// Tables an RD has in the database according to meles.tablemeta: (schema, table).
std::vector<std::pair<std::string, std::string>> recorded_tables(pg::Connection& conn,
                                                                 const std::string& rd_id);

} // namespace meles::rd::schema
