#include "meles/services/registry/oai_pmh.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::services::registry;

namespace {

std::string code_of(std::string_view q) {
	auto r = parse_oai_request(q);
	if (auto* e = std::get_if<OaiError>(&r)) return e->code;
	return "ok";
}

OaiRequest ok(std::string_view q) {
	auto r = parse_oai_request(q);
	REQUIRE(std::holds_alternative<OaiRequest>(r));
	return std::get<OaiRequest>(r);
}

} // namespace

TEST_CASE("OAI-PMH arguments: verbs") {
	CHECK(code_of("") == "badVerb");
	CHECK(code_of("verb=") == "badVerb");
	CHECK(code_of("verb=identify") == "badVerb"); // verbs are case-sensitive
	CHECK(code_of("verb=Identify&verb=Identify") == "badVerb");
	CHECK(code_of("verb=%ff%00") == "badVerb");
	CHECK(ok("verb=Identify").verb == "Identify");
	CHECK(ok("&&verb=ListSets&").verb == "ListSets");
}

TEST_CASE("OAI-PMH arguments: what each verb takes") {
	CHECK(code_of("verb=Identify&set=x") == "badArgument");
	CHECK(code_of("verb=ListRecords") == "badArgument"); // metadataPrefix is required
	CHECK(code_of("verb=GetRecord&metadataPrefix=ivo_vor") == "badArgument");
	CHECK(code_of("verb=GetRecord&identifier=&metadataPrefix=ivo_vor") == "badArgument");
	CHECK(code_of("verb=ListRecords&metadataPrefix=ivo_vor&metadataPrefix=oai_dc") == "badArgument");
	CHECK(code_of("verb=ListRecords&metadataPrefix=ivo_vor&set=a::b") == "badArgument");
	CHECK(code_of("verb=ListRecords&metadataPrefix=a%20b") == "badArgument");
	std::string many = "verb=Identify";
	for (int i = 0; i < 20; ++i)
		many += "&x" + std::to_string(i) + "=1";
	CHECK(code_of(many) == "badArgument");
	auto r = ok("verb=ListRecords&metadataPrefix=oai_dc&set=ivo_managed");
	CHECK(r.metadata_prefix == "oai_dc");
	CHECK(r.set == "ivo_managed");
	// unknown prefixes pass here: cannotDisseminateFormat needs to know the formats
	CHECK(ok("verb=ListRecords&metadataPrefix=marc21").metadata_prefix == "marc21");
}

TEST_CASE("OAI-PMH arguments: dates in the repository's granularities") {
	auto r = ok("verb=ListIdentifiers&metadataPrefix=ivo_vor&from=2026-01-02&until=2026-01-03");
	CHECK(format_iso(*r.from) == "2026-01-02T00:00:00Z");
	CHECK(format_iso(*r.until) == "2026-01-03T23:59:59Z"); // a day's until takes all of it
	r = ok("verb=ListIdentifiers&metadataPrefix=ivo_vor&from=2026-01-02T10:11:12Z");
	CHECK(format_iso(*r.from) == "2026-01-02T10:11:12Z");
	for (const char* bad : {"2026-1-2", "2026-02-30", "2026-01-02T10:11:12", "2026-01-02T10:11Z",
	                        "2026-01-02 10:11:12Z", "yesterday", "2026-01-02T25:00:00Z"}) {
		INFO(bad);
		CHECK(code_of(std::string("verb=ListRecords&metadataPrefix=ivo_vor&from=") + bad) == "badArgument");
	}
	CHECK(code_of("verb=ListRecords&metadataPrefix=ivo_vor&from=2026-01-02&until=2026-01-03T00:00:00Z") ==
	      "badArgument");
	CHECK(code_of("verb=ListRecords&metadataPrefix=ivo_vor&from=2026-01-03&until=2026-01-02") ==
	      "badArgument");
}

TEST_CASE("OAI-PMH resumption tokens: round trip, exclusive, and nothing else accepted") {
	auto r = ok("verb=ListRecords&metadataPrefix=ivo_vor&set=ivo_managed&from=2026-01-02");
	std::string token = make_resumption_token(r, "ivo://auth/some/thing", 500);
	for (char c : token)
		CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'));
	auto back = ok("verb=ListRecords&resumptionToken=" + token);
	CHECK(back.resumed);
	CHECK(back.metadata_prefix == "ivo_vor");
	CHECK(back.set == "ivo_managed");
	CHECK(back.from == r.from);
	CHECK_FALSE(back.until);
	CHECK(back.after == "ivo://auth/some/thing");
	CHECK(back.cursor == 500);
	// exclusive
	CHECK(code_of("verb=ListRecords&metadataPrefix=ivo_vor&resumptionToken=" + token) == "badArgument");
	// another verb's, cut, garbage, huge
	CHECK(code_of("verb=ListIdentifiers&resumptionToken=" + token) == "badResumptionToken");
	CHECK(code_of("verb=ListRecords&resumptionToken=" + token.substr(0, token.size() - 2)) ==
	      "badResumptionToken");
	CHECK(code_of("verb=ListRecords&resumptionToken=%00%01") == "badResumptionToken");
	CHECK(code_of("verb=ListRecords&resumptionToken=" + std::string(5000, 'A')) == "badResumptionToken");
	CHECK(code_of("verb=ListSets&resumptionToken=" + token) == "badResumptionToken");
}
