// meles limits against a real database: every figure compared with SQL computed
// independently (PostgreSQL's own min, max, count, percentile_cont, and pg_sphere's
// healpix_nest for the MOC).
#include "meles/core/moc/moc.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/rd/ingest/importer.hpp"
#include "meles/rd/limits/limits.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "test_db.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

using namespace meles;
using meles::testing::TestDb;
namespace fs = std::filesystem;

namespace {

const char* kRD = R"(<resource schema="lim">
  <meta name="title">Limits test</meta>
  <table id="obs" onDisk="True" adql="True" primary="id" mixin="//scs#q3cindex">
    <column name="id" type="bigint" ucd="meta.id;meta.main" required="True"/>
    <column name="ra" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main"/>
    <column name="dec" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main"/>
    <column name="mag" type="real" unit="mag" ucd="phot.mag"/>
    <column name="cls" type="text" ucd="src.class">
      <property key="statistics">enumerate</property>
    </column>
    <column name="name" type="text" ucd="meta.id"/>
    <column name="secret" type="integer">
      <property key="statistics">no</property>
    </column>
    <column name="flag" type="boolean"/>
    <column name="t_min" type="timestamp" ucd="time.start"/>
    <column name="t_max" type="timestamp" ucd="time.end"/>
    <column name="em_min" type="double precision" unit="m" ucd="em.wl;stat.min"/>
    <column name="em_max" type="double precision" unit="m" ucd="em.wl;stat.max"/>
    <column name="nums" type="real[]"/>
  </table>
  <table id="empty" onDisk="True">
    <column name="x" type="double precision"/>
  </table>
  <table id="never" onDisk="True">
    <column name="x" type="double precision"/>
  </table>
  <coverage>
    <updater sourceTable="obs" mocOrder="5"/>
  </coverage>
  <data id="import">
    <sources>data/obs.csv</sources>
    <csvGrammar/>
    <make table="obs">
      <rowmaker idmaps="id,ra,dec,cls,name,secret,flag,t_min,t_max,em_min,em_max">
        <map key="mag">parseWithNull(@mag, float, "")</map>
      </rowmaker>
    </make>
    <make table="empty"/>
  </data>
</resource>)";

struct Fixture {
	TestDb db;
	fs::path dir;
	std::unique_ptr<rd::RdStore> store;
	pg::Connection conn;

	explicit Fixture(const std::string& name, int rows)
	    : db(name), dir(fs::temp_directory_path() / ("meles_lim_" + name + "_" + std::to_string(getpid()))),
	      conn(db.admin()) {
		fs::remove_all(dir);
		fs::create_directories(dir / "lim/data");
		std::ofstream(dir / "lim/q.rd") << kRD;
		std::ofstream csv(dir / "lim/data/obs.csv");
		csv << "id,ra,dec,mag,cls,name,secret,flag,t_min,t_max,em_min,em_max\n";
		std::mt19937_64 rng(42);
		std::uniform_real_distribution<double> u(0, 1);
		const char* classes[] = {"star", "galaxy", "qso", "star"};
		for (int i = 1; i <= rows; ++i) {
			double ra = 10 + 20 * u(rng), dec = -5 + 10 * u(rng);
			std::string mag = i % 7 == 0 ? "" : std::to_string(12 + 8 * u(rng));
			std::string cls = i % 11 == 0 ? "" : classes[i % 4];
			int day = 1 + i % 28;
			char t0[64], t1[64];
			std::snprintf(t0, sizeof t0, "2020-02-%02dT%02d:00:00", day, i % 24);
			std::snprintf(t1, sizeof t1, "2020-03-%02dT%02d:30:00.25", day, i % 24);
			double em = 4e-7 + 3e-7 * u(rng);
			csv << i << "," << ra << "," << dec << "," << mag << "," << cls << ",N" << i << "," << i << ","
			    << (i % 2 ? "True" : "False") << "," << t0 << "," << t1 << "," << em << "," << em + 1e-8
			    << "\n";
		}
		csv.close();
		rd::RdStoreOptions o;
		o.inputs_dir = dir;
		store = std::make_unique<rd::RdStore>(o);
		{
			pg::Connection su(db.superuser(db.name()));
			su.exec("CREATE SCHEMA meles AUTHORIZATION meles_admin");
		}
		rd::ingest::Importer imp(conn, *store);
		imp.import("//tap", {});
		imp.import("lim/q", {});
		conn.exec("TRUNCATE lim.empty");
	}
	~Fixture() { fs::remove_all(dir); }
	std::string one(const std::string& sql) { return conn.exec(sql).get(0, 0); }
	double num(const std::string& sql) { return std::stod(one(sql)); }
	std::shared_ptr<const rd::Resource> rd() { return store->get("lim/q"); }
};

