#include "meles/core/moc/moc.hpp"

#include "meles/core/common/error.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace meles;
using namespace meles::moc;

// Expected cell numbers computed independently with healpy 1.16
// (hp.ang2pix(2**order, ra, dec, nest=True, lonlat=True)).
TEST_CASE("moc: ang2pix_nest agrees with healpy") {
	CHECK(ang2pix_nest(0, 45, 0) == 5);
	CHECK(ang2pix_nest(0, 0, 90) == 0);
	CHECK(ang2pix_nest(6, 10, 10) == 19543);
	CHECK(ang2pix_nest(6, 359.9, -89.9) == 45056);
	CHECK(ang2pix_nest(10, 123.456, -45.678) == 10040157);
	CHECK(ang2pix_nest(29, 10, 10) == 1375225032727417701ull);
	CHECK_THROWS_AS(ang2pix_nest(30, 0, 0), Error);
	CHECK_THROWS_AS(ang2pix_nest(3, 0, 91), Error);
}

TEST_CASE("moc: ASCII serialisation is normalised") {
	// four siblings become their parent; the stated order stays at the end
	CHECK(Moc::parse_ascii("1/0-3").to_ascii() == "0/0 1/");
	CHECK(Moc::parse_ascii("1/0 1 2 3 7").to_ascii() == "0/0 1/7");
	CHECK(Moc::parse_ascii("3/1-5 8 4/100 6/").to_ascii() == "3/1-5 8 4/100 6/");
	CHECK(Moc::parse_ascii("2/4,5,6,7 3/1").to_ascii() == "1/1 3/1"); // MOC 1.0 commas
	CHECK(Moc::parse_ascii("").to_ascii() == "0/");
	CHECK(Moc::parse_ascii("5/").to_ascii() == "5/");
	CHECK(Moc::parse_ascii("0/0-11").sky_fraction() == doctest::Approx(1.0));
	CHECK(Moc::parse_ascii("0/0-11").ranges() == Moc::parse_ascii("1/0-47").ranges());
	CHECK(Moc::parse_ascii("3/1-5") == Moc::parse_ascii("3/1 2 3 4 5"));

	std::vector<uint64_t> all;
	for (uint64_t c = 0; c < 12 * 4096; ++c)
		all.push_back(c);
	CHECK(Moc::from_cells(6, all).to_ascii() == "0/0-11 6/");
	CHECK(Moc::from_cells(6, {19543}).to_ascii() == "6/19543");
	CHECK(Moc::from_cells(6, {19543}).sky_fraction() == doctest::Approx(1.0 / 49152));
}

TEST_CASE("moc: hostile ASCII is refused with the token") {
	for (const char* bad :
	     {"abc", "3/1-", "30/1", "1/48", "5-3", "3/5-2", "3/1x", "7", "3/99999999999999999999999"}) {
		INFO(bad);
		CHECK_THROWS_AS(Moc::parse_ascii(bad), Error);
	}
	try {
		Moc::parse_ascii("3/1 2 zz");
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(std::string(e.what()).find("zz") != std::string::npos);
	}
}

TEST_CASE("moc: union, degrade, contains") {
	auto a = Moc::parse_ascii("6/1-3");
	auto b = Moc::parse_ascii("6/3-5 7/100");
	CHECK(a.united(b).to_ascii() == "6/1-5 7/100");
	CHECK(a.united(b).degraded(5).to_ascii() == "5/0-1 6");
	auto d = Moc::disc(8, 10, 10, 1.0);
	CHECK(d.contains(10, 10));
	CHECK(d.contains(10.5, 10.5));
	CHECK_FALSE(d.contains(10, 12));
	CHECK_FALSE(d.contains(190, -10));
	// a 1-degree disc covers 3.14 deg² of 41253; the inclusive cells add a margin
	double frac = d.sky_fraction() * 41252.96;
	CHECK(frac > 3.1);
	CHECK(frac < 6.0);
	auto p = Moc::polygon(8, {{9, 9}, {11, 9}, {11, 11}, {9, 11}});
	CHECK(p.contains(10, 10));
	CHECK_FALSE(p.contains(12, 10));
}

TEST_CASE("moc: point coverage") {
	PointCoverage pc(6);
	pc.add(10, 10);
	pc.add(10.0001, 10.0001);
	pc.add(NAN, 3);
	pc.add(3, 95);
	CHECK(pc.points() == 2);
	CHECK(pc.ignored() == 2);
	CHECK(pc.moc().to_ascii() == "6/19543");
	PointCoverage deep(14); // the list path, not the bitmap
	deep.add(10, 10);
	deep.add(10, 10);
	CHECK(deep.moc() == Moc::from_cells(14, {ang2pix_nest(14, 10, 10)}));
}
