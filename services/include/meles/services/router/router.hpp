// meles/services/router/router.hpp — maps request paths to renderers.
//
// Routes are exact paths ("/") or prefixes ("/tap/"); the longest match wins.  The
// router is the last line of defence for errors: a meles::Error escaping a route
// becomes a short plain-text (or, for routes that ask for it, DALI) error response with
// the status error_status assigns; anything else is an internal error, logged in full
// and shown without details.
// Thread-safety: routes are added before serving; handle() is called concurrently.
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/core/net/http.hpp"

#include <functional>
#include <string>
#include <vector>

namespace meles::services {

using RouteHandler = std::function<void(net::Request&, net::Response&)>;

enum class ErrorStyle { PlainText, Dali };

class Router {
public:
	// Requests announcing a larger body than this get 413 before any route runs, unless
	// the route was added with its own limit (streaming uploads).
	void set_body_limit(uint64_t bytes) { body_limit_ = bytes; }
	// body_limit 0 = the router's default limit.
	void add_exact(std::string path, RouteHandler handler, ErrorStyle errors = ErrorStyle::PlainText,
	               uint64_t body_limit = 0);
	void add_prefix(std::string prefix, RouteHandler handler, ErrorStyle errors = ErrorStyle::PlainText,
	                uint64_t body_limit = 0);
	// Serves `from` (a path, and everything below it) as `to`: DaCHS's long service URLs
	// keep working where Meles has short ones (/__system__/tap/run/tap -> /tap).
	void add_alias(std::string from, std::string to);
	// Handles requests no route matched (default: 404 page).
	void set_fallback(RouteHandler handler) { fallback_ = std::move(handler); }

	void handle(net::Request& request, net::Response& response) const;

private:
	struct Route {
		std::string path;
		bool prefix;
		RouteHandler handler;
		ErrorStyle errors;
		uint64_t body_limit;
	};
	std::vector<Route> routes_;
	std::vector<std::pair<std::string, std::string>> aliases_;
	uint64_t body_limit_ = 64 * 1024 * 1024;
	RouteHandler fallback_;
};

// Writes an error response in the given style (if headers are not yet out).
void send_error(net::Response& response, const Error& error, ErrorStyle style);
// A minimal, valid HTML page (used by the root page and error pages).
std::string html_page(const std::string& title, const std::string& body_html);

} // namespace meles::services
