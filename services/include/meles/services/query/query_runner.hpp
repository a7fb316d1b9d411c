// meles/services/query/query_runner.hpp — one table-returning query from SQL to bytes, shared by
// TAP (sync and async), SCS and every DAL renderer after them:
//
//   run_table_query   the writer of the chosen format over a sink; rows streamed from
//                     PostgreSQL (COPY binary); the header written only once the database has
//                     accepted the query (errors before that keep their status and become the
//                     protocol's error document); OVERFLOW when MAXREC cut rows; an error after
//                     output began ends the document in-band and is rethrown.
//   serve_streaming   what an HTTP request adds around it: a read-role connection of the
//                     client's share (one kept for short queries if EXPLAIN finds it short), the statement
//                     cancelled when the client goes away, a slow reader's rest spooled to a file so the
//                     connection goes back early, and an error after output began finishing the response
//                     (CSV/TSV, which cannot say it, get their transfer cut).
//   StatementCanceller the cancel hook that never reaches a connection once it is back in the pool.
// Thread-safety: a call runs on one thread; StatementCanceller's callback may run on any.
#pragma once

#include "meles/core/common/byte_sink.hpp"
#include "meles/core/common/column_meta.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/formats/table_writer.hpp"
#include "meles/core/net/http.hpp"
#include "meles/core/pg/connection.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace meles::services {
struct Context;
}

namespace meles::services::query {

struct TableQuery {
	std::string sql;             // should LIMIT max_rows + 1, so that an overflow shows
	formats::TableHeader header; // the columns describe the SQL's output, in order
	uint64_t max_rows = 0;       // rows sent at most (MAXREC; 0: metadata only)
	// Whether rows beyond max_rows mean OVERFLOW (not when the query's own TOP cut them).
	bool overflow_possible = true;
};

struct OutputSpec {
	const formats::OutputFormatInfo* format = nullptr;
	std::string votable_version = "1.4";
	std::filesystem::path spool_dir = "/tmp";
	// COOSYS refposition of the queried table (VOTable 1.5 on).
	std::string coosys_refposition = "UNKNOWN";
};

struct QueryOutcome {
	uint64_t rows = 0;
	bool overflow = false;
	bool started_output = false; // bytes went to the writer: errors after that are in-band
};

// Streams `query` on `conn` into a writer of `output`'s format over `sink`.  on_output runs right
// before the header is written (to set Content-Type, say).  Errors before output are thrown as
// they are; after it, the writer ends the document with the error and it is rethrown.
QueryOutcome run_table_query(pg::Connection& conn, const TableQuery& query, const OutputSpec& output,
                             ByteSink& sink, const std::function<void()>& on_output = {});
// The same with a writer of the caller's (the HTML table of a form).
QueryOutcome run_table_query(pg::Connection& conn, const TableQuery& query, formats::TableWriter& writer,
                             const std::function<void()>& on_output = {});

// The writer run_table_query makes for `output`.
std::unique_ptr<formats::TableWriter> make_writer(const OutputSpec& output, ByteSink& sink);

// Registers a canceller for `conn` through `set_canceller` (a response's on_client_gone, a UWS
// run's set_canceller) and unregisters it on destruction.  The callback may run on another
// thread, even after it was unregistered (callers copy callbacks before calling them): it must
// never reach the connection once that is back in the pool, serving someone else.
class StatementCanceller {
public:
	using Setter = std::function<void(std::function<void()>)>;
	StatementCanceller(pg::Connection& conn, Setter set_canceller);
	StatementCanceller(const StatementCanceller&) = delete;
	StatementCanceller& operator=(const StatementCanceller&) = delete;
	~StatementCanceller();

private:
	struct Target;
	std::shared_ptr<Target> target_;
	Setter set_;
};

// Whether a document of this format can tell an error after its rows began (VOTable, JSON,
// FITS, HTML can; CSV and TSV cannot).
bool tells_errors_in_band(formats::OutputFormat format);

// What `produce` calls with its SQL on its connection right before it runs it (after any setup
// the SQL needs, such as uploads, and before anything is written).
using BeforeQuery = std::function<void(pg::Connection& conn, const std::string& sql)>;

// Runs `produce` for an HTTP request with a read-role connection (the client's share; 503 with
// Retry-After when none comes free) and the response's stream.  When only the connections kept
// for short queries ([db] shortQueryConnections) are free, one of them is lent if the planner
// estimates the query short: `before_query` checks that, and for a long query the connection
// goes back and `produce` runs again on one of the others (nothing has been written by then).
// Errors before output are rethrown for the caller's protocol error document (the connection is
// back in the pool by then); errors after it have been told in-band: the response is finished —
// unless the body cannot tell them (`in_band` false: CSV, TSV), when the transfer is cut, so that
// the client sees an incomplete response, never a clean short one.
void serve_streaming(
    Context& ctx, net::Request& request, net::Response& response, bool in_band,
    const std::function<void(pg::Connection& conn, ByteSink& out, const BeforeQuery& before_query)>& produce);

} // namespace meles::services::query
