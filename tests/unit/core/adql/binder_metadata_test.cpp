// Unit tests of the binder's metadata inference and of the translator's interface (limits,
// tables used, CREATE TABLE targets), against a catalog built in code.
#include "meles/core/adql/catalog.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"

#include <doctest/doctest.h>

#include <limits>

using namespace meles;
using namespace meles::adql;

namespace {

ColumnMeta col(std::string name, std::string_view type, std::string unit = "", std::string ucd = "",
               std::string description = "") {
	ColumnMeta c;
	c.name = std::move(name);
	c.type = SqlType::parse(type);
	c.unit = std::move(unit);
	c.ucd = std::move(ucd);
	c.description = std::move(description);
	return c;
}

SimpleCatalog make_catalog() {
	SimpleCatalog cat;
	TableEntry stars;
	stars.schema = "cat";
	stars.name = "stars";
	stars.sql_name = "cat.stars";
	stars.columns = {col("id", "bigint", "", "meta.id;meta.main", "Identifier"),
	                 col("ra", "double precision", "deg", "pos.eq.ra;meta.main", "Right ascension"),
	                 col("dec", "double precision", "deg", "pos.eq.dec;meta.main", "Declination"),
	                 col("pmra", "real", "mas/yr", "pos.pm;pos.eq.ra", "Proper motion"),
	                 col("vmag", "real", "mag", "phot.mag;em.opt.V"),
	                 col("name", "text", "", "meta.id"),
	                 col("obs_time", "timestamp", "", "time.epoch"),
	                 col("footprint", "spoly", "deg", "pos.outline")};
	stars.columns[1].utype = "stc:AstroCoords.Position2D.Value2.C1";
	stars.columns[0].principal = true;
	stars.q3c_indexes = {{"ra", "dec"}};
	cat.add(std::move(stars));
	return cat;
}

const SimpleCatalog& catalog() {
	static const SimpleCatalog c = make_catalog();
	return c;
}

Translation tr(std::string_view q, TranslateOptions o = {}) {
	return translate(q, catalog(), o);
}

} // namespace

TEST_CASE("binder metadata: a selected column keeps all of its metadata under its output name") {
	auto t = tr("SELECT ra AS \"RightAscension\", id FROM cat.stars");
	REQUIRE(t.columns.size() == 2);
	const ColumnMeta& ra = t.columns[0];
	CHECK(ra.name == "RightAscension");
	CHECK(ra.delimited);
	CHECK(ra.unit == "deg");
	CHECK(ra.ucd == "pos.eq.ra;meta.main");
	CHECK(ra.description == "Right ascension");
	CHECK(ra.utype == "stc:AstroCoords.Position2D.Value2.C1");
	CHECK(votable_type(ra.type).datatype == "double");
	CHECK(t.columns[1].name == "id");
	CHECK(!t.columns[1].delimited);
	CHECK(t.columns[1].principal);
	CHECK(votable_type(t.columns[1].type).datatype == "long");
}

TEST_CASE("binder metadata: arithmetic keeps or combines units") {
	auto t =
	    tr("SELECT ra*2, 2*ra, ra+1, ra-dec, ra*dec, pmra/vmag, ra+vmag, -ra, ra/2, 1/ra FROM cat.stars");
	std::vector<std::string> units, ucds;
	for (auto& c : t.columns)
		units.push_back(c.unit), ucds.push_back(c.ucd);
	CHECK(units == std::vector<std::string>{"deg", "deg", "deg", "deg", "deg.deg", "(mas/yr)/mag", "", "deg",
	                                        "deg", ""});
	// arithmetic changes what a value means: no UCD survives it (ra*2 is no right ascension)
	for (auto& u : ucds)
		CHECK(u == "");
	CHECK(t.columns[0].description.empty()); // an expression is not the column
}

TEST_CASE("binder metadata: aggregates, DISTANCE, geometry and CAST") {
	auto t = tr("SELECT COUNT(*), MAX(vmag), AVG(vmag), DISTANCE(POINT(ra, dec), POINT(1, 2)), "
	            "POINT(ra, dec), footprint, CAST(vmag AS INTEGER), obs_time FROM cat.stars GROUP BY ra, dec, "
	            "footprint, obs_time");
	REQUIRE(t.columns.size() == 8);
	CHECK(t.columns[0].ucd == "meta.number");
	CHECK(t.columns[0].unit.empty());
	CHECK(votable_type(t.columns[0].type).datatype == "long");
	CHECK(t.columns[1].ucd == "phot.mag;em.opt.V;stat.max");
	CHECK(votable_type(t.columns[1].type).datatype == "float");
	CHECK(t.columns[2].ucd == "phot.mag;em.opt.V;stat.mean");
	CHECK(votable_type(t.columns[2].type).datatype == "double");
	CHECK(t.columns[3].unit == "deg");
	CHECK(t.columns[3].ucd == "pos.angDistance");
	VOTableType p = votable_type(t.columns[4].type);
	CHECK(p.datatype == "double");
	CHECK(p.arraysize == "2");
	CHECK(t.columns[4].effective_xtype() == "point");
	CHECK(t.columns[5].effective_xtype() == "polygon");
	CHECK(votable_type(t.columns[6].type).datatype == "int");
	CHECK(t.columns[6].unit == "mag");
	CHECK(t.columns[7].effective_xtype() == "timestamp");
}

