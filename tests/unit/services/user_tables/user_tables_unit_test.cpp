// The parts of persistent user tables that need no database: table names, index requests,
// the size estimate, catalog entries and the VOSI documents.
#include "meles/services/user_tables/user_tables.hpp"
#include "user_tables/index_job.hpp"
#include "user_tables/table_builder.hpp"
#include "user_tables/vosi_table.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::services::user_tables;

namespace {

ColumnMeta col(const std::string& name, const std::string& type, bool delimited = false) {
	ColumnMeta m;
	m.name = name;
	m.type = SqlType::parse(type);
	m.delimited = delimited;
	return m;
}

UserTable sample() {
	UserTable t;
	t.sql_name = "tabcdefghijklmnopqrst";
	t.name = "my_upload";
	t.description = "Stars from somewhere";
	t.nrows = 12;
	t.destruction = *parse_iso("2030-01-02T03:04:05Z");
	t.columns = {col("id", "bigint"),     col("RA", "double precision"), col("dec", "double precision"),
	             col("_r", "real", true), col("pos", "spoint"),          col("Odd \"Name\"", "text", true)};
	t.columns[1].unit = "deg";
	t.columns[1].ucd = "pos.eq.ra";
	t.columns[1].description = "Right <ascension>";
	return t;
}

} // namespace

TEST_CASE("user tables: names are regular ADQL identifiers, not reserved words") {
	CHECK(check_table_name("my_upload") == "my_upload");
	CHECK(check_table_name("MyTable2") == "mytable2");
	CHECK(check_table_name(std::string(60, 'a')) == std::string(60, 'a'));
	for (const char* bad :
	     {"join", "JOIN", "select", "Top", "1abc", "_x", "a-b", "a b", "x.y", "\"q\"", "", "ä"}) {
		CAPTURE(bad);
		CHECK_THROWS_WITH_AS(check_table_name(bad),
		                     doctest::Contains("cannot be used as an upload table name"), Error);
	}
	CHECK_THROWS(check_table_name(std::string(61, 'a')));
	try {
		check_table_name("join");
	} catch (const Error& e) {
		CHECK(e.message() ==
		      "'join' cannot be used as an upload table name (which must be regular ADQL identifiers, "
		      "in particular not ADQL reserved words).");
		CHECK(e.kind() == ErrorKind::Validation);
	}
	auto a = new_sql_name(), b = new_sql_name();
	CHECK(a.size() == 21);
	CHECK(a[0] == 't');
	CHECK(a != b);
}

TEST_CASE("user tables: index requests name columns as ADQL does and choose the index") {
	UserTable t = sample();
	auto q3c = plan_index(t, "ra, dec", std::nullopt, IndexKind::Q3c);
	CHECK(q3c.index.kind == IndexKind::Q3c);
	CHECK(q3c.index.columns == std::vector<size_t>{1, 2});
	CHECK(q3c.cluster);
	CHECK(q3c.create_sql == "CREATE INDEX tabcdefghijklmnopqrst_q3c_1_2 ON tap_user.tabcdefghijklmnopqrst "
	                        "(q3c_ang2ipix(ra, \"dec\"))");
	auto sp = plan_index(t, "RA,DEC", std::nullopt, IndexKind::Spoint);
	CHECK(sp.index.kind == IndexKind::Spoint);
	CHECK(sp.create_sql.find("USING gist (" + adql::spoint_sql("ra", "\"dec\"") + ")") != std::string::npos);
	CHECK(plan_index(t, "ra,dec", std::string("pgsphere"), IndexKind::Q3c).index.kind == IndexKind::Spoint);
	auto bt = plan_index(t, "\"_r\"", std::nullopt, IndexKind::Q3c);
	CHECK(bt.index.kind == IndexKind::Btree);
	CHECK_FALSE(bt.cluster);
	CHECK(bt.create_sql.find(" (_r)") != std::string::npos);
	auto odd = plan_index(t, "\"Odd \"\"Name\"\"\", id", std::string("btree"), IndexKind::Q3c);
	CHECK(odd.index.columns == std::vector<size_t>{5, 0});
	CHECK(plan_index(t, "pos", std::nullopt, IndexKind::Q3c).index.kind == IndexKind::Gist);

	CHECK_THROWS_WITH_AS(plan_index(t, "ra,nosuch", std::nullopt, IndexKind::Q3c),
	                     doctest::Contains("no column nosuch"), Error);
	CHECK_THROWS_WITH_AS(plan_index(t, "\"ra\",\"DEC\"", std::nullopt, IndexKind::Q3c),
	                     doctest::Contains("no column \"DEC\""), Error); // delimited: exact
	// PostgreSQL's reading of a bare _r is "_r" (lenient: ADQL would want the quotes).
	CHECK(plan_index(t, "_r", std::nullopt, IndexKind::Q3c).index.columns == std::vector<size_t>{3});
	CHECK_THROWS_WITH_AS(plan_index(t, "ra,\"Odd \"\"Name\"\"\"", std::nullopt, IndexKind::Q3c),
	                     doctest::Contains("not numeric"), Error);
	CHECK_THROWS_WITH_AS(plan_index(t, "id", std::string("q3c"), IndexKind::Q3c),
	                     doctest::Contains("two columns"), Error);
	CHECK_THROWS_WITH_AS(plan_index(t, "ra,ra", std::nullopt, IndexKind::Q3c), doctest::Contains("twice"),
	                     Error);
	CHECK_THROWS_WITH_AS(plan_index(t, "ra,dec", std::string("hash"), IndexKind::Q3c),
	                     doctest::Contains("KIND"), Error);
	CHECK_THROWS(plan_index(t, "", std::nullopt, IndexKind::Q3c));
	CHECK_THROWS(plan_index(t, "\"ra", std::nullopt, IndexKind::Q3c));
}

