// Imports against a real database: a DaCHS-style catalogue RD unchanged, TAP_SCHEMA content,
// and the guarantee that a failed or killed import leaves the previous table untouched.
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/core/votable/votable_writer.hpp"
#include "meles/rd/ingest/importer.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "import_fixture.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace meles;
using meles::testing::TestDb;
namespace fs = std::filesystem;

namespace {

// A catalogue RD as DaCHS operators write it: sexagesimal positions converted in the
// rowmaker, a null literal, the q3c mixin and a meta block.
const char* kCatalogueRD = R"(<resource schema="tcat">
  <meta name="title">Test catalogue</meta>
  <meta name="description">Stars with sexagesimal positions.</meta>
  <meta name="creationDate">2024-01-01T00:00:00Z</meta>
  <meta name="subject">stars</meta>
  <table id="main" onDisk="True" adql="True" primary="id" mixin="//scs#q3cindex">
    <meta name="description">The stars.</meta>
    <column name="id" type="integer" ucd="meta.id;meta.main" required="True" description="Number"/>
    <column name="raj2000" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main" description="RA"/>
    <column name="dej2000" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main" description="Dec"/>
    <column name="vmag" type="real" unit="mag" ucd="phot.mag;em.opt.V" description="V magnitude">
      <values nullLiteral="-99"/>
    </column>
    <column name="sptype" type="text" ucd="src.spType" description="Spectral type"/>
  </table>
  <data id="import">
    <sources>data/stars.csv</sources>
    <csvGrammar delimiter="|" strip="True"/>
    <make table="main">
      <rowmaker idmaps="id,sptype">
        <map key="raj2000">hmsToDeg(@ra, ":")</map>
        <map key="dej2000">dmsToDeg(@dec, ":")</map>
        <map key="vmag">parseWithNull(@v, float, "")</map>
      </rowmaker>
    </make>
  </data>
</resource>)";

struct Fixture : meles::testing::ImportFixture {
	explicit Fixture(const std::string& name) : ImportFixture(name) {
		write("tcat/q.rd", kCatalogueRD);
		std::filesystem::create_directories(dir / "tcat/data");
	}
	void write_data(const std::string& text) { write("tcat/data/stars.csv", text); }
	rd::ingest::ImportReport import(rd::ingest::ImportOptions o = {}) {
		return ImportFixture::import("tcat/q", o);
	}
};

const char* kGoodData = "id|ra|dec|v|sptype\n"
                        "1| 00:00:00.00 | +00:00:00.0 | 5.5 | G2V\n"
                        "2| 12:30:00.00 | -45:30:00.0 |  | K0III\n"
                        "3| 23:59:59.99 | +89:59:59.9 | 12.25 | M5\n";

} // namespace

