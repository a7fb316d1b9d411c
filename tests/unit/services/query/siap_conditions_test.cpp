// SIAP 1 and 2 parameters → SQL over tables mixing in //siap#pgs and //siap2#pgs (the system RDs
// themselves); what the database makes of the SQL is test_siap.py's business.
#include "meles/core/common/error.hpp"
#include "meles/services/query/siap_conditions.hpp"
#include "meles/services/siap/siap_service.hpp"

#include "unit/rd/rd_fixtures.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::services;
using namespace meles::services::query;

namespace {

constexpr std::string_view kRd = R"(<resource schema="sq">
  <table id="v1" onDisk="True" mixin="//siap#pgs"/>
  <table id="v2" onDisk="True" mixin="//siap2#pgs"/>
  <service id="s1" allowed="siap.xml">
    <dbCore queriedTable="v1"><condDesc original="//siap#protoInput"/></dbCore>
  </service>
  <service id="s2" allowed="siap2.xml">
    <dbCore queriedTable="v2"><FEED source="//siap2#parameters"/></dbCore>
  </service>
</resource>)";

const rd::Resource& res() {
	static auto lr = rd::test::parse(kRd, "inline/siap_conditions");
	REQUIRE_MESSAGE(lr.resource, rd::test::dump(lr.diagnostics));
	return *lr.resource;
}

std::string v2(std::string_view query) {
	return siap2_conditions(*res().find_table("v2"), Params::from_urlencoded(query)).where();
}
std::string v1(std::string_view query) {
	return siap1_conditions(*res().find_table("v1"), Params::from_urlencoded(query)).where();
}

template <typename F> std::string error_of(F&& f) {
	try {
		f();
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Validation);
		return e.message();
	}
	return "";
}

} // namespace

TEST_CASE("siap: the services are recognised by their conditions") {
	CHECK(SiapService::is_siap1_service(*res().find_service("s1")));
	CHECK_FALSE(SiapService::is_siap2_service(*res().find_service("s1")));
	CHECK(SiapService::is_siap2_service(*res().find_service("s2")));
	CHECK_FALSE(SiapService::is_siap1_service(*res().find_service("s2")));
}

TEST_CASE("siap2: POS shapes become pg_sphere geometries, repeated values OR-ed") {
	CHECK(v2("") == "");
	CHECK(v2("POS=CIRCLE+10+20+1") ==
	      " WHERE (s_region && scircle(spoint(radians(10), radians(20)), radians(1)))");
	CHECK(v2("POS=RANGE+10+11+-Inf+Inf") ==
	      " WHERE (s_region && sbox(spoint(radians(10), radians(-90)), spoint(radians(11), radians(90))))");
	CHECK(v2("POS=POLYGON+10+0+11+0+11+1") ==
	      " WHERE (s_region && spoly '{(10d, 0d), (11d, 0d), (11d, 1d)}')");
	CHECK(v2("POS=CIRCLE+1+2+3&pos=CIRCLE+4+5+6") ==
	      " WHERE ((s_region && scircle(spoint(radians(1), radians(2)), radians(3))) OR "
	      "(s_region && scircle(spoint(radians(4), radians(5)), radians(6))))");
}

TEST_CASE("siap2: intervals, ranges and equality parameters") {
	CHECK(v2("BAND=4e-7+5e-7") == " WHERE (em_min <= 5e-07 AND em_max >= 4e-07)");
	CHECK(v2("BAND=5e-7") == " WHERE (em_min <= 5e-07 AND em_max >= 5e-07)");
	CHECK(v2("TIME=-Inf+59000") == " WHERE (t_min <= 59000)");
	CHECK(v2("TIME=-Inf+Inf") == "");
	CHECK(v2("EXPTIME=10+Inf&FOV=0+1") == " WHERE (s_fov >= 0 AND s_fov <= 1) AND (t_exptime >= 10)");
	CHECK(v2("COLLECTION=a'b&CALIB=2") == " WHERE (obs_collection = 'a''b') AND (calib_level = 2)");
	CHECK(v2("POL=q") == " WHERE (pol_states LIKE '%/Q/%')");
	CHECK(v2("FORMAT=image/fits") == " WHERE (mime = 'image/fits')");
}

