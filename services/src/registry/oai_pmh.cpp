#include "meles/services/registry/oai_pmh.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/registry/registry_store.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/router/router.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>

namespace meles::services::registry {

namespace {

// Bounds on what a request may make us look at: OAI-PMH requests are a handful of short
// arguments, so anything beyond these is refused before it costs anything.
constexpr size_t kMaxArguments = 16;
constexpr size_t kMaxValue = 2048;     // an identifier, a set, a date
constexpr size_t kMaxToken = 4096;     // our tokens are far shorter
constexpr size_t kMaxBody = 64 * 1024; // POST bodies
constexpr int64_t kMaxCursor = int64_t(1) << 40;

constexpr const char* kVerbs[] = {"Identify",        "ListMetadataFormats", "ListSets",
                                  "ListIdentifiers", "ListRecords",         "GetRecord"};

std::string esc(std::string_view s) {
	return xml_escape(s);
}

// ------------------------------------------------------------------ base64url

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url_encode(std::string_view in) {
	std::string out;
	size_t i = 0;
	for (; i + 2 < in.size(); i += 3) {
		uint32_t v =
		    (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
		for (int k = 18; k >= 0; k -= 6)
			out += kB64[(v >> k) & 63];
	}
	if (i + 1 == in.size()) {
		uint32_t v = uint32_t(uint8_t(in[i])) << 16;
		out += kB64[(v >> 18) & 63];
		out += kB64[(v >> 12) & 63];
	} else if (i + 2 == in.size()) {
		uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
		out += kB64[(v >> 18) & 63];
		out += kB64[(v >> 12) & 63];
		out += kB64[(v >> 6) & 63];
	}
	return out;
}

std::optional<std::string> b64url_decode(std::string_view in) {
	if (in.size() % 4 == 1) return std::nullopt;
	std::string out;
	uint32_t acc = 0;
	int bits = 0;
	for (char c : in) {
		const char* p = c ? std::strchr(kB64, c) : nullptr;
		if (!p) return std::nullopt;
		acc = (acc << 6) | uint32_t(p - kB64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out += static_cast<char>((acc >> bits) & 0xff);
		}
	}
	return out;
}

// ------------------------------------------------------------------ arguments

// Client text quoted in a message: short, and plain ASCII (what a hostile client sends need
// not even be UTF-8, and the answer must stay well-formed XML).
std::string client_text(std::string_view s, size_t max = 40) {
	std::string out = excerpt(s, max);
	for (char& c : out)
		if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
	return out;
}

bool is_list_verb(std::string_view v) {
	return v == "ListIdentifiers" || v == "ListRecords";
}

// The arguments a verb takes: (name, required).
std::vector<std::pair<std::string_view, bool>> allowed_args(std::string_view verb) {
	if (verb == "ListMetadataFormats") return {{"identifier", false}};
	if (verb == "ListSets") return {{"resumptionToken", false}};
	if (verb == "GetRecord") return {{"identifier", true}, {"metadataPrefix", true}};
	if (is_list_verb(verb))
		return {{"metadataPrefix", true},
		        {"from", false},
		        {"until", false},
		        {"set", false},
		        {"resumptionToken", false}};
	return {};
}

bool valid_set_spec(std::string_view s) {
	if (s.empty() || s.size() > 200) return false;
	bool after_colon = true;
	for (char c : s) {
		if (c == ':') {
			if (after_colon) return false;
			after_colon = true;
			continue;
		}
		if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_.!~*'()", c))) return false;
		after_colon = false;
	}
	return !after_colon;
}

bool valid_prefix(std::string_view s) {
	if (s.empty() || s.size() > 100) return false;
	for (char c : s)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_.!~*'()", c))) return false;
	return true;
}

// OAI-PMH dates: YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (the repository's granularity).
// Returns the instant and whether it was a day.
std::optional<std::pair<TimePoint, bool>> parse_oai_date(std::string_view s) {
	auto digits = [&](size_t from, size_t n) {
		for (size_t i = from; i < from + n; ++i)
			if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
		return true;
	};
	bool day = s.size() == 10;
	if (!day && s.size() != 20) return std::nullopt;
	if (!digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2)) return std::nullopt;
	if (!day && (s[10] != 'T' || !digits(11, 2) || s[13] != ':' || !digits(14, 2) || s[16] != ':' ||
	             !digits(17, 2) || s[19] != 'Z'))
		return std::nullopt;
	auto t = parse_iso(s);
	if (!t) return std::nullopt;
	// parse_iso is lenient about ranges (a 31st of February); what it gives back must print
	// as what was sent
	if (format_iso(*t).substr(0, s.size() == 10 ? 10 : 20) != s) return std::nullopt;
	return std::make_pair(*t, day);
}

// A value may be echoed in <request> only if it is plain, short text (anyURI and the
// other attribute types then hold, and a client cannot make us repeat megabytes).
bool echoable(std::string_view v) {
	if (v.size() > kMaxValue) return false;
	for (unsigned char c : v)
		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' || c == '{' || c == '}' ||
		    c == '^' || c == '`' || c == '|')
			return false;
	return true;
}

OaiError bad_token(std::string why) {
	return {"badResumptionToken", "The resumptionToken " + why + "."};
}

// Fills the list parameters of r from a token, or says why it is not one of ours.
std::optional<OaiError> decode_token(std::string_view token, OaiRequest& r) {
	if (token.size() > kMaxToken) return bad_token("is too long to be one this repository issued");
	auto raw = b64url_decode(token);
	if (!raw) return bad_token("is not one this repository issued");
	auto f = split(*raw, '\n');
	if (f.size() != 8 || f[0] != "1") return bad_token("is not one this repository issued");
	if (f[1] != r.verb) return bad_token(concat("belongs to ", client_text(f[1]), ", not to ", r.verb));
	r.metadata_prefix = f[2];
	if (r.verb == "ListSets" || !valid_prefix(r.metadata_prefix))
		return bad_token("is not one this repository issued");
	if (!f[3].empty()) {
		if (!valid_set_spec(f[3])) return bad_token("is not one this repository issued");
		r.set = f[3];
	}
	for (int i : {4, 5}) {
		if (f[i].empty()) continue;
		auto d = parse_oai_date(f[i]);
		if (!d) return bad_token("is not one this repository issued");
		TimePoint t = d->first;
		if (i == 5 && d->second) t += std::chrono::seconds(86399);
		(i == 4 ? r.from : r.until) = t;
		(i == 4 ? r.from_text : r.until_text) = f[i];
	}
	char* end = nullptr;
	long long cursor = std::strtoll(f[6].c_str(), &end, 10);
	if (f[6].empty() || *end || cursor < 0 || cursor > kMaxCursor)
		return bad_token("is not one this repository issued");
	r.cursor = cursor;
	if (f[7].empty() || f[7].size() > kMaxValue) return bad_token("is not one this repository issued");
	r.after = f[7];
	r.resumed = true;
	return std::nullopt;
}

// ------------------------------------------------------------------ writing

std::string response_date() {
	return format_iso(std::chrono::system_clock::now());
}

std::string envelope_start(const std::string& base_url, const OaiRequest* r) {
	std::string out = concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                         "<oai:OAI-PMH xmlns:oai=\"http://www.openarchives.org/OAI/2.0/\" "
	                         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	                         "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ "
	                         "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\n  <oai:responseDate>",
	                         response_date(), "</oai:responseDate>\n  <oai:request");
	if (r) {
		out += concat(" verb=\"", r->verb, "\"");
		for (auto& [k, v] : r->args)
			if (echoable(v)) out += concat(" ", k, "=\"", esc(v), "\"");
	}
	out += concat(">", esc(base_url), "</oai:request>\n");
	return out;
}

