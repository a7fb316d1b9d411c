// The ADQL translator against a real PostgreSQL with pg_sphere and q3c:
//  - cones and crossmatches on a 1,000,000-row table are index scans (EXPLAIN), and return
//    what a brute-force pg_sphere evaluation returns;
//  - every translated query of tests/adql/*.test (which include a sample of the lyonetia
//    corpus, corpus_sql.test) runs on tables built from tests/adql/catalog.tables, and the
//    result columns PostgreSQL reports have the names and types the translator declared.
#include "adql/corpus_reader.hpp"
#include "adql/test_file_reader.hpp"
#include "meles/core/adql/table_file.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/pg/connection.hpp"
#include "test_db.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <set>

using namespace meles;
using namespace meles::adql;
using meles::testing::TestDb;

namespace {

const SimpleCatalog& catalog() {
	static const SimpleCatalog c =
	    parse_table_file(adql_test::read_text(adql_test::test_dir() + "catalog.tables"), "catalog.tables");
	return c;
}

std::string column_sql(const ColumnMeta& c) {
	return c.delimited ? pg::quote_ident(c.name) : to_lower(c.name);
}

// A value for row i of a column, by type and name.
std::string generated(const ColumnMeta& c) {
	std::string n = to_lower(c.name);
	switch (c.type.base) {
	case BaseType::SmallInt:
	case BaseType::Integer:
	case BaseType::BigInt:
		return "(i % 30000)";
	case BaseType::Real:
	case BaseType::Double:
		if (n == "ra" || n == "s_ra" || n == "ra1") return "random() * 360";
		if (n == "dec" || n == "s_dec") return "degrees(asin(2 * random() - 1))";
		return "(random() * 30)";
	case BaseType::Char:
		return "'f'";
	case BaseType::Text:
	case BaseType::Unicode:
		return "'ANC ' || i";
	case BaseType::Timestamp:
		return "TIMESTAMP '2000-01-01' + i * INTERVAL '1 hour'";
	case BaseType::Bytea:
		return "'\\x01'::bytea";
	case BaseType::SPoint:
		return "spoint(random() * 6.28, random() * 3 - 1.5)";
	case BaseType::SPoly:
		return "format('{(%sd,%sd),(%sd,%sd),(%sd,%sd)}', i % 300 + 10, i % 80 - 40, i % 300 + 10.5, i % 80 "
		       "- 40, i % "
		       "300 + 10, i % 80 - 39.5)::spoly";
	default:
		return "NULL";
	}
}

// Creates every table of catalog.tables (uploads as temporary tables) with generated rows
// and the indexes the catalog declares.
void create_tables(pg::Connection& c, const Catalog& cat, int rows) {
	std::vector<const TableEntry*> all;
	cat.all_tables(all);
	for (const TableEntry* t : all) {
		std::string rel = t->sql_name;
		std::string create = "CREATE TABLE ";
		if (rel.starts_with("pg_temp.")) {
			rel = rel.substr(8);
			create = "CREATE TEMP TABLE ";
		} else {
			size_t dot = rel.rfind('.');
			c.exec("CREATE SCHEMA IF NOT EXISTS " + rel.substr(0, dot));
		}
		std::string cols, values;
		for (const auto& col : t->columns) {
			cols += (cols.empty() ? "" : ", ") + column_sql(col) + " " + col.type.pg_ddl();
			values += (values.empty() ? "" : ", ") + generated(col);
		}
		c.exec(create + rel + " (" + cols + ")");
		c.exec("INSERT INTO " + rel + " SELECT " + values + " FROM generate_series(1, " +
		       std::to_string(rows) + ") AS i");
		auto col = [&](const std::string& name) {
			for (const auto& x : t->columns)
				if (x.name == name) return column_sql(x);
			return name;
		};
		for (const auto& p : t->q3c_indexes)
			c.exec("CREATE INDEX ON " + rel + " (q3c_ang2ipix(" + col(p.ra) + ", " + col(p.dec) + "))");
		for (const auto& p : t->spoint_indexes)
			c.exec("CREATE INDEX ON " + rel + " USING gist (" + spoint_sql(col(p.ra), col(p.dec)) + ")");
		for (const auto& g : t->gist_columns)
			c.exec("CREATE INDEX ON " + rel + " USING gist (" + col(g) + ")");
		c.exec("ANALYZE " + rel);
	}
}

std::string plan(pg::Connection& c, const std::string& sql) {
	auto r = c.exec("EXPLAIN " + sql);
	std::string out;
	for (int i = 0; i < r.rows(); ++i)
		out += r.get(i, 0) + "\n";
	return out;
}

int64_t count(pg::Connection& c, const std::string& sql) {
	return c.exec("SELECT count(*) FROM (" + sql + ") AS q").get_int(0, 0);
}

} // namespace

