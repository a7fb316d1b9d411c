#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/pg/copy_out.hpp"
#include "meles/core/common/strings.hpp"
#include "test_db.hpp"

#include <doctest/doctest.h>

using namespace meles;
using meles::testing::TestDb;

namespace {
ColumnMeta col(const std::string& name, const std::string& type) {
	ColumnMeta c;
	c.name = name;
	c.type = SqlType::parse(type);
	return c;
}
formats::TableHeader header(const std::vector<ColumnMeta>& cols) {
	formats::TableHeader h;
	h.columns = cols;
	return h;
}
} // namespace

TEST_CASE("pg: binary COPY streams every column type into a writer") {
	TestDb db("copy_out");
	pg::Connection c(db.admin());
	c.exec(R"(CREATE TABLE t (i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, b boolean,
		s text, ch char(3), ts timestamp, d date, p spoint, ci scircle, po spoly, ar real[], ai integer[]);
	INSERT INTO t VALUES (1, 2, 3, 1.5, 2.25, true, 'a,"b"', 'xy', '2026-11-23 19:39:04.5', '2026-11-23',
		spoint(radians(10), radians(20)), scircle(spoint(radians(10), radians(20)), radians(0.5)),
		spoly '{(0.1,0.2),(0.2,0.2),(0.2,0.3)}', '{1.5,2.5,3.5}', '{7,8}');
	INSERT INTO t VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);)");
	std::vector<ColumnMeta> cols = {col("i2", "smallint"),
	                                col("i4", "integer"),
	                                col("i8", "bigint"),
	                                col("f4", "real"),
	                                col("f8", "double precision"),
	                                col("b", "boolean"),
	                                col("s", "text"),
	                                col("ch", "char(3)"),
	                                col("ts", "timestamp"),
	                                col("d", "date"),
	                                col("p", "spoint"),
	                                col("ci", "scircle"),
	                                col("po", "spoly"),
	                                col("ar", "real[3]"),
	                                col("ai", "integer[]")};
	StringSink sink;
	auto w = formats::make_table_writer(formats::OutputFormat::Csv, sink);
	w->begin(header(cols));
	auto r = pg::stream_query(c, "SELECT * FROM t ORDER BY i2 NULLS LAST", cols, *w, 100);
	w->finish();
	CHECK(r.rows == 2);
	CHECK_FALSE(r.overflow);
	INFO(sink.str());
	auto lines = split(sink.str(), '\n');
	REQUIRE(lines.size() >= 3);
	CHECK(lines[1].find("1,2,3,1.5,2.25,") == 0);
	CHECK(lines[1].find("\"a,\"\"b\"\"\"") != std::string::npos);
	CHECK(lines[1].find("2026-11-23T19:39:04.5") != std::string::npos);
	CHECK(lines[1].find("10 20") != std::string::npos);       // point in degrees
	CHECK(lines[1].find("10 20 0.5") != std::string::npos);   // circle
	CHECK(lines[1].find("1.5 2.5 3.5") != std::string::npos); // real[3]
	CHECK(lines[1].find("7 8") != std::string::npos);         // integer[]
	CHECK(lines[2].find("2026") == std::string::npos);        // the null row
}

TEST_CASE("pg: stream_query cuts at max_rows and reports overflow and errors") {
	TestDb db("copy_out2");
	pg::Connection c(db.admin());
	c.exec("CREATE TABLE n AS SELECT generate_series(1, 1000) AS x");
	std::vector<ColumnMeta> cols = {col("x", "integer")};
	{
		StringSink sink;
		auto w = formats::make_table_writer(formats::OutputFormat::Csv, sink);
		w->begin(header(cols));
		auto r = pg::stream_query(c, "SELECT x FROM n ORDER BY x LIMIT 11", cols, *w, 10);
		w->finish(formats::EndStatus::Overflow);
		CHECK(r.rows == 10);
		CHECK(r.overflow);
	}
	{
		StringSink sink;
		auto w = formats::make_table_writer(formats::OutputFormat::Csv, sink);
		w->begin(header(cols));
		auto r = pg::stream_query(c, "SELECT x FROM n ORDER BY x LIMIT 10", cols, *w, 10);
		CHECK(r.rows == 10);
		CHECK_FALSE(r.overflow);
	}
	// the connection stays usable after an abandoned stream
	{
		StringSink sink;
		auto w = formats::make_table_writer(formats::OutputFormat::Csv, sink);
		w->begin(header(cols));
		auto r = pg::stream_query(c, "SELECT x FROM n", cols, *w, 5);
		CHECK(r.overflow);
	}
	CHECK(c.exec("SELECT count(*) FROM n").get(0, 0) == "1000");
	StringSink sink;
	auto w = formats::make_table_writer(formats::OutputFormat::Csv, sink);
	w->begin(header(cols));
	CHECK_THROWS_WITH_AS(pg::stream_query(c, "SELECT 1/(x-500) FROM n", cols, *w, 5000),
	                     doctest::Contains("division by zero"), pg::DbError);
	CHECK(c.exec("SELECT 1").get(0, 0) == "1");
}