TEST_CASE("import: a DaCHS catalogue RD loads unchanged with values, indexes and TAP_SCHEMA") {
	Fixture f("imp_catalogue");
	f.write_data(kGoodData);
	auto rep = f.import();
	REQUIRE(rep.tables.size() == 1);
	CHECK(rep.tables[0].rows == 3);
	CHECK(f.one("SELECT count(*) FROM tcat.main") == "3");
	CHECK(f.one("SELECT round(raj2000::numeric, 6) FROM tcat.main WHERE id = 2") == "187.500000");
	CHECK(f.one("SELECT round(dej2000::numeric, 6) FROM tcat.main WHERE id = 2") == "-45.500000");
	CHECK(f.one("SELECT vmag IS NULL FROM tcat.main WHERE id = 2") == "t");
	CHECK(f.one("SELECT sptype FROM tcat.main WHERE id = 3") == "M5");
	// primary key, clustered q3c index
	CHECK(f.one("SELECT count(*) FROM pg_indexes WHERE schemaname = 'tcat' AND indexdef LIKE "
	            "'%q3c_ang2ipix(raj2000, dej2000)%'") == "1");
	CHECK(f.one("SELECT indisclustered FROM pg_index WHERE indexrelid = 'tcat.q3c_main'::regclass") == "t");
	CHECK(f.one("SELECT count(*) FROM pg_constraint WHERE conname = 'main_pkey' AND contype = 'p'") == "1");
	// TAP_SCHEMA
	CHECK(f.one("SELECT description FROM tap_schema.tables WHERE table_name = 'tcat.main'") == "The stars.");
	CHECK(f.one("SELECT description FROM tap_schema.schemas WHERE schema_name = 'tcat'") ==
	      "Stars with sexagesimal positions.");
	auto cols = f.conn.exec(
	    "SELECT column_name, datatype, unit, ucd, indexed, principal, column_index FROM tap_schema.columns "
	    "WHERE table_name = 'tcat.main' ORDER BY column_index");
	REQUIRE(cols.rows() == 5);
	CHECK(cols.get(1, 0) == "raj2000");
	CHECK(cols.get(1, 1) == "double");
	CHECK(cols.get(1, 2) == "deg");
	CHECK(cols.get(1, 3) == "pos.eq.ra;meta.main");
	CHECK(cols.get(1, 4) == "1");
	CHECK(cols.get(3, 4) == "0");
	CHECK(f.one("SELECT q3c_pairs FROM meles.tablemeta WHERE table_name = 'tcat.main'") == "raj2000 dej2000");
	// the read-only role may read it
	pg::Connection ro(f.db.read_only());
	CHECK(ro.exec("SELECT count(*) FROM tcat.main").get(0, 0) == "3");
	// meta-only keeps the data
	rd::ingest::ImportOptions meta;
	meta.meta_only = true;
	f.import(meta);
	CHECK(f.one("SELECT count(*) FROM tcat.main") == "3");
	// --max-rows
	rd::ingest::ImportOptions o;
	o.max_rows = 2;
	CHECK(f.import(o).tables[0].rows == 2);
	CHECK(f.one("SELECT count(*) FROM tcat.main") == "2");
}

TEST_CASE("import: a failing import leaves the previous table and TAP_SCHEMA as they were") {
	Fixture f("imp_failure");
	f.write_data(kGoodData);
	f.import();
	std::string cols_before =
	    f.one("SELECT string_agg(column_name || ucd, ',' ORDER BY column_index) FROM tap_schema.columns "
	          "WHERE table_name = 'tcat.main'");
	// a bad row in the middle: the error names file, line and column; nothing changes
	f.write_data(std::string(kGoodData) +
	             "4| 01:00:00 | +10:00:00 | bright | A0\n5| 02:00:00 | +20:00:00 | 3.0 | B1\n");
	try {
		f.import();
		FAIL("bad row accepted");
	} catch (const Error& e) {
		std::string m = e.what();
		INFO(m);
		CHECK(m.find("stars.csv:5") != std::string::npos);
		CHECK(m.find("vmag") != std::string::npos);
		CHECK(m.find("bright") != std::string::npos);
	}
	CHECK(f.one("SELECT count(*) FROM tcat.main") == "3");
	CHECK(f.one("SELECT string_agg(column_name || ucd, ',' ORDER BY column_index) FROM tap_schema.columns "
	            "WHERE table_name = "
	            "'tcat.main'") == cols_before);
	CHECK(f.one("SELECT count(*) FROM pg_class WHERE relname LIKE '%meles_new%'") == "0");
	// skipping bad rows on request
	rd::ingest::ImportOptions o;
	o.skip_bad_rows = true;
	auto rep = f.import(o);
	CHECK(rep.tables[0].rows == 4);
	CHECK(rep.tables[0].skipped == 1);
	REQUIRE(rep.tables[0].first_problems.size() == 1);
	// a missing source file: error, old table intact
	fs::remove(f.dir / "tcat/data/stars.csv");
	CHECK_THROWS_WITH_AS(f.import(), doctest::Contains("data/stars.csv"), Error);
	CHECK(f.one("SELECT count(*) FROM tcat.main") == "4");
	// dropping removes table and metadata
	rd::ingest::Importer imp(f.conn, *f.store);
	auto dropped = imp.drop("tcat/q", false);
	CHECK(dropped.size() == 1);
	CHECK(f.one("SELECT count(*) FROM tap_schema.tables WHERE table_name = 'tcat.main'") == "0");
	CHECK(f.one("SELECT count(*) FROM tap_schema.schemas WHERE schema_name = 'tcat'") == "0");
	CHECK(f.one("SELECT to_regclass('tcat.main') IS NULL") == "t");
}

