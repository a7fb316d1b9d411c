// How regTest urls become requests: relative to the RD, the server or absolute; parameters from
// attributes and child elements, parSets, POST bodies, uploads, pointNextToLocation's base.
#include "unit/rd/rd_fixtures.hpp"

#include "meles/rd/regtest/request.hpp"
#include "meles/rd/regtest/runner.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace meles;
using namespace meles::rd;
using namespace meles::rd::test;
using meles::rd::regtest::build_request;

namespace {

const RegTestUrl& url_of(const Resource& rd, size_t i) {
	REQUIRE(rd.reg_suites.size() == 1);
	REQUIRE(rd.reg_suites[0].tests.size() > i);
	REQUIRE(rd.reg_suites[0].tests[i].url);
	return *rd.reg_suites[0].tests[i].url;
}

std::shared_ptr<const Resource> parse_clean(std::string_view xml, const std::string& id = "data/q") {
	auto lr = parse(xml, id);
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	return lr.resource;
}

} // namespace

TEST_CASE("regTest urls resolve against the RD, the server, or stand as written") {
	auto rd = parse_clean(R"(<resource schema="x"><regSuite>
	  <regTest title="a"><url RA="10.5" DEC="-3" SR="0.1">cone/scs.xml</url></regTest>
	  <regTest title="b"><url parSet="TAP" QUERY="SELECT * FROM x.main WHERE a &lt; 'b c'">/tap/sync</url></regTest>
	  <regTest title="c"><url>https://example.org/x?a=1</url></regTest>
	  <regTest title="d"><url VERB="1">cone/scs.xml?RA=1&amp;DEC=2</url></regTest>
	  <regTest title="e"><url parSet="form" hscs_pos="14 Her">cone/
	      form</url></regTest>
	  <regTest title="f"><url><QUERY>
	      SELECT 1
	    </QUERY>/tap/sync</url></regTest>
	</regSuite></resource>)");
	auto r = build_request(url_of(*rd, 0), "http://localhost:8080/", "data/q");
	CHECK(r.method == "GET");
	CHECK(r.url == "http://localhost:8080/data/q/cone/scs.xml?RA=10.5&DEC=-3&SR=0.1");
	CHECK_FALSE(r.body);
	r = build_request(url_of(*rd, 1), "http://h:1", "data/q");
	CHECK(
	    r.url ==
	    "http://h:1/tap/"
	    "sync?QUERY=SELECT%20%2A%20FROM%20x.main%20WHERE%20a%20%3C%20%27b%20c%27&LANG=ADQL&REQUEST=doQuery");
	r = build_request(url_of(*rd, 2), "http://h:1", "data/q");
	CHECK(r.url == "https://example.org/x?a=1");
	// an existing query string gets the parameters after &
	r = build_request(url_of(*rd, 3), "http://h:1", "data/q");
	CHECK(r.url == "http://h:1/data/q/cone/scs.xml?RA=1&DEC=2&VERB=1");
	// whitespace inside the text is dropped; parSet form adds DaCHS's form markers
	r = build_request(url_of(*rd, 4), "http://h:1", "data/q");
	CHECK(r.url ==
	      "http://h:1/data/q/cone/form?hscs_pos=14%20Her&__nevow_form__=genForm&submit=Go&_charset_=UTF-8");
	// a parameter as a child element (long ADQL), trimmed
	r = build_request(url_of(*rd, 5), "http://h:1", "data/q");
	CHECK(r.url == "http://h:1/tap/sync?QUERY=SELECT%201");
	// pointNextToLocation: the previous test's Location replaces the text, parameters stay
	r = build_request(url_of(*rd, 0), "http://h:1", "data/q", std::string("http://h:1/uws/jobs/17"));
	CHECK(r.url == "http://h:1/uws/jobs/17?RA=10.5&DEC=-3&SR=0.1");
	r = build_request(url_of(*rd, 0), "http://h:1", "data/q", std::string("/abs/path"));
	CHECK(r.url == "http://h:1/abs/path?RA=10.5&DEC=-3&SR=0.1");
}

