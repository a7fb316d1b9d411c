// //products#define run natively (issue 14, item 0): the product columns of the described table
// and the rows of dc.products, as DaCHS fills them; a table imported again or dropped takes its
// products along, and rows of another table with the same accref replace each other.
#include "meles/core/pg/connection.hpp"
#include "meles/rd/ingest/importer.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "test_db.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace meles;
using meles::testing::TestDb;
namespace fs = std::filesystem;

namespace {

// One file per product (as fitsProdGrammar makes one row per file), read here with csvGrammar.
const char* kRd = R"(<resource schema="pimg">
  <meta name="title">Product test</meta>
  <meta name="description">Files as products.</meta>
  <table id="main" onDisk="True" mixin="//products#table" primary="accref">
    <column name="object" type="text"/>
  </table>
  <table id="other" onDisk="True" mixin="//products#table">
    <column name="object" type="text"/>
  </table>
  <data id="import">
    <sources pattern="data/*.csv"/>
    <csvGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.main"</bind>
        <bind key="mime">'text/csv'</bind>
        <bind key="owner">@owner or None</bind>
        <bind key="embargo">@embargo or None</bind>
      </rowfilter>
    </csvGrammar>
    <make table="main">
      <rowmaker idmaps="object"/>
    </make>
  </data>
  <data id="again" auto="False">
    <sources pattern="data/*.csv"/>
    <csvGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.other"</bind>
        <bind key="preview">None</bind>
        <bind key="datalink">"http://example.org/dl?ID=" + \inputRelativePath</bind>
      </rowfilter>
    </csvGrammar>
    <make table="other">
      <rowmaker idmaps="object"/>
    </make>
  </data>
</resource>)";

struct Fixture {
	TestDb db;
	fs::path dir;
	std::unique_ptr<rd::RdStore> store;
	pg::Connection conn;

	explicit Fixture(const std::string& name)
	    : db(name), dir(fs::temp_directory_path() / ("meles_prod_" + name + "_" + std::to_string(getpid()))),
	      conn(db.admin()) {
		fs::remove_all(dir);
		fs::create_directories(dir / "pimg/data");
		std::ofstream(dir / "pimg/q.rd") << kRd;
		rd::RdStoreOptions o;
		o.inputs_dir = dir;
		store = std::make_unique<rd::RdStore>(o);
		{
			pg::Connection su(db.superuser(db.name()));
			su.exec("CREATE SCHEMA meles AUTHORIZATION meles_admin");
		}
		rd::ingest::Importer imp(conn, *store);
		imp.import("//tap", {});
	}
	~Fixture() { fs::remove_all(dir); }

	void write(const std::string& file, const std::string& object, const std::string& owner = "",
	           const std::string& embargo = "") {
		std::ofstream(dir / "pimg/data" / file) << "object,owner,embargo\n" << object << "," << owner << "," << embargo << "\n";
	}
	rd::ingest::ImportReport import(std::vector<std::string> data = {}) {
		store->clear();
		rd::ingest::Importer imp(conn, *store);
		rd::ingest::ImportOptions o;
		o.data_ids = std::move(data);
		return imp.import("pimg/q", o);
	}
	std::string one(const std::string& sql) { return conn.exec(sql).get(0, 0); }
	std::string row(const std::string& sql) {
		auto r = conn.exec(sql);
		REQUIRE(r.rows() == 1);
		std::string out;
		for (int c = 0; c < r.columns(); ++c) out += (c ? "|" : "") + (r.is_null(0, c) ? std::string("NULL") : r.get(0, c));
		return out;
	}
};

}  // namespace

TEST_CASE("products: //products#define fills the product columns and dc.products") {
	Fixture f("prod_define");
	f.write("a.csv", "M31");
	f.write("b.csv", "M33", "astro", "2031-05-01");
	auto rep = f.import();
	REQUIRE(rep.tables.size() == 2);
	CHECK(rep.tables[0].table == "pimg.main");
	CHECK(rep.tables[1].table == "dc.products");
	// the described table: accref (inputs-relative path), owner, embargo, mime, accsize
	CHECK(f.row("SELECT accref, owner, embargo, mime, accsize, object FROM pimg.main WHERE object = 'M31'") ==
	      concat("pimg/data/a.csv|NULL|NULL|text/csv|", std::to_string(fs::file_size(f.dir / "pimg/data/a.csv")), "|M31"));
	CHECK(f.row("SELECT owner, embargo FROM pimg.main WHERE object = 'M33'") == "astro|2031-05-01");
	// the registry
	CHECK(f.row("SELECT accref, owner, embargo, mime, accessPath, sourceTable, preview, preview_mime, datalink "
	            "FROM dc.products WHERE accref = 'pimg/data/b.csv'") ==
	      "pimg/data/b.csv|astro|2031-05-01|text/csv|pimg/data/b.csv|pimg.main|AUTO|NULL|NULL");
	CHECK(f.one("SELECT count(*) FROM dc.products") == "2");
	// importing again with a file fewer: the table's old products are forgotten
	fs::remove(f.dir / "pimg/data/a.csv");
	f.import();
	CHECK(f.one("SELECT string_agg(accref, ',' ORDER BY accref) FROM dc.products") == "pimg/data/b.csv");
	CHECK(f.one("SELECT count(*) FROM pimg.main") == "1");
}

TEST_CASE("products: rows of another table with the same accref replace each other, drop forgets") {
	Fixture f("prod_overwrite");
	f.write("a.csv", "M31");
	f.write("b.csv", "M33");
	f.import();
	// a second data element registers the same files for another table (dupePolicy overwrite)
	f.import({"again"});
	CHECK(f.one("SELECT count(*) FROM dc.products") == "2");
	CHECK(f.one("SELECT string_agg(DISTINCT sourceTable, ',') FROM dc.products") == "pimg.other");
	CHECK(f.row("SELECT preview, datalink FROM dc.products WHERE accref = 'pimg/data/a.csv'") ==
	      "NULL|http://example.org/dl?ID=pimg/data/a.csv");
	// and back
	f.import({"import"});
	CHECK(f.one("SELECT string_agg(DISTINCT sourceTable, ',') FROM dc.products") == "pimg.main");
	// dropping the RD removes its products, not the registry
	rd::ingest::Importer imp(f.conn, *f.store);
	imp.drop("pimg/q", false);
	CHECK(f.one("SELECT to_regclass('dc.products') IS NOT NULL") == "t");
	CHECK(f.one("SELECT count(*) FROM dc.products") == "0");
}

TEST_CASE("products: a bad product value names the file, nothing is half written") {
	Fixture f("prod_bad");
	f.write("a.csv", "M31");
	f.import();
	f.write("b.csv", "M33", "astro", "not a date");
	try {
		f.import();
		FAIL("a bad embargo was accepted");
	} catch (const Error& e) {
		std::string m = e.full_message();
		INFO(m);
		CHECK(m.find("data/b.csv") != std::string::npos);
		CHECK(m.find("embargo") != std::string::npos);
	}
	CHECK(f.one("SELECT string_agg(accref, ',' ORDER BY accref) FROM dc.products") == "pimg/data/a.csv");
	CHECK(f.one("SELECT count(*) FROM pimg.main") == "1");
}