TEST_CASE("import: a killed import leaves the previous table untouched") {
	Fixture f("imp_killed");
	f.write_data(kGoodData);
	f.import();
	// a large source so the import is still running when killed
	{
		std::ofstream out(f.dir / "tcat/data/stars.csv");
		out << "id|ra|dec|v|sptype\n";
		for (int i = 1; i <= 3000000; ++i)
			out << i << "|10:00:00|+10:00:00|5|G\n";
	}
	fs::path conf = f.dir / "meles.conf";
	std::ofstream(conf) << "[db]\ndsn = host=" << meles::testing::test_state_dir()
	                    << "/run port=5432 dbname=" << f.db.name()
	                    << " user=meles_admin\n[general]\ninputsDir = " << f.dir.string() << "\n";
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(MELES_BIN_PATH, "meles", "--config", conf.c_str(), "imp", "tcat/q",
		      static_cast<char*>(nullptr));
		_exit(127);
	}
	// wait until rows are flowing into the new table, then kill
	bool saw_copy = false;
	for (int i = 0; i < 200 && !saw_copy; ++i) {
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		saw_copy = f.one("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %meles_new%'") != "0";
	}
	CHECK(saw_copy);
	kill(pid, SIGKILL);
	int status = 0;
	waitpid(pid, &status, 0);
	// the server notices the dead client and rolls back
	for (int i = 0; i < 100; ++i) {
		if (f.one("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %meles_new%'") == "0") break;
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	CHECK(f.one("SELECT count(*) FROM tcat.main") == "3");
	CHECK(f.one("SELECT count(*) FROM pg_class WHERE relname LIKE '%meles_new%'") == "0");
	CHECK(f.one("SELECT count(*) FROM tap_schema.columns WHERE table_name = 'tcat.main'") == "5");
}

TEST_CASE("import: fitsTableGrammar with arrays, nulls and an expression (the demo galaxies)") {
	Fixture f("imp_fits");
	fs::create_directories(f.dir / "galaxies");
	fs::copy_file(fs::path(MELES_SOURCE_DIR) / "demo/galaxies/q.rd", f.dir / "galaxies/q.rd");
	fs::copy_file(fs::path(MELES_SOURCE_DIR) / "demo/galaxies/galaxies.fits",
	              f.dir / "galaxies/galaxies.fits");
	rd::ingest::Importer imp(f.conn, *f.store);
	auto rep = imp.import("galaxies/q", {});
	CHECK(rep.tables[0].rows == 250);
	CHECK(f.one("SELECT count(*) FROM galaxies.main WHERE bmag IS NULL") == "7");
	CHECK(f.one("SELECT array_length(flux, 1) FROM galaxies.main LIMIT 1") == "3");
	CHECK(f.one("SELECT round((dist - z*299792.458/70)::numeric, 9) FROM galaxies.main WHERE mgc_id = 10") ==
	      "0.000000000");
	CHECK(f.one("SELECT name FROM galaxies.main WHERE mgc_id = 1") == "MGC 00001");
	CHECK(f.one("SELECT spoint_pairs FROM meles.tablemeta WHERE table_name = 'galaxies.main'") == "ra dec");
	CHECK(f.one("SELECT count(*) FROM pg_indexes WHERE tablename = 'main' AND schemaname = 'galaxies' AND "
	            "indexdef LIKE '%gist%'") == "1");
}

