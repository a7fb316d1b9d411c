// The catalogue RDs of the issue: DaCHS's anchor RD (copied unchanged) and a tutorial-style
// RD load without problems and give the expected tables, indexes, meta and services.
#include "unit/rd/rd_fixtures.hpp"

#include "meles/core/common/strings.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::rd;
using namespace meles::rd::test;

TEST_CASE("anchor RD from DaCHS loads unchanged") {
	auto lr = fixture_store().load("anchor/q");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	const Resource& rd = *lr.resource;
	CHECK(rd.rd_id == "anchor/q");
	CHECK(rd.schema == "anchor");
	CHECK(rd.meta.text("title") == "DaCHS anchor synthetic catalogue");
	CHECK(rd.meta.all("subject").size() == 2);
	CHECK(rd.meta.text("content.type") == "Catalog");
	REQUIRE(rd.tables.size() == 2);
	for (auto& t : rd.tables) {
		CHECK(t.on_disk);
		CHECK(t.adql == AdqlAccess::Yes);
		CHECK(t.primary == std::vector<std::string>{"id"});
		REQUIRE(t.columns.size() == 5); // fed from the catcols STREAM
		CHECK(t.columns[1].meta.name == "ra");
		CHECK(t.columns[1].meta.type.base == BaseType::Double);
		CHECK(t.has_mixin("//scs#q3cindex"));
		REQUIRE(t.indexes.size() == 1);
		CHECK(t.indexes[0].columns == std::vector<std::string>{"ra", "dec"});
		CHECK(t.indexes[0].sql_expression() == "q3c_ang2ipix(ra, dec)");
		CHECK(t.indexes[0].cluster);
		CHECK(t.indexes[0].name == "q3c_" + t.id);
		CHECK(t.find_column("ra")->meta.indexed);
		CHECK(t.find_column("id")->meta.indexed);
		CHECK_FALSE(t.find_column("mag")->meta.indexed);
	}
	REQUIRE(rd.data.size() == 2);
	auto& d = rd.data[0];
	REQUIRE(d.sources);
	CHECK(d.sources->patterns == std::vector<std::string>{"data/cat100k.csv"});
	REQUIRE(d.grammar);
	CHECK(d.grammar->type == "csvGrammar");
	CHECK(d.grammar->option("names") == "id,ra,dec,mag,name");
	CHECK(d.grammar->option("topIgnoredLines") == "1");
	REQUIRE(d.makes.size() == 1);
	CHECK(d.makes[0].table == TableRef{"anchor/q", "main"});
	CHECK(d.makes[0].rowmaker.idmaps == std::vector<std::string>{"*"});
	REQUIRE(rd.services.size() == 2);
	auto& svc = rd.services[0];
	CHECK(svc.allowed == std::vector<std::string>{"form", "scs.xml"});
	REQUIRE(svc.core);
	CHECK(svc.core->type == "scsCore");
	CHECK(svc.core->queried_table == TableRef{"anchor/q", "main"});
	REQUIRE(svc.core->cond_descs.size() == 3);
	CHECK(svc.core->cond_descs[0].original == "//scs#humanInput");
	CHECK(svc.core->cond_descs[1].original == "//scs#protoInput");
	CHECK(svc.core->cond_descs[1].input_keys.size() == 3);
	CHECK(svc.core->cond_descs[1].input_keys[0].column.meta.name == "RA");
	CHECK(svc.core->cond_descs[2].input_keys[0].value == "10000"); // \getConfig{ivoa}{dalDefaultLimit}
	CHECK(svc.meta.text("testQuery.ra") == "10.0");
	REQUIRE(svc.publish.size() == 2);
	CHECK(svc.publish[1].sets == std::vector<std::string>{"local", "ivo_managed"});
	// Service meta falls back to the RD.
	CHECK(rd.meta_text("creator", &svc.meta) == "Anchor, A.");
}

