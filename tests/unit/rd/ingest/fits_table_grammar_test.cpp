#include "ingest_test_util.hpp"
#include "meles/rd/ingest/grammars/fits_table_grammar.hpp"
#include "unit/core/fits/sample_tables.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;

TEST_CASE("fitsTableGrammar yields typed values with scaling, nulls and arrays") {
	TempDir d;
	auto p = d.file("data/cat.fits");
	std::filesystem::create_directories(d.file("data"));
	core::fits::write_fits_tables(p, meles::testing::sample_tables());
	auto g = make_grammar(element("fitsTableGrammar"));
	CHECK(g->yields_typed());
	auto src = SourceInfo::for_file(p, d.path());
	auto reader = g->open(src);
	const FieldLayout& l = reader->layout();
	CHECK(l.names() == std::vector<std::string>{"ID", "RA", "Flux", "u16", "NAME", "GOOD", "VEC", "IVEC",
	                                            "BITS", "VAR", "VSTR", "FLAGS"});
	CHECK(l.field(*l.index_of("RA")).kind == ValueKind::Double);
	CHECK(l.field(*l.index_of("RA")).unit == "deg");
	CHECK(l.field(*l.index_of("VEC")).kind == ValueKind::DoubleArray);
	CHECK(l.field(*l.index_of("BITS")).kind == ValueKind::BoolArray);
	CHECK(l.field(*l.index_of("ID")).kind == ValueKind::Int);
	auto r = read_all(*g, src);
	CHECK(r.rows == Rows{
	                    {"1", "10.5", "105", "0", "alpha", "T", "[1,2,3]", "[1,NULL]", "[T,F,T,T]", "[1]",
	                     "short", "[T,F]"},
	                    {"2", "nan", "NULL", "32768", "", "F", "[4,nan,6]", "[2,3]", "[F,F,F,F]", "[]",
	                     "a longer one", "[T,NULL]"},
	                    {"3", "12", "110", "65535", "gamma", "NULL", "[7,8,9]", "[NULL,NULL]", "[T,T,T,T]",
	                     "[5,6,7]", "x", "[F,F]"},
	                });
	CHECK(r.lines == std::vector<int64_t>{1, 2, 3});
	CHECK(reader->bytes_consumed() == 0);
}

TEST_CASE("fitsTableGrammar nanIsNULL, lowerKeys, hdu and small batches") {
	TempDir d;
	auto p = d.file("t.fits");
	core::fits::write_fits_tables(p, meles::testing::sample_tables());
	auto r = read_file(element("fitsTableGrammar", {{"nanIsNULL", "True"}, {"lowerKeys", "True"}}), p, {},
	                   ReadOptions{1 << 16, 2});
	CHECK(r.names[0] == "id");
	CHECK(r.names[2] == "flux");
	CHECK(r.rows[1][1] == "NULL");
	CHECK(r.rows[1][6] == "[4,NULL,6]");
	CHECK(r.batches == 2);
	auto a = read_file(element("fitsTableGrammar", {{"hdu", "2"}}), p);
	CHECK(a.names == std::vector<std::string>{"N", "X", "S"});
	CHECK(a.rows == Rows{{"1", "1.5", "one"}, {"2", "NULL", "two"}, {"3", "-2.25", "three"}});
}

TEST_CASE("fitsTableGrammar errors") {
	TempDir d;
	auto p = d.file("data/t.fits");
	std::filesystem::create_directories(d.file("data"));
	core::fits::write_fits_tables(p, meles::testing::sample_tables());
	CHECK(error_of([&] {
		      read_file(element("fitsTableGrammar", {{"hdu", "7"}}), p, d.path());
	      }) == "data/t.fits: the file has no HDU 7 (it has 3, numbered from 0 = primary)");
	CHECK(error_of([] {
		      make_grammar(element("fitsTableGrammar", {{"hdu", "one"}}));
	      }) == "q.rd:12: fitsTableGrammar hdu: 'one' is not an integer");
	CHECK(error_of([] {
		      make_grammar(element("fitsTableGrammar", {{"nanIsNull", "True"}}));
	      }) == "q.rd:12: unknown attribute 'nanIsNull' on fitsTableGrammar; did you mean 'nanIsNULL'?");
	auto bad = d.write("data/not.fits", "this is not FITS at all");
	CHECK(error_of([&] {
		      read_file(element("fitsTableGrammar"), bad, d.path());
	      }).starts_with("data/not.fits: cannot open FITS file"));
}

TEST_CASE("fitsTableGrammar progress reaches the file size") {
	TempDir d;
	auto p = d.file("t.fits");
	core::fits::write_fits_tables(p, meles::testing::sample_tables());
	auto g = make_grammar(element("fitsTableGrammar"));
	auto src = SourceInfo::for_file(p);
	auto reader = g->open(src);
	RecordBatch b;
	while (reader->next(b)) {
	}
	CHECK(reader->bytes_consumed() == src.size);
}
