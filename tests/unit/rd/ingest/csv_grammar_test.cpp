#include "ingest_test_util.hpp"
#include "meles/rd/ingest/grammars/csv_grammar.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace meles;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;

TEST_CASE("csvGrammar takes names from the header and numbers lines") {
	TempDir d;
	auto p = d.write("data/cat.csv", "id,ra,name\n1,10.5,alpha\n2,11.25,beta\n");
	auto r = read_file(element("csvGrammar"), p, d.path());
	CHECK(r.names == std::vector<std::string>{"id", "ra", "name"});
	CHECK(r.rows == Rows{{"1", "10.5", "alpha"}, {"2", "11.25", "beta"}});
	CHECK(r.lines == std::vector<int64_t>{2, 3});
}

TEST_CASE("csvGrammar with names reads the first line as data") {
	TempDir d;
	auto p = d.write("a.csv", "1,2\n3,4"); // no final newline
	auto r = read_file(element("csvGrammar", {{"names", "a, b"}}), p);
	CHECK(r.names == std::vector<std::string>{"a", "b"});
	CHECK(r.rows == Rows{{"1", "2"}, {"3", "4"}});
	CHECK(r.lines == std::vector<int64_t>{1, 2});
}

TEST_CASE("csvGrammar quotes like Python's csv module") {
	TempDir d;
	auto p = d.write("q.csv", "a,b,c\n"
	                          "\"x,y\",\"say \"\"hi\"\"\",plain\n"
	                          "\"two\nlines\",ab\"c,\"ab\"cd\n"
	                          "\"\",,\"\"\"\"\r\n"
	                          "\"cr\r\nlf\",\" pad \",end\n"
	                          "last,row,here\n");
	auto r = read_file(element("csvGrammar"), p);
	CHECK(r.rows == Rows{{"x,y", "say \"hi\"", "plain"},
	                     {"two\nlines", "ab\"c", "abcd"},
	                     {"", "", "\""},
	                     {"cr\nlf", " pad ", "end"},
	                     {"last", "row", "here"}});
	CHECK(r.lines == std::vector<int64_t>{2, 3, 5, 6, 8});
}

TEST_CASE("csvGrammar skips blank lines and keeps counting them") {
	TempDir d;
	auto p = d.write("b.csv", "x\n\n1\n\r\n\n2\n\n");
	auto r = read_file(element("csvGrammar"), p);
	CHECK(r.rows == Rows{{"1"}, {"2"}});
	CHECK(r.lines == std::vector<int64_t>{3, 6});
}

TEST_CASE("csvGrammar reports ragged rows with file and line") {
	TempDir d;
	auto p = d.write("data/cat.csv", "a,b,c\n1,2,3\n4,5\n");
	CHECK(error_of([&] { read_file(element("csvGrammar"), p, d.path()); }) ==
	      "data/cat.csv:3: expected 3 fields, found 2");
	auto p2 = d.write("data/long.csv", "a,b\n1,2\n3,4\n5,6,7\n");
	CHECK(error_of([&] { read_file(element("csvGrammar"), p2, d.path()); }) ==
	      "data/long.csv:4: expected 2 fields, found 3");
}

TEST_CASE("csvGrammar reports an unterminated quote at the record's line") {
	TempDir d;
	auto p = d.write("u.csv", "a,b\n1,2\n3,\"open\nstill open\n");
	CHECK(error_of([&] {
		      read_file(element("csvGrammar"), p);
	      }).starts_with(p + ":3: unterminated quoted field"));
}

TEST_CASE("csvGrammar strip, delimiter and topIgnoredLines") {
	TempDir d;
	auto p = d.write("s.csv", "# produced by a tool\n# second comment\n id | mag \n 1 | 12.5\n2|  \n");
	auto r = read_file(
	    element("csvGrammar", {{"delimiter", "|"}, {"strip", "True"}, {"topIgnoredLines", "2"}}), p);
	CHECK(r.names == std::vector<std::string>{"id", "mag"});
	CHECK(r.rows == Rows{{"1", "12.5"}, {"2", ""}});
	CHECK(r.lines == std::vector<int64_t>{4, 5});

	auto t = d.write("t.tsv", "a\tb\n1\t 2 \n");
	auto rt = read_file(element("csvGrammar", {{"delimiter", "\\t"}}), t);
	CHECK(rt.rows == Rows{{"1", " 2 "}});
}