constexpr const char* kEnvelopeEnd = "</oai:OAI-PMH>\n";

std::string error_document(const std::string& base_url, const OaiRequest* r, const OaiError& e) {
	// badVerb and badArgument answers echo no arguments (OAI-PMH 2.0, 3.2)
	bool echo = r && e.code != "badVerb" && e.code != "badArgument";
	return concat(envelope_start(base_url, echo ? r : nullptr), "  <oai:error code=\"", e.code, "\">",
	              esc(e.message), "</oai:error>\n", kEnvelopeEnd);
}

void write_header(std::string& out, const rd::registry::RecordView& v, const char* indent) {
	out += concat(indent, v.deleted ? "<oai:header status=\"deleted\">\n" : "<oai:header>\n");
	out += concat(indent, "  <oai:identifier>", esc(v.ivoid), "</oai:identifier>\n", indent,
	              "  <oai:datestamp>", v.datestamp, "</oai:datestamp>\n");
	for (auto& s : split_list(v.sets, ' '))
		out += concat(indent, "  <oai:setSpec>", esc(s), "</oai:setSpec>\n");
	out += concat(indent, "</oai:header>\n");
}

std::string set_name(std::string_view spec) {
	if (spec == "ivo_managed") return "Resources for the IVOA Registry (what searchable registries harvest)";
	if (spec == "local") return "Resources listed on this site's own pages";
	return std::string(spec);
}

} // namespace

