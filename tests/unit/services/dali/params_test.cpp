#include "meles/core/common/error.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/dali/params.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <sstream>

using namespace meles;
using namespace meles::services;
namespace fs = std::filesystem;

namespace {

// Hands out a body in small pieces, so parsers see boundaries split across reads.
class ChunkedBody : public net::BodySource {
public:
	ChunkedBody(std::string body, size_t chunk) : body_(std::move(body)), chunk_(chunk) {}
	size_t read_some(char* buf, size_t n) override {
		size_t take = std::min({n, chunk_, body_.size() - pos_});
		std::memcpy(buf, body_.data() + pos_, take);
		pos_ += take;
		return take;
	}

private:
	std::string body_;
	size_t chunk_, pos_ = 0;
};

net::Request make_request(const std::string& ctype, const std::string& body, const std::string& query = "") {
	net::Request r;
	r.method = "POST";
	r.query = query;
	r.headers.push_back({"Content-Type", ctype});
	r.content_length = body.size();
	return r;
}

} // namespace

TEST_CASE("params: names are case-insensitive, values are not, repeats are kept") {
	auto p =
	    Params::from_urlencoded("query=SELECT+%2A+FROM+t&LANG=ADQL&upload=a,param:x&UPLOAD=b,param:y&e=");
	CHECK(p.get("QUERY") == "SELECT * FROM t");
	CHECK(p.get("lang") == "ADQL");
	CHECK(p.get_all("Upload").size() == 2);
	CHECK(p.get("E") == "");
	CHECK_FALSE(p.get("missing"));
}

TEST_CASE("params: urlencoded body plus query string") {
	std::string body = "QUERY=SELECT%201&MAXREC=10";
	auto req = make_request("application/x-www-form-urlencoded", body, "LANG=ADQL");
	ChunkedBody src(body, 3);
	req.body_source = &src;
	auto p = Params::from_request(req, {});
	CHECK(p.get("query") == "SELECT 1");
	CHECK(p.get("lang") == "ADQL");
	CHECK(parse_maxrec(p, 100, 1000) == 10);
}

TEST_CASE("params: multipart with fields and a spooled file, boundaries split across reads") {
	fs::path spool = fs::temp_directory_path() / "meles_params_test";
	std::string file_content;
	for (int i = 0; i < 5000; ++i)
		file_content += "row " + std::to_string(i) + "\r\n--notquite\r\n";
	std::string b = "XyZzY";
	std::string body =
	    "--" + b + "\r\nContent-Disposition: form-data; name=\"QUERY\"\r\n\r\nSELECT *\r\nFROM t\r\n--" + b +
	    "\r\nContent-Disposition: form-data; name=\"t1\"; filename=\"t1.xml\"\r\nContent-Type: "
	    "application/x-votable+xml\r\n\r\n" +
	    file_content + "\r\n--" + b + "--\r\n";
	for (size_t chunk : {1, 7, 4096, 1 << 20}) {
		auto req = make_request("multipart/form-data; boundary=" + b, body);
		ChunkedBody src(body, chunk);
		req.body_source = &src;
		fs::path path;
		{
			auto p = Params::from_request(req, {1 << 20, 1 << 24, spool});
			CHECK(p.get("query") == "SELECT *\r\nFROM t");
			const FilePart* f = p.file("t1");
			REQUIRE(f);
			CHECK(f->filename == "t1.xml");
			CHECK(f->size == file_content.size());
			std::ifstream in(f->path, std::ios::binary);
			std::stringstream ss;
			ss << in.rdbuf();
			CHECK(ss.str() == file_content);
			path = f->path;
		}
		CHECK_FALSE(fs::exists(path)); // spool files go with the Params
	}
}

TEST_CASE("params: limits and malformed bodies give clear errors") {
	std::string b = "bb";
	std::string body = "--bb\r\nContent-Disposition: form-data; name=\"u\"; filename=\"x\"\r\n\r\n" +
	                   std::string(5000, 'x') + "\r\n--bb--\r\n";
	auto req = make_request("multipart/form-data; boundary=bb", body);
	ChunkedBody src(body, 100);
	req.body_source = &src;
	fs::path spool = fs::temp_directory_path() / "meles_params_test2";
	CHECK_THROWS_WITH_AS(Params::from_request(req, {1 << 20, 1000, spool}),
	                     doctest::Contains("exceed the limit of 1000"), Error);
	if (fs::exists(spool)) CHECK(fs::is_empty(spool));

	std::string trunc = "--bb\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nabc";
	auto req2 = make_request("multipart/form-data; boundary=bb", trunc);
	ChunkedBody src2(trunc, 100);
	req2.body_source = &src2;
	CHECK_THROWS_WITH_AS(Params::from_request(req2, {}), doctest::Contains("missing closing boundary"),
	                     Error);

	auto req3 = make_request("application/json", "{}");
	ChunkedBody src3("{}", 100);
	req3.body_source = &src3;
	CHECK_THROWS_WITH_AS(Params::from_request(req3, {}), doctest::Contains("application/json"), Error);
}