TEST_CASE("user tables: catalog entries carry the random SQL name and the index facts") {
	UserTable t = sample();
	t.indexes.push_back({"i1", IndexKind::Q3c, {1, 2}});
	t.indexes.push_back({"i2", IndexKind::Btree, {0}});
	t.indexes.push_back({"i3", IndexKind::Gist, {4}});
	auto e = table_entry(t);
	CHECK(e.schema == "tap_user");
	CHECK(e.name == "my_upload");
	CHECK(e.sql_name == "tap_user.tabcdefghijklmnopqrst");
	REQUIRE(e.q3c_indexes.size() == 1);
	CHECK(e.q3c_indexes[0].ra == "RA");
	CHECK(e.q3c_indexes[0].dec == "dec");
	CHECK(e.spoint_indexes.empty());
	CHECK(e.gist_columns == std::vector<std::string>{"pos"});
	CHECK(e.columns.size() == 6);
}

TEST_CASE("user tables: the size estimate counts tuples, fixed widths and text") {
	SizeEstimator est({col("id", "bigint"), col("x", "real"), col("s", "text"), col("a", "integer[]")});
	CHECK(est.estimate("") == 0);
	// 28 per row + 8 + 4 + (5 + 1) + (7 + 1)
	CHECK(est.estimate("1\t2.5\thello\t{1,2,3}\n") == 28 + 8 + 4 + 6 + 8);
	CHECK(est.estimate("1\t\\N\t\\N\t\\N\n") == 28 + 8);
	CHECK(est.estimate("1\t2\ta\t{}\n2\t3\tb\t{}\n") == 2 * (28 + 8 + 4 + 2 + 3));
}

TEST_CASE("user tables: VOSI documents") {
	UserTable t = sample();
	t.columns[1].indexed = true;
	std::string doc = table_document(t);
	CHECK(doc.find("<vtm:table xmlns:vtm=\"http://www.ivoa.net/xml/VOSITables/v1.0\"") != std::string::npos);
	CHECK(doc.find("<name>tap_user.my_upload</name>") != std::string::npos);
	CHECK(doc.find("Stars from somewhere. This table will be dropped at 2030-01-02T03:04:05Z") !=
	      std::string::npos);
	CHECK(doc.find("<nrows>12</nrows>") != std::string::npos);
	CHECK(
	    doc.find(
	        "<name>RA</name>\n    <description>Right &lt;ascension&gt;</description>\n    <unit>deg</unit>\n"
	        "    <ucd>pos.eq.ra</ucd>\n    <dataType xsi:type=\"vs:VOTableType\">double</dataType>\n"
	        "    <flag>indexed</flag>\n    <flag>nullable</flag>") != std::string::npos);
	CHECK(doc.find("<name>\"_r\"</name>") != std::string::npos);
	CHECK(doc.find("<name>\"Odd \"\"Name\"\"\"</name>") != std::string::npos);
	CHECK(doc.find("<xtype>point</xtype>\n    <dataType xsi:type=\"vs:VOTableType\" "
	               "arraysize=\"2\">double</dataType>") != std::string::npos);
	std::string set = tableset_document({t, t});
	CHECK(set.find("<vtm:tableset") != std::string::npos);
	CHECK(set.find("<schema>\n    <name>tap_user</name>") != std::string::npos);
	size_t n = 0;
	for (size_t p = set.find("<table>"); p != std::string::npos; p = set.find("<table>", p + 1))
		++n;
	CHECK(n == 2);
	CHECK(format_bytes(17) == "17 bytes");
	CHECK(format_bytes(300 * 1024) == "300 KiB");
	CHECK(format_bytes(int64_t(10) << 30) == "10.0 GiB");
}
