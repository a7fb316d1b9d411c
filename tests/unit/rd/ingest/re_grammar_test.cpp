#include "ingest_test_util.hpp"
#include "meles/rd/ingest/grammars/re_grammar.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace meles;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;

TEST_CASE("reGrammar defaults: lines and whitespace") {
	TempDir d;
	auto p = d.write("a.txt", "  1   2.5  x \n\n3\t4 y\n");
	auto r = read_file(element("reGrammar", {{"names", "a,b,c"}}), p);
	CHECK(r.rows == Rows{{"1", "2.5", "x"}, {"3", "4", "y"}});
	CHECK(r.lines == std::vector<int64_t>{1, 3});
}

TEST_CASE("reGrammar separators, comments and stopPat") {
	TempDir d;
	auto p = d.write("b.txt", "# header comment\n"
	                          "a|b;c|d;\n"
	                          "e|f # trailing\n;"
	                          "g|h;END of data;i|j;");
	auto el = element("reGrammar", {{"names", "x,y"},
	                                {"recordSep", ";"},
	                                {"fieldSep", "\\|"},
	                                {"commentPat", "(?m)#.*$"},
	                                {"stopPat", "END"}});
	auto r = read_file(el, p);
	CHECK(r.rows == Rows{{"a", "b"}, {"c", "d"}, {"e", "f"}, {"g", "h"}});
	CHECK(r.lines == std::vector<int64_t>{2, 2, 3, 4});
}

TEST_CASE("reGrammar regex separators and recordCleaner") {
	TempDir d;
	auto p = d.write("c.txt", "rec: 1 , 2\n--\nrec: 3 ,4\n---\n");
	auto el = element("reGrammar", {{"names", "a,b"},
	                                {"recordSep", "\\n-+\\n"},
	                                {"fieldSep", "\\s*,\\s*"},
	                                {"recordCleaner", "rec:\\s*(.*)"}});
	auto r = read_file(el, p);
	CHECK(r.rows == Rows{{"1", "2"}, {"3", "4"}});
}

TEST_CASE("reGrammar field counts: error unless lax") {
	TempDir d;
	auto p = d.write("data/d.txt", "1 2\n3\n4 5 6\n");
	CHECK(error_of([&] {
		      read_file(element("reGrammar", {{"names", "a,b"}}), p, d.path());
	      }).starts_with("data/d.txt:2: expected 2 fields, found 1"));
	auto r = read_file(element("reGrammar", {{"names", "a,b"}, {"lax", "True"}}), p, d.path());
	CHECK(r.rows == Rows{{"1", "2"}, {"3", "NULL"}, {"4", "5"}});
}

TEST_CASE("reGrammar rejects bad and non-RE2 patterns when the RD is read") {
	CHECK(error_of([] {
		      make_grammar(element("reGrammar", {{"names", "a"}, {"fieldSep", "(a"}}));
	      }).starts_with("q.rd:12: reGrammar fieldSep: bad regular expression '(a'"));
	std::string e = error_of([] {
		make_grammar(element("reGrammar", {{"names", "a"}, {"recordSep", "x(?=y)"}}));
	});
	CHECK(e.find("lookaround is not supported") != std::string::npos);
	CHECK(error_of([] {
		      make_grammar(element("reGrammar"));
	      }).starts_with("q.rd:12: reGrammar names: is required"));
}

TEST_CASE("reGrammar is linear on patterns that make backtracking engines explode") {
	TempDir d;
	std::string line(30, 'a');
	std::string content;
	for (int i = 0; i < 200; ++i)
		content += line + "!\n";
	auto p = d.write("evil.txt", content);
	// (a+)+b against a^30 takes ~2^30 steps in a backtracking engine per record.
	auto r = read_file(element("reGrammar", {{"names", "x"}, {"lax", "True"}, {"fieldSep", "(a+)+b"}}), p);
	CHECK(r.rows.size() == 200);
	CHECK(r.rows[0][0] == line + "!");
}

TEST_CASE("reGrammar records across chunk borders") {
	TempDir d;
	std::string content;
	for (int i = 0; i < 500; ++i)
		content += std::to_string(i) + " v" + std::to_string(i) + "\n--\n";
	auto p = d.write("m.txt", content);
	auto el = element("reGrammar", {{"names", "n,v"}, {"recordSep", "\\n--\\n"}});
	auto ref = read_file(el, p);
	REQUIRE(ref.rows.size() == 500);
	auto small = read_file(el, p, {}, ReadOptions{70, 5});
	CHECK(small.rows == ref.rows);
	CHECK(small.lines == ref.lines);
	CHECK(ref.lines[499] == 999);
}
