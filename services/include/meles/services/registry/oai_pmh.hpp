// meles/services/registry/oai_pmh.hpp — the publishing registry's OAI-PMH 2.0 endpoint
// (/oai.xml, IVOA Registry Interfaces 1.1): Identify, ListMetadataFormats, ListSets,
// ListIdentifiers, ListRecords and GetRecord over the records `meles pub` stored, in ivo_vor
// and oai_dc, with resumption tokens and persistent deleted records.
//
// Lists stream from the database straight into the response, one record in memory at a
// time.  Resumption tokens carry the whole state of the list (stateless: no token table to
// fill or expire), keyed on the IVOID so that changes between pages neither repeat nor skip
// records.  Whatever a client sends costs one parse of a bounded argument list; mistakes
// get the OAI-PMH error codes with HTTP 200, as the protocol wants.
// Thread-safety: handle() runs concurrently; parsing functions are pure.
#pragma once

#include "meles/core/common/time.hpp"
#include "meles/core/net/http.hpp"

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace meles::services {
struct Context;
class Router;
} // namespace meles::services

namespace meles::services::registry {

// An OAI-PMH error: code (badVerb, badArgument, ...) and a message for people.
struct OaiError {
	std::string code, message;
};

// A request's arguments, checked against what its verb allows.
struct OaiRequest {
	std::string verb;
	std::map<std::string, std::string> args; // as sent, each at most once
	// Parsed list arguments (from a resumption token or the request itself).
	std::string metadata_prefix;
	std::optional<std::string> set;
	std::optional<TimePoint> from, until; // inclusive bounds
	std::string from_text, until_text;    // as given (kept in tokens)
	std::string after;                    // resume after this record key
	int64_t cursor = 0;                   // records before this page
	bool resumed = false;
};

// Parses and checks the arguments (an urlencoded query string or form body).  badVerb and
// badArgument errors come out here; tokens that do not decode are badResumptionToken.
// Metadata prefixes and identifiers are checked against the records later.
std::variant<OaiRequest, OaiError> parse_oai_request(std::string_view urlencoded);

// The resumption token continuing `r` after the record with key `after_key`, `cursor`
// records into the list.  Opaque to clients; decoded by parse_oai_request.
std::string make_resumption_token(const OaiRequest& r, const std::string& after_key, int64_t cursor);

// The formats every record is available in: (prefix, schema URL, namespace).
struct MetadataFormat {
	const char* prefix;
	const char* schema;
	const char* ns;
};
const std::vector<MetadataFormat>& metadata_formats();

class OaiPmh {
public:
	explicit OaiPmh(services::Context& ctx) : ctx_(ctx) {}
	// Adds /oai.xml (GET, HEAD, POST with an urlencoded body).
	void install(Router& router);
	void handle(net::Request& request, net::Response& response);

private:
	services::Context& ctx_;
};

} // namespace meles::services::registry
