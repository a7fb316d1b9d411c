// meles/services/tap/tap_query.hpp — one TAP query from parameters to bytes: uploads into
// temporary tables, ADQL translation against the catalog (plus uploads, plus whatever extra
// catalog the caller brings, e.g. persistent user tables), execution with a time limit,
// streaming through the writer RESPONSEFORMAT chose.  Shared by /sync and the async job.
// Thread-safety: a TapQuery is used by one thread; the catalog snapshot is shared read-only.
#pragma once

#include "meles/core/adql/catalog.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/dali/params.hpp"
#include "meles/services/tap/tap_catalog.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace meles::services::tap {

struct TapRequest {
	std::string query;
	std::string lang = "ADQL";
	int64_t maxrec = 0;
	const formats::OutputFormatInfo* format = nullptr;
	std::string votable_version = "1.4";
	std::vector<UploadSpec> uploads;
	std::optional<std::string> user;
};

// Validates the TAP parameters (REQUEST, LANG, QUERY, MAXREC, RESPONSEFORMAT/FORMAT,
// UPLOAD); throws Error(Validation) with a message naming the parameter.
TapRequest parse_tap_request(const std::vector<std::pair<std::string, std::string>>& params, const Config& config);

// Where `param:NAME` uploads come from (multipart parts or files in a job directory).
using UploadResolver = std::function<std::optional<std::filesystem::path>(const std::string& part)>;

// A hook for catalogs beyond the published tables (persistent user tables).
using ExtraCatalog = std::function<std::unique_ptr<adql::Catalog>(const std::optional<std::string>& user)>;
// A hook running CREATE TABLE ... AS (persistent user tables): makes the table from the
// translation, reading its rows through `conn`; returns the new table's columns.
using CreateTable = std::function<std::vector<ColumnMeta>(const adql::Translation& translation, pg::Connection& conn,
                                                          const std::optional<std::string>& user)>;

struct RunOptions {
	// Limit for the database statement; nullopt: the connection's default (synchronous limit).
	std::optional<std::chrono::milliseconds> time_limit;
	// Called right before the first byte of the result (e.g. to set Content-Type).
	std::function<void()> on_output;
	// Registers a canceller (called from another thread to stop the running statement).
	std::function<void(std::function<void()>)> set_canceller;
	// Whether the caller wants the query stopped (client gone, job aborted): checked before
	// each step, since a cancel that arrives between statements would be lost.
	std::function<bool()> stopped;
	UploadResolver uploads;
	ExtraCatalog extra_catalog;
	// The (lower-case) schema of the extra catalog's tables, all of them `qualified_only`: the
	// catalog is only asked for when the query text contains this name.
	std::string extra_schema = "tap_user";
	// Without it, CREATE TABLE ... AS is refused.
	CreateTable create_table;
	std::filesystem::path spool_dir = "/tmp";
	uint64_t max_upload_bytes = 100 << 20;
};

struct RunResult {
	uint64_t rows = 0;
	bool overflow = false;
	bool started_output = false;  // bytes went to the sink (errors after that are in-band)
};

// Runs the request on `conn` (a read-only-role connection) writing to `sink`.  Errors before
// any output are thrown; errors after it end the document in-band and are rethrown too.
RunResult run_tap_query(const TapRequest& request, const CatalogSnapshot& catalog, pg::Connection& conn, ByteSink& sink,
                        const RunOptions& options);

}  // namespace meles::services::tap