TEST_CASE("translator: star expansion, unique output names and the tables used") {
	auto t = tr("SELECT s.*, a.ra FROM cat.stars AS s JOIN cat.stars AS a ON s.id = a.id");
	REQUIRE(t.columns.size() == 9);
	CHECK(t.columns[1].name == "ra");
	CHECK(t.columns[8].name == "ra_2");
	REQUIRE(t.tables.size() == 1);
	CHECK(t.tables[0].schema == "cat");
	CHECK(t.tables[0].name == "stars");
	CHECK(t.tables[0].sql_name == "cat.stars");
	CHECK(t.tables[0].entry == &*[] {
		std::vector<const TableEntry*> all;
		catalog().all_tables(all);
		return all.front();
	}());
}

TEST_CASE("translator: MAXREC and TOP decide LIMIT and whether an overflow row may come") {
	TranslateOptions o;
	o.maxrec = 50;
	auto a = tr("SELECT id FROM cat.stars", o);
	CHECK(a.limit == 51);
	CHECK(a.may_overflow);
	auto b = tr("SELECT TOP 50 id FROM cat.stars", o);
	CHECK(b.limit == 50);
	CHECK(!b.may_overflow);
	auto c = tr("SELECT TOP 51 id FROM cat.stars", o);
	CHECK(c.limit == 51);
	CHECK(c.may_overflow);
	auto d = tr("SELECT TOP 5 id FROM cat.stars");
	CHECK(d.limit == 5);
	CHECK(!d.may_overflow);
	auto e = tr("SELECT id FROM cat.stars");
	CHECK(!e.limit);
	CHECK(e.sql.find("LIMIT") == std::string::npos);
	o.maxrec = std::numeric_limits<int64_t>::max();
	CHECK(tr("SELECT id FROM cat.stars", o).limit == std::numeric_limits<int64_t>::max());
}

TEST_CASE("translator: cones report q3c use") {
	CHECK(tr("SELECT id FROM cat.stars WHERE DISTANCE(ra, dec, 1, 2) < 0.1").uses_q3c);
	CHECK(!tr("SELECT id FROM cat.stars WHERE ra < 0.1").uses_q3c);
}

TEST_CASE("translator: CREATE TABLE AS gives the target and the SELECT") {
	TranslateOptions o;
	o.allow_create_table = true;
	auto t = tr("CREATE TABLE tap_user.\"My Table\" AS SELECT id FROM cat.stars", o);
	CHECK(t.kind == StatementKind::CreateTableAs);
	CHECK(t.target_schema == "tap_user");
	CHECK(!t.target_schema_delimited);
	CHECK(t.target_name == "My Table");
	CHECK(t.target_name_delimited);
	CHECK(t.sql == "SELECT stars.id FROM cat.stars AS stars");
	CHECK(parse_only("CREATE TABLE x AS SELECT a FROM b") == StatementKind::CreateTableAs);
	CHECK(parse_only("SELECT a FROM b") == StatementKind::Select);
	CHECK(tr("SELECT id FROM cat.stars").kind == StatementKind::Select);
	CHECK_THROWS_AS(tr("CREATE TABLE x AS SELECT id FROM cat.stars"), Error);
}

TEST_CASE("translator: errors carry kind and SourcePos") {
	try {
		tr("SELECT id\n  FROM cat.stars\n WHERE vmagg > 1");
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Name);
		REQUIRE(e.pos());
		CHECK(e.pos()->source.empty());
		CHECK(e.pos()->line == 3);
		CHECK(e.pos()->column == 8);
		CHECK(e.message() == "Unknown column 'vmagg' at line 3, column 8 (did you mean 'vmag'?)");
	}
	try {
		parse_only("SLECT ra FROM t");
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Syntax);
		CHECK(e.message() == "Expected SELECT, found 'SLECT' at line 1, column 1");
	}
	// columns count characters, not bytes
	try {
		tr("SELECT 'äöü', x FROM cat.stars");
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.pos()->column == 15);
	}
}

