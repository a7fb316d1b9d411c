#include "meles/services/dali/error_status.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <algorithm>
#include <filesystem>

namespace meles::services {

int http_status(ErrorKind kind, bool authenticated) {
	switch (kind) {
	case ErrorKind::Syntax:
	case ErrorKind::Name:
	case ErrorKind::Type:
	case ErrorKind::Validation:
		return 400;
	case ErrorKind::Permission:
		return authenticated ? 403 : 401;
	case ErrorKind::NotFound:
		return 404;
	case ErrorKind::Timeout:
		return 408;
	case ErrorKind::Limit:
		return 413;
	case ErrorKind::Unavailable:
		return 503;
	case ErrorKind::Database:
		return 500;
	case ErrorKind::Io:
		return 500;
	case ErrorKind::Internal:
		return 500;
	}
	return 500;
}

namespace {

std::vector<std::string>& hidden_dirs() {
	static std::vector<std::string> dirs;
	return dirs;
}

bool path_char(char c) {
	return !(c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '"' || c == ')' || c == '(' ||
	         c == ',' || c == ';' || c == '<' || c == '>');
}

} // namespace

void hide_server_paths(std::vector<std::string> directories) {
	for (auto& d : directories)
		while (d.size() > 1 && d.ends_with('/'))
			d.pop_back();
	std::sort(directories.begin(), directories.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
	hidden_dirs() = std::move(directories);
}

std::string without_server_paths(std::string_view text) {
	std::string out;
	out.reserve(text.size());
	size_t i = 0;
	while (i < text.size()) {
		// An absolute path starts a word ("/...", "'/...", "(/...", "=/..."), never inside a URL.
		bool starts = text[i] == '/' && (i == 0 || !path_char(text[i - 1]) || text[i - 1] == '=') &&
		              (i + 1 < text.size() && text[i + 1] != '/');
		if (!starts) {
			out += text[i++];
			continue;
		}
		size_t end = i;
		while (end < text.size() && path_char(text[end]))
			++end;
		std::string_view token = text.substr(i, end - i);
		bool done = false;
		for (auto& d : hidden_dirs()) {
			if (d.size() > 1 && token.starts_with(d) && token.size() > d.size() && token[d.size()] == '/') {
				out += token.substr(d.size() + 1);
				done = true;
				break;
			}
		}
		if (!done) {
			// A path whose first directory exists on this machine is a server path, not a URL
			// path like /tap/sync: only its last part is shown.
			auto slash = token.find('/', 1);
			std::string first(token.substr(0, slash));
			std::error_code ec;
			if (slash != std::string_view::npos && std::filesystem::is_directory(first, ec)) {
				out += token.substr(token.rfind('/') + 1);
			} else {
				out += token;
			}
		}
		i = end;
	}
	return out;
}

std::string public_message(const Error& error) {
	if (error.kind() == ErrorKind::Internal)
		return "Internal error in the server; the operators have been notified through the log.";
	// The details stay here: the message is for the operators (PostgreSQL's text, say).
	if (!error.client_text().empty()) {
		log::warn(
		    concat("not shown to the client (", error_kind_name(error.kind()), "): ", error.full_message()));
		return error.client_text();
	}
	// Positions without a source (ADQL) are already part of the message ("... at line 1,
	// column 8"); file positions (RDs, configuration) are prefixed as file:line.
	if (error.pos() && error.pos()->source.empty()) return without_server_paths(error.message());
	return without_server_paths(error.full_message());
}

std::string dali_error_document(const Error& error) {
	std::string out;
	out.reserve(512);
	out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
	       "<RESOURCE type=\"results\">\n"
	       "<INFO name=\"QUERY_STATUS\" value=\"ERROR\">";
	append_xml_escaped(out, public_message(error));
	out += "</INFO>\n</RESOURCE>\n</VOTABLE>\n";
	return out;
}

} // namespace meles::services
