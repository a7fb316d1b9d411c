#include "meles/services/router/router.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/services/dali/error_status.hpp"

namespace meles::services {

void Router::add_exact(std::string path, RouteHandler handler, ErrorStyle errors, uint64_t body_limit) {
	routes_.push_back({std::move(path), false, std::move(handler), errors, body_limit});
}

void Router::add_prefix(std::string prefix, RouteHandler handler, ErrorStyle errors, uint64_t body_limit) {
	routes_.push_back({std::move(prefix), true, std::move(handler), errors, body_limit});
}

std::string html_page(const std::string& title, const std::string& body_html) {
	std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
	out += xml_escape(title);
	out +=
	    "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 "
	    "1em;line-height:1.4}"
	    "code{background:#f3f3f3;padding:0 .2em}td,th{padding:.2em .6em;text-align:left;vertical-align:top}"
	    "</style></head><body>\n";
	out += body_html;
	out += "\n</body></html>\n";
	return out;
}

void send_error(net::Response& response, const Error& error, ErrorStyle style) {
	if (response.headers_sent()) return;
	int status = http_status(error.kind());
	response.set_status(status);
	if (status == 401) response.set_header("WWW-Authenticate", "Basic realm=\"Meles\", charset=\"UTF-8\"");
	if (status == 503) response.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
	if (style == ErrorStyle::Dali) {
		response.set_header("Content-Type", "application/x-votable+xml");
		response.send(dali_error_document(error));
	} else {
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send(public_message(error) + "\n");
	}
}

void Router::add_alias(std::string from, std::string to) {
	aliases_.emplace_back(std::move(from), std::move(to));
}

void Router::handle(net::Request& request, net::Response& response) const {
	for (auto& [from, to] : aliases_)
		if (request.path.starts_with(from) &&
		    (request.path.size() == from.size() || request.path[from.size()] == '/')) {
			request.path = to + request.path.substr(from.size());
			break;
		}
	const Route* best = nullptr;
	for (auto& r : routes_) {
		bool match = r.prefix ? request.path.starts_with(r.path) : request.path == r.path;
		if (match && (!best || r.path.size() > best->path.size())) best = &r;
	}
	ErrorStyle style = best ? best->errors : ErrorStyle::PlainText;
	try {
		uint64_t limit = best && best->body_limit ? best->body_limit : body_limit_;
		if (request.content_length && *request.content_length > limit) {
			response.close_after();
			throw Error(ErrorKind::Limit,
			            concat("request body of ", std::to_string(*request.content_length),
			                   " bytes exceeds this server's limit of ", std::to_string(limit), " bytes"));
		}
		if (best) {
			best->handler(request, response);
		} else if (fallback_) {
			fallback_(request, response);
		} else {
			throw Error(ErrorKind::NotFound, concat("Nothing here: ", request.path));
		}
	} catch (const Error& e) {
		if (e.kind() == ErrorKind::Internal)
			log::error(concat(request.method, " ", request.target, ": ", e.what()));
		else if (e.kind() == ErrorKind::Database || e.kind() == ErrorKind::Unavailable)
			log::warn(concat(request.method, " ", request.target, ": ", e.what()));
		if (response.client_gone()) return;
		if (response.headers_sent()) throw; // transport cuts the connection
		send_error(response, e, style);
	} catch (const std::exception& e) {
		log::error(concat(request.method, " ", request.target, ": unexpected exception: ", e.what()));
		if (response.headers_sent() || response.client_gone()) throw;
		send_error(response, Error(ErrorKind::Internal, e.what()), style);
	}
}

} // namespace meles::services