TEST_CASE("adql on PostgreSQL: cones and crossmatches on 1,000,000 rows use the spatial indexes") {
	TestDb db("adql_spatial");
	pg::Connection c(db.admin());
	c.exec("CREATE SCHEMA anchor; SELECT setseed(0.25);"
	       "CREATE TABLE anchor.big AS SELECT i::bigint AS id, random() * 360 AS ra, "
	       "degrees(asin(2 * random() - 1)) AS dec, (15 + 5 * random())::real AS mag, 'ANC ' || i AS name "
	       "FROM generate_series(1, 1000000) AS i;"
	       "CREATE INDEX ON anchor.big (q3c_ang2ipix(ra, dec));"
	       // only for the brute-force cross-checks of crossmatches (a dec band, then exact distances)
	       "CREATE INDEX ON anchor.big (dec); ANALYZE anchor.big;"
	       "CREATE TABLE anchor.pg_indexed AS SELECT id, ra, dec, spoint(radians(ra), radians(dec)) AS pos "
	       "FROM anchor.big WHERE id <= 200000;"
	       "CREATE INDEX ON anchor.pg_indexed USING gist (spoint(radians(ra), radians(dec)));"
	       "CREATE INDEX ON anchor.pg_indexed USING gist (pos); CREATE INDEX ON anchor.pg_indexed (dec);"
	       "ANALYZE anchor.pg_indexed;"
	       // an upload: 500 positions, each 0.5 arcsec from a catalogue star
	       "CREATE TEMP TABLE upload_mine AS SELECT ra + 0.5 / 3600 / cos(radians(dec)) AS ra, dec, name AS "
	       "\"Name\" "
	       "FROM anchor.big WHERE id % 2000 = 0; ANALYZE upload_mine;");

	struct Probe {
		const char* what;
		const char* adql;
		const char* brute_force; // the same rows by plain pg_sphere distance, no index
	} probes[] = {
	    {"q3c cone (CONTAINS)",
	     "SELECT id FROM anchor.big WHERE 1=CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10.68, 41.27, "
	     "0.5))",
	     "SELECT id FROM anchor.big WHERE degrees(spoint(radians(ra), radians(dec)) <-> "
	     "spoint(radians(10.68), radians(41.27))) <= 0.5"},
	    {"q3c cone (DISTANCE)", "SELECT id FROM anchor.big WHERE DISTANCE(ra, dec, 200, -30) < 0.7",
	     "SELECT id FROM anchor.big WHERE degrees(spoint(radians(ra), radians(dec)) <-> spoint(radians(200), "
	     "radians(-30))) < 0.7"},
	    {"q3c upload crossmatch",
	     "SELECT u.\"Name\", b.id FROM TAP_UPLOAD.mine AS u JOIN anchor.big AS b ON 1 = CONTAINS(POINT(b.ra, "
	     "b.dec), CIRCLE(u.ra, u.dec, 1./3600))",
	     "SELECT u.\"Name\", b.id FROM upload_mine AS u, anchor.big AS b WHERE b.dec BETWEEN u.dec - 0.001 "
	     "AND u.dec + "
	     "0.001 AND degrees(spoint(radians(b.ra), radians(b.dec)) <-> spoint(radians(u.ra), radians(u.dec))) "
	     "<= 1./3600"},
	    {"q3c polygon",
	     "SELECT id FROM anchor.big WHERE 1 = CONTAINS(POINT(ra, dec), POLYGON(10, 20, 12, 20, 11, 22))",
	     "SELECT id FROM anchor.big WHERE spoint(radians(ra), radians(dec)) @ spoly "
	     "'{(10d,20d),(12d,20d),(11d,22d)}'"},
	    {"pg_sphere GiST cone", "SELECT id FROM anchor.pg WHERE DISTANCE(POINT(10, 20), POINT(ra, dec)) < 1",
	     "SELECT id FROM anchor.pg_indexed WHERE degrees(spoint(radians(ra), radians(dec)) <-> "
	     "spoint(radians(10), radians(20))) < 1"},
	    {"pg_sphere GiST crossmatch",
	     "SELECT p.id FROM TAP_UPLOAD.mine AS u JOIN anchor.pg AS p ON DISTANCE(POINT(u.ra, u.dec), p.pos) < "
	     "0.001",
	     "SELECT p.id FROM upload_mine AS u, anchor.pg_indexed AS p WHERE p.dec BETWEEN u.dec - 0.002 AND "
	     "u.dec + 0.002 "
	     "AND degrees(p.pos <-> spoint(radians(u.ra), radians(u.dec))) < 0.001"},
	};
	for (const auto& p : probes) {
		INFO(p.what << ": " << p.adql);
		Translation t = translate(p.adql, catalog(), {});
		INFO("SQL: " << t.sql);
		std::string explain = plan(c, t.sql);
		INFO("plan:\n" << explain);
		CHECK(explain.find("Seq Scan on big") == std::string::npos);
		CHECK(explain.find("Seq Scan on pg_indexed") == std::string::npos);
		CHECK((explain.find("Index Scan") != std::string::npos ||
		       explain.find("Bitmap Index Scan") != std::string::npos));
		int64_t n = count(c, t.sql);
		CHECK(n == count(c, p.brute_force));
		CHECK(n > 0);
	}
}

