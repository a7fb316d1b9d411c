// meles/rd/limits/limits.hpp — `meles limits`: column statistics of an RD's tables and the
// RD's coverage (spatial MOC, time and spectral intervals), computed from the data in the
// database and stored there, for registry records, VOSI/TAP_SCHEMA and info pages.
//
// One pass per table: the table's rows arrive through COPY (binary) and every column is
// summarised on the way (min, max, exact percentile_cont-compatible 3 %/50 %/97 %
// percentiles, fill factor, value frequencies of enumerated columns, HEALPix cells of the
// positions), so the cost is about that of one aggregate scan, not one sort per column.
// Thread-safety: functions use only the connection they are given.
#pragma once

#include "meles/core/common/time.hpp"
#include "meles/core/moc/moc.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/rd/model/resource.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace meles::rd::limits {

struct ColumnStats {
	std::string column; // SQL name as in the RD
	// Smallest and largest value in VOTable TABLEDATA form (numbers, ISO times, text);
	// absent for columns without an order (booleans, arrays, geometries) or without values.
	std::optional<std::string> min_value, max_value;
	// PostgreSQL's percentile_cont(0.03 / 0.5 / 0.97) over the non-NULL values (numbers only).
	std::optional<double> percentile03, median, percentile97;
	double fill_factor = 0; // share of rows where the column is not NULL
	// For columns with property statistics="enumerate": value -> share of the rows, most
	// frequent first.  Empty otherwise, or when there were too many distinct values.
	std::vector<std::pair<std::string, double>> discrete_values;
};

struct TableStats {
	std::string table; // schema.table, lower case (as meles.tablemeta names it)
	std::string rd_id;
	int64_t rows = 0;            // exact count of the table's rows
	double sample_percent = 100; // share of the rows the percentiles and frequencies saw
	std::vector<ColumnStats> columns;
	TimePoint computed{};

	const ColumnStats* find(std::string_view column) const;
};

struct Coverage {
	std::string rd_id;
	std::optional<moc::Moc> spatial; // ICRS, at moc_order
	int moc_order = 6;
	std::vector<std::pair<double, double>> temporal; // MJD (TT) intervals
	std::vector<std::pair<double, double>> spectral; // Joule intervals
	TimePoint computed{};
	bool empty() const { return !spatial && temporal.empty() && spectral.empty(); }
};

struct Options {
	// Share of the rows (0 < p <= 100) to sample for percentiles and frequencies; nullopt:
	// all rows up to a million, fewer for bigger tables (as DaCHS does).  Minimum, maximum,
	// fill factor and spatial coverage are always computed from every row.
	std::optional<double> sample_percent;
	// Only count the rows (meles limits -t).
	bool rows_only = false;
	// Memory for the values percentiles need; wide tables take several passes instead.
	size_t memory_budget = size_t(512) << 20;
	// Progress lines for the operator ("stars.main: 1,000,000 rows").
	std::function<void(const std::string&)> progress;
	// Further connections to read a big table in parallel (block ranges, one COPY each), as
	// PostgreSQL's own parallel scans do; without it everything goes through one connection.
	std::function<std::unique_ptr<pg::Connection>()> connect;
	int streams = 2;
	// Below this many 8 kB blocks per stream, one stream is as fast (16 MB).
	int64_t min_blocks_per_stream = 2000;
};

// What `meles limits RD [TABLE]` did.
struct Report {
	std::vector<TableStats> tables;
	std::optional<Coverage> coverage;
	std::vector<std::string> notes; // things the operator should know (e.g. sampled, skipped)
};

// Creates Meles's statistics tables if missing (meles.table_stats, column_stats,
// column_values, rd_coverage).
void ensure_tables(pg::Connection& conn);

// Statistics of one table that exists in the database.
TableStats compute_table_stats(pg::Connection& conn, const Resource& rd, const TableDef& table,
                               const Options& options);

// Computes and stores statistics for the RD's tables (only `table` if given; views only
// with property forceStats) and the coverage its <coverage><updater> asks for, in one
// transaction, and updates the row counts in meles.tablemeta and TAP_SCHEMA.  Throws
// Error(NotFound) for a table the RD does not define or that was never imported.
Report run(pg::Connection& conn, const Resource& rd, const std::optional<std::string>& table,
           const Options& options);

// ---- reading what was stored (registry records, info pages, VOSI)

std::optional<TableStats> load_table_stats(pg::Connection& conn, std::string_view qualified_table);
std::optional<Coverage> load_coverage(pg::Connection& conn, std::string_view rd_id);
// Removes the statistics of a table (drop) or everything of an RD.
void forget_table(pg::Connection& conn, std::string_view qualified_table);
void forget_rd(pg::Connection& conn, std::string_view rd_id);

// Coverage to publish for an RD: what limits stored, else the literal values of the RD's
// <coverage> element; nullopt when neither has anything.
std::optional<Coverage> effective_coverage(pg::Connection& conn, const Resource& rd);

// Conversions used for temporal/spectral coverage (exposed for tests).
double mjd_from_unix_micros(int64_t micros_since_1970);
// Joule of a photon of wavelength `metres`.
double joule_from_metres(double metres);

} // namespace meles::rd::limits
