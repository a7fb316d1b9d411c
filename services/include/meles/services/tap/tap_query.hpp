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
#include "meles/core/net/fetch.hpp"
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
TapRequest parse_tap_request(const std::vector<std::pair<std::string, std::string>>& params,
                             const Config& config);

// Where `param:NAME` uploads come from (multipart parts or files in a job directory).
using UploadResolver = std::function<std::optional<std::filesystem::path>(const std::string& part)>;

// The URL uploads of a request, fetched ahead of the query into temporary files that vanish
// with this object (and with the process, however it ends): fetching must not hold a
// database connection, or a slow URL — or one pointing back at this service, nested —
// would hold as many as it likes.
class FetchedUploads {
public:
	FetchedUploads() = default;
	FetchedUploads(FetchedUploads&& other) noexcept : files_(std::move(other.files_)) {
		other.files_.clear();
	}
	FetchedUploads& operator=(FetchedUploads&&) = delete;
	~FetchedUploads();
	// A path that reads what `uri` returned; nullopt if it was not fetched.
	std::optional<std::filesystem::path> find(const std::string& uri) const;
	// Takes over `fd`, an open file (unlinked) holding what `uri` returned.
	void add(std::string uri, int fd) { files_.emplace_back(std::move(uri), fd); }

private:
	std::vector<std::pair<std::string, int>> files_; // URI, file descriptor of the unlinked file
};

struct FetchSettings {
	net::FetchPolicy policy;
	std::chrono::seconds timeout{60};
	uint64_t max_bytes = 100 << 20; // all URL uploads of the request together
	std::filesystem::path spool_dir = "/tmp";
};

// What a client learns when a URL upload fails, whatever the reason (refused address,
// unreachable host, HTTP error, not a VOTable): the details would tell it what this server
// can reach and what those hosts answer.  The details go to the log.
Error url_upload_error(const std::string& table, const std::string& uri);

// A hook for catalogs beyond the published tables (persistent user tables).
using ExtraCatalog = std::function<std::unique_ptr<adql::Catalog>(const std::optional<std::string>& user)>;
// A hook running CREATE TABLE ... AS (persistent user tables): makes the table from the
// translation, reading its rows through `conn`; returns the new table's columns.
using CreateTable = std::function<std::vector<ColumnMeta>(
    const adql::Translation& translation, pg::Connection& conn, const std::optional<std::string>& user)>;

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
	// URL uploads, fetched before the connection was taken (fetch_uploads).
	const FetchedUploads* fetched = nullptr;
	// Called with the SQL right before it runs (the uploads are in by then); may throw to
	// stop the query, e.g. when the connection was lent for short queries only.
	std::function<void(pg::Connection&, const std::string& sql)> before_query;
};

struct RunResult {
	uint64_t rows = 0;
	bool overflow = false;
	bool started_output = false; // bytes went to the sink (errors after that are in-band)
};

// Fetches the URL uploads of `request` (those not `param:`), checking every address
// against the policy; throws url_upload_error() for any failure.
FetchedUploads fetch_uploads(const TapRequest& request, const FetchSettings& settings);

// Runs the request on `conn` (a read-only-role connection) writing to `sink`.  Errors before
// any output are thrown; errors after it end the document in-band and are rethrown too.
RunResult run_tap_query(const TapRequest& request, const CatalogSnapshot& catalog, pg::Connection& conn,
                        ByteSink& sink, const RunOptions& options);

} // namespace meles::services::tap