TEST_CASE("csvGrammar header edge cases") {
	TempDir d;
	SUBCASE("empty file gives no records") {
		auto r = read_file(element("csvGrammar"), d.write("e.csv", ""));
		CHECK(r.rows.empty());
		CHECK(r.names.empty());
	}
	SUBCASE("header only") {
		auto r = read_file(element("csvGrammar"), d.write("h.csv", "a,b\n"));
		CHECK(r.names == std::vector<std::string>{"a", "b"});
		CHECK(r.rows.empty());
	}
	SUBCASE("duplicate names are an error naming the header line") {
		auto p = d.write("dup.csv", "\nid,mag,id\n1,2,3\n");
		CHECK(error_of([&] {
			      read_file(element("csvGrammar"), p);
		      }).starts_with(p + ":2: field name 'id' occurs twice"));
	}
	SUBCASE("UTF-8 byte order mark is dropped") {
		auto r = read_file(element("csvGrammar"), d.write("bom.csv", "\xEF\xBB\xBFid\n7\n"));
		CHECK(r.names == std::vector<std::string>{"id"});
	}
}

TEST_CASE("csvGrammar encodings") {
	TempDir d;
	auto latin = d.write("l.csv", "name\nM\xFCller\n\xC5ngstr\xF6m\n");
	SUBCASE("latin-1 is converted to UTF-8") {
		auto r = read_file(element("csvGrammar", {{"enc", "iso-8859-1"}}), latin);
		CHECK(r.rows == Rows{{"M\xC3\xBCller"}, {"\xC3\x85ngstr\xC3\xB6m"}});
	}
	SUBCASE("cp1252 maps its extra characters") {
		auto p = d.write("w.csv", "x\n\x80 \x93q\x94\n");
		auto r = read_file(element("csvGrammar", {{"enc", "cp1252"}}), p);
		CHECK(r.rows == Rows{{"\xE2\x82\xAC \xE2\x80\x9Cq\xE2\x80\x9D"}});
	}
	SUBCASE("invalid UTF-8 names the line and suggests enc") {
		std::string e = error_of([&] { read_file(element("csvGrammar"), latin); });
		CHECK(e.starts_with(latin + ":2: invalid UTF-8 (byte 0xFC)"));
		CHECK(e.find("enc=") != std::string::npos);
	}
	SUBCASE("ascii rejects other bytes") {
		auto p = d.write("a.csv", "x\nok\nM\xC3\xBCller\n");
		CHECK(error_of([&] {
			      read_file(element("csvGrammar", {{"enc", "ascii"}}), p);
		      }).starts_with(p + ":3: non-ASCII byte 0xC3"));
	}
	SUBCASE("unknown encodings are refused when the RD is read") {
		CHECK(error_of([&] {
			      make_grammar(element("csvGrammar", {{"enc", "ebcdic"}}));
		      }).starts_with("q.rd:12: unsupported enc 'ebcdic'"));
	}
}