const std::vector<MetadataFormat>& metadata_formats() {
	static const std::vector<MetadataFormat> f = {
	    {"ivo_vor", "http://www.ivoa.net/xml/RegistryInterface/RegistryInterface-v1.0.xsd",
	     "http://www.ivoa.net/xml/RegistryInterface/v1.0"},
	    {"oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
	     "http://www.openarchives.org/OAI/2.0/oai_dc/"}};
	return f;
}

std::variant<OaiRequest, OaiError> parse_oai_request(std::string_view text) {
	OaiRequest r;
	std::vector<std::string> verbs;
	std::vector<std::pair<std::string, std::string>> args;
	size_t count = 0;
	for (auto& part : split(text, '&')) {
		if (part.empty()) continue;
		if (++count > kMaxArguments) return OaiError{"badArgument", "Too many arguments."};
		auto eq = part.find('=');
		std::string key = url_decode(std::string_view(part).substr(0, eq));
		std::string value =
		    eq == std::string::npos ? std::string() : url_decode(std::string_view(part).substr(eq + 1));
		if (key == "verb")
			verbs.push_back(value);
		else
			args.emplace_back(key, value);
	}
	if (verbs.empty())
		return OaiError{"badVerb", "No verb given; this is an OAI-PMH 2.0 repository (verb=Identify)."};
	if (verbs.size() > 1) return OaiError{"badVerb", "The verb argument is repeated."};
	if (std::find(std::begin(kVerbs), std::end(kVerbs), verbs[0]) == std::end(kVerbs))
		return OaiError{"badVerb", concat("'", client_text(verbs[0]), "' is not an OAI-PMH verb (",
		                                  join({std::begin(kVerbs), std::end(kVerbs)}, ", "), ").")};
	r.verb = verbs[0];
	auto allowed = allowed_args(r.verb);
	for (auto& [k, v] : args) {
		bool known = std::any_of(allowed.begin(), allowed.end(), [&](auto& a) { return a.first == k; });
		if (!known)
			return OaiError{"badArgument",
			                concat("'", client_text(k), "' is not an argument of ", r.verb, ".")};
		if (r.args.count(k)) return OaiError{"badArgument", concat("The argument ", k, " is repeated.")};
		if (v.size() > (k == "resumptionToken" ? kMaxToken : kMaxValue))
			return k == "resumptionToken"
			           ? OaiError{"badResumptionToken",
			                      "The resumptionToken is too long to be one this repository issued."}
			           : OaiError{"badArgument", concat("The value of ", k, " is too long.")};
		r.args.emplace(k, v);
	}
	if (auto t = r.args.find("resumptionToken"); t != r.args.end()) {
		// exclusive: nothing but the verb may come with it
		if (r.args.size() > 1)
			return OaiError{"badArgument",
			                "resumptionToken is an exclusive argument: send it alone with the verb."};
		if (auto e = decode_token(t->second, r)) return *e;
		return r;
	}
	for (auto& [name, required] : allowed)
		if (required && !r.args.count(std::string(name)))
			return OaiError{"badArgument", concat(r.verb, " needs the argument ", name, ".")};
	if (auto p = r.args.find("metadataPrefix"); p != r.args.end()) {
		if (!valid_prefix(p->second))
			return OaiError{"badArgument",
			                "metadataPrefix is not a metadata prefix (letters, digits and -_.!~*'())."};
		r.metadata_prefix = p->second;
	}
	if (auto s = r.args.find("set"); s != r.args.end()) {
		if (!valid_set_spec(s->second)) return OaiError{"badArgument", "set is not a setSpec."};
		r.set = s->second;
	}
	std::optional<bool> day_granularity;
	for (const char* k : {"from", "until"}) {
		auto it = r.args.find(k);
		if (it == r.args.end()) continue;
		auto d = parse_oai_date(it->second);
		if (!d)
			return OaiError{"badArgument", concat(k, " must be a date, YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")};
		if (day_granularity && *day_granularity != d->second)
			return OaiError{"badArgument", "from and until must have the same granularity."};
		day_granularity = d->second;
		TimePoint t = d->first;
		if (std::string_view(k) == "until" && d->second) t += std::chrono::seconds(86399);
		(std::string_view(k) == "from" ? r.from : r.until) = t;
		(std::string_view(k) == "from" ? r.from_text : r.until_text) = it->second;
	}
	if (r.from && r.until && *r.from > *r.until) return OaiError{"badArgument", "from is later than until."};
	if (auto id = r.args.find("identifier"); id != r.args.end() && id->second.empty())
		return OaiError{"badArgument", "identifier is empty."};
	return r;
}

