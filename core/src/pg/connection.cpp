#include "meles/core/pg/connection.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace meles::pg {

namespace {

ErrorKind kind_for_sqlstate(const std::string& s) {
	if (s == "57014") return ErrorKind::Timeout;            // query_canceled (statement_timeout, cancel)
	if (s.starts_with("08")) return ErrorKind::Unavailable; // connection_exception: cannot connect, lost
	// too_many_connections; admin_shutdown, crash_shutdown, cannot_connect_now (restarting)
	if (s == "53300" || s == "57P01" || s == "57P02" || s == "57P03") return ErrorKind::Unavailable;
	// insufficient_privilege is a server set-up problem, not the client's credentials (no 401)
	if (s == "42501") return ErrorKind::Database;
	if (s == "42P01" || s == "42703" || s == "42883" || s == "3F000" || s == "42704") return ErrorKind::Name;
	if (s == "25006") return ErrorKind::Validation; // read_only_sql_transaction
	if (s == "21000") return ErrorKind::Validation; // a subquery gave several rows
	if (s.starts_with("22") || s.starts_with("23")) return ErrorKind::Validation;
	if (s.starts_with("53") || s == "54000" || s == "54001") return ErrorKind::Limit;
	if (s.starts_with("42")) return ErrorKind::Syntax; // syntax error or access rule violation
	return ErrorKind::Database;
}

// PostgreSQL errors a query can cause and its author can act on; their primary messages name
// no internals ("division by zero", "integer out of range", "invalid input syntax for type
// double precision: \"x\"", the statement timeout).  See client_text_for_sqlstate.
bool user_meaningful(std::string_view s) {
	static constexpr std::string_view kShown[] = {
	    "22012", // division_by_zero
	    "22003", // numeric_value_out_of_range
	    "22P02", // invalid_text_representation (a CAST of a bad string)
	    "22007", // invalid_datetime_format
	    "22008", // datetime_field_overflow
	    "22009", // invalid_time_zone_displacement_value
	    "2201E", // invalid_argument_for_logarithm
	    "2201F", // invalid_argument_for_power_function
	    "22011", // substring_error
	    "2202E", // array_subscript_error
	    "22025", // invalid_escape_sequence (LIKE pattern ending in a backslash)
	    "21000", // cardinality_violation (a scalar subquery with several rows)
	    "42803", // grouping_error ("column "main.ra" must appear in the GROUP BY clause ..."), which
	             // the ADQL translator leaves to PostgreSQL
	    "57014", // query_canceled (statement timeout)
	};
	for (auto k : kShown)
		if (s == k) return true;
	return false;
}

std::string trim_message(const char* m) {
	std::string s = m ? m : "";
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

// Server NOTICEs ("relation already exists, skipping") are for the log, not the terminal.
void notice_to_log(void*, const char* message) {
	log::debug(concat("postgres: ", trim_message(message)));
}

PGconn* C(void* p) {
	return static_cast<PGconn*>(p);
}
PGresult* R(void* p) {
	return static_cast<PGresult*>(p);
}

} // namespace

std::string client_text_for_sqlstate(std::string_view sqlstate, ErrorKind kind, std::string_view message) {
	if (user_meaningful(sqlstate)) {
		// The message may quote the user's own value; a few hundred characters say enough.
		return message.size() <= 300 ? std::string() : excerpt(message, 297);
	}
	switch (kind) {
	case ErrorKind::Unavailable: // down, restarting, out of connections: libpq names socket paths and hosts
		return "The database is not available right now; please try again in a few seconds.";
	case ErrorKind::Syntax:
	case ErrorKind::Name:
		return "The database refused the SQL translated from this request; the details are in the server "
		       "log.";
	case ErrorKind::Validation:
	case ErrorKind::Type:
		return "The database refused a value of this request; the details are in the server log.";
	case ErrorKind::Limit:
		return "The database ran out of resources for this request; try a smaller request or try again "
		       "later.";
	case ErrorKind::Timeout:
		return "The database stopped this request; try again later.";
	default:
		return "The database could not complete this request; try again later.  The details are in the "
		       "server log.";
	}
}

DbError::DbError(std::string sqlstate, std::string message)
    : Error(kind_for_sqlstate(sqlstate), std::move(message)), sqlstate_(std::move(sqlstate)) {
	auto text = client_text_for_sqlstate(sqlstate_, kind(), this->message());
	if (!text.empty()) set_client_text(std::move(text));
}

// ---------------------------------------------------------------- Result

Result::Result(Result&& o) noexcept : res_(o.res_) {
	o.res_ = nullptr;
}
Result& Result::operator=(Result&& o) noexcept {
	if (this != &o) {
		if (res_) PQclear(R(res_));
		res_ = o.res_;
		o.res_ = nullptr;
	}
	return *this;
}
Result::~Result() {
	if (res_) PQclear(R(res_));
}
int Result::rows() const {
	return res_ ? PQntuples(R(res_)) : 0;
}
int Result::columns() const {
	return res_ ? PQnfields(R(res_)) : 0;
}
bool Result::is_null(int r, int c) const {
	return PQgetisnull(R(res_), r, c) != 0;
}
std::string_view Result::value(int r, int c) const {
	return {PQgetvalue(R(res_), r, c), static_cast<size_t>(PQgetlength(R(res_), r, c))};
}
std::optional<std::string> Result::get_optional(int r, int c) const {
	if (is_null(r, c)) return std::nullopt;
	return get(r, c);
}
int64_t Result::get_int(int r, int c) const {
	auto v = value(r, c);
	int64_t out = 0;
	auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
	if (ec != std::errc())
		throw Error(ErrorKind::Internal, concat("expected an integer from the database, got '", v, "'"));
	return out;
}
std::string Result::command_tag() const {
	return res_ ? PQcmdStatus(R(res_)) : "";
}
std::string Result::column_name(int c) const {
	return PQfname(R(res_), c);
}
uint32_t Result::column_type(int c) const {
	return PQftype(R(res_), c);
}
int Result::column_index(std::string_view name) const {
	return PQfnumber(R(res_), std::string(name).c_str());
}
int64_t Result::affected_rows() const {
	const char* t = res_ ? PQcmdTuples(R(res_)) : "";
	return t && *t ? std::strtoll(t, nullptr, 10) : 0;
}

// ---------------------------------------------------------------- Connection

Connection::Connection(const ConnectParams& params) : description_(params.description) {
	std::vector<const char*> keys, vals;
	keys.push_back("dbname");
	vals.push_back(params.conninfo.c_str());
	for (auto& [k, v] : params.overrides) {
		keys.push_back(k.c_str());
		vals.push_back(v.c_str());
	}
	keys.push_back("application_name");
	vals.push_back("meles");
	keys.push_back(nullptr);
	vals.push_back(nullptr);
	PGconn* c = PQconnectdbParams(keys.data(), vals.data(), 1);
	if (!c) throw DbError("08000", concat("cannot connect to the ", description_, ": out of memory"));
	if (PQstatus(c) != CONNECTION_OK) {
		std::string msg = trim_message(PQerrorMessage(c));
		PQfinish(c);
		throw DbError("08001", concat("cannot connect to the ", description_, ": ", msg));
	}
	conn_ = c;
	PQsetNoticeProcessor(c, notice_to_log, nullptr);
	cancel_ = PQgetCancel(c);
	for (auto& s : params.on_connect)
		exec(s);
}

Connection::Connection(Connection&& o) noexcept
    : conn_(o.conn_), cancel_(o.cancel_), description_(std::move(o.description_)) {
	o.conn_ = nullptr;
	o.cancel_ = nullptr;
}

Connection& Connection::operator=(Connection&& o) noexcept {
	if (this != &o) {
		if (cancel_) PQfreeCancel(static_cast<PGcancel*>(cancel_));
		if (conn_) PQfinish(C(conn_));
		conn_ = o.conn_;
		cancel_ = o.cancel_;
		description_ = std::move(o.description_);
		o.conn_ = nullptr;
		o.cancel_ = nullptr;
	}
	return *this;
}

Connection::~Connection() {
	if (cancel_) PQfreeCancel(static_cast<PGcancel*>(cancel_));
	if (conn_) PQfinish(C(conn_));
}

Result Connection::check(void* res, std::string_view sql) {
	Result r(res);
	if (!res)
		throw DbError("08006", concat("lost connection to the ", description_, ": ",
		                              trim_message(PQerrorMessage(C(conn_)))));
	auto st = PQresultStatus(R(res));
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN || st == PGRES_COPY_OUT ||
	    st == PGRES_EMPTY_QUERY || st == PGRES_SINGLE_TUPLE)
		return r;
	const char* state = PQresultErrorField(R(res), PG_DIAG_SQLSTATE);
	if (PQstatus(C(conn_)) != CONNECTION_OK)
		throw DbError("08006", concat("the ", description_, " is not available right now (",
		                              normalize_space(PQerrorMessage(C(conn_))), "); try again later"));
	std::string msg = trim_message(PQresultErrorField(R(res), PG_DIAG_MESSAGE_PRIMARY));
	if (msg.empty()) msg = trim_message(PQresultErrorMessage(R(res)));
	if (msg.empty()) msg = trim_message(PQerrorMessage(C(conn_)));
	(void)sql;
	throw DbError(state ? state : "XX000", msg);
}