TEST_CASE("regTest POST requests: urlencoded parameters, payload files, uploads, headers") {
	auto dir = std::filesystem::temp_directory_path() / "meles_regtest_request_test";
	std::filesystem::create_directories(dir);
	std::ofstream(dir / "payload.xml") << "<x/>";
	std::ofstream(dir / "up.vot") << "VOTABLE BYTES";
	std::string xml = R"(<resource schema="x" resdir=")" + dir.string() + R"("><regSuite>
	  <regTest title="a"><url httpMethod="POST" LANG="ADQL" QUERY="SELECT 1">/tap/sync
	    <httpHeader key="Accept">text/xml</httpHeader></url></regTest>
	  <regTest title="b"><url httpMethod="POST" postPayload="payload.xml">/oai.xml</url></regTest>
	  <regTest title="c"><url httpMethod="POST" REQUEST="doQuery" httpChunkSize="10" httpAuthKey="me">/tap/sync
	    <httpUpload name="t1" source="up.vot"/>
	    <httpUpload name="t2" fileName="inline.txt">inline data</httpUpload></url></regTest>
	  <regTest title="d"><url httpHonorRedirects="True">/x</url></regTest>
	</regSuite></resource>)";
	auto rd = parse_clean(xml);
	auto r = build_request(url_of(*rd, 0), "http://h:1", "data/q");
	CHECK(r.method == "POST");
	CHECK(r.url == "http://h:1/tap/sync");
	CHECK(r.body == std::optional<std::string>("LANG=ADQL&QUERY=SELECT%201"));
	CHECK(r.headers == std::vector<std::pair<std::string, std::string>>{
	                       {"Accept", "text/xml"}, {"Content-Type", "application/x-www-form-urlencoded"}});
	r = build_request(url_of(*rd, 1), "http://h:1", "data/q");
	CHECK(r.body == std::optional<std::string>("<x/>"));
	r = build_request(url_of(*rd, 2), "http://h:1", "data/q");
	REQUIRE(r.body);
	CHECK(r.chunk_size == 10);
	CHECK(r.auth_key == "me");
	REQUIRE(r.headers.size() == 1);
	CHECK(r.headers[0].second.starts_with("multipart/form-data; boundary="));
	std::string boundary = r.headers[0].second.substr(r.headers[0].second.find('=') + 1);
	CHECK(r.body->find("--" + boundary +
	                   "\r\nContent-Disposition: form-data; name=\"REQUEST\"\r\n\r\ndoQuery\r\n") == 0);
	CHECK(r.body->find(
	          "name=\"t1\"; filename=\"upload.dat\"\r\nContent-Type: application/octet-stream\r\n\r\nVOTABLE "
	          "BYTES\r\n") != std::string::npos);
	CHECK(r.body->find("name=\"t2\"; filename=\"inline.txt\"") != std::string::npos);
	CHECK(r.body->ends_with("--" + boundary + "--\r\n"));
	CHECK(build_request(url_of(*rd, 3), "http://h:1", "data/q").honor_redirects);
	// a payload file that went away is the test's error, named
	std::filesystem::remove(dir / "payload.xml");
	CHECK_THROWS_WITH_AS(build_request(url_of(*rd, 1), "http://h:1", "data/q"),
	                     doctest::Contains("payload.xml cannot be read"), Error);
	std::filesystem::remove_all(dir);
}

TEST_CASE("regTest selection: keywords in titles, tags, sequential suites kept whole") {
	auto rd = parse_clean(R"(<resource schema="x">
	  <regSuite><regTest title="Cone search works"><url>a</url></regTest>
	    <regTest title="Form works" tags="slow"><url>b</url></regTest></regSuite>
	  <regSuite sequential="True"><regTest title="create job"><url>c</url></regTest>
	    <regTest title="job result"><url>d</url></regTest></regSuite>
	</resource>)");
	regtest::RunOptions o;
	CHECK(regtest::count_selected(*rd, o) == 3); // the tagged one waits for -t slow
	o.tags.insert("slow");
	CHECK(regtest::count_selected(*rd, o) == 4);
	o.keywords = {"WORKS", "cone"};
	CHECK(regtest::count_selected(*rd, o) == 1);
	o.keywords = {"create"}; // the head of a sequential suite brings the rest
	CHECK(regtest::count_selected(*rd, o) == 2);
	o.keywords = {"result"};
	CHECK(regtest::count_selected(*rd, o) == 1);
	// whole words, as dachs test -k: "work" is not "works"
	o.keywords = {"work"};
	CHECK(regtest::count_selected(*rd, o) == 0);
	o.keywords = {"Job,"};
	CHECK(regtest::count_selected(*rd, o) == 2);
}
