// Data-driven: every tests/rd/fixtures/errors/*.rd states the problems `meles val` must find,
// as trailing comments:
//   <!-- expect: LINE[:COLUMN]: text the message contains -->
//   <!-- expect-errors: N -->      (exact number of errors; optional)
#include "unit/rd/rd_fixtures.hpp"

#include "meles/core/common/strings.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

using namespace meles;
using namespace meles::rd;
using namespace meles::rd::test;
namespace fs = std::filesystem;

namespace {

struct Expectation {
	int line = 0, column = 0;
	std::string text;
};

std::string read_file(const fs::path& p) {
	std::ifstream in(p);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

} // namespace

TEST_CASE("error fixtures report each problem at its line") {
	std::vector<fs::path> files;
	for (auto& e : fs::directory_iterator(fixtures_dir() / "errors"))
		if (e.path().extension() == ".rd") files.push_back(e.path());
	std::sort(files.begin(), files.end());
	REQUIRE(files.size() >= 10);
	std::regex expect_re(R"(<!--\s*expect:\s*(\d+)(?::(\d+))?:\s*(.*?)\s*-->)");
	std::regex count_re(R"(<!--\s*expect-errors:\s*(\d+)\s*-->)");
	for (auto& f : files) {
		SUBCASE(f.filename().string().c_str()) {
			std::string text = read_file(f);
			std::vector<Expectation> expected;
			for (std::sregex_iterator it(text.begin(), text.end(), expect_re), end; it != end; ++it)
				expected.push_back(
				    {std::stoi((*it)[1]), (*it)[2].matched ? std::stoi((*it)[2]) : 0, (*it)[3]});
			REQUIRE_FALSE(expected.empty());
			auto lr = fixture_store().load("errors/" + f.stem().string());
			INFO("diagnostics of ", f.filename().string(), ":\n", dump(lr.diagnostics));
			CHECK(lr.diagnostics.has_errors());
			for (auto& ex : expected) {
				bool found = false;
				for (auto& d : lr.diagnostics.items())
					found =
					    found || (d.pos.line == ex.line && (ex.column == 0 || d.pos.column == ex.column) &&
					              d.message.find(ex.text) != std::string::npos);
				INFO("expected at line ", ex.line, ": ", ex.text);
				CHECK(found);
			}
			std::smatch m;
			if (std::regex_search(text, m, count_re)) CHECK(lr.diagnostics.error_count() == std::stoul(m[1]));
			for (auto& d : lr.diagnostics.items())
				CHECK(d.pos.source.ends_with(f.filename().string()));
		}
	}
}

TEST_CASE("diagnostics read as file:line: message") {
	auto lr = fixture_store().load("errors/unknown_attribute");
	REQUIRE(lr.diagnostics.items().size() >= 1);
	std::string first = lr.diagnostics.items()[0].to_string();
	CHECK(first.ends_with(
	    "errors/unknown_attribute.rd:4: unknown attribute 'unti' on column (did you mean 'unit'?)"));
	auto bad = fixture_store().load("errors/not_well_formed");
	REQUIRE(bad.diagnostics.items().size() == 1);
	CHECK(bad.diagnostics.items()[0].kind == ErrorKind::Syntax);
	CHECK(bad.diagnostics.items()[0].to_string().find("not_well_formed.rd:4:5: XML not well-formed") !=
	      std::string::npos);
	CHECK_FALSE(bad.resource);
}

TEST_CASE("RdStore::get throws the first problem with its position") {
	try {
		fixture_store().get("errors/make_without_table");
		FAIL("no exception");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::NotFound);
		REQUIRE(e.pos());
		CHECK(e.pos()->line == 8);
		CHECK(e.message().find("make table='mian' names no table") != std::string::npos);
	}
	CHECK_THROWS_AS(fixture_store().get("no/such/rd"), Error);
}
