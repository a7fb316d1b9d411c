#include "meles/core/common/strings.hpp"
#include "meles/rd/parse/lint.hpp"
#include "unit/rd/rd_fixtures.hpp"

#include <doctest/doctest.h>

using namespace meles::rd;

namespace {

// What lint_resource says about an RD, one line per diagnostic ("E 5: ..." / "W 5: ...").
std::vector<std::string> lint(std::string_view xml) {
	auto lr = meles::rd::test::parse(xml);
	REQUIRE(lr.resource);
	Diagnostics d;
	lint_resource(*lr.resource, d);
	std::vector<std::string> out;
	for (auto& i : d.items())
		out.push_back(std::string(i.severity == Severity::Error ? "E " : "W ") + std::to_string(i.pos.line) +
		              ": " + i.message);
	return out;
}

bool has(const std::vector<std::string>& lines, std::string_view prefix_and_text) {
	for (auto& l : lines)
		if (l.starts_with(prefix_and_text)) return true;
	return false;
}

const char* kMeta = R"(<meta name="creationDate">2024-01-01T00:00:00Z</meta><meta name="description">d</meta>
<meta name="subject">stars</meta>)";

} // namespace

TEST_CASE("lint: units as VOUnits, UCDs as UCD1+, each naming table and column") {
	auto out = lint(std::string(R"(<resource schema="u">)") + kMeta + R"(
<table id="main">
<column name="a" type="real" unit="erg sec-1 cm-2" ucd="phot.flux"/>
<column name="b" type="real" unit="Jansky" ucd="meta.main"/>
<column name="c" type="real" unit="km/s" ucd="phys.veloc;foo.bar"/>
<column name="d" type="real" unit="erg.s**-1.cm**-2" ucd="phot.flux;em.opt.V"/>
<param name="p" type="real" unit="cm-2">1</param>
</table></resource>)");
	INFO(meles::join(out, "\n"));
	CHECK(has(out, "E 4: unit 'erg sec-1 cm-2' of column 'a' (table u.main) is not a VOUnit: unexpected ' ' "
	               "at character 4"));
	CHECK(has(
	    out,
	    "W 5: unit 'Jansky' of column 'b' (table u.main) uses what VOUnits does not know, so clients may not "
	    "understand it: Jansky (VOUnits: Jy)"));
	CHECK(has(out, "W 5: UCD 'meta.main' of column 'b' (table u.main) is not valid UCD1+: 'meta.main' is a "
	               "secondary word"));
	CHECK(has(out, "W 6: UCD 'phys.veloc;foo.bar' of column 'c' (table u.main) is not valid UCD1+: 'foo.bar' "
	               "is not a UCD1+ word"));
	CHECK(has(out,
	          "W 8: unit 'cm-2' of param 'p' (table u.main) is not a VOUnit")); // DaCHS does not check params
	CHECK(out.size() == 5);                                                     // nothing about column d
}

TEST_CASE("lint: the metadata DaCHS requires of tables and of what is published") {
	auto out = lint(R"(<resource schema="m"><meta name="description">d</meta>
<table id="main"><meta name="creationDate">2024-01-01T00:00:00Z</meta><meta name="subject">x</meta></table>
<table id="other"><meta name="creationDate">1</meta><meta name="creationDate">2</meta></table>
<table id="pub"><publish/><meta name="creationDate">1</meta><meta name="subject">x</meta></table>
<service id="s"><nullCore/><publish render="form" sets="local"/></service>
<service id="hidden"><nullCore/></service>
</resource>)");
	INFO(meles::join(out, "\n"));
	CHECK(!has(out, "E 2:")); // description inherited from the RD
	CHECK(has(out,
	          "E 3: table 'other' lacks metadata DaCHS requires: creationDate has 2 values (one is wanted), "
	          "subject is missing"));
	CHECK(has(out, "E 4: table 'pub' lacks metadata DaCHS requires: title is missing"));
	CHECK(has(out,
	          "E 5: service 's' lacks metadata DaCHS requires: title is missing, creationDate is missing, "
	          "subject is missing, shortName is missing (give it as <meta> on the service or the RD; "
	          "shortName on the "
	          "service itself)"));
	CHECK(!has(out, "E 6:")); // not published: not checked
}

TEST_CASE("lint: known renderers and meta keys") {
	auto& r = known_renderers();
	CHECK(std::find(r.begin(), r.end(), "scs.xml") != r.end());
	auto& k = known_meta_keys();
	CHECK(std::find(k.begin(), k.end(), "creationDate") != k.end());
}