TEST_CASE("import: voTableGrammar reads TABLEDATA and BINARY2 with arrays and nulls") {
	Fixture f("imp_votable");
	fs::create_directories(f.dir / "vt/data");
	std::ofstream(f.dir / "vt/q.rd") << R"(<resource schema="vt">
  <table id="t" onDisk="True" adql="True">
    <column name="id" type="integer" required="True"/>
    <column name="flux" type="real"/>
    <column name="label" type="text"/>
    <column name="vec" type="double precision[]"/>
  </table>
  <data id="d">
    <sources pattern="data/*.vot"/>
    <voTableGrammar lowerKeys="True"/>
    <make table="t"><rowmaker idmaps="*"/></make>
  </data>
</resource>)";
	auto write_doc = [&](const std::string& file, votable::Serialization ser, int first) {
		StringSink sink;
		votable::VOTableOptions vo;
		vo.serialization = ser;
		auto w = votable::make_votable_writer(sink, vo);
		formats::TableHeader h;
		auto col = [](const char* n, const char* t) {
			ColumnMeta c;
			c.name = n;
			c.type = SqlType::parse(t);
			return c;
		};
		h.columns = {col("ID", "integer"), col("Flux", "real"), col("Label", "text"),
		             col("Vec", "double precision[]")};
		w->begin(h);
		for (int i = first; i < first + 100; ++i) {
			w->begin_row();
			w->int32(i);
			if (i % 10 == 0)
				w->null();
			else
				w->float32(static_cast<float>(i) / 4);
			w->string("row " + std::to_string(i));
			std::vector<double> v = {double(i), double(i) / 2};
			w->array(std::span<const double>(v));
			w->end_row();
		}
		w->finish();
		std::ofstream(f.dir / "vt/data" / file) << sink.str();
	};
	write_doc("a.vot", votable::Serialization::Tabledata, 1);
	write_doc("b.vot", votable::Serialization::Binary2, 101);
	rd::ingest::Importer imp(f.conn, *f.store);
	auto rep = imp.import("vt/q", {});
	CHECK(rep.tables[0].rows == 200);
	CHECK(f.one("SELECT count(*) FROM vt.t WHERE flux IS NULL") == "20");
	CHECK(f.one("SELECT label FROM vt.t WHERE id = 150") == "row 150");
	CHECK(f.one("SELECT vec[2] FROM vt.t WHERE id = 150") == "75");
	CHECK(f.one("SELECT flux FROM vt.t WHERE id = 3") == "0.75");
}

TEST_CASE("import: duplicate primary keys name the key and both source lines, not the temporary table") {
	Fixture f("imp_dupkey");
	f.write_data(std::string(kGoodData) + "2| 01:00:00 | +10:00:00 | 3.0 | A0\n");
	try {
		f.import();
		FAIL("duplicate key accepted");
	} catch (const Error& e) {
		std::string m = e.what();
		INFO(m);
		CHECK(m.find("__meles_new") == std::string::npos);
		CHECK(m.find("duplicate primary key in table tcat.main: id = 2") != std::string::npos);
		CHECK(m.find("data/stars.csv:3 and data/stars.csv:5") != std::string::npos);
	}
	CHECK(f.one("SELECT count(*) FROM pg_class WHERE relname LIKE '%meles_new%'") == "0");
}

TEST_CASE("import: -c skips records the grammar cannot parse, with bad values, in file order") {
	Fixture f("imp_badrecords");
	f.write_data(std::string(kGoodData) + "4| 01:00:00 | +10:00:00\n5| 02:00:00 | +20:00:00 | bright | B1\n"
	                                      "6| 03:00:00 | +30:00:00 | 4.0 | F0\n");
	rd::ingest::ImportOptions o;
	o.skip_bad_rows = true;
	std::vector<std::string> seen;
	o.skipped = [&](const std::string&, const std::string& m) { seen.push_back(m); };
	auto rep = f.import(o);
	CHECK(rep.tables[0].rows == 4);
	CHECK(rep.tables[0].skipped == 2);
	REQUIRE(seen.size() == 2);
	CHECK(seen[0].find("stars.csv:5: expected 5 fields, found 3") != std::string::npos);
	CHECK(seen[1].find("stars.csv:6") != std::string::npos);
	CHECK(seen[1].find("bright") != std::string::npos);
}

TEST_CASE("drop: an RD whose file is gone is dropped by id, with its empty schema") {
	Fixture f("imp_dropgone");
	f.write_data(kGoodData);
	f.import();
	fs::remove(f.dir / "tcat/q.rd");
	f.store->clear();
	rd::ingest::Importer imp(f.conn, *f.store);
	auto dropped = imp.drop("tcat/q", false);
	CHECK(dropped == std::vector<std::string>{"tcat.main"});
	CHECK(f.one("SELECT count(*) FROM meles.tablemeta WHERE rd_id = 'tcat/q'") == "0");
	CHECK(f.one("SELECT count(*) FROM pg_namespace WHERE nspname = 'tcat'") == "0");
	CHECK_THROWS_WITH_AS(imp.drop("tcat/q", false), doctest::Contains("records no tables"), Error);
}
