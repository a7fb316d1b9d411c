// Runs the data-driven ADQL cases in tests/adql/*.test against tests/adql/catalog.tables.
//
// File format (one case after the other, separated by blank lines; '#' lines are comments
// outside cases):
//
//   query [maxrec=N] [create] [overflow=yes|no]
//   <ADQL, one or more lines>
//   ----
//   <expected SQL; lines are joined with single blanks>
//   ====                                   (optional: output column metadata follows)
//   <name> <datatype> <arraysize> <xtype> <unit> <ucd>     ('-' for empty; one line per column)
//
//   error [maxrec=N] [create]
//   <ADQL>
//   ----
//   <Kind> <line>:<column> <prefix of the message>     (Kind: Syntax, Name or Type)
//
//   parse                     parse-error
//   <ADQL>                    <ADQL>
//   (no expectation: parse_only() must accept / reject the text)
//
// Inside ADQL and expectations, the escape \n (backslash n) stands for a newline and \0 for
// a NUL byte, so hostile inputs can be written down; everything else is literal.
#include "adql/test_file_reader.hpp"
#include "meles/core/adql/table_file.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace meles;
using namespace meles::adql;

namespace {

using adql_test::Case;
using adql_test::read_cases;
using adql_test::unescape;

const std::string& kDir = adql_test::test_dir();

std::string read_file(const std::string& path) {
	std::string text = adql_test::read_text(path);
	REQUIRE_MESSAGE(!text.empty(), "cannot read " << path);
	return text;
}

const SimpleCatalog& test_catalog() {
	static const SimpleCatalog catalog =
	    parse_table_file(read_file(kDir + "catalog.tables"), "catalog.tables");
	return catalog;
}

std::string_view kind_word(ErrorKind k) {
	switch (k) {
	case ErrorKind::Syntax:
		return "Syntax";
	case ErrorKind::Name:
		return "Name";
	case ErrorKind::Type:
		return "Type";
	default:
		return "Other";
	}
}

std::string field(const std::string& s) {
	return s.empty() ? "-" : s;
}

void run_case(const std::string& file, const Case& c) {
	auto words = split_list(c.header, ' ');
	std::string kind = words.empty() ? "" : words[0];
	TranslateOptions options;
	std::optional<bool> overflow;
	for (size_t i = 1; i < words.size(); ++i) {
		if (words[i].starts_with("maxrec="))
			options.maxrec = std::stoll(words[i].substr(7));
		else if (words[i] == "create")
			options.allow_create_table = true;
		else if (words[i] == "overflow=yes")
			overflow = true;
		else if (words[i] == "overflow=no")
			overflow = false;
		else
			FAIL(file << ":" << c.line << ": unknown case option '" << words[i] << "'");
	}
	std::string adql = unescape(join(c.adql, "\n"));
	std::string expected = normalize_space(unescape(join(c.expected, " ")));
	INFO(file << ":" << c.line << ": " << adql);
	if (kind == "parse") {
		CHECK_NOTHROW(parse_only(adql));
		return;
	}
	if (kind == "parse-error") {
		CHECK_THROWS_AS(parse_only(adql), Error);
		return;
	}
	if (kind == "query") {
		Translation t;
		try {
			t = translate(adql, test_catalog(), options);
		} catch (const Error& e) {
			FAIL_CHECK("unexpected error: " << e.message());
			return;
		}
		CHECK(normalize_space(t.sql) == expected);
		if (overflow) CHECK(t.may_overflow == *overflow);
		if (!c.columns.empty()) {
			REQUIRE(t.columns.size() == c.columns.size());
			for (size_t i = 0; i < c.columns.size(); ++i) {
				const ColumnMeta& m = t.columns[i];
				VOTableType v = votable_type(m.type);
				std::string got =
				    join({m.delimited ? "\"" + m.name + "\"" : m.name, v.datatype, field(v.arraysize),
				          field(m.effective_xtype()), field(m.unit), field(m.ucd)},
				         " ");
				CHECK(got == normalize_space(c.columns[i]));
			}
		}
		return;
	}
	if (kind == "error") {
		REQUIRE_MESSAGE(!c.expected.empty(), "error case without expectation");
		std::string want_kind, want_pos;
		std::istringstream es(expected);
		es >> want_kind >> want_pos;
		std::string want_prefix(
		    trim(expected.substr(std::min(expected.size(), want_kind.size() + want_pos.size() + 2))));
		try {
			translate(adql, test_catalog(), options);
			FAIL_CHECK("translated, but an error was expected: " << expected);
		} catch (const Error& e) {
			std::string pos =
			    e.pos() ? std::to_string(e.pos()->line) + ":" + std::to_string(e.pos()->column) : "-";
			CHECK(std::string(kind_word(e.kind())) == want_kind);
			CHECK(pos == want_pos);
			CHECK_MESSAGE(e.message().starts_with(want_prefix), "message: " << e.message());
		}
		return;
	}
	FAIL(file << ":" << c.line << ": unknown case kind '" << kind << "'");
}

void run_file(const std::string& name) {
	auto cases = read_cases(read_file(kDir + name));
	REQUIRE_MESSAGE(!cases.empty(), name << " has no cases");
	for (const auto& c : cases)
		run_case(name, c);
}

// Every .test file must be listed here, so none is silently skipped.
const std::set<std::string>& registered() {
	static const std::set<std::string> files = {
	    "select.test",    "from_join.test", "where.test",         "group_order.test", "sets_with.test",
	    "functions.test", "geometry.test",  "spatial_index.test", "udf.test",         "limits.test",
	    "errors.test",    "hostile.test",   "create_table.test",  "metadata.test",    "corpus_sql.test",
	};
	return files;
}

} // namespace

TEST_CASE("adql test files: every file in tests/adql is run") {
	std::set<std::string> found;
	for (const auto& e : std::filesystem::directory_iterator(kDir))
		if (e.path().extension() == ".test") found.insert(e.path().filename().string());
	CHECK(found == registered());
}

TEST_CASE("adql/select.test") {
	run_file("select.test");
}
TEST_CASE("adql/from_join.test") {
	run_file("from_join.test");
}
TEST_CASE("adql/where.test") {
	run_file("where.test");
}
TEST_CASE("adql/group_order.test") {
	run_file("group_order.test");
}
TEST_CASE("adql/sets_with.test") {
	run_file("sets_with.test");
}
TEST_CASE("adql/functions.test") {
	run_file("functions.test");
}
TEST_CASE("adql/geometry.test") {
	run_file("geometry.test");
}
TEST_CASE("adql/spatial_index.test") {
	run_file("spatial_index.test");
}
TEST_CASE("adql/udf.test") {
	run_file("udf.test");
}
TEST_CASE("adql/limits.test") {
	run_file("limits.test");
}
TEST_CASE("adql/errors.test") {
	run_file("errors.test");
}
TEST_CASE("adql/hostile.test") {
	run_file("hostile.test");
}
TEST_CASE("adql/create_table.test") {
	run_file("create_table.test");
}
TEST_CASE("adql/metadata.test") {
	run_file("metadata.test");
}
TEST_CASE("adql/corpus_sql.test") {
	run_file("corpus_sql.test");
}