std::string make_resumption_token(const OaiRequest& r, const std::string& after_key, int64_t cursor) {
	return b64url_encode(concat("1\n", r.verb, "\n", r.metadata_prefix, "\n", r.set.value_or(""), "\n",
	                            r.from_text, "\n", r.until_text, "\n", std::to_string(cursor), "\n",
	                            after_key));
}

void OaiPmh::install(Router& router) {
	router.add_exact(
	    "/oai.xml", [this](net::Request& q, net::Response& r) { handle(q, r); }, ErrorStyle::PlainText,
	    kMaxBody);
}

void OaiPmh::handle(net::Request& request, net::Response& response) {
	if (request.method != "GET" && request.method != "HEAD" && request.method != "POST") {
		response.set_status(405);
		response.set_header("Allow", "GET, HEAD, POST");
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send("OAI-PMH takes GET and POST.\n");
		return;
	}
	std::string text = request.query;
	if (request.method == "POST") {
		std::string type = to_lower(request.header("Content-Type"));
		if (!type.starts_with("application/x-www-form-urlencoded")) {
			response.set_status(415);
			response.set_header("Content-Type", "text/plain; charset=utf-8");
			response.send("OAI-PMH POST requests are application/x-www-form-urlencoded.\n");
			return;
		}
		text = request.read_body(kMaxBody);
	}
	std::string base = ctx_.config.server_url() + "/oai.xml";
	response.set_header("Content-Type", "text/xml; charset=utf-8");
	auto parsed = parse_oai_request(text);
	if (auto* e = std::get_if<OaiError>(&parsed)) {
		response.send(error_document(base, nullptr, *e));
		return;
	}
	OaiRequest& r = std::get<OaiRequest>(parsed);
	auto fail = [&](std::string code, std::string message) {
		response.send(error_document(base, &r, {std::move(code), std::move(message)}));
	};
	auto known_prefix = [&] {
		for (auto& f : metadata_formats())
			if (r.metadata_prefix == f.prefix) return true;
		return false;
	};
	if (!r.metadata_prefix.empty() && !known_prefix()) {
		if (r.resumed)
			return fail("badResumptionToken", "The resumptionToken is not one this repository issued.");
		return fail("cannotDisseminateFormat", concat("Records are available as ivo_vor and oai_dc, not as ",
		                                              client_text(r.metadata_prefix), "."));
	}
	std::optional<pg::Pool::Lease> lease(ctx_.acquire_read(request.remote));
	pg::Connection& conn = lease->get();
	bool have_table = conn.exec("SELECT to_regclass('meles.resources') IS NOT NULL").get(0, 0) == "t";

	if (r.verb == "Identify") {
		std::string email;
		if (auto site = ctx_.rds.site_meta())
			email = normalize_space(site->text("contact.email").value_or(""));
		if (email.find('@') == std::string::npos || email.find(' ') != std::string::npos) {
			// adminEmail is required; without one configured, the postmaster of our host
			std::string host = ctx_.config.server_url();
			if (auto p = host.find("://"); p != std::string::npos) host = host.substr(p + 3);
			host = host.substr(0, host.find_first_of(":/"));
			email = "postmaster@" + (host.find('.') == std::string::npos ? host + ".invalid" : host);
		}
		auto earliest = have_table ? rd::registry::earliest_datestamp(conn) : std::nullopt;
		auto registry = have_table ? rd::registry::record_of_type(conn, "vg:Registry") : std::nullopt;
		lease.reset();
		std::string out = envelope_start(base, &r);
		out +=
		    concat("  <oai:Identify>\n    <oai:repositoryName>", esc(ctx_.config.get("web", "sitename")),
		           " publishing registry</oai:repositoryName>\n    <oai:baseURL>", esc(base),
		           "</oai:baseURL>\n    <oai:protocolVersion>2.0</oai:protocolVersion>\n    <oai:adminEmail>",
		           esc(email), "</oai:adminEmail>\n    <oai:earliestDatestamp>",
		           format_iso(earliest ? *earliest : std::chrono::system_clock::now()),
		           "</oai:earliestDatestamp>\n    <oai:deletedRecord>persistent</oai:deletedRecord>\n"
		           "    <oai:granularity>YYYY-MM-DDThh:mm:ssZ</oai:granularity>\n");
		if (registry) out += concat("    <oai:description>\n", *registry, "\n    </oai:description>\n");
		out += concat("  </oai:Identify>\n", kEnvelopeEnd);
		response.send(std::move(out));
		return;
	}

	if (r.verb == "ListMetadataFormats") {
		if (auto id = r.args.find("identifier"); id != r.args.end()) {
			rd::registry::RecordQuery q;
			q.identifier = id->second;
			q.limit = 1;
			if (!have_table || rd::registry::for_each_record(conn, q, [](auto&) {}) == 0)
				return fail("idDoesNotExist",
				            concat("No record has the identifier ", client_text(id->second, 200), "."));
		}
		lease.reset();
		std::string out = envelope_start(base, &r) + "  <oai:ListMetadataFormats>\n";
		for (auto& f : metadata_formats())
			out += concat("    <oai:metadataFormat>\n      <oai:metadataPrefix>", f.prefix,
			              "</oai:metadataPrefix>\n      <oai:schema>", f.schema,
			              "</oai:schema>\n      <oai:metadataNamespace>", f.ns,
			              "</oai:metadataNamespace>\n    </oai:metadataFormat>\n");
		out += concat("  </oai:ListMetadataFormats>\n", kEnvelopeEnd);
		response.send(std::move(out));
		return;
	}

	if (r.verb == "ListSets") {
		if (r.resumed)
			return fail("badResumptionToken", "The resumptionToken is not one this repository issued.");
		std::vector<std::string> sets =
		    have_table ? rd::registry::all_sets(conn) : std::vector<std::string>{};
		lease.reset();
		if (std::find(sets.begin(), sets.end(), "ivo_managed") == sets.end())
			sets.insert(sets.begin(), "ivo_managed");
		std::string out = envelope_start(base, &r) + "  <oai:ListSets>\n";
		for (auto& s : sets)
			out += concat("    <oai:set>\n      <oai:setSpec>", esc(s), "</oai:setSpec>\n      <oai:setName>",
			              esc(set_name(s)), "</oai:setName>\n    </oai:set>\n");
		out += concat("  </oai:ListSets>\n", kEnvelopeEnd);
		response.send(std::move(out));
		return;
	}

	if (r.verb == "GetRecord") {
		rd::registry::RecordQuery q;
		q.identifier = r.args.at("identifier");
		q.metadata_prefix = r.metadata_prefix;
		q.limit = 1;
		std::string out;
		if (have_table)
			rd::registry::for_each_record(conn, q, [&](const rd::registry::RecordView& v) {
				out = envelope_start(base, &r) + "  <oai:GetRecord>\n    <oai:record>\n";
				write_header(out, v, "      ");
				if (!v.deleted)
					out += concat("      <oai:metadata>\n", v.metadata, "\n      </oai:metadata>\n");
				out += concat("    </oai:record>\n  </oai:GetRecord>\n", kEnvelopeEnd);
			});
		lease.reset();
		if (out.empty())
			return fail("idDoesNotExist",
			            concat("No record has the identifier ", client_text(*q.identifier, 200), "."));
		response.send(std::move(out));
		return;
	}

	// ListIdentifiers, ListRecords
	bool records = r.verb == "ListRecords";
	size_t page = static_cast<size_t>(ctx_.config.get_int("ivoa", "oaipmhPageSize"));
	rd::registry::RecordQuery q;
	q.metadata_prefix = records ? r.metadata_prefix : "";
	q.set = r.set;
	q.from = r.from;
	q.until = r.until;
	q.after = r.after;
	q.limit = page + 1; // one more tells whether the list goes on
	if (!have_table) return fail("noRecordsMatch", "Nothing has been published here yet (meles pub).");
	int64_t total = rd::registry::count_records(conn, q);
	// a slow harvester's rest waits in a file, not in a database connection
	response.spool_when_slow(ctx_.config.get_path("general", "tmpDir"),
	                         static_cast<uint64_t>(ctx_.config.get_int("web", "slowClientSpool")));
	response.on_client_gone([&conn] { conn.cancel(); });
	ByteSink* sink = nullptr;
	std::string buf, last_key;
	size_t n = 0;
	bool more = false;
	try {
		rd::registry::for_each_record(conn, q, [&](const rd::registry::RecordView& v) {
			if (n == page) {
				more = true;
				return;
			}
			if (!sink) {
				sink = &response.stream();
				buf = envelope_start(base, &r) + concat("  <oai:", r.verb, ">\n");
			}
			if (records) {
				buf += "    <oai:record>\n";
				write_header(buf, v, "      ");
				if (!v.deleted) {
					buf += "      <oai:metadata>\n";
					buf.append(v.metadata);
					buf += "\n      </oai:metadata>\n";
				}
				buf += "    </oai:record>\n";
			} else {
				write_header(buf, v, "    ");
			}
			last_key = rd::registry::record_key(v.ivoid);
			++n;
			if (buf.size() >= 32 * 1024) {
				sink->write(buf);
				buf.clear();
			}
		});
	} catch (...) {
		response.on_client_gone({});
		throw;
	}
	response.on_client_gone({});
	lease.reset();
	if (!sink) {
		if (r.resumed)
			return fail("badResumptionToken", "The list this resumptionToken continues has no more records.");
		return fail("noRecordsMatch", "No record matches these arguments.");
	}
	if (more) {
		buf += concat("    <oai:resumptionToken completeListSize=\"", std::to_string(total), "\" cursor=\"",
		              std::to_string(r.cursor), "\">",
		              make_resumption_token(r, last_key, r.cursor + static_cast<int64_t>(n)),
		              "</oai:resumptionToken>\n");
	} else if (r.resumed) {
		// the last page of a resumed list ends with an empty token (OAI-PMH 2.0, 3.5)
		buf += concat("    <oai:resumptionToken completeListSize=\"", std::to_string(total), "\" cursor=\"",
		              std::to_string(r.cursor), "\"/>\n");
	}
	buf += concat("  </oai:", r.verb, ">\n", kEnvelopeEnd);
	sink->write(buf);
	response.finish();
}

} // namespace meles::services::registry