Result Connection::exec(std::string_view sql) {
	std::string s(sql);
	return check(PQexec(C(conn_), s.c_str()), sql);
}

Result Connection::exec_params(std::string_view sql, const std::vector<std::optional<std::string>>& params,
                               bool binary_result) {
	std::string s(sql);
	std::vector<const char*> vals;
	vals.reserve(params.size());
	for (auto& p : params)
		vals.push_back(p ? p->c_str() : nullptr);
	return check(PQexecParams(C(conn_), s.c_str(), static_cast<int>(vals.size()), nullptr, vals.data(),
	                          nullptr, nullptr, binary_result ? 1 : 0),
	             sql);
}

CopyIn Connection::copy_in(std::string_view copy_sql) {
	Result r = exec(copy_sql);
	if (PQresultStatus(R(r.res_)) != PGRES_COPY_IN)
		throw Error(ErrorKind::Internal, concat("not a COPY FROM STDIN statement: ", copy_sql));
	return CopyIn(this);
}

void Connection::commit() {
	auto r = exec("COMMIT");
	if (r.command_tag() == "ROLLBACK")
		throw DbError("25P02", "the transaction was rolled back because a statement in it had failed");
}

void Connection::rollback() noexcept {
	if (!conn_) return;
	PGresult* r = PQexec(C(conn_), "ROLLBACK");
	if (r) PQclear(r);
}

