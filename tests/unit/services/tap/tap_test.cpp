// The TAP service's pure parts: parameter checks, capabilities, tableset and examples
// documents.  Everything that needs a database is in tests/integration/test_tap*.py.
#include "meles/core/common/error.hpp"
#include "meles/services/tap/examples.hpp"
#include "meles/services/tap/tap_query.hpp"
#include "meles/services/tap/vosi.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::services;
using namespace meles::services::tap;

namespace {

std::string error_of(const std::string& query_string) {
	try {
		parse_tap_request(Params::from_urlencoded(query_string), TapSettings{});
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Validation);
		return e.message();
	}
	return "";
}

size_t count(const std::string& s, const std::string& what) {
	size_t n = 0;
	for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
	return n;
}

}  // namespace

TEST_CASE("tap: request parameters") {
	TapSettings st;
	st.default_maxrec = 100;
	st.hard_maxrec = 1000;
	auto r = parse_tap_request(Params::from_urlencoded("lang=ADQL&query=SELECT+1&request=doQuery"), st);
	CHECK(r.query == "SELECT 1");
	CHECK(r.maxrec == 100);
	CHECK(r.format->format == formats::OutputFormat::VOTableBinary2);
	CHECK(r.votable_version == "1.4");

	r = parse_tap_request(Params::from_urlencoded("LANG=ADQL-2.1&QUERY=x&MAXREC=5000&FORMAT=votable/td"), st);
	CHECK(r.maxrec == 1000);  // capped at the hard limit
	CHECK(r.format->format == formats::OutputFormat::VOTableTabledata);
	// RESPONSEFORMAT wins over FORMAT; ;version= picks the VOTable version
	r = parse_tap_request(
	    Params::from_urlencoded("QUERY=x&FORMAT=csv&RESPONSEFORMAT=application%2Fx-votable%2Bxml%3B+version%3D1.5"), st);
	CHECK(r.format->format == formats::OutputFormat::VOTableBinary2);
	CHECK(r.votable_version == "1.5");
	r = parse_tap_request(Params::from_urlencoded(
	                          "QUERY=x&RESPONSEFORMAT=application/x-votable%2Bxml;serialization=TABLEDATA;version=1.5"),
	                      st);
	CHECK(r.format->format == formats::OutputFormat::VOTableTabledata);
	CHECK(r.votable_version == "1.5");
	r = parse_tap_request(Params::from_urlencoded("QUERY=x&UPLOAD=a,param:p;b,http://x/y"), st);
	REQUIRE(r.uploads.size() == 2);
	CHECK(r.uploads[1].uri == "http://x/y");
	// QUERY may be missing while an async job is being built
	CHECK(parse_tap_request(Params::from_urlencoded("LANG=ADQL"), st, false).query.empty());

	CHECK(error_of("LANG=SQL&QUERY=x").starts_with("LANG=SQL is not supported"));
	CHECK(error_of("LANG=ADQL").find("QUERY") != std::string::npos);
	CHECK(error_of("LANG=ADQL&QUERY=+++").find("QUERY") != std::string::npos);
	CHECK(error_of("QUERY=x&REQUEST=getCapabilities").starts_with("REQUEST=getCapabilities"));
	CHECK(error_of("QUERY=x&RESPONSEFORMAT=excel").find("unknown RESPONSEFORMAT 'excel'") != std::string::npos);
	CHECK(error_of("QUERY=x&RESPONSEFORMAT=votable;version=2.0").find("version 2.0") != std::string::npos);
	CHECK(error_of("QUERY=x&MAXREC=-3").find("MAXREC") != std::string::npos);
	CHECK(error_of("QUERY=x&UPLOAD=1a,param:x").find("regular ADQL identifier") != std::string::npos);
}

