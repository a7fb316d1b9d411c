#include "meles/services/query/conditions.hpp"

#include "unit/rd/rd_fixtures.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::services;
using namespace meles::services::query;

namespace {

constexpr std::string_view kRd = R"(<resource schema="cq">
  <table id="main" onDisk="True" mixin="//scs#q3cindex">
    <column name="id" type="bigint" ucd="meta.id;meta.main"/>
    <column name="ra" type="double precision" ucd="pos.eq.ra;meta.main"/>
    <column name="dec" type="double precision" ucd="pos.eq.dec;meta.main"/>
    <column name="mag" type="real"/>
    <column name="name" type="text"/>
    <column name="obsdate" type="date"/>
    <column name="pos" type="spoint"/>
  </table>
  <table id="plain" onDisk="True">
    <column name="ra" type="double precision" ucd="pos.eq.ra;meta.main"/>
    <column name="dec" type="double precision" ucd="pos.eq.dec;meta.main"/>
  </table>
  <service id="cone" allowed="scs.xml,form">
    <scsCore queriedTable="main">
      <FEED source="//scs#coreDescs"/>
      <condDesc buildFrom="mag"/>
      <condDesc buildFrom="name"/>
      <condDesc buildFrom="obsdate"/>
      <condDesc buildFrom="pos"/>
    </scsCore>
  </service>
  <service id="needs" allowed="form">
    <dbCore queriedTable="main">
      <condDesc required="True"><inputKey original="mag"/></condDesc>
      <condDesc><inputKey name="name" type="text"/>
        <phraseMaker><code>yield "name = 'x'"</code></phraseMaker></condDesc>
    </dbCore>
  </service>
</resource>)";

const rd::Resource& res() {
	static auto lr = rd::test::parse(kRd, "inline/conditions");
	REQUIRE_MESSAGE(lr.resource, rd::test::dump(lr.diagnostics));
	return *lr.resource;
}

Conditions build(std::string_view service, std::string_view query, std::string renderer = "scs.xml") {
	const auto& rd = res();
	const auto* svc = rd.find_service(service);
	REQUIRE(svc);
	Syntax syntax = renderer == "form" ? Syntax::Form : Syntax::Protocol;
	return build_conditions(svc->core->cond_descs, *rd.find_table("main"), Params::from_urlencoded(query),
	                        {renderer, syntax});
}

std::string error_of(std::string_view service, std::string_view query, std::string renderer = "scs.xml") {
	try {
		build(service, query, renderer);
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Validation);
		return e.message();
	}
	return "(no error)";
}

} // namespace

TEST_CASE("conditions: the SCS parameters make a cone on the q3c index, the request echo as given") {
	auto c = build("cone", "RA=10.5&DEC=-20&SR=0.25");
	REQUIRE(c.cone);
	CHECK(c.clauses == std::vector<std::string>{"q3c_join(10.5, -20, ra, \"dec\", 0.25)"});
	CHECK(c.cone->distance == "q3c_dist(ra, \"dec\", 10.5, -20)");
	CHECK(c.where() == " WHERE q3c_join(10.5, -20, ra, \"dec\", 0.25)");
	REQUIRE(c.used.size() == 3);
	CHECK(c.used[0] == std::pair<std::string, std::string>{"RA", "10.5"});
	// RA outside [0, 360) is wrapped; inside it is kept to the digit
	CHECK(build("cone", "RA=-10&DEC=0&SR=1").cone->ra == 350);
	CHECK(build("cone", "RA=235.95&DEC=0&SR=1").used[0].second == "235.95");
}

TEST_CASE("conditions: a table without q3c index gets the spoint cone") {
	const auto& rd = res();
	auto cone = cone_on_table(*rd.find_table("plain"), 1, 2, 3);
	CHECK(cone.where ==
	      "spoint(radians(ra), radians(\"dec\")) @ scircle(spoint(radians(1), radians(2)), radians(3))");
	CHECK(cone.distance ==
	      "degrees(spoint(radians(ra), radians(\"dec\")) <-> spoint(radians(1), radians(2)))");
}

TEST_CASE("conditions: bad and missing cone parameters are named") {
	CHECK(error_of("cone", "RA=10&DEC=10").find("missing parameter SR") != std::string::npos);
	CHECK(error_of("cone", "").find("missing parameter RA, DEC, SR") != std::string::npos);
	CHECK(error_of("cone", "RA=x&DEC=1&SR=1").find("RA must be a number") != std::string::npos);
	CHECK(error_of("cone", "RA=nan&DEC=1&SR=1").find("RA must be a number") != std::string::npos);
	CHECK(error_of("cone", "RA=inf&DEC=1&SR=1").find("RA must be a number") != std::string::npos);
	CHECK(error_of("cone", "RA=1&DEC=95&SR=1").find("DEC must lie in [-90, 90]") != std::string::npos);
	CHECK(error_of("cone", "RA=1&DEC=5&SR=-1").find("SR must lie in [0, 180]") != std::string::npos);
	CHECK(error_of("cone", "RA=1e400&DEC=5&SR=1").find("RA must be a number") != std::string::npos);
}

