#include "meles/services/dali/error_status.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

namespace meles::services {

int http_status(ErrorKind kind, bool authenticated) {
	switch (kind) {
	case ErrorKind::Syntax:
	case ErrorKind::Name:
	case ErrorKind::Type:
	case ErrorKind::Validation: return 400;
	case ErrorKind::Permission: return authenticated ? 403 : 401;
	case ErrorKind::NotFound: return 404;
	case ErrorKind::Timeout: return 408;
	case ErrorKind::Limit: return 413;
	case ErrorKind::Unavailable: return 503;
	case ErrorKind::Database: return 500;
	case ErrorKind::Io: return 500;
	case ErrorKind::Internal: return 500;
	}
	return 500;
}

std::string public_message(const Error& error) {
	if (error.kind() == ErrorKind::Internal)
		return "Internal error in the server; the operators have been notified through the log.";
	// The details stay here: the message is for the operators (PostgreSQL's text, say).
	if (!error.client_text().empty()) {
		log::warn(concat("not shown to the client (", error_kind_name(error.kind()), "): ", error.full_message()));
		return error.client_text();
	}
	// Positions without a source (ADQL) are already part of the message ("... at line 1,
	// column 8"); file positions (RDs, configuration) are prefixed as file:line.
	if (error.pos() && error.pos()->source.empty()) return error.message();
	return error.full_message();
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

}  // namespace meles::services