TEST_CASE("tutorial-style catalogue RD: columnGrammar, sexagesimal maps, q3c index, meta, service") {
	auto lr = fixture_store().load("tutorial/q");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	CHECK(lr.diagnostics.warning_count() == 0);
	const Resource& rd = *lr.resource;
	CHECK(rd.resdir == fixtures_dir() / "tutorial");
	CHECK(rd.meta.text("contact.email") == "jdoe@example.org");
	CHECK(rd.meta.first("description")->format == "rst");
	CHECK(rd.meta.text("description")->starts_with("A small sample of bright stars"));
	CHECK(rd.meta.text("_longdoc")->find("<http://localhost:8080/tableinfo/tutorial.main>") !=
	      std::string::npos);

	const TableDef* main = rd.find_table("main");
	REQUIRE(main);
	CHECK(main->qualified_name() == "tutorial.main");
	CHECK(main->columns.size() == 7);
	CHECK(main->meta.text("description") ==
	      "Positions, proper motions and magnitudes of the Bright star sample (tutorial)");
	CHECK(main->stc == "Position ICRS Epoch J1991.25 \"raj2000\" \"dej2000\"");
	CHECK(main->find_column("raj2000")->display_hint.at("type") == "hms");
	CHECK(main->find_column("vmag")->values->max == "15");
	REQUIRE(main->indexes.size() == 1);
	CHECK(main->indexes[0].columns == std::vector<std::string>{"raj2000", "dej2000"});
	CHECK(main->indexes[0].sql_expression() == "q3c_ang2ipix(raj2000, dej2000)");

	const DataDesc* imp = rd.find_data("import");
	REQUIRE(imp);
	CHECK(imp->grammar->type == "columnGrammar");
	CHECK(imp->grammar->option("preFilter") == "zcat");
	CHECK(imp->grammar->option("colDefs")->find("raHMS:     8-19") != std::string::npos);
	auto& rm = imp->makes[0].rowmaker;
	CHECK(rm.idmaps == std::vector<std::string>{"hip", "pmra", "pmde", "vmag"});
	REQUIRE(rm.maps.size() == 3);
	CHECK(rm.maps[0].key == "raj2000");
	REQUIRE(rm.maps[0].expr);
	CHECK(rm.maps[0].expr->text == "hmsToDeg(@raHMS, \" \")");
	CHECK(rm.maps[0].expr->pos.line == 71);
	CHECK(rm.maps[1].expr->text == "dmsToDeg(@deDMS, \" \")");
	REQUIRE(rm.ignore_on.size() == 1);
	CHECK(rm.ignore_on[0].conditions[0].kind == IgnoreCondition::Kind::KeyIs);
	CHECK(rm.ignore_on[0].conditions[0].value == "");

	const TableDef* phot = rd.find_table("photometry");
	REQUIRE(phot);
	CHECK(phot->columns[0].meta.name == "hip");
	CHECK(phot->columns[0].original == "tutorial/q#main.hip");
	CHECK(phot->columns[0].meta.ucd == "meta.id;meta.main");
	CHECK(phot->columns[1].meta.type.rd_name() == "char");
	CHECK(phot->meta.text("description") ==
	      "Multi-band magnitudes of the stars in tutorial.photometry's parent table.");
	REQUIRE(phot->foreign_keys.size() == 1);
	CHECK(phot->foreign_keys[0].dest_table == TableRef{"tutorial/q", "main"});
	CHECK(phot->foreign_keys[0].dest == std::vector<std::string>{"hip"});

	const DataDesc* ph = rd.find_data("import_phot");
	REQUIRE(ph);
	CHECK(ph->sources->patterns == std::vector<std::string>{"data/phot*.csv"});
	CHECK(ph->grammar->option("delimiter") == ";");
	CHECK(ph->makes[0].rowmaker.maps[0].expr->text == "parseWithNull(@mag, float, \"\")");

	const ServiceDef* cone = rd.find_service("cone");
	REQUIRE(cone);
	REQUIRE(cone->core);
	REQUIRE(cone->core->cond_descs.size() == 4);
	CHECK(cone->core->cond_descs[3].build_from == "vmag");
	CHECK(rd.meta_text("title", &cone->meta) == "Bright star cone search");
}