TEST_CASE("csvGrammar preFilter and gunzip run the file through gzip") {
	TempDir d;
	std::string content = "id,v\n";
	for (int i = 1; i <= 5000; ++i)
		content += std::to_string(i) + "," + std::to_string(i * 3) + "\n";
	auto plain = d.write("data/big.csv", content);
	REQUIRE(std::system(("gzip -c '" + plain + "' > '" + plain + ".gz'").c_str()) == 0);
	auto gz = plain + ".gz";
	for (auto el :
	     {element("csvGrammar", {{"preFilter", "zcat"}}), element("csvGrammar", {{"gunzip", "True"}}),
	      element("csvGrammar", {{"preFilter", "gzip -dc | sed -e 's/^1,/one,/'"}})}) {
		auto g = make_grammar(el);
		auto src = SourceInfo::for_file(gz, d.path());
		auto reader = g->open(src, ReadOptions{4096, 1000});
		RecordBatch b;
		size_t rows = 0;
		std::string first;
		while (reader->next(b)) {
			if (rows == 0) first = render(b.value(0, 0));
			rows += b.size();
			CHECK(b.size() <= 1000);
		}
		CHECK(rows == 5000);
		// Progress counts compressed bytes read by the filter.
		CHECK(reader->bytes_consumed() == src.size);
		CHECK((first == "1" || first == "one"));
	}
}

TEST_CASE("csvGrammar preFilter failures are errors with the filter's message") {
	TempDir d;
	auto p = d.write("data/x.csv", "a\n1\n");
	std::string e = error_of([&] { read_file(element("csvGrammar", {{"preFilter", "zcat"}}), p, d.path()); });
	CHECK(e.starts_with("data/x.csv: filter 'zcat' failed (exit status 1)"));
	CHECK(e.find("not in gzip format") != std::string::npos);
	std::string e2 = error_of([&] {
		read_file(element("csvGrammar", {{"preFilter", "echo boom >&2; exit 3"}}), p, d.path());
	});
	CHECK(e2 == "data/x.csv: filter 'echo boom >&2; exit 3' failed (exit status 3): boom");
	std::string e3 = error_of([&] {
		read_file(element("csvGrammar", {{"preFilter", "no-such-command-xyz"}}), p, d.path());
	});
	CHECK(e3.find("no-such-command-xyz") != std::string::npos);
}

TEST_CASE("csvGrammar preFilter runs in resdir") {
	TempDir d;
	d.write("bin/up.sh", "#!/bin/sh\ntr a-z A-Z\n");
	std::filesystem::permissions(d.file("bin/up.sh"), std::filesystem::perms::owner_all);
	auto p = d.write("data/x.csv", "name\nvega\n");
	auto r = read_file(element("csvGrammar", {{"preFilter", "bin/up.sh"}}), p, d.path());
	CHECK(r.names == std::vector<std::string>{"NAME"});
	CHECK(r.rows == Rows{{"VEGA"}});
}

TEST_CASE("csvGrammar gives the same records for any chunk size") {
	// Records straddle chunk borders in every possible place, including inside quotes,
	// doubled quotes and CR LF pairs.
	std::string content = "k,text,n\n";
	for (int i = 0; i < 300; ++i) {
		content += std::to_string(i) + ",";
		switch (i % 5) {
		case 0:
			content += "\"q,\"\"uo\"\"te\nnl\"";
			break;
		case 1:
			content += "plain";
			break;
		case 2:
			content += "\"\"";
			break;
		case 3:
			content += "\"a\r\nb\"x";
			break;
		case 4:
			content += "ab\"c";
			break;
		}
		content += "," + std::to_string(i * i) + (i % 7 == 0 ? "\r\n" : "\n");
	}
	TempDir d;
	auto p = d.write("c.csv", content);
	auto reference = read_file(element("csvGrammar"), p);
	REQUIRE(reference.rows.size() == 300);
	CHECK(reference.rows[0] == std::vector<std::string>{"0", "q,\"uo\"te\nnl", "0"});
	CHECK(reference.rows[3] == std::vector<std::string>{"3", "a\nbx", "9"});
	for (size_t chunk : {64, 65, 97, 128, 1000}) {
		for (size_t maxrec : {1, 7, 8192}) {
			auto r = read_file(element("csvGrammar"), p, {}, ReadOptions{chunk, maxrec});
			CHECK(r.rows == reference.rows);
			CHECK(r.lines == reference.lines);
		}
	}
}