// Checks every stored figure of lim.obs against SQL over the whole table.
void check_against_sql(Fixture& f, const rd::limits::TableStats& s, bool exact_percentiles) {
	CHECK(s.rows == std::stoll(f.one("SELECT count(*) FROM lim.obs")));
	CHECK(s.find("secret") == nullptr); // statistics="no"
	for (const char* col : {"id", "ra", "dec", "mag", "cls", "name", "flag", "t_min", "em_min", "nums"}) {
		INFO(col);
		auto* c = s.find(col);
		REQUIRE(c);
		CHECK(c->fill_factor ==
		      doctest::Approx(f.num(concat("SELECT count(", col, ")::float8 / count(*) FROM lim.obs")))
		          .epsilon(1e-12));
	}
	for (const char* col : {"id", "ra", "dec", "mag", "em_min"}) {
		INFO(col);
		auto* c = s.find(col);
		REQUIRE(c->min_value);
		// a real column's extremes are written as floats (shortest form that reads back exactly)
		auto same = [&](const std::string& ours, const std::string& sql) {
			double theirs = f.num(sql);
			if (ours == "NaN") return std::isnan(theirs);
			return std::string(col) == "mag" ? std::stof(ours) == static_cast<float>(theirs)
			                                 : std::stod(ours) == theirs;
		};
		CHECK(same(*c->min_value, concat("SELECT min(", col, ")::float8 FROM lim.obs")));
		CHECK(same(*c->max_value, concat("SELECT max(", col, ")::float8 FROM lim.obs")));
		auto pct = f.conn.exec(concat(
		    "SELECT p[1], p[2], p[3] FROM (SELECT percentile_cont(ARRAY[0.03, 0.5, 0.97]) WITHIN GROUP "
		    "(ORDER BY ",
		    col, ") AS p FROM lim.obs) x"));
		REQUIRE(c->median);
		if (exact_percentiles) {
			CHECK(*c->percentile03 == std::stod(pct.get(0, 0)));
			CHECK(*c->median == std::stod(pct.get(0, 1)));
			CHECK(*c->percentile97 == std::stod(pct.get(0, 2)));
		}
	}
	// text in byte order (the test cluster is C-collated), times in TABLEDATA form
	CHECK(*s.find("name")->min_value == f.one("SELECT min(name) FROM lim.obs"));
	CHECK(*s.find("name")->max_value == f.one("SELECT max(name) FROM lim.obs"));
	CHECK(*s.find("t_min")->min_value ==
	      f.one("SELECT to_char(min(t_min), 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM lim.obs"));
	CHECK(*s.find("t_max")->max_value ==
	      f.one("SELECT to_char(max(t_max), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') FROM lim.obs").substr(0, 22));
	CHECK_FALSE(s.find("flag")->min_value);
	CHECK_FALSE(s.find("nums")->min_value);
	CHECK_FALSE(s.find("name")->median);
	// value frequencies of the enumerated column, share of all rows
	auto freq = f.conn.exec(
	    "SELECT cls, count(*)::float8 / (SELECT count(*) FROM lim.obs) FROM lim.obs WHERE cls IS NOT NULL "
	    "GROUP BY cls ORDER BY 2 DESC");
	auto& dv = s.find("cls")->discrete_values;
	REQUIRE(dv.size() == static_cast<size_t>(freq.rows()));
	for (int i = 0; i < freq.rows(); ++i) {
		CHECK(dv[size_t(i)].first == freq.get(i, 0));
		CHECK(dv[size_t(i)].second ==
		      doctest::Approx(std::stod(freq.get(i, 1))).epsilon(exact_percentiles ? 1e-12 : 0.1));
	}
}

} // namespace

