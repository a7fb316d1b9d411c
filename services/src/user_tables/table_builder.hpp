// user_tables/table_builder.hpp — how a user table comes into being, for uploads and
// CREATE TABLE AS alike: in one transaction on a dedicated admin connection, a fresh table
// under a random SQL name is created and filled by COPY while quotas are checked on an
// estimate of its size; commit() then measures it, takes the owner's lock, drops the table it
// replaces (if any), records the bookkeeping and commits.  Until then nobody sees anything,
// and any failure leaves the old table as it was.
// Thread-safety: one builder per thread and connection.
#pragma once

#include "meles/core/pg/connection.hpp"
#include "meles/services/user_tables/user_tables.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meles::services::user_tables {

// Estimates the heap bytes COPY text rows occupy once stored (tuple header, line pointer,
// fixed widths, variable values by their text length), so quotas can be enforced while data
// streams; the exact size is measured before commit.
class SizeEstimator {
public:
	explicit SizeEstimator(const std::vector<ColumnMeta>& columns);
	// `text` holds complete COPY text lines.
	int64_t estimate(std::string_view text) const;

private:
	std::vector<int> widths_; // bytes of fixed-width columns, -1: variable (text length)
};

class CopyPipe;

class TableBuilder {
public:
	// Begins a transaction on `conn`.  `usage`/`limits` are the owner's at the start.
	TableBuilder(pg::Connection& conn, const Settings& settings, Owner owner, std::string name,
	             Limits limits);
	~TableBuilder();
	TableBuilder(const TableBuilder&) = delete;
	TableBuilder& operator=(const TableBuilder&) = delete;

	// Checks that the quota leaves room at all (before a byte is read).
	void check_quota_before();
	// Creates the table.  Column names must be unique as SQL names and at most 63 bytes.
	void create(std::vector<ColumnMeta> columns);
	// Appends complete COPY text lines (`rows` of them; the string is taken over); throws
	// Error(Limit) when the estimated size exceeds what the quota leaves.  The bytes go to the
	// database from a thread of its own, so that preparing the next piece overlaps with
	// PostgreSQL parsing this one.
	void write(std::string&& copy_text, uint64_t rows);
	// Ends COPY, analyzes, grants read access, measures, checks quotas exactly, replaces an
	// existing table of the name, records the bookkeeping and commits.
	// `drop_replaced_now`: drop the replaced relation right after the commit (else the reaper
	// does, e.g. when the caller's own open transaction still reads it).
	UserTable commit(const std::string& description, const std::string& origin,
	                 bool drop_replaced_now = true);

	bool replaced() const { return replaced_; }
	uint64_t rows() const { return rows_; }
	const std::vector<ColumnMeta>& columns() const { return columns_; }

private:
	[[noreturn]] void quota_bytes_error(int64_t needed) const;

	pg::Connection& conn_;
	const Settings& settings_;
	Owner owner_;
	std::string name_;
	Limits limits_;
	Usage usage_;                  // of the owner without the table being replaced
	std::optional<UserTable> old_; // what this table replaces, as seen at the start
	std::string sql_name_;
	std::vector<ColumnMeta> columns_;
	std::optional<SizeEstimator> estimator_;
	std::unique_ptr<CopyPipe> pipe_;
	int64_t estimated_ = 0;
	uint64_t rows_ = 0;
	bool committed_ = false, replaced_ = false;
};

// "the table quota of user alice" / "the quota of anonymous tables".
std::string quota_owner_text(const Owner& owner);

} // namespace meles::services::user_tables
