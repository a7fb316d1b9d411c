// meles/core/pg/connection.hpp — a PostgreSQL connection (the only libpq user is
// core/src/pg; nothing here exposes libpq types).
//
// Design after libpqxx, on raw libpq: RAII ownership, errors typed by SQLSTATE and
// mapped to meles::ErrorKind, COPY FROM STDIN as an object that must be finished
// explicitly, and results in text or binary format.  A Connection is used by one
// thread at a time; cancel() may be called from any thread.
#pragma once

#include "meles/core/common/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meles::pg {

// An error reported by the server or libpq.  kind() is derived from the SQLSTATE:
// query_canceled → Timeout, connection exceptions, too many connections and shutdowns →
// Unavailable, undefined_table/column → Name, data exceptions and constraint
// violations → Validation, out of resources → Limit, everything else (insufficient_privilege
// too: a set-up problem, not the client's credentials) → Database.
// Web clients read PostgreSQL's own message only for the SQLSTATEs of errors a query can cause
// and its author can act on (division by zero, numbers out of range, bad casts, the statement
// timeout, ...); for all others a neutral text for the kind of failure (Error::client_text),
// the details going to the log.  The one rule for this, documented in docs/tap.md.
// Returns the text to show instead of the message, or empty when the message may be shown.
std::string client_text_for_sqlstate(std::string_view sqlstate, ErrorKind kind, std::string_view message);

class DbError : public Error {
public:
	DbError(std::string sqlstate, std::string message);
	const std::string& sqlstate() const { return sqlstate_; }

private:
	std::string sqlstate_;
};

// How to reach a database: a libpq connection string or URI plus keyword overrides
// (applied on top, e.g. user=meles_ro), see PQconnectdbParams with expand_dbname.
struct ConnectParams {
	std::string conninfo;
	std::vector<std::pair<std::string, std::string>> overrides;
	// Statements run right after connecting (SET ..., e.g. extra_float_digits).
	std::vector<std::string> on_connect;
	// A short human description for error messages ("embedded database", "dsn from meles.conf").
	std::string description = "database";
};

class Result {
public:
	Result() = default;
	Result(Result&&) noexcept;
	Result& operator=(Result&&) noexcept;
	~Result();

	int rows() const;
	int columns() const;
	bool is_null(int row, int col) const;
	// Raw bytes of a value (text, or binary when the query asked for binary results).
	std::string_view value(int row, int col) const;
	std::string get(int row, int col) const { return std::string(value(row, col)); }
	std::optional<std::string> get_optional(int row, int col) const;
	int64_t get_int(int row, int col) const;
	std::string column_name(int col) const;
	uint32_t column_type(int col) const;           // type OID
	int column_index(std::string_view name) const; // -1 if absent
	// Rows touched by INSERT/UPDATE/DELETE/COPY ..., from the command tag.
	int64_t affected_rows() const;
	std::string command_tag() const;

private:
	friend class Connection;
	explicit Result(void* res) : res_(res) {}
	void* res_ = nullptr; // PGresult*
};

class CopyIn;
class Connection;
// The libpq handle, for the other files of core/src/pg only.
void* connection_handle(Connection& c);

class Connection {
public:
	// Connects; throws DbError (kind Database) naming params.description and libpq's reason.
	explicit Connection(const ConnectParams& params);
	Connection(Connection&&) noexcept;
	Connection& operator=(Connection&&) noexcept;
	Connection(const Connection&) = delete;
	Connection& operator=(const Connection&) = delete;
	~Connection();

	// Runs one or more statements without parameters; returns the last result.
	Result exec(std::string_view sql);
	// One statement with $1.. parameters (text format); nullopt is NULL.
	Result exec_params(std::string_view sql, const std::vector<std::optional<std::string>>& params,
	                   bool binary_result = false);
	// COPY ... FROM STDIN: returns an object to which data is written.
	CopyIn copy_in(std::string_view copy_sql);

	// Transaction helpers.
	void begin() { exec("BEGIN"); }
	// Throws if the server rolled back instead (COMMIT of a failed transaction reports
	// success with the tag ROLLBACK — the trap that leaves half-done work unnoticed).
	void commit();
	void rollback() noexcept;
	bool in_transaction() const; // inside a transaction block (idle or failed)
	bool ok() const;             // connection usable
	// For idle connections: notices a server that closed the connection meanwhile (restart,
	// terminated backend) without a round trip.  False when the connection is dead.
	bool alive();

	// Asks the server to cancel the running statement; safe from any thread.
	void cancel() noexcept;

	// For a connection that LISTENs: waits up to `timeout` for notifications and returns
	// their channel names (empty when none came).  Throws DbError when the connection broke.
	std::vector<std::string> wait_for_notifications(std::chrono::milliseconds timeout);

	std::string quote_identifier(std::string_view name) const;
	std::string quote_literal(std::string_view value) const;
	int server_version() const;
	int backend_pid() const;

private:
	friend class CopyIn;
	friend void* connection_handle(Connection&);
	void* conn_ = nullptr;   // PGconn*
	void* cancel_ = nullptr; // PGcancel*
	std::string description_;
	Result check(void* res, std::string_view sql);
};

// The planner's total cost of `sql` (one SELECT), from EXPLAIN without running it: a few
// hundred microseconds that tell a cone search (hundreds) from a scan of a million rows
// (tens of thousands).  Throws DbError like exec().
double planner_cost(Connection& c, std::string_view sql);

// COPY FROM STDIN in progress.  Call finish() to complete; if the object is destroyed
// unfinished (exception, early return) the COPY is aborted and the transaction fails,
// so a half-written table can never be committed by accident.
class CopyIn {
public:
	CopyIn(CopyIn&&) noexcept;
	CopyIn& operator=(CopyIn&&) = delete;
	~CopyIn();
	void write(std::string_view data);
	// Ends the COPY and returns the number of rows the server took.
	int64_t finish();
	void abort(std::string_view reason) noexcept;

private:
	friend class Connection;
	explicit CopyIn(Connection* c) : conn_(c) {}
	Connection* conn_;
	bool done_ = false;
};

// Quoting helpers that need no connection (standard_conforming_strings is always on).
std::string quote_ident(std::string_view name);
std::string quote_literal(std::string_view value);

} // namespace meles::pg
