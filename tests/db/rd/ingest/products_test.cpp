// //products#define run natively (issue 14, item 0): the product columns of the described table
// and the rows of dc.products, as DaCHS fills them; a table imported again or dropped takes its
// products along, and rows of another table with the same accref replace each other.
#include "fits/fits_table_fixture.hpp"
#include "import_fixture.hpp"
#include "meles/core/common/strings.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace meles;
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

struct Fixture : meles::testing::ImportFixture {
	explicit Fixture(const std::string& name) : ImportFixture(name) {
		ImportFixture::write("pimg/q.rd", kRd);
	}

	void write(const std::string& file, const std::string& object, const std::string& owner = "",
	           const std::string& embargo = "") {
		ImportFixture::write("pimg/data/" + file,
		                     concat("object,owner,embargo\n", object, ",", owner, ",", embargo, "\n"));
	}
	rd::ingest::ImportReport import(std::vector<std::string> data = {}) {
		rd::ingest::ImportOptions o;
		o.data_ids = std::move(data);
		return ImportFixture::import("pimg/q", o);
	}
	std::string row(const std::string& sql) {
		auto r = conn.exec(sql);
		REQUIRE(r.rows() == 1);
		std::string out;
		for (int c = 0; c < r.columns(); ++c)
			out += (c ? "|" : "") + (r.is_null(0, c) ? std::string("NULL") : r.get(0, c));
		return out;
	}
};

} // namespace

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
	      concat("pimg/data/a.csv|NULL|NULL|text/csv|",
	             std::to_string(fs::file_size(f.dir / "pimg/data/a.csv")), "|M31"));
	CHECK(f.row("SELECT owner, embargo FROM pimg.main WHERE object = 'M33'") == "astro|2031-05-01");
	// the registry
	CHECK(
	    f.row("SELECT accref, owner, embargo, mime, accessPath, sourceTable, preview, preview_mime, datalink "
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

namespace {

// An image collection as DaCHS's tutorial writes it: fitsProdGrammar, //products#define, a
// table mixing in //products#table, header keywords mapped into columns.
const char* kImageRd = R"(<resource schema="plates">
  <meta name="title">Plates</meta>
  <table id="main" onDisk="True" mixin="//products#table" primary="accref">
    <column name="object" type="text"/>
    <column name="exptime" type="real" unit="s"/>
    <column name="dateobs" type="timestamp"/>
    <column name="platenum" type="integer"/>
  </table>
  <data id="import">
    <sources pattern="data/*.fits" recurse="True"/>
    <fitsProdGrammar>
      <mapKeys>dateObs: DATE-OBS</mapKeys>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.main"</bind>
        <bind key="embargo">"2020-01-01" if @PLATENUM &lt; 3 else None</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="main">
      <rowmaker>
        <map key="object">@OBJECT</map>
        <map key="exptime">@EXPTIME</map>
        <map key="dateobs">@dateObs</map>
        <map key="platenum">@PLATENUM</map>
      </rowmaker>
    </make>
  </data>
</resource>)";

void write_plate(meles::testing::ImportFixture& f, int n, bool compressed = false) {
	core::fits::FixtureImage im;
	im.tile_compressed = compressed;
	im.cards = {{"OBJECT", concat("'field ", std::to_string(n), "'")},
	            {"DATE-OBS", concat("'1931-0", std::to_string(n), "-12T03:00:00'")},
	            {"EXPTIME", concat(std::to_string(n * 60), ".0")},
	            {"PLATENUM", std::to_string(n)}};
	fs::create_directories(f.dir / "plates/data");
	core::fits::write_fits_image_file(
	    (f.dir / "plates/data" / concat("p", std::to_string(n), compressed ? ".fits" : ".fits")).string(),
	    im);
}

} // namespace

TEST_CASE("products: an image collection with fitsProdGrammar registers every file, a truncated one stops or "
          "is skipped") {
	meles::testing::ImportFixture f("prod_images");
	f.write("plates/q.rd", kImageRd);
	for (int n = 1; n <= 4; ++n)
		write_plate(f, n, n == 4);
	auto rep = f.import("plates/q");
	REQUIRE(rep.tables.size() == 2);
	CHECK(rep.tables[0].rows == 4);
	CHECK(f.one("SELECT string_agg(object || '/' || exptime || '/' || dateobs || '/' || "
	            "coalesce(embargo::text, '-'), ',' "
	            "ORDER BY platenum) FROM plates.main") ==
	      "field 1/60/1931-01-12 03:00:00/2020-01-01,field 2/120/1931-02-12 03:00:00/2020-01-01,"
	      "field 3/180/1931-03-12 03:00:00/-,field 4/240/1931-04-12 03:00:00/-");
	CHECK(f.one("SELECT count(*) FROM dc.products WHERE sourceTable = 'plates.main' AND mime = 'image/fits' "
	            "AND preview = 'AUTO' AND accessPath = accref") == "4");
	CHECK(f.one("SELECT accsize = " + std::to_string(fs::file_size(f.dir / "plates/data/p2.fits")) +
	            " FROM plates.main WHERE platenum = 2") == "t");
	// a truncated file stops the import with its name; the previous import stays
	{
		auto p = f.dir / "plates/data/p3.fits";
		fs::resize_file(p, fs::file_size(p) - 4000);
	}
	CHECK_THROWS_WITH_AS(f.import("plates/q"), doctest::Contains("data/p3.fits: truncated"), Error);
	CHECK(f.one("SELECT count(*) FROM plates.main") == "4");
	// ... or is skipped and reported with -c
	rd::ingest::ImportOptions o;
	o.skip_bad_rows = true;
	rep = f.import("plates/q", o);
	CHECK(rep.tables[0].rows == 3);
	CHECK(rep.tables[0].skipped == 1);
	REQUIRE(rep.tables[0].first_problems.size() == 1);
	CHECK(rep.tables[0].first_problems[0].find("data/p3.fits: truncated") != std::string::npos);
	CHECK(f.one("SELECT string_agg(accref, ',' ORDER BY accref) FROM dc.products") ==
	      "plates/data/p1.fits,plates/data/p2.fits,plates/data/p4.fits");
}

TEST_CASE("products: a mixin that FEEDs //products#hackProductsData makes product tables, as DaCHS's SIAP "
          "and SSAP mixins do") {
	meles::testing::ImportFixture f("prod_hack");
	f.write("hack/q.rd", R"(<resource schema="hack">
  <meta name="title">Hack</meta>
  <mixinDef id="imagetable">
    <FEED source="//products#hackProductsData"/>
    <events><column name="object" type="text"/></events>
  </mixinDef>
  <table id="main" onDisk="True" mixin="imagetable"/>
  <data id="import">
    <sources pattern="data/*.fits"/>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define"><bind key="table">"\schema.main"</bind></rowfilter>
    </fitsProdGrammar>
    <make table="main"><rowmaker><map key="object">@OBJECT</map></rowmaker></make>
  </data>
</resource>)");
	write_plate(f, 1);
	fs::create_directories(f.dir / "hack/data");
	fs::copy_file(f.dir / "plates/data/p1.fits", f.dir / "hack/data/a.fits");
	auto rep = f.import("hack/q");
	REQUIRE(rep.tables.size() == 2);
	CHECK(f.one("SELECT accref || ' ' || mime || ' ' || object FROM hack.main") ==
	      "hack/data/a.fits image/fits field 1");
	CHECK(f.one("SELECT sourceTable FROM dc.products WHERE accref = 'hack/data/a.fits'") == "hack.main");
}
