// meles/services/dali/error_status.hpp — the one place that turns a meles::Error into
// what a client sees: an HTTP status and a DALI error document.
// Thread-safety: thread-safe (public_message may log).
#pragma once

#include "meles/core/common/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace meles::services {

// HTTP status for an error kind: Syntax/Name/Type/Validation 400, Permission 401
// (authenticated: 403), NotFound 404, Timeout 408, Limit 413 for sizes else 400,
// Unavailable 503 (send Retry-After: kRetryAfterSeconds with it) ...
int http_status(ErrorKind kind, bool authenticated = false);

// What a 503 tells clients about when to come back.
inline constexpr int kRetryAfterSeconds = 5;

// The message shown to a web user.  Internal errors never reveal details; errors with a
// client_text (PostgreSQL's and libpq's texts other than the few a user can act on, see
// pg::DbError; failures to reach the database among them: libpq's texts name the server's
// socket path or host) show that text and leave their message to the log (warning level);
// no message shows a path of the server's file system (see hide_server_paths).
std::string public_message(const Error& error);

// Directories whose paths public_message shows relative to them (the inputs directory, so
// that an RD error names `myrd/q.rd:12`).  Any other absolute path in a message is cut to
// its file name.  Call once at start-up, before requests are served.
void hide_server_paths(std::vector<std::string> directories);
// What public_message does to a text: absolute paths made relative or cut to file names.
std::string without_server_paths(std::string_view text);

// A DALI/TAP error VOTable: RESOURCE type="results" with INFO QUERY_STATUS=ERROR.
std::string dali_error_document(const Error& error);

} // namespace meles::services
