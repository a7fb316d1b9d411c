// meles/core/common/error.hpp — the one error type of Meles.
//
// Every request-ending or command-ending failure is a meles::Error carrying a kind
// (what went wrong, which decides the HTTP status and CLI exit code) and, where it
// helps the user, a position in a source text (RD file:line, ADQL line:column).
// Thread-safety: plain value type.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace meles {

enum class ErrorKind {
	Syntax,      // malformed input text: ADQL, XML, config, expressions
	Name,        // unknown or ambiguous identifier (table, column, RD element, function)
	Type,        // wrong type of value or operand
	Validation,  // well-formed but not acceptable (bad parameter value, RD rule broken)
	NotFound,    // the thing addressed does not exist (job, table, RD, path)
	Permission,  // authentication missing/wrong, or not allowed
	Database,    // the database failed or refused (not the user's fault, or an SQL error)
	Io,          // files, sockets, processes
	Limit,       // a configured limit or quota was exceeded (size, rows, time, count)
	Timeout,     // an execution time limit was hit
	Unavailable, // busy or not reachable right now (all connections in use, database down): retry later
	Internal,    // a bug in Meles; never shown with details to web users
};

// Human-readable name of a kind ("syntax error", "not found", ...).
std::string_view error_kind_name(ErrorKind kind);

// Where in a source text an error was found.  line/column are 1-based; 0 = unknown.
struct SourcePos {
	std::string source; // file name, "ADQL query", "request parameter QUERY", ...
	int line = 0;
	int column = 0;

	// "file.rd:12", "line 1, column 8", or "file.rd" when no line is known.
	std::string to_string() const;
};

class Error : public std::runtime_error {
public:
	Error(ErrorKind kind, std::string message);
	Error(ErrorKind kind, std::string message, SourcePos pos);

	ErrorKind kind() const noexcept { return kind_; }
	// The message without position.
	const std::string& message() const noexcept { return message_; }
	const std::optional<SourcePos>& pos() const noexcept { return pos_; }
	// Message prefixed by the position when there is one ("q.rd:12: unknown attribute...").
	// what() returns the same text.
	const std::string& full_message() const noexcept { return full_; }

	// What web clients read instead of the message when the message holds details that
	// belong in the log only (PostgreSQL's own texts, paths); empty when the message itself
	// may be shown.  Kept by copies, so a sliced or rethrown error still hides its details.
	const std::string& client_text() const noexcept { return client_text_; }
	void set_client_text(std::string text) { client_text_ = std::move(text); }

private:
	ErrorKind kind_;
	std::string message_;
	std::optional<SourcePos> pos_;
	std::string full_;
	std::string client_text_;
};

// Shorthands that keep call sites short: throw meles::not_found("no job ", id).
template <typename... Parts> std::string concat(Parts&&... parts) {
	std::string out;
	((out += std::string_view(parts)), ...);
	return out;
}

} // namespace meles