TEST_CASE("csvGrammar agrees with Python's csv module") {
	// The reference DaCHS uses: csv.reader over a file opened in text mode.
	std::string content =
	    "a,b,c\n\"x\"y,z,\"\"\"\"\n \"lead\",\"tr\" ,w\n\"m\nl\",,\n\"\"\"a\"\"b\"\"\",2,3\r\nq,\"\",\"e\"\n";
	TempDir d;
	auto p = d.write("py.csv", content);
	auto out = d.file("py.out");
	std::string cmd = "/usr/bin/python3 -c \"import csv,sys\n"
	                  "rows=[r for r in csv.reader(open(sys.argv[1], encoding='utf-8'))][1:]\n"
	                  "sys.stdout.write(''.join(chr(30).join(r)+chr(31) for r in rows if r))\" '" +
	                  p + "' > '" + out + "'";
	REQUIRE(std::system(cmd.c_str()) == 0);
	std::ifstream in(out, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	std::string expected = ss.str();
	auto r = read_file(element("csvGrammar"), p);
	std::string got;
	for (auto& row : r.rows) {
		for (size_t i = 0; i < row.size(); ++i)
			got += (i ? "\x1e" : "") + row[i];
		got += "\x1f";
	}
	CHECK(got == expected);
}

TEST_CASE("csvGrammar batches stay valid while another batch is filled") {
	TempDir d;
	std::string content = "v\n";
	for (int i = 0; i < 100; ++i)
		content += "\"val" + std::to_string(i) + "\"\"\"\n";
	auto p = d.write("v.csv", content);
	auto g = make_grammar(element("csvGrammar"));
	auto reader = g->open(SourceInfo::for_file(p), ReadOptions{256, 10});
	RecordBatch a, b;
	REQUIRE(reader->next(a));
	REQUIRE(reader->next(b));
	CHECK(a.value(0, 0).as_text() == "val0\"");
	CHECK(b.value(0, 0).as_text() == "val10\"");
	REQUIRE(reader->next(a));
	CHECK(a.value(0, 0).as_text() == "val20\"");
	CHECK(b.value(9, 0).as_text() == "val19\"");
}

TEST_CASE("csvGrammar attributes are validated with RD positions") {
	CHECK(error_of([] {
		      make_grammar(element("csvGrammar", {{"delimter", ";"}}));
	      }) == "q.rd:12: unknown attribute 'delimter' on csvGrammar; did you mean 'delimiter'?");
	CHECK(error_of([] {
		      make_grammar(element("csvGrammar", {{"strip", "maybe"}}));
	      }) == "q.rd:12: csvGrammar strip: 'maybe' is not a boolean (use True or False)");
	CHECK(error_of([] {
		      make_grammar(element("csvGrammar", {{"delimiter", ";;"}}));
	      }) == "q.rd:12: csvGrammar delimiter: must be a single character, not ';;'");
	CHECK(error_of([] {
		      make_grammar(element("csvGrammar", {{"topIgnoredLines", "-1"}}));
	      }).starts_with("q.rd:12: csvGrammar topIgnoredLines: -1 is out of range"));
	// Atomic attributes may be child elements; ignoreOn and friends belong to the rowmaker.
	GrammarElement names = element("names", {}, {}, " x, y ");
	GrammarElement ignore = element("ignoreOn", {}, {element("keyIs", {{"key", "x"}, {"value", "0"}})});
	auto g = make_grammar(element("csvGrammar", {}, {names, ignore}));
	CHECK(g->declared_fields() ==
	      std::optional<std::vector<std::string>>(std::vector<std::string>{"x", "y"}));
	CHECK(error_of([] { make_grammar(element("csvGrammar", {}, {element("rowfilters")})); }) ==
	      "q.rd:12: unknown element 'rowfilters' in csvGrammar; did you mean 'rowfilter'?");
}

TEST_CASE("csvGrammar records longer than a chunk grow the buffer") {
	TempDir d;
	std::string big(600 * 1024, 'x');
	big[1000] = '\n';
	big[2000] = ',';
	auto p = d.write("huge.csv", "a,b\n1,\"" + big + "\"\n2,small\n");
	auto r = read_file(element("csvGrammar"), p, {}, ReadOptions{4096, 8192});
	REQUIRE(r.rows.size() == 2);
	CHECK(r.rows[0][1] == big);
	CHECK(r.rows[1] == std::vector<std::string>{"2", "small"});
	CHECK(r.lines == std::vector<int64_t>{2, 4});
}

TEST_CASE("csvGrammar: dropping a reader stops an endless preFilter") {
	TempDir d;
	auto p = d.write("x.csv", "");
	auto g = make_grammar(element("csvGrammar", {{"names", "x"}, {"preFilter", "yes 12345"}}));
	auto reader = g->open(SourceInfo::for_file(p), ReadOptions{4096, 100});
	RecordBatch b;
	REQUIRE(reader->next(b));
	CHECK(b.size() == 100);
	CHECK(b.value(99, 0).as_text() == "12345");
	reader.reset(); // must terminate and reap `yes`, not hang
	CHECK(b.line(99) == 100);
}

namespace {

// Records and problems of a source read with bad_records_in_batch: "line: message" for bad
// records, the first field's text for good ones.
std::vector<std::string> read_with_problems(const std::string& path, size_t chunk = 256 * 1024) {
	ReadOptions ro;
	ro.bad_records_in_batch = true;
	ro.chunk_bytes = chunk;
	auto g = make_grammar(element("csvGrammar"));
	auto reader = g->open(SourceInfo::for_file(path), ro);
	RecordBatch batch;
	std::vector<std::string> out;
	while (reader->next(batch))
		for (size_t i = 0; i < batch.size(); ++i)
			if (auto* p = batch.problem(i))
				out.push_back(std::to_string(batch.line(i)) + ": " + *p);
			else
				out.push_back(std::string(batch.value(i, 0).as_text()));
	return out;
}

} // namespace

TEST_CASE("csvGrammar puts unparseable records into the batch in file order, skipping only their line") {
	TempDir d;
	auto p = d.write("bad.csv", "a,b,c\n"
	                            "1,x,y\n"
	                            "2,short\n"    // line 3: too few fields
	                            "3,\"open,y\n" // line 4: quote never closed
	                            "4,x,y\n"
	                            "5,x,y,extra\n" // line 6: too many
	                            "6,x,y\n");
	auto got = read_with_problems(p);
	REQUIRE(got.size() == 6);
	CHECK(got[0] == "1");
	CHECK(got[1] == "3: expected 3 fields, found 2");
	CHECK(got[2].starts_with("4: unterminated quoted field: field 2 opens a quote that is never closed"));
	CHECK(got[3] == "4");
	CHECK(got[4] == "6: expected 3 fields, found 4");
	CHECK(got[5] == "6");
	// the same with chunks smaller than the file: records cut at chunk ends are carried over
	CHECK(read_with_problems(p, 8) == got);
}

TEST_CASE("csvGrammar says where a quote that spans lines opened and closed") {
	TempDir d;
	// Line 3 opens a quote that the stray one on line 5 closes: Python's csv reads lines 3-5 as
	// one record, here of 4 fields.
	auto q = d.write("span.csv", "a,b,c\n1,x,y\n2,\"open,y\n3,x,y\n4,x\"y,z,w\n5,x,y\n");
	CHECK(error_of([&] { read_file(element("csvGrammar"), q); }) ==
	      q + ":3: expected 3 fields, found 4 (field 2 opens a quote on line 3 that closes only on line 5: "
	          "is a "
	          "closing quote missing?)");
	// Skipping bad records costs line 3 only; line 5 is bad in its own right.
	auto got = read_with_problems(q);
	REQUIRE(got.size() == 5);
	CHECK(got[0] == "1");
	CHECK(got[1].starts_with("3: expected 3 fields, found 4 (field 2 opens a quote on line 3"));
	CHECK(got[2] == "3");
	CHECK(got[3] == "5: expected 3 fields, found 4");
	CHECK(got[4] == "5");
}
