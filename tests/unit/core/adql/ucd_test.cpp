// Issue 11.8: the UCDs the translator gives result columns.  Derived values keep a UCD only
// where they keep its meaning, and every UCD the translator makes up (all but verbatim copies
// of a catalogue column's) follows UCD1+: known words, the first one allowed as primary, the
// others as secondary -- checked against the IVOA word list compiled into meles_core
// (core/data/ucd-list.txt).
#include "adql/functions/function_table.hpp"
#include "adql/test_file_reader.hpp"
#include "meles/core/adql/table_file.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/ucd.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <set>

using namespace meles;
using namespace meles::adql;

namespace {

const SimpleCatalog& catalog() {
	static const SimpleCatalog c =
	    parse_table_file(adql_test::read_text(adql_test::test_dir() + "catalog.tables"), "catalog.tables");
	return c;
}

std::vector<std::string> ucds_of(std::string_view query) {
	std::vector<std::string> out;
	for (auto& c : translate(query, catalog(), {}).columns)
		out.push_back(c.ucd);
	return out;
}

} // namespace

TEST_CASE("ucd: the word list is there and the checker knows UCD1+") {
	REQUIRE(ucd_word_flag("pos.eq.ra") == 'Q');
	CHECK(ucd_problem("pos.eq.ra;meta.main") == "");
	CHECK(ucd_problem("phot.mag;stat.mean") == "");
	CHECK(ucd_problem("meta.main") != "");
	CHECK(ucd_problem("phot.mag;meta.id") != "");
	CHECK(ucd_problem("no.such.word") != "");
}

TEST_CASE("ucd: derived columns do not inherit UCDs that no longer hold") {
	// meta.id;meta.main on id, phot.mag on mag, pos.eq.ra;meta.main on ra
	auto u =
	    ucds_of("SELECT id, MOD(id, 7), id / 3, id + 1, -ra, ra * 2, ABS(ra), ROUND(mag), ROUND(mag, 1), "
	            "FLOOR(ra), CAST(id AS INTEGER), CAST(ra AS REAL), POINT(ra, dec), mag + mag, "
	            "COALESCE(mag, mag), COALESCE(mag, ra), IN_UNIT(ra, 'rad'), DEGREES(RADIANS(ra)), "
	            "CASE WHEN mag > 1 THEN mag ELSE mag END, LOWER(name), ROUND(id) "
	            "FROM anchor.main");
	std::vector<std::string> want = {
	    "meta.id;meta.main", "",         "",          "",          "",          "",        "",
	    "phot.mag",          "phot.mag", "pos.eq.ra", "meta.id",   "pos.eq.ra", "pos",     "",
	    "phot.mag",          "",         "pos.eq.ra", "pos.eq.ra", "phot.mag",  "meta.id", ""};
	CHECK(u == want);
	u = ucds_of("SELECT MIN(mag), MAX(ra), AVG(mag), SUM(mag), COUNT(*), MIN(id), AVG(id), MAX(em_min) FROM "
	            "anchor.main, ivoa.obscore");
	want = {"phot.mag;stat.min", "pos.eq.ra;stat.max", "phot.mag;stat.mean", "", "meta.number", "", "", ""};
	CHECK(u == want);
	// a scalar subquery's value is no main identifier of the result
	CHECK(
	    ucds_of(
	        "SELECT (SELECT MAX(id) FROM anchor.big), (SELECT TOP 1 ra FROM anchor.big) FROM anchor.main") ==
	    std::vector<std::string>{"", "pos.eq.ra"});
}

TEST_CASE("ucd: every UCD the translator makes up is valid UCD1+") {
	std::set<std::string> copied; // the catalogue's own, passed through verbatim
	std::vector<const TableEntry*> tables;
	catalog().all_tables(tables);
	for (auto* t : tables)
		for (auto& c : t->columns)
			copied.insert(c.ucd);
	int checked = 0;
	auto check_ucd = [&](const std::string& ucd, const std::string& where) {
		if (ucd.empty() || copied.count(ucd)) return;
		++checked;
		INFO(where);
		CHECK_MESSAGE(ucd_problem(ucd) == "", ucd << ": " << ucd_problem(ucd));
	};
	for (auto& f : function_table())
		check_ucd(std::string(f.ucd), concat("function ", f.name));
	for (const auto& e : std::filesystem::directory_iterator(adql_test::test_dir())) {
		if (e.path().extension() != ".test") continue;
		for (auto& c : adql_test::read_cases(adql_test::read_text(e.path().string()))) {
			if (c.kind() != "query") continue;
			TranslateOptions o;
			o.allow_create_table = c.header.find("create") != std::string::npos;
			try {
				for (auto& col : translate(c.query(), catalog(), o).columns)
					check_ucd(col.ucd, concat(e.path().filename().string(), ":", std::to_string(c.line), " ",
					                          col.name));
			} catch (const Error&) {
				// cases with options this test does not read; adql_files_test covers them
			}
		}
	}
	CHECK(checked > 20);
}
