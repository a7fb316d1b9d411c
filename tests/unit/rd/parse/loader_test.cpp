// The XML loader (positions of elements and attributes, text) and the element table
// (every element Meles parses has a fixture using it).
#include "unit/rd/rd_fixtures.hpp"

#include "meles/rd/parse/xml_loader.hpp"
#include "parse/parse_context.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace meles;
using namespace meles::rd;
using namespace meles::rd::test;
namespace fs = std::filesystem;

TEST_CASE("loader keeps lines of elements and of attributes in multi-line tags") {
	RawElement root = load_xml_text(R"(<?xml version="1.0"?>
<resource schema="x">
  <!-- a comment -->
  <column name="a"
     unit="m"

     ucd="pos">text <![CDATA[<raw>]]> more</column>
</resource>)",
	                                "t.rd");
	CHECK(root.name == "resource");
	CHECK(root.pos.line == 2);
	REQUIRE(root.children.size() == 1);
	auto& col = root.children[0];
	CHECK(col.pos.line == 4);
	CHECK(col.attribute("name")->pos.line == 4);
	CHECK(col.attribute("unit")->pos.line == 5);
	CHECK(col.attribute("ucd")->pos.line == 7);
	CHECK(col.text == "text <raw> more");
	CHECK(col.value("unit") == "m");
	try {
		load_xml_text("<resource>\n  <a>\n</resource>", "bad.rd");
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Syntax);
		REQUIRE(e.pos());
		CHECK(e.pos()->line == 3);
		CHECK(e.pos()->column > 0);
	}
	CHECK_THROWS_AS(load_xml_file("/nonexistent/q.rd", "q.rd"), Error);
}

TEST_CASE("every element of the element table occurs in a fixture") {
	std::string all;
	for (auto dir : {fixtures_dir(), fs::path(MELES_SOURCE_DIR) / "system_rds"})
		for (auto& e : fs::recursive_directory_iterator(dir))
			if (e.path().extension() == ".rd") {
				std::ifstream in(e.path());
				std::stringstream ss;
				ss << in.rdbuf();
				all += ss.str();
			}
	for (auto& entry : parse::element_table()) {
		// Grammars and cores share one parse function; the common ones are checked.
		if (entry.summary == "grammar (kept generically)" || entry.summary == "service core") continue;
		std::string name(entry.name);
		bool found = all.find("<" + name + " ") != std::string::npos ||
		             all.find("<" + name + ">") != std::string::npos ||
		             all.find("<" + name + "/") != std::string::npos ||
		             all.find("<" + name + "\n") != std::string::npos;
		INFO("element without fixture: ", name);
		CHECK(found);
	}
	for (auto name :
	     {"csvGrammar", "columnGrammar", "reGrammar", "fitsTableGrammar", "fitsProdGrammar", "voTableGrammar",
	      "dictlistGrammar", "nullGrammar", "embeddedGrammar", "dbCore", "scsCore", "ssapCore",
	      "datalinkCore", "fixedQueryCore", "pythonCore", "nullCore", "tapCore"})
		CHECK(all.find(std::string("<") + name) != std::string::npos);
}

TEST_CASE("text content is dedented like DaCHS does") {
	using parse::dedent;
	CHECK(dedent("\n    A\n      B\n  ") == "A\n  B");
	CHECK(dedent("A line\n      continued\n      here") == "A line\ncontinued\nhere");
	CHECK(dedent("  single  ") == "single");
	CHECK(dedent("\n\n   x = 1\n   if x:\n       y = 2\n\n") == "x = 1\nif x:\n    y = 2");
	CHECK(dedent("   \n  ") == "");
}

TEST_CASE("Latin-1 RDs are read when they say so") {
	std::string xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<resource schema=\"x\">\n"
	                  "<meta name=\"creator\">Jahrei\xdf, H.</meta>\n<bad attr=\"1\"/>\n</resource>";
	RawElement root = load_xml_text(xml, "latin.rd");
	REQUIRE(root.children.size() == 2);
	CHECK(root.children[0].text == "Jahrei\xc3\x9f, H.");
	CHECK(root.children[1].pos.line == 4);
}

TEST_CASE("schema and resdir given as child elements set the resource directory") {
	// cbdc/uhecr writes <schema>uhecr</schema>; its sources are below inputs/uhecr.
	auto lr = test::parse("<resource><schema>childschema</schema><table id=\"t\"/></resource>");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK(lr.resource->schema == "childschema");
	CHECK(lr.resource->resdir.filename() == "childschema");
	auto lr2 = test::parse("<resource schema=\"s\"><resdir>elsewhere</resdir></resource>");
	REQUIRE(lr2.resource);
	CHECK(lr2.resource->resdir.filename() == "elsewhere");
}

TEST_CASE("meta text may hold <br/> and other inline markup, as DaCHS RDs write it") {
	auto lr = meles::rd::test::parse(R"(<resource schema="m">
  <meta name="copyright">
    First line<br/>second line<br />
    third line.<br/><br/>
      indented.</meta>
  <meta name="description">See <a href="http://example.org/p">the paper</a> and
    <a href="http://example.org/q">http://example.org/q</a>, <b>please</b>.</meta>
  <meta name="note">One<!-- gone<br/> -->two</meta>
</resource>)");
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	// Each <br/> a line break; DaCHS 2.7 itself would keep "third line." only.
	CHECK(lr.resource->meta.text("copyright") == "First line\nsecond line\nthird line.\n\n  indented.");
	CHECK(lr.resource->meta.text("description") ==
	      "See the paper (http://example.org/p) and\nhttp://example.org/q, please.");
	CHECK(lr.resource->meta.text("note") == "Onetwo");
	// DaCHS refuses the RD for <a> and <b>: Meles warns, once per meta element.
	std::string warnings = dump(lr.diagnostics);
	CHECK(warnings.find("inline/q.rd:6: warning: meta 'description' contains markup (<a>, <b>)") !=
	      std::string::npos);
	CHECK(lr.diagnostics.warning_count() == 1);
}
