#include "ingest_test_util.hpp"
#include "meles/rd/ingest/grammars/column_grammar.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace meles;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;

TEST_CASE("columnGrammar colDefs syntax") {
	SourcePos pos{"q.rd", 3, 0};
	auto cols =
	    ColumnGrammarOptions::parse_col_defs("ra:1-10  dec : 12 - 20\n flag:22 rest:24-  head:-3", pos);
	REQUIRE(cols.size() == 5);
	CHECK(cols[0].name == "ra");
	CHECK(cols[0].start == 0);
	CHECK(cols[0].end == 10);
	CHECK(cols[1].name == "dec");
	CHECK(cols[1].start == 11);
	CHECK(cols[1].end == 20);
	CHECK(cols[2].start == 21);
	CHECK(cols[2].end == 22);
	CHECK(cols[3].start == 23);
	CHECK(cols[3].end == SIZE_MAX);
	CHECK(cols[4].start == 0);
	CHECK(cols[4].end == 3);
	CHECK(error_of([&] {
		      ColumnGrammarOptions::parse_col_defs("ra 1-10", pos);
	      }).starts_with("q.rd:3: colDefs: ':' expected after 'ra'"));
	CHECK(error_of([&] {
		      ColumnGrammarOptions::parse_col_defs("ra:10-5", pos);
	      }).starts_with("q.rd:3: bad column range '10-5' for ra: end before start"));
	CHECK(error_of([&] {
		      ColumnGrammarOptions::parse_col_defs("ra:0-5", pos);
	      }).starts_with("q.rd:3: bad column range '0-5' for ra: columns count from 1"));
	CHECK(error_of([&] {
		      ColumnGrammarOptions::parse_col_defs("1ra:1", pos);
	      }).starts_with("q.rd:3: colDefs: a column name must start with a letter or _"));
}

TEST_CASE("columnGrammar cuts 1-based inclusive ranges and strips") {
	TempDir d;
	//                    1234567890123456789012
	auto p = d.write("t.dat", "HEADER LINE TO SKIP\n"
	                          "# a comment\n"
	                          "  12.5 +10.25 A  rest of\n"
	                          "\n"
	                          "   3.0  -1.50 B\n"
	                          "  7\n");
	auto el = element("columnGrammar", {{"colDefs", "mag:1-6 dec:7-13 flag:15 tail:18-"},
	                                    {"topIgnoredLines", "1"},
	                                    {"commentIntroducer", "#"}});
	auto r = read_file(el, p);
	CHECK(r.names == std::vector<std::string>{"mag", "dec", "flag", "tail"});
	CHECK(r.rows == Rows{{"12.5", "+10.25", "A", "rest of"}, {"3.0", "-1.50", "B", ""}, {"7", "", "", ""}});
	CHECK(r.lines == std::vector<int64_t>{3, 5, 6});
}

TEST_CASE("columnGrammar col children, strip=False and characters beyond ASCII") {
	TempDir d;
	auto p = d.write("u.dat", "\xC3\x85ngstr\xC3\xB6m  x\r\nab        y\r\n");
	auto el =
	    element("columnGrammar", {{"strip", "False"}},
	            {element("col", {{"key", "word"}}, {}, "1-9"), element("col", {{"key", "mark"}}, {}, "11")});
	auto r = read_file(el, p);
	CHECK(r.rows == Rows{{"\xC3\x85ngstr\xC3\xB6m ", "x"}, {"ab       ", "y"}});
}

TEST_CASE("columnGrammar with preFilter and latin-1") {
	TempDir d;
	auto plain = d.write("data/v.dat", "M\xFCller 42\nSmith  17\n");
	REQUIRE(std::system(("gzip '" + plain + "'").c_str()) == 0);
	auto el =
	    element("columnGrammar", {{"colDefs", "name:1-6 n:8-9"}, {"preFilter", "zcat"}, {"enc", "latin-1"}});
	auto r = read_file(el, plain + ".gz", d.path());
	CHECK(r.rows == Rows{{"M\xC3\xBCller", "42"}, {"Smith", "17"}});
}

TEST_CASE("columnGrammar element validation") {
	CHECK(error_of([] {
		      make_grammar(element("columnGrammar"));
	      }).starts_with("q.rd:12: columnGrammar defines no columns"));
	CHECK(error_of([] {
		      make_grammar(element("columnGrammar", {{"colDefs", "a:1 a:2"}}));
	      }).starts_with("q.rd:12: field name 'a' occurs twice"));
	CHECK(
	    error_of([] {
		    make_grammar(element("columnGrammar", {{"colDefs", "a:1"}, {"comentIntroducer", "#"}}));
	    }) ==
	    "q.rd:12: unknown attribute 'comentIntroducer' on columnGrammar; did you mean 'commentIntroducer'?");
	CHECK(error_of([] {
		      make_grammar(element("columnGrammar", {}, {element("col", {}, {}, "1-3")}));
	      }).starts_with("q.rd:12: col needs a key"));
	auto g = make_grammar(element("columnGrammar", {{"colDefs", "a:1 b:2-3"}}));
	CHECK(g->declared_fields() ==
	      std::optional<std::vector<std::string>>(std::vector<std::string>{"a", "b"}));
}

TEST_CASE("columnGrammar long files across chunk borders") {
	TempDir d;
	std::string content;
	for (int i = 0; i < 2000; ++i) {
		char line[64];
		std::snprintf(line, sizeof line, "%6d %8.3f %s\n", i, i * 0.5, i % 3 ? "yes" : "no");
		content += line;
	}
	auto p = d.write("l.dat", content);
	auto el = element("columnGrammar", {{"colDefs", "id:1-6 x:8-15 w:17-"}});
	auto r = read_file(el, p, {}, ReadOptions{100, 64});
	REQUIRE(r.rows.size() == 2000);
	CHECK(r.rows[1999] == std::vector<std::string>{"1999", "999.500", "yes"});
	CHECK(r.lines[1999] == 2000);
	CHECK(r.batches >= 2000 / 64);
}