TEST_CASE("siap2: bad values name the parameter") {
	auto bad = [](std::string_view q) { return error_of([&] { v2(q); }); };
	CHECK(bad("POS=CIRCLE+10+100+1").starts_with("POS: declination 100"));
	CHECK(bad("POS=CIRCLE+10+0+nan").starts_with("POS: 'nan' is not a number"));
	CHECK(bad("POS=CIRCLE+10+0+0").starts_with("POS: the radius"));
	CHECK(bad("POS=CIRCLE+Inf+0+1").starts_with("POS:"));
	CHECK(bad("POS=BOX+1+2+3+4").starts_with("POS: unknown shape"));
	CHECK(bad("POS=POLYGON+1+2+3+4").starts_with("POS: POLYGON takes"));
	CHECK(bad("POS=").starts_with("POS: empty"));
	std::string huge = "POS=POLYGON";
	for (int i = 0; i < 501; ++i)
		huge += "+1+1";
	CHECK(bad(huge).find("at most 500 vertices") != std::string::npos);
	CHECK(bad("BAND=5+4").starts_with("BAND: the interval"));
	CHECK(bad("TIME=1+2+3").starts_with("TIME:"));
	CHECK(bad("CALIB=5").starts_with("CALIB:"));
	CHECK(bad("CALIB=1.5").starts_with("CALIB:"));
	CHECK(bad("POL=Z").starts_with("POL:"));
}

TEST_CASE("siap1: POS, SIZE, INTERSECT and FORMAT") {
	CHECK(v1("POS=10,20&SIZE=0") == " WHERE coverage @> spoint(radians(10), radians(20))");
	CHECK(v1("POS=10,20&SIZE=1&INTERSECT=center") == " WHERE coverage @> spoint(radians(10), radians(20))");
	CHECK(v1("POS=10,0&SIZE=2,1") ==
	      " WHERE coverage && sbox(spoint(radians(9), radians(-0.5)), spoint(radians(11), radians(0.5)))");
	CHECK(v1("POS=10,0&SIZE=2,1&INTERSECT=COVERS").find("coverage @> sbox(") != std::string::npos);
	CHECK(v1("POS=10,0&SIZE=2,1&INTERSECT=ENCLOSED").find("coverage <@ sbox(") != std::string::npos);
	// across RA 0 the box's west corner has the larger RA, as pg_sphere wants
	CHECK(v1("POS=0.5,0&SIZE=2").find("sbox(spoint(radians(359.5), radians(-1)), spoint(radians(1.5)") !=
	      std::string::npos);
	// near a pole: the whole cap
	CHECK(v1("POS=10,89.5&SIZE=2").find("spoint(radians(0), radians(88.5))") != std::string::npos);
	CHECK(v1("POS=10,0&SIZE=1&FORMAT=image/fits,image/png").find("mime IN ('image/fits', 'image/png')") !=
	      std::string::npos);
	CHECK(v1("POS=10,0&SIZE=1&FORMAT=GRAPHIC").find("mime IN ('image/png'") != std::string::npos);
	CHECK(v1("POS=10,0&SIZE=1&FORMAT=ALL").find("mime") == std::string::npos);
	auto bad = [](std::string_view q) { return error_of([&] { v1(q); }); };
	CHECK(bad("SIZE=1").starts_with("POS: missing"));
	CHECK(bad("POS=1,2").starts_with("SIZE: missing"));
	CHECK(bad("POS=1&SIZE=1").starts_with("POS:"));
	CHECK(bad("POS=1,2&SIZE=-1").starts_with("SIZE:"));
	CHECK(bad("POS=1,2&SIZE=1&INTERSECT=INSIDE").starts_with("INTERSECT:"));
}
