// meles/services/tap/tap_query.hpp — one TAP query from parameters to bytes, the code path
// shared by /sync and async jobs: parameter checks, uploads into temporary tables, ADQL
// translation, a read-only connection with the execution time limit, binary COPY of the
// result into the output format's writer, OVERFLOW only when MAXREC cut rows.
// Thread-safety: a QueryRunner may be used by many threads at once; each run() call uses
// its own connection.
#pragma once

#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/pg/pool.hpp"
#include "meles/services/dali/params.hpp"
#include "meles/services/tap/tap_catalog.hpp"
#include "meles/services/tap/uploads.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace meles::services::tap {

struct TapSettings {
	int64_t default_maxrec = 20000;
	int64_t hard_maxrec = 20000000;
	std::string votable_version = "1.4";      // unless RESPONSEFORMAT says ;version=...
	std::filesystem::path spool_dir = "/tmp"; // FITS spooling
};

// A validated request.
struct TapRequest {
	std::string query; // ADQL
	std::string lang;  // as given ("ADQL", "ADQL-2.0", ...)
	int64_t maxrec = 0;
	const formats::OutputFormatInfo* format = nullptr;
	std::string votable_version;
	std::vector<UploadSpec> uploads;
};

// Checks LANG (ADQL, ADQL-2.0, ADQL-2.1), REQUEST (doQuery, optional), QUERY (required
// unless `require_query` is false), MAXREC, RESPONSEFORMAT or FORMAT (with an optional
// ";version=1.4|1.5" for VOTables) and UPLOAD syntax.  Throws Error(Validation) naming the
// parameter and what would be right.
TapRequest parse_tap_request(const Params& params, const TapSettings& settings, bool require_query = true);

// Where results go.  committed(): bytes have reached the client, so errors must now be
// reported inside the document (a file sink never commits: failures fail the job instead).
class ResultSink : public ByteSink {
public:
	virtual bool committed() const = 0;
	// Called when the first row is ready.  Until then a sink may ignore flush() (writers
	// flush their header early), so that a query failing before its first row can still be
	// answered with an error status.
	virtual void rows_started() {}
};

struct QueryExecution {
	// statement_timeout of the query (zero: none).
	std::chrono::milliseconds timeout{0};
	// Told how to cancel the running statement (from another thread: client gone, ABORT,
	// execution duration over).  May be empty.
	std::function<void(std::function<void()>)> set_canceller;
	// The message of the Error(Timeout) when the statement timeout fires.
	std::string timeout_message;
	// How long to wait for a free database connection.
	std::chrono::milliseconds pool_wait{std::chrono::seconds(30)};
};

// No database connection became free in time (the client should retry: HTTP 503).
class ServerBusy : public Error {
public:
	explicit ServerBusy(std::string message) : Error(ErrorKind::Limit, std::move(message)) {}
};

struct QueryOutcome {
	uint64_t rows = 0;
	bool overflow = false;
	bool failed_in_band = false; // an error was written into the already committed document
};

class QueryRunner {
public:
	QueryRunner(TapCatalog& catalog, pg::Pool& read_pool, TapSettings settings)
	    : catalog_(catalog), pool_(read_pool), settings_(std::move(settings)) {}

	const TapSettings& settings() const { return settings_; }

	// Runs the query and writes the whole document to `sink`.  Throws meles::Error for
	// every failure before the sink committed (nothing reached the client: answer with an
	// error document); after that, VOTable and JSON documents end with the error in-band
	// (QUERY_STATUS=ERROR) and run() returns with failed_in_band, while formats that cannot
	// carry an error (CSV, TSV) throw Error(Io) so that the transfer is cut.
	QueryOutcome run(const TapRequest& request, const Uploads& uploads, const QueryExecution& exec,
	                 ResultSink& sink);

private:
	TapCatalog& catalog_;
	pg::Pool& pool_;
	TapSettings settings_;
};

// A database error as the user should see it: statement timeout → Error(Timeout, hint);
// cancel → Error(Io); data and syntax errors → Error(Validation); the rest unchanged.
Error user_error(const Error& e, const std::string& timeout_message);

} // namespace meles::services::tap