TEST_CASE("params: UPLOAD and MAXREC parsing") {
	auto p = Params::from_urlencoded("UPLOAD=mine,param:t1;other,https://example.org/t.xml&MAXREC=5000000");
	auto u = parse_uploads(p);
	REQUIRE(u.size() == 2);
	CHECK(u[0].table == "mine");
	CHECK(u[0].uri == "param:t1");
	CHECK(u[1].uri == "https://example.org/t.xml");
	CHECK(parse_maxrec(p, 20000, 1000000) == 1000000);
	CHECK_THROWS_WITH_AS(parse_uploads(Params::from_urlencoded("UPLOAD=1bad,param:x")),
	                     doctest::Contains("not a regular ADQL identifier"), Error);
	CHECK_THROWS_WITH_AS(parse_uploads(Params::from_urlencoded("UPLOAD=t,ftp://x")),
	                     doctest::Contains("unsupported"), Error);
	CHECK_THROWS_WITH_AS(parse_maxrec(Params::from_urlencoded("MAXREC=ten"), 1, 2),
	                     doctest::Contains("MAXREC must be an integer"), Error);
}

TEST_CASE("dali: error documents and statuses") {
	Error e(ErrorKind::Syntax, "Expected SELECT, found 'SLECT'", SourcePos{"", 1, 1});
	CHECK(http_status(e.kind()) == 400);
	auto doc = dali_error_document(e);
	CHECK(doc.find("<INFO name=\"QUERY_STATUS\" value=\"ERROR\">Expected SELECT, found &apos;SLECT&apos;") !=
	      std::string::npos);
	CHECK(public_message(Error(ErrorKind::Internal, "segfault in foo.cpp:12")).find("foo.cpp") ==
	      std::string::npos);
	CHECK(http_status(ErrorKind::NotFound) == 404);
	CHECK(http_status(ErrorKind::Timeout) == 408);
}

TEST_CASE("params: values that are not UTF-8 or contain NUL are refused before anyone reads them") {
	auto refused = [](const std::string& query, std::string_view needle) {
		try {
			Params::from_urlencoded(query);
		} catch (const Error& e) {
			CHECK(e.kind() == ErrorKind::Validation);
			CHECK(e.message().find(needle) != std::string::npos);
			CHECK(e.message().find('\xff') == std::string::npos); // the bytes are not echoed
			return true;
		}
		return false;
	};
	CHECK(refused("LANG=ADQL&QUERY=SELECT+%FF", "parameter QUERY is not valid UTF-8 (at byte 8)"));
	CHECK(refused("RUNID=a%00b", "parameter RUNID contains a NUL character"));
	CHECK(refused("%FF=1", "a parameter name"));
	CHECK(refused("Q=%ED%A0%80", "not valid UTF-8")); // a surrogate
	auto ok = Params::from_urlencoded("QUERY=SELECT+%27Gr%C3%BC%C3%9Fe%27%0A%09FROM+t");
	CHECK(ok.get("QUERY") == "SELECT 'Gr\xC3\xBC\xC3\x9F"
	                         "e'\n\tFROM t");
	// The same from a request: query string, urlencoded and multipart bodies.
	std::string body = "QUERY=%FF";
	auto req = make_request("application/x-www-form-urlencoded", body);
	ChunkedBody src(body, 4);
	req.body_source = &src;
	CHECK_THROWS_AS(Params::from_request(req, {}), Error);
	net::Request get;
	get.method = "GET";
	get.query = "PHASE=RUN%00";
	CHECK_THROWS_AS(Params::from_request(get, {}), Error);
	std::string mp = "--b\r\nContent-Disposition: form-data; name=\"QUERY\"\r\n\r\nSELECT \xFF\r\n--b--\r\n";
	auto mreq = make_request("multipart/form-data; boundary=b", mp);
	ChunkedBody msrc(mp, 5);
	mreq.body_source = &msrc;
	CHECK_THROWS_AS(Params::from_request(mreq, {}), Error);
}