TEST_CASE("conditions: columns take DALI values, ranges and lists on protocol renderers") {
	auto c = build("cone", "RA=1&DEC=2&SR=3&mag=12.5");
	CHECK(c.clauses.back() == "mag = 12.5");
	CHECK(build("cone", "RA=1&DEC=2&SR=3&mag=1/5").clauses.back() == "mag BETWEEN 1 AND 5");
	CHECK(build("cone", "RA=1&DEC=2&SR=3&mag=/5").clauses.back() == "mag <= 5");
	CHECK(build("cone", "RA=1&DEC=2&SR=3&mag=5/").clauses.back() == "mag >= 5");
	CHECK(build("cone", "RA=1&DEC=2&SR=3&mag=1,3/4").clauses.back() == "(mag = 1 OR mag BETWEEN 3 AND 4)");
	// repeated parameters are ORed
	CHECK(build("cone", "RA=1&DEC=2&SR=3&mag=1&mag=2").clauses.back() == "(mag = 1 OR mag = 2)");
	// text is compared as it is, commas included, quoted
	CHECK(build("cone", "RA=1&DEC=2&SR=3&name=a,b").clauses.back() == "name = 'a,b'");
	CHECK(build("cone", "RA=1&DEC=2&SR=3&name=O'Brien").clauses.back() == "name = 'O''Brien'");
	CHECK(build("cone", "RA=1&DEC=2&SR=3&obsdate=2020-01-01/2020-02-01").clauses.back() ==
	      "obsdate BETWEEN CAST('2020-01-01' AS date) AND CAST('2020-02-01' AS date)");
	// empty values constrain nothing
	CHECK(build("cone", "RA=1&DEC=2&SR=3&mag=&name=").clauses.size() == 1);
}

TEST_CASE("conditions: hostile column values are refused with the parameter's name, never reach SQL") {
	for (auto v : {"1;DROP TABLE x", "1) OR (1=1", "0x10", "1e999", "nan", "/", "1,,2", "1/2/3", "--1"}) {
		std::string q = std::string("RA=1&DEC=2&SR=3&mag=") + v;
		auto e = error_of("cone", q);
		CHECK_MESSAGE(e.find("mag: cannot read") == 0, v, " -> ", e);
	}
	for (auto v : {"2020-01-01'; DROP TABLE x; --", "yesterday", "now()"}) {
		auto e = error_of("cone", std::string("RA=1&DEC=2&SR=3&obsdate=") + v);
		CHECK_MESSAGE(e.find("obsdate: cannot read") == 0, v, " -> ", e);
	}
	// text is quoted whatever it holds
	CHECK(build("cone", "RA=1&DEC=2&SR=3&name=x%27%3B%20DROP%20TABLE%20y%3B%20--").clauses.back() ==
	      "name = 'x''; DROP TABLE y; --'");
	// the terms a request makes are bounded
	std::string many = "RA=1&DEC=2&SR=3";
	for (int i = 0; i < 300; ++i)
		many += "&mag=" + std::to_string(i);
	CHECK(error_of("cone", many).find("mag: at most 256 values or ranges, not 300") == 0);
	std::string list = "RA=1&DEC=2&SR=3&mag=1";
	for (int i = 0; i < 300; ++i)
		list += "," + std::to_string(i);
	CHECK(error_of("cone", list).find("mag: at most 256") == 0);
	// a very long value is cut in the message
	std::string longv(10000, '9');
	longv += "x";
	CHECK(error_of("cone", "RA=1&DEC=2&SR=3&mag=" + longv).size() < 300);
}

TEST_CASE("conditions: forms take VizieR-like expressions and positions") {
	CHECK(build("cone", "mag=%3C%205", "form").clauses == std::vector<std::string>{"mag < 5"});
	CHECK(build("cone", "mag=1%20..%205", "form").clauses.back() == "mag BETWEEN 1 AND 5");
	CHECK(build("cone", "mag=%3E%3D2,%20!%3D4", "form").clauses.back() == "(mag >= 2 OR mag <> 4)");
	CHECK(build("cone", "name=NGC*", "form").clauses.back() == "name LIKE 'NGC%'");
	CHECK(build("cone", "name=a_b%3F", "form").clauses.back() == "name LIKE 'a\\_b_'");
	CHECK(build("cone", "name=!M31", "form").clauses.back() == "NOT (name = 'M31')");
	auto c = build("cone", "hscs_pos=0%2042%2044.3%20%2B41%2016%209&hscs_sr=30", "form");
	REQUIRE(c.cone);
	CHECK(c.cone->sr == doctest::Approx(0.5));
	CHECK(c.cone->ra == doctest::Approx(10.684583));
	CHECK(error_of("cone", "hscs_pos=nowhere", "form").find("cannot read 'nowhere' as a position") == 0);
	CHECK(error_of("cone", "hscs_pos=1%202&hscs_sr=abc", "form").find("hscs_sr: the radius") == 0);
	// the SCS protocol keys are not the form's
	CHECK(build("cone", "RA=1&DEC=2&SR=3", "form").empty());
	// buildFrom on an spoint column: pos_<col> and sr_<col>
	auto s = build("cone", "pos_pos=10%2020&sr_pos=60", "form");
	REQUIRE(s.cone);
	CHECK(s.clauses.back() == "pos @ scircle(spoint(radians(10), radians(20)), radians(1))");
}

TEST_CASE("conditions: required condDescs and Python phraseMakers") {
	CHECK(error_of("needs", "", "form").find("missing parameter mag") == 0);
	CHECK(build("needs", "mag=3", "form").clauses == std::vector<std::string>{"mag = 3"});
	CHECK(error_of("needs", "mag=3&name=x", "form").find("name: this condition is computed by Python") == 0);
}

TEST_CASE("conditions: input keys list what a renderer reads, buildFrom keys included") {
	const auto& rd = res();
	auto keys =
	    input_keys(rd.find_service("cone")->core->cond_descs, *rd.find_table("main"), {"form", Syntax::Form});
	std::vector<std::string> names;
	for (auto& k : keys)
		names.push_back(k.column.meta.name);
	CHECK(names ==
	      std::vector<std::string>{"hscs_pos", "hscs_sr", "mag", "name", "obsdate", "pos_pos", "sr_pos"});
}