TEST_CASE("limits: statistics and coverage agree with SQL") {
	Fixture f("limits_sql", 3000);
	// a NaN magnitude sorts above every number, as in PostgreSQL
	f.conn.exec("UPDATE lim.obs SET mag = 'NaN' WHERE id = 5");
	rd::limits::Options o;
	auto report = rd::limits::run(f.conn, *f.rd(), std::nullopt, o);
	REQUIRE(report.tables.size() == 2); // obs and empty; `never` was never imported
	CHECK(std::find_if(report.notes.begin(), report.notes.end(), [](auto& n) {
		      return n.find("lim.never: not in the database") != std::string::npos;
	      }) != report.notes.end());
	auto& s = report.tables[0];
	CHECK(s.table == "lim.obs");
	CHECK(s.sample_percent == 100);
	check_against_sql(f, s, true);
	CHECK(*s.find("mag")->max_value == "NaN");

	// stored, and read back the same
	auto loaded = rd::limits::load_table_stats(f.conn, "lim.obs");
	REQUIRE(loaded);
	check_against_sql(f, *loaded, true);
	CHECK(f.one("SELECT nrows FROM meles.tablemeta WHERE table_name = 'lim.obs'") == "3000");
	CHECK(f.one("SELECT nrows FROM tap_schema.tables WHERE table_name = 'lim.obs'") == "3000");

	// the empty table: rows 0, no extremes
	auto& e = report.tables[1];
	CHECK(e.table == "lim.empty");
	CHECK(e.rows == 0);
	CHECK_FALSE(e.find("x")->min_value);

	// coverage: the MOC is exactly the set of order-5 cells pg_sphere finds
	REQUIRE(report.coverage);
	auto& c = *report.coverage;
	REQUIRE(c.spatial);
	CHECK(c.moc_order == 5);
	auto cells =
	    f.conn.exec("SELECT DISTINCT healpix_nest(5, spoint(radians(ra), radians(dec))) FROM lim.obs");
	std::vector<uint64_t> v;
	for (int i = 0; i < cells.rows(); ++i)
		v.push_back(std::stoull(cells.get(i, 0)));
	CHECK(c.spatial->ranges() == moc::Moc::from_cells(5, v).ranges());
	// time: [min(t_min), max(t_max)] in MJD
	REQUIRE(c.temporal.size() == 1);
	CHECK(c.temporal[0].first ==
	      doctest::Approx(f.num("SELECT extract(epoch FROM min(t_min)) / 86400 + 40587 FROM lim.obs"))
	          .epsilon(1e-12));
	CHECK(c.temporal[0].second ==
	      doctest::Approx(f.num("SELECT extract(epoch FROM max(t_max)) / 86400 + 40587 FROM lim.obs"))
	          .epsilon(1e-12));
	// spectral: photon energies of the longest and shortest wavelengths
	REQUIRE(c.spectral.size() == 1);
	CHECK(c.spectral[0].first ==
	      doctest::Approx(6.62607015e-34 * 299792458.0 / f.num("SELECT max(em_max) FROM lim.obs"))
	          .epsilon(1e-12));
	CHECK(c.spectral[0].second ==
	      doctest::Approx(6.62607015e-34 * 299792458.0 / f.num("SELECT min(em_min) FROM lim.obs"))
	          .epsilon(1e-12));
	auto stored = rd::limits::load_coverage(f.conn, "lim/q");
	REQUIRE(stored);
	CHECK(stored->spatial->ranges() == c.spatial->ranges());
	CHECK(stored->temporal == c.temporal);
	CHECK(stored->spectral == c.spectral);
	auto eff = rd::limits::effective_coverage(f.conn, *f.rd());
	REQUIRE(eff);
	CHECK(eff->spatial->to_ascii() == c.spatial->to_ascii());
}

