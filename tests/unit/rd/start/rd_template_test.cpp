#include "meles/rd/start/rd_template.hpp"

#include "meles/core/common/error.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace meles;
using namespace meles::rd::start;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
	fs::path d = fs::temp_directory_path() / concat("meles-rdt-", std::to_string(getpid()));
	fs::create_directories(d);
	return d / name;
}

fs::path write(const std::string& name, const std::string& text) {
	fs::path p = scratch(name);
	std::ofstream(p) << text;
	return p;
}

} // namespace

TEST_CASE("templates: header, sections and placeholders") {
	auto f = write("demo.rdt",
	               "# a comment\nsummary: A demo\nrequires: //scs#q3cindex the index\n"
	               "default.schema: demo\npositions: required\n--- q.rd\n<resource schema=\"{{schema}}\">\n"
	               "{{columns}}\n</resource>\n--- columns\n<column name=\"a\"/>\n--- data/x.csv\na\n1\n");
	auto t = load_template(f);
	CHECK(t.name == "demo");
	CHECK(t.summary == "A demo");
	REQUIRE(t.requirements.size() == 1);
	CHECK(t.requirements[0].ref == "//scs#q3cindex");
	CHECK(t.requirements[0].what == "the index");
	CHECK(t.defaults.at("schema") == "demo");
	CHECK(t.positions);
	CHECK(t.rd_line == 7);
	CHECK(t.sample_path == "data/x.csv");
	CHECK(t.sample_data == "a\n1\n");
	CHECK(placeholders(t.rd) == std::vector<std::string>{"schema", "columns"});
	CHECK(fill(t, t.rd, {{"schema", "s"}, {"columns", "C"}}) == "<resource schema=\"s\">\nC\n</resource>\n");
	// a placeholder nobody fills is the template's error, with its line
	try {
		fill(t, t.rd, {{"schema", "s"}});
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.full_message().find("demo.rdt:8") != std::string::npos);
		CHECK(e.message().find("{{columns}}") != std::string::npos);
	}
}

TEST_CASE("templates: binary samples in base64, formats") {
	// "SIMPLE" and two bytes that are no text
	auto t = load_template(
	    write("bin.rdt", "summary: s\nformats: fits\ndefault.format: fits\n--- q.rd\n<resource/>\n"
	                     "--- columns\n<column name=\"a\"/>\n--- data/x.fits base64\nU0lN\nUExF\nAP8=\n"));
	CHECK(t.sample_path == "data/x.fits");
	CHECK(t.sample_data == std::string("SIMPLE\0\xff", 8));
	CHECK(t.formats == std::vector<std::string>{"fits"});
	CHECK_FALSE(is_delimited("fits"));
	CHECK(is_delimited("tsv"));
	CHECK_THROWS_WITH_AS(load_template(write("bin2.rdt", "summary: s\n--- d.fits base64\nU0l!\n")),
	                     doctest::Contains("no base64"), Error);
	CHECK_THROWS_WITH_AS(load_template(write("fmt.rdt", "summary: s\nformats: csv\ndefault.format: fits\n")),
	                     doctest::Contains("not among formats"), Error);
	CHECK(load_template(write("plain.rdt", "summary: s\n")).formats ==
	      std::vector<std::string>{"csv", "tsv"});
}

TEST_CASE("templates: fields read by name and the served table") {
	auto t = load_template(
	    write("epn.rdt", "summary: s\ntable: epn_core\nfields: granule_uid, obs_id ,time_min\n"));
	CHECK(t.fields == std::vector<std::string>{"granule_uid", "obs_id", "time_min"});
	CHECK(t.table == "epn_core");
	auto plain = load_template(write("plain2.rdt", "summary: s\n"));
	CHECK(plain.fields.empty());
	CHECK(plain.table == "main");
	CHECK_THROWS_WITH_AS(load_template(write("nof.rdt", "summary: s\nfields:\n")),
	                     doctest::Contains("fields: names at least one field"), Error);
}

TEST_CASE("templates: malformed files name file:line") {
	CHECK_THROWS_WITH_AS(load_template(write("bad1.rdt", "summary: x\nfrobnicate: y\n")),
	                     doctest::Contains("unknown key 'frobnicate'"), Error);
	CHECK_THROWS_WITH_AS(load_template(write("bad2.rdt", "summary: x\n--- ../escape.csv\n")),
	                     doctest::Contains("relative path"), Error);
	CHECK_THROWS_WITH_AS(load_template(write("bad3.rdt", "requires: //x\n")), doctest::Contains("no summary"),
	                     Error);
}

TEST_CASE("templates: missing system RD parts are named, present ones are not") {
	fs::path sys = scratch("sys");
	fs::create_directories(sys);
	std::ofstream(sys / "scs.rd") << "<resource><mixinDef id=\"q3cindex\"/></resource>";
	auto t = load_template(write("req.rdt",
	                             "summary: s\nrequires: //scs#q3cindex\nrequires: //scs#nothere a part\n"
	                             "requires: //siap2#pgs the SIAP2 mixin\n--- q.rd\n<resource/>\n"));
	auto missing = missing_parts(t, sys);
	REQUIRE(missing.size() == 2);
	CHECK(missing[0] == "//scs#nothere (a part): //scs does not define 'nothere' yet");
	CHECK(missing[1] == "//siap2#pgs (the SIAP2 mixin): there is no system RD //siap2 yet");
	auto header_only = load_template(write("ho.rdt", "summary: s\n"));
	CHECK(missing_parts(header_only, sys).at(0).find("has no '--- q.rd' section yet") != std::string::npos);
}

TEST_CASE("templates: columns guessed from a CSV header and values") {
	std::istringstream in("ID,RAJ2000,\"De J2000\",Name,select,ID\n1,10.5,-3,\"a, b\",x,7\n2,11,4.25,c,,8\n");
	auto g = guess_csv_columns(in, "t.csv", ',');
	REQUIRE(g.columns.size() == 6);
	CHECK(g.columns[0].name == "id");
	CHECK(g.columns[0].type == "bigint");
	CHECK(g.columns[1].name == "raj2000");
	CHECK(g.columns[1].type == "double precision");
	CHECK(g.columns[2].name == "de_j2000");
	CHECK(g.columns[2].type == "double precision");
	CHECK(g.columns[3].type == "text");
	CHECK(g.columns[4].name == "select_"); // a reserved word
	CHECK(g.columns[5].name == "id_2");    // a repeated name
	CHECK(g.first_row.at(3) == "a, b");
	std::istringstream empty("");
	CHECK_THROWS_WITH_AS(guess_csv_columns(empty, "e.csv", ','), doctest::Contains("header line"), Error);
}

TEST_CASE("templates: schema names") {
	CHECK(identifier_problem("mycat", true) == "");
	CHECK(identifier_problem("my-cat", true).find("not an SQL identifier") != std::string::npos);
	CHECK(identifier_problem("1cat", true).find("not an SQL identifier") != std::string::npos);
	CHECK(identifier_problem("MyCat", true).find("write 'mycat'") != std::string::npos);
	CHECK(identifier_problem("select", true).find("reserved") != std::string::npos);
	CHECK(identifier_problem("tap_schema", true).find("belongs to") != std::string::npos);
	CHECK(identifier_problem("pg_x", true).find("belongs to") != std::string::npos);
	CHECK(identifier_problem(std::string(64, 'a'), true).find("63") != std::string::npos);
	CHECK(identifier_problem("", true) != "");
}