bool Connection::in_transaction() const {
	auto s = PQtransactionStatus(C(conn_));
	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool Connection::ok() const {
	return conn_ && PQstatus(C(conn_)) == CONNECTION_OK;
}

bool Connection::alive() {
	if (!ok()) return false;
	// An idle connection has nothing to read unless the server hung up (or sent a notice).
	// A stopping server first sends FATAL, then closes: read until the end shows.
	for (int i = 0; i < 4 && ok(); ++i) {
		pollfd p{PQsocket(C(conn_)), POLLIN, 0};
		if (::poll(&p, 1, i == 0 ? 0 : 5) <= 0) break;
		if (!PQconsumeInput(C(conn_))) break;
	}
	return ok();
}

std::vector<std::string> Connection::wait_for_notifications(std::chrono::milliseconds timeout) {
	std::vector<std::string> out;
	auto take = [&] {
		if (!PQconsumeInput(C(conn_)))
			throw DbError("08006", concat("lost connection to the ", description_, ": ",
			                              trim_message(PQerrorMessage(C(conn_)))));
		while (PGnotify* n = PQnotifies(C(conn_))) {
			out.emplace_back(n->relname);
			PQfreemem(n);
		}
	};
	take();
	if (!out.empty()) return out;
	pollfd p{PQsocket(C(conn_)), POLLIN, 0};
	int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
	if (r > 0) take();
	if (!ok()) throw DbError("08006", concat("lost connection to the ", description_));
	return out;
}

void Connection::cancel() noexcept {
	if (!cancel_) return;
	char buf[256];
	PQcancel(static_cast<PGcancel*>(cancel_), buf, sizeof buf);
}

std::string Connection::quote_identifier(std::string_view name) const {
	return quote_ident(name);
}
std::string Connection::quote_literal(std::string_view value) const {
	return pg::quote_literal(value);
}
int Connection::server_version() const {
	return PQserverVersion(C(conn_));
}
int Connection::backend_pid() const {
	return PQbackendPID(C(conn_));
}

void* connection_handle(Connection& c) {
	return c.conn_;
}

// ---------------------------------------------------------------- CopyIn

CopyIn::CopyIn(CopyIn&& o) noexcept : conn_(o.conn_), done_(o.done_) {
	o.done_ = true;
}

CopyIn::~CopyIn() {
	if (!done_) abort("COPY abandoned");
}

void CopyIn::write(std::string_view data) {
	if (data.empty()) return;
	if (PQputCopyData(C(conn_->conn_), data.data(), static_cast<int>(data.size())) != 1)
		throw DbError("08006", concat("COPY failed: ", trim_message(PQerrorMessage(C(conn_->conn_)))));
}

int64_t CopyIn::finish() {
	done_ = true;
	if (PQputCopyEnd(C(conn_->conn_), nullptr) != 1)
		throw DbError("08006", concat("COPY failed: ", trim_message(PQerrorMessage(C(conn_->conn_)))));
	int64_t rows = 0;
	while (PGresult* r = PQgetResult(C(conn_->conn_))) {
		Result res = conn_->check(r, "COPY");
		rows += res.affected_rows();
	}
	return rows;
}

void CopyIn::abort(std::string_view reason) noexcept {
	if (done_) return;
	done_ = true;
	std::string why(reason);
	PQputCopyEnd(C(conn_->conn_), why.c_str());
	while (PGresult* r = PQgetResult(C(conn_->conn_)))
		PQclear(r);
}

// ---------------------------------------------------------------- quoting

std::string quote_ident(std::string_view name) {
	std::string out = "\"";
	for (char c : name) {
		if (c == '"') out += '"';
		if (c == '\0') continue;
		out += c;
	}
	out += '"';
	return out;
}

std::string quote_literal(std::string_view value) {
	std::string out = "'";
	bool backslash = false;
	for (char c : value) {
		if (c == '\0') continue;
		if (c == '\'') out += '\'';
		if (c == '\\') backslash = true;
		out += c;
	}
	out += '\'';
	// standard_conforming_strings is on, so backslashes are literal in '...' strings.
	(void)backslash;
	return out;
}

double planner_cost(Connection& c, std::string_view sql) {
	// The first line of the text plan is the top node: "Limit  (cost=0.00..12.34 rows=..."
	auto r = c.exec(concat("EXPLAIN ", sql));
	// A plan it cannot read counts as expensive: the caller then takes the careful path.
	constexpr double unknown = std::numeric_limits<double>::infinity();
	if (r.rows() < 1) return unknown;
	std::string_view line = r.value(0, 0);
	auto at = line.find("..");
	if (line.find("cost=") == std::string_view::npos || at == std::string_view::npos) return unknown;
	return std::strtod(std::string(line.substr(at + 2, 40)).c_str(), nullptr);
}

} // namespace meles::pg
