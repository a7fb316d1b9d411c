// CSV (RFC 4180) and TSV output: header line, quoting/escaping, nulls, arrays, special values.
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/formats/delimited_writer.hpp"
#include "unit/core/votable/sample_table.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace meles;
using namespace meles::testing;

namespace {

formats::TableHeader small_header() {
	formats::TableHeader h;
	h.columns = {col("id", "bigint"),    col("name, with comma", "text"),
	             col("flag", "boolean"), col("mag", "real"),
	             col("pos", "spoint"),   col("when", "timestamp")};
	return h;
}

std::string write_small(formats::Delimiter d) {
	StringSink sink;
	auto w = formats::make_delimited_writer(sink, d);
	w->begin(small_header());
	const double pos[] = {10.5, -20.25};
	auto row = [&](std::int64_t id, std::string_view name, bool flag, float mag) {
		w->begin_row();
		w->int64(id);
		w->string(name);
		w->boolean(flag);
		w->float32(mag);
		w->geometry(pos);
		w->timestamp(kTs);
		w->end_row();
	};
	row(1, "plain", true, 1.5f);
	row(2, "comma, inside", false, -0.25f);
	row(3, "quote \"here\"", true, std::numeric_limits<float>::quiet_NaN());
	row(4, "two\nlines\r\n", false, std::numeric_limits<float>::infinity());
	row(5, "", true, 0);
	row(6, "tab\there \\ back", true, 0);
	w->begin_row();
	for (int i = 0; i < 6; ++i)
		w->null();
	w->end_row();
	w->finish(formats::EndStatus::Ok);
	return sink.take();
}

} // namespace

TEST_CASE("CSV follows RFC 4180 with a header line") {
	std::string want = "id,\"name, with comma\",flag,mag,pos,when\r\n"
	                   "1,plain,true,1.5,10.5 -20.25,2021-03-04T05:06:07.123456\r\n"
	                   "2,\"comma, inside\",false,-0.25,10.5 -20.25,2021-03-04T05:06:07.123456\r\n"
	                   "3,\"quote \"\"here\"\"\",true,NaN,10.5 -20.25,2021-03-04T05:06:07.123456\r\n"
	                   "4,\"two\nlines\r\n\",false,Infinity,10.5 -20.25,2021-03-04T05:06:07.123456\r\n"
	                   "5,\"\",true,0,10.5 -20.25,2021-03-04T05:06:07.123456\r\n"
	                   "6,tab\there \\ back,true,0,10.5 -20.25,2021-03-04T05:06:07.123456\r\n"
	                   ",,,,,\r\n";
	CHECK(write_small(formats::Delimiter::Comma) == want);
}

TEST_CASE("TSV escapes tabs, newlines and backslashes") {
	std::string want = "id\tname, with comma\tflag\tmag\tpos\twhen\n"
	                   "1\tplain\ttrue\t1.5\t10.5 -20.25\t2021-03-04T05:06:07.123456\n"
	                   "2\tcomma, inside\tfalse\t-0.25\t10.5 -20.25\t2021-03-04T05:06:07.123456\n"
	                   "3\tquote \"here\"\ttrue\tNaN\t10.5 -20.25\t2021-03-04T05:06:07.123456\n"
	                   "4\ttwo\\nlines\\r\\n\tfalse\tInfinity\t10.5 -20.25\t2021-03-04T05:06:07.123456\n"
	                   "5\t\ttrue\t0\t10.5 -20.25\t2021-03-04T05:06:07.123456\n"
	                   "6\ttab\\there \\\\ back\ttrue\t0\t10.5 -20.25\t2021-03-04T05:06:07.123456\n"
	                   "\t\t\t\t\t\n";
	CHECK(write_small(formats::Delimiter::Tab) == want);
}

TEST_CASE("CSV of the full sample table reads back with Python's csv module") {
	StringSink sink;
	auto w = formats::make_delimited_writer(sink, formats::Delimiter::Comma);
	w->begin(sample_header());
	write_sample_rows(*w);
	w->finish(formats::EndStatus::Ok);
	auto path = std::filesystem::temp_directory_path() / ("meles-csv-" + std::to_string(::getpid()) + ".csv");
	std::ofstream(path, std::ios::binary) << sink.str();
	std::string cmd =
	    "/usr/bin/python3 -c 'import csv,sys,json; r=list(csv.reader(open(sys.argv[1], newline=\"\"))); "
	    "print(len(r), set(map(len, r))); print(json.dumps(r[1][6:10], ensure_ascii=False)); "
	    "print(r[2][:3], r[4][7:10])' " +
	    path.string() + " 2>&1";
	std::string out;
	FILE* p = ::popen(cmd.c_str(), "r");
	REQUIRE(p);
	char buf[4096];
	std::size_t n;
	while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
		out.append(buf, n);
	::pclose(p);
	std::filesystem::remove(path);
	CHECK(out == "5 {22}\n"
	             "[\"x\", \"abc\", \"a<b>&\\\"'\\tq\\nz\\r\\\\,\", \"Grüße ☃ 𝄞\"]\n"
	             "['', '', ''] ['', '', '']\n");
}

TEST_CASE("Delimited writers drop a partial row on error and check cell kinds") {
	StringSink sink;
	auto w = formats::make_delimited_writer(sink, formats::Delimiter::Comma);
	w->begin(small_header());
	w->begin_row();
	CHECK_THROWS_AS(w->string("not an id"), Error);
	w->finish(formats::EndStatus::Error, "boom");
	CHECK(sink.str() == "id,\"name, with comma\",flag,mag,pos,when\r\n");
}