TEST_CASE("limits: parallel streams and samples") {
	Fixture f("limits_parallel", 4000);
	rd::limits::Options o;
	o.connect = [&] { return std::make_unique<pg::Connection>(f.db.admin()); };
	o.streams = 3;
	o.min_blocks_per_stream = 1; // a small table, read in three block ranges
	auto report = rd::limits::run(f.conn, *f.rd(), std::string("obs"), o);
	REQUIRE(report.tables.size() == 1);
	check_against_sql(f, report.tables[0], true);

	// a sample: percentiles from it, everything else exact
	rd::limits::Options s;
	s.sample_percent = 50;
	auto sampled = rd::limits::run(f.conn, *f.rd(), std::string("obs"), s);
	auto& st = sampled.tables[0];
	CHECK(st.sample_percent == 50);
	check_against_sql(f, st, false);
	CHECK(*st.find("mag")->median ==
	      doctest::Approx(f.num("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY mag) FROM lim.obs"))
	          .epsilon(0.05));
	// the MOC of a sampled table still covers every row
	auto cells =
	    f.conn.exec("SELECT DISTINCT healpix_nest(5, spoint(radians(ra), radians(dec))) FROM lim.obs");
	std::vector<uint64_t> v;
	for (int i = 0; i < cells.rows(); ++i)
		v.push_back(std::stoull(cells.get(i, 0)));
	REQUIRE(sampled.coverage);
	CHECK(sampled.coverage->spatial->ranges() == moc::Moc::from_cells(5, v).ranges());
}

TEST_CASE("limits: bad requests name the problem and change nothing") {
	Fixture f("limits_bad", 50);
	auto rd = f.rd();
	rd::limits::Options o;
	try {
		rd::limits::run(f.conn, *rd, std::string("nosuch"), o);
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::NotFound);
		CHECK(std::string(e.what()).find("nosuch") != std::string::npos);
		CHECK(std::string(e.what()).find("obs") != std::string::npos); // lists the tables
	}
	try {
		rd::limits::run(f.conn, *rd, std::string("never"), o);
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::NotFound);
		CHECK(std::string(e.what()).find("meles imp lim/q") != std::string::npos);
	}
	rd::limits::Options bad;
	bad.sample_percent = 0;
	CHECK_THROWS_AS(rd::limits::run(f.conn, *rd, std::string("obs"), bad), Error);
	// nothing was stored by the failed runs
	CHECK_FALSE(rd::limits::load_table_stats(f.conn, "lim.obs"));
	CHECK_FALSE(rd::limits::load_coverage(f.conn, "lim/q"));
	CHECK(f.conn.ok());
	CHECK_FALSE(f.conn.in_transaction());
}

TEST_CASE("limits: meles drop forgets the statistics and coverage of what it drops") {
	Fixture f("limits_drop", 100);
	rd::limits::Options o;
	rd::limits::run(f.conn, *f.rd(), std::nullopt, o);
	REQUIRE(rd::limits::load_table_stats(f.conn, "lim.obs"));
	REQUIRE(rd::limits::load_coverage(f.conn, "lim/q"));
	rd::ingest::Importer imp(f.conn, *f.store);
	imp.drop("lim/q", false);
	CHECK_FALSE(rd::limits::load_table_stats(f.conn, "lim.obs"));
	CHECK_FALSE(rd::limits::load_coverage(f.conn, "lim/q"));
}
