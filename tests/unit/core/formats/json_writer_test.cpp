// JSON output: the documented shape, valid JSON (checked with Python's parser), nulls and
// special floats, trailing status.
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/json_writer.hpp"
#include "unit/core/votable/sample_table.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace meles;
using namespace meles::testing;

namespace {

// Feeds the document to Python's json module and runs `script` on it (variable d); returns output.
std::string python_json(const std::string& doc, const std::string& script) {
	auto path =
	    std::filesystem::temp_directory_path() / ("meles-json-" + std::to_string(::getpid()) + ".json");
	std::ofstream(path, std::ios::binary) << doc;
	std::string cmd = "/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); " + script +
	                  "' " + path.string() + " 2>&1";
	std::string out;
	FILE* p = ::popen(cmd.c_str(), "r");
	REQUIRE(p);
	char buf[4096];
	std::size_t n;
	while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
		out.append(buf, n);
	::pclose(p);
	std::filesystem::remove(path);
	return out;
}

std::string sample_json(formats::EndStatus status, std::string_view message = {}) {
	StringSink sink;
	auto w = formats::make_json_writer(sink);
	w->begin(sample_header());
	write_sample_rows(*w);
	w->finish(status, message);
	return sink.take();
}

} // namespace

TEST_CASE("JSON output is valid JSON of the documented shape") {
	std::string doc = sample_json(formats::EndStatus::Ok);
	CHECK(python_json(doc, "print(len(d[\"columns\"]), len(d[\"rows\"]), d[\"status\"], sorted(d))") ==
	      "22 4 OK ['columns', 'infos', 'rows', 'status']\n");
	CHECK(python_json(doc, "print(d[\"columns\"][5])") ==
	      "{'name': 'd', 'datatype': 'double', 'unit': 'deg', 'ucd': 'pos.eq.ra'}\n");
	CHECK(python_json(doc, "print(d[\"columns\"][18])") ==
	      "{'name': 'pt', 'datatype': 'double', 'arraysize': '2', 'xtype': 'point', 'ucd': 'pos'}\n");
	CHECK(python_json(doc, "print(json.dumps(d[\"rows\"][0][:12], ensure_ascii=False))") ==
	      "[true, -12, 123456, 1234567890123, 1.5, 0.1, \"x\", \"abc\", \"a<b>&\\\"'\\tq\\nz\\r\\\\,\", "
	      "\"Grüße ☃ 𝄞\", \"2021-03-04T05:06:07.123456\", \"2021-03-04\"]\n");
	CHECK(python_json(doc, "print(d[\"rows\"][0][12:])") ==
	      "[[0, 255, 7], [1, -2], [7, 8, 9], [9223372036854775807], [0.25, -0.001], "
	      "[0.3333333333333333, 2e+300], [10.5, -20.25], [10, 20, 0.5], [1, 2, 3, 4, 5, 6], -45.125]\n");
	// Nulls, and infinities (which JSON cannot spell) as null.
	CHECK(python_json(doc, "print(set(map(str, d[\"rows\"][1])), d[\"rows\"][2][4:6])") ==
	      "{'None'} [None, None]\n");
}

TEST_CASE("JSON status says OVERFLOW or ERROR at the end") {
	CHECK(python_json(sample_json(formats::EndStatus::Overflow), "print(d[\"status\"], len(d[\"rows\"]))") ==
	      "OVERFLOW 4\n");
	CHECK(python_json(sample_json(formats::EndStatus::Error, "lost the database"),
	                  "print(d[\"status\"], d[\"message\"])") == "ERROR lost the database\n");
	// Failure in the middle of a row: the row is dropped, the document still parses.
	StringSink sink;
	auto w = formats::make_json_writer(sink);
	w->begin(sample_header());
	write_sample_rows(*w);
	w->begin_row();
	w->boolean(true);
	w->finish(formats::EndStatus::Error, "cancelled");
	CHECK(python_json(sink.str(), "print(len(d[\"rows\"]), d[\"status\"])") == "4 ERROR\n");
}