TEST_CASE("translator: hostile input that cannot be written in a .test file") {
	// invalid UTF-8 in literals and identifiers
	CHECK_THROWS_AS(tr("SELECT id FROM cat.stars WHERE name = '\xC3\x28'"), Error);
	CHECK_THROWS_AS(tr("SELECT \"\xFF\" FROM cat.stars"), Error);
	CHECK_THROWS_AS(tr(std::string_view("SELECT id FROM cat.stars WHERE name = 'a\0b'", 44)), Error);
	// nesting beyond the limits is refused with a syntax error, not a stack overflow
	std::string deep =
	    "SELECT " + std::string(10000, '(') + "1" + std::string(10000, ')') + " FROM cat.stars";
	CHECK_THROWS_AS(tr(deep), Error);
	std::string chain = "SELECT id FROM cat.stars WHERE id = 1";
	for (int i = 0; i < 5000; ++i)
		chain += " + 1";
	try {
		tr(chain);
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Syntax);
	}
	std::string nots = "SELECT id FROM cat.stars WHERE " + std::string(3000 * 4, ' ');
	for (int i = 0; i < 3000; ++i)
		nots.replace(31 + 4 * i, 4, "NOT ");
	CHECK_THROWS_AS(tr(nots + "id = 1"), Error);
	std::string subs = "SELECT id FROM cat.stars WHERE id IN ";
	for (int i = 0; i < 500; ++i)
		subs += "(SELECT id FROM cat.stars WHERE id IN ";
	CHECK_THROWS_AS(tr(subs + "(1)"), Error);
	// long flat lists are fine: generated IN lists and OR chains
	std::string in = "SELECT id FROM cat.stars WHERE id IN (0";
	for (int i = 1; i < 20000; ++i)
		in += ", " + std::to_string(i);
	CHECK_NOTHROW(tr(in + ")"));
	std::string ors = "SELECT id FROM cat.stars WHERE id = 0";
	for (int i = 1; i < 5000; ++i)
		ors += " OR id = " + std::to_string(i);
	CHECK_NOTHROW(tr(ors));
	// every byte value outside literals either lexes or is refused; none reaches the SQL
	for (int c = 1; c < 256; ++c) {
		std::string q = "SELECT id FROM cat.stars WHERE id = 1 ";
		q += static_cast<char>(c);
		q += " 2";
		try {
			auto t = tr(q);
			// an operator that was understood (ADQL's ^ is PostgreSQL's #)
			INFO("byte " << c);
			CHECK(t.sql.find(c == '^' ? '#' : static_cast<char>(c)) != std::string::npos);
		} catch (const Error&) {
		}
	}
}

TEST_CASE("catalog: composition and lookup") {
	SimpleCatalog uploads;
	TableEntry up;
	up.schema = "TAP_UPLOAD";
	up.name = "mine";
	up.sql_name = "pg_temp.upload_1";
	up.columns = {col("RA", "double precision", "deg")};
	uploads.add(std::move(up));
	CompositeCatalog both({&catalog(), &uploads});
	auto t = translate("SELECT m.ra, s.id FROM tap_upload.MINE AS m, cat.stars AS s", both);
	CHECK(t.sql == "SELECT m.ra, s.id FROM pg_temp.upload_1 AS m, cat.stars AS s");
	CHECK(t.tables.size() == 2);
	std::vector<const TableEntry*> all;
	both.all_tables(all);
	CHECK(all.size() == 2);
	CHECK(spoint_sql("t.ra", "t.dec") == "spoint(radians(t.ra), radians(t.dec))");
}

TEST_CASE("qualified_only tables match only with their schema and never make other names ambiguous") {
	SimpleCatalog cat = make_catalog();
	TableEntry mine;
	mine.schema = "tap_user";
	mine.name = "stars";
	mine.sql_name = "tap_user.t_1";
	mine.columns = {col("x", "integer")};
	mine.qualified_only = true;
	cat.add(std::move(mine));
	// the public table, not ambiguous
	CHECK(translate("SELECT id FROM stars", cat).sql.find("cat.stars") != std::string::npos);
	CHECK(translate("SELECT x FROM tap_user.stars", cat).sql.find("tap_user.t_1") != std::string::npos);

	SimpleCatalog only;
	TableEntry t;
	t.schema = "tap_user";
	t.name = "mytable";
	t.sql_name = "tap_user.t_2";
	t.columns = {col("x", "integer")};
	t.qualified_only = true;
	only.add(std::move(t));
	try {
		translate("SELECT x FROM mytable", only);
		FAIL("an unqualified name found a qualified_only table");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Name);
		CHECK(std::string(e.what()).find("did you mean tap_user.mytable?") != std::string::npos);
	}
}