TEST_CASE("tap: capabilities come from the format and feature tables") {
	CapabilityFacts f;
	f.base_url = "http://example.org/tap";
	f.default_maxrec = 20000;
	f.hard_maxrec = 20000000;
	f.execution_duration = 3600;
	f.retention = 172800;
	f.max_upload_bytes = 1000;
	std::string doc = capabilities_document(f);
	CHECK(doc.find("<accessURL use=\"base\">http://example.org/tap</accessURL>") != std::string::npos);
	CHECK(doc.find("<accessURL use=\"full\">http://example.org/tap/tables</accessURL>") != std::string::npos);
	CHECK(doc.find("ivo://ivoa.net/std/ADQL#v2.0") != std::string::npos);
	CHECK(doc.find("ivo://ivoa.net/std/ADQL#v2.1") != std::string::npos);
	// one outputFormat per advertised row of the table
	size_t advertised = 0;
	for (auto& fmt : formats::output_formats()) advertised += fmt.advertise;
	CHECK(count(doc, "<outputFormat") == advertised);
	CHECK(doc.find("<alias>votable/td</alias>") != std::string::npos);
	CHECK(doc.find("ivo-id=\"ivo://ivoa.net/std/TAPRegExt#output-votable-binary2\"") != std::string::npos);
	// feature types spelled as TAPRegExt does; custom types left out
	CHECK(doc.find("type=\"ivo://ivoa.net/std/TAPRegExt#features-adqlgeo\"") != std::string::npos);
	CHECK(doc.find("tapregext#") == std::string::npos);
	CHECK(doc.find("org.gavo.dc") == std::string::npos);
	CHECK(doc.find("<form>CONTAINS</form>") != std::string::npos);
	CHECK(doc.find("<default unit=\"row\">20000</default>") != std::string::npos);
	CHECK(doc.find("<hard unit=\"byte\">1000</hard>") != std::string::npos);
	CHECK(count(doc, "<uploadMethod") == 3);
	CHECK(doc.find("DALI#examples") == std::string::npos);
	f.examples = true;
	CHECK(capabilities_document(f).find("<accessURL use=\"full\">http://example.org/tap/examples") != std::string::npos);
	CHECK(canonical_feature_type("ivo://ivoa.net/std/tapregext#features-udf") ==
	      "ivo://ivoa.net/std/TAPRegExt#features-udf");
}

TEST_CASE("tap: tableset and single-table documents") {
	TapSnapshot snap;
	TapTable t;
	t.name = "s.t";
	t.type = "table";
	t.description = "A   table\n with  blanks";
	t.columns.push_back({"ra", "double", "", "", "deg", "pos.eq.ra", "", "Right <ascension>", true, true, false});
	t.columns.push_back({"\"Pos\"", "double", "2", "point", "deg", "", "", "", false, false, true});
	t.foreign_keys.push_back({"s.u", {{"ra", "ra2"}}, "", ""});
	snap.schemas.push_back({"s", "Schema", "", {t}});
	std::string doc = tableset_document(snap, false);
	CHECK(doc.find("<name>s.t</name>") != std::string::npos);
	CHECK(doc.find("<description>A table with blanks</description>") != std::string::npos);
	CHECK(doc.find("Right &lt;ascension&gt;") != std::string::npos);
	CHECK(doc.find("<flag>indexed</flag>") != std::string::npos);
	CHECK(doc.find("arraysize=\"2\" extendedType=\"point\">double</dataType>") != std::string::npos);
	CHECK(doc.find("<column std=\"true\">") != std::string::npos);
	CHECK(doc.find("<targetTable>s.u</targetTable>") != std::string::npos);
	std::string min = tableset_document(snap, true);
	CHECK(min.find("<name>s.t</name>") != std::string::npos);
	CHECK(min.find("<column") == std::string::npos);
	CHECK(snap.find_table("S.T") != nullptr);
	CHECK(snap.find_table("s.x") == nullptr);
	std::string one = table_document(t);
	CHECK(one.find("<vosi:table ") != std::string::npos);
	CHECK(one.find("<name>&quot;Pos&quot;</name>") != std::string::npos);
}

TEST_CASE("tap: examples from _example metas") {
	auto ex = parse_example("Bright  stars", R"(Stars from :taptable:`a.b` brighter
than ``6``.

.. tapquery::

  SELECT *
    FROM a.b
  WHERE mag < 6

Another paragraph.)");
	CHECK(ex.id == "bright-stars");
	CHECK(ex.title == "Bright stars");
	CHECK(ex.query == "SELECT *\n  FROM a.b\nWHERE mag < 6");
	REQUIRE(ex.tables.size() == 1);
	CHECK(ex.tables[0] == "a.b");
	CHECK(ex.body_html ==
	      "<p>Stars from <code property=\"table\">a.b</code> brighter than <code>6</code>.</p>\n<p>Another "
	      "paragraph.</p>\n");
	CHECK(parse_example("", "text only").id == "example");
	CHECK(parse_example("2 ways", "").id == "ex-2-ways");
	std::string doc = examples_document({ex}, "http://x/tap");
	CHECK(doc.find("vocab=\"http://www.ivoa.net/rdf/examples#\"") != std::string::npos);
	CHECK(doc.find("<div typeof=\"example\" id=\"bright-stars\" resource=\"#bright-stars\">") != std::string::npos);
	CHECK(doc.find("<pre property=\"query\">SELECT *\n  FROM a.b\nWHERE mag &lt; 6</pre>") != std::string::npos);
}
