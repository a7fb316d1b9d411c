// meles/rd/ingest/importer.hpp — `meles imp` and `meles drop`: the path from an RD's data
// elements into PostgreSQL.
//
// For each selected data element the importer, inside ONE transaction: creates every
// target table afresh under a temporary name, streams sources → grammar → rowmaker →
// COPY into it, adds the primary key and indexes, clusters and analyzes, then swaps the
// new table in for the old one, grants read access, and rewrites TAP_SCHEMA and Meles's
// table metadata.  Any failure (bad row, missing file, killed process, full disk) rolls
// everything back: the previous table and its metadata stay exactly as they were.
// Thread-safety: one Importer per thread (it owns a connection).
#pragma once

#include "meles/core/pg/connection.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd::ingest {

struct ImportProgress {
	std::string data_id;
	std::string table;
	uint64_t rows = 0;        // rows written so far (this data element)
	uint64_t bytes_read = 0;  // source bytes consumed so far
	uint64_t bytes_total = 0; // all source bytes of this data element
	std::string phase;        // "reading", "indexing", "clustering", "analyzing", "metadata"
};

struct ImportOptions {
	std::vector<std::string> data_ids; // empty: every data element with auto="True"
	bool meta_only = false;            // -m: only TAP_SCHEMA/metadata and grants
	std::optional<uint64_t> max_rows;  // --max-rows: stop each table after N rows
	bool skip_bad_rows = false;        // count and skip rows that fail instead of stopping
	bool allow_system = false;         // may (re)create system tables
	std::string read_role = "meles_ro";
	std::string server_url = "http://localhost:8080";
	std::string authority = "x-unregistered";
	std::function<void(const ImportProgress&)> progress; // called about every 0.2 s
	// With skip_bad_rows: called for every record skipped, in file order, with the message
	// ("data/x.csv:501: expected 6 fields, found 7").
	std::function<void(const std::string& table, const std::string& message)> skipped;
	// Things the operator should know that do not stop the import (a table taken over from
	// another RD, ...).  Without a callback they go to the log.
	std::function<void(const std::string& message)> warning;
};

struct TableImport {
	std::string table; // schema.table
	uint64_t rows = 0; // rows written by this import
	uint64_t skipped = 0;
	std::vector<std::string> first_problems; // up to 10 messages of skipped rows
	// False when this import wrote no rows into the table (-m, or a view): `rows` then says
	// nothing about its content, `rows_in_table` does (PostgreSQL's estimate, if known).
	bool data_imported = true;
	std::optional<int64_t> rows_in_table;
};

struct ImportReport {
	std::vector<TableImport> tables;
	std::vector<std::string> warnings;
	std::chrono::milliseconds duration{0};
	// Set when the import did nothing because the RD has no data element at all (DaCHS
	// succeeds then, too): what to tell the operator.
	std::string nothing_to_do;
};

struct DropOptions {
	bool allow_system = false; // -s: system RDs' tables
	// --all: also the tables that only data elements with auto="False" make.  Without it they
	// stay, as with `dachs drop` (what was imported by hand is dropped by hand).
	bool all_data = false;
};

struct DropReport {
	std::vector<std::string> dropped; // schema.table
	std::vector<std::string> kept;    // schema.table, kept for want of all_data
};

class Importer {
public:
	Importer(pg::Connection& admin, RdStore& store) : conn_(admin), store_(store) {}

	ImportReport import(const std::string& rd_id_or_path, const ImportOptions& options);
	// Drops the RD's tables (those it defines and those recorded for it), their metadata,
	// in one transaction.  System RDs need allow_system.  Returns the tables dropped.
	std::vector<std::string> drop(const std::string& rd_id_or_path, bool allow_system) {
		return drop(rd_id_or_path, DropOptions{allow_system, true}).dropped;
	}
	DropReport drop(const std::string& rd_id_or_path, const DropOptions& options);

private:
	pg::Connection& conn_;
	RdStore& store_;
};

} // namespace meles::rd::ingest