TEST_CASE("adql on PostgreSQL: every translated test query runs and returns the declared columns") {
	TestDb db("adql_run");
	pg::Connection c(db.admin());
	create_tables(c, catalog(), 300);
	c.exec("SET statement_timeout = '60s'");

	std::map<std::string, uint32_t> oid;
	for (const char* t : {"int2", "int4", "int8", "float4", "float8", "text", "bpchar", "varchar",
	                      "timestamp", "bytea", "spoint", "scircle", "spoly", "sbox"})
		oid[t] = static_cast<uint32_t>(c.exec(concat("SELECT '", t, "'::regtype::oid")).get_int(0, 0));
	auto accepted = [&](const SqlType& t) -> std::set<uint32_t> {
		switch (t.base) {
		case BaseType::SmallInt:
			return {oid["int2"]};
		case BaseType::Integer:
			return {oid["int4"]};
		case BaseType::BigInt:
			return {oid["int8"]};
		case BaseType::Real:
			return {oid["float4"]};
		case BaseType::Double:
			return {oid["float8"]};
		case BaseType::Char:
			return {oid["bpchar"], oid["text"]};
		case BaseType::Text:
		case BaseType::Unicode:
			return {oid["text"], oid["varchar"], oid["bpchar"]};
		case BaseType::Timestamp:
			return {oid["timestamp"]};
		case BaseType::Bytea:
			return {oid["bytea"]};
		case BaseType::SPoint:
			return {oid["spoint"]};
		case BaseType::SCircle:
			return {oid["scircle"]};
		case BaseType::SPoly:
			return {oid["spoly"]};
		case BaseType::SBox:
			return {oid["sbox"]};
		default:
			return {};
		}
	};

	int run = 0;
	for (const auto& entry : std::filesystem::directory_iterator(adql_test::test_dir())) {
		if (entry.path().extension() != ".test") continue;
		std::string file = entry.path().filename().string();
		for (const auto& k : adql_test::read_cases(adql_test::read_text(entry.path().string()))) {
			if (k.kind() != "query") continue;
			TranslateOptions options;
			options.allow_create_table = true;
			Translation t = translate(k.query(), catalog(), options);
			INFO(file << ":" << k.line << ": " << k.query() << "\nSQL: " << t.sql);
			++run;
			// A few test queries cross-join 300 x 300 x 300 rows: count them under a time limit.
			try {
				count(c, t.sql);
			} catch (const pg::DbError& e) {
				// constant shapes pg_sphere refuses are the user's business, not the translator's
				CHECK_MESSAGE(e.kind() == ErrorKind::Timeout, e.message());
				continue;
			}
			auto r = c.exec("SELECT * FROM (" + t.sql + ") AS q LIMIT 0");
			REQUIRE(r.columns() == static_cast<int>(t.columns.size()));
			for (int i = 0; i < r.columns(); ++i) {
				const ColumnMeta& m = t.columns[static_cast<size_t>(i)];
				std::string want = m.delimited ? m.name : to_lower(m.name);
				CHECK(r.column_name(i) == want);
				auto ok = accepted(m.type);
				CHECK_MESSAGE(ok.count(r.column_type(i)),
				              "column " << want << ": declared " << m.type.rd_name()
				                        << ", PostgreSQL type oid " << r.column_type(i));
			}
		}
	}
	MESSAGE(run << " translated queries ran");
	CHECK(run > 250);
}

#ifndef MELES_NO_ADQL_CORPUS // see tests/CMakeLists.txt
TEST_CASE("adql on PostgreSQL: the valid lyonetia corpus queries over known tables run") {
	TestDb db("adql_corpus");
	pg::Connection c(db.admin());
	SimpleCatalog corpus =
	    parse_table_file(adql_test::read_text(adql_test::test_dir() + "corpus.tables"), "corpus.tables");
	create_tables(c, catalog(), 100);
	create_tables(c, corpus, 100);
	c.exec("SET statement_timeout = '10s'");
	CompositeCatalog both({&catalog(), &corpus});
	int valid = 0, translated = 0;
	std::map<std::string, int> refused; // why the others cannot be translated, by error kind
	for (const auto& k : adql_test::read_corpus({"ivoa", "gavo"})) {
		if (!k.valid) continue;
		++valid;
		Translation t;
		try {
			t = translate(k.query, both, {});
		} catch (const Error& e) {
			++refused[std::string(error_kind_name(e.kind()))];
			continue;
		}
		++translated;
		INFO(k.file << " [" << k.description << "]\n" << k.query << "\nSQL: " << t.sql);
		try {
			count(c, t.sql);
		} catch (const pg::DbError& e) {
			// the corpus checks grammar: "select x from t1 group by z" is its own mistake
			bool grouping_error = e.sqlstate() == "42803";
			CHECK_MESSAGE((e.kind() == ErrorKind::Timeout || grouping_error), e.message());
		}
	}
	std::string why;
	for (const auto& [kind, n] : refused)
		why += concat(" ", std::to_string(n), " ", kind);
	MESSAGE(valid << " valid corpus queries, " << translated << " translated and run; refused:" << why
	              << " (unknown tables such as y, foo, x, and the name errors PostgreSQL would report too)");
	CHECK(translated >= 150);
}
#endif
