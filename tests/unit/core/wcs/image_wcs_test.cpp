// core/wcs: the geometry of images from hand-written headers with answers known without WCSLIB
// (the integration test test_siap_footprints compares many projections with astropy.wcs).
#include "meles/core/common/error.hpp"
#include "meles/core/wcs/image_wcs.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>

using namespace meles;
using namespace meles::core::wcs;

namespace {

std::string cards(std::initializer_list<std::pair<const char*, std::string>> kv) {
	std::string out;
	char buf[96];
	for (auto& [k, v] : kv) {
		std::snprintf(buf, sizeof buf, "%-8s= %20s", k, v.c_str());
		std::string card(buf);
		card.resize(80, ' ');
		out += card;
	}
	return out;
}

std::string refusal(const std::string& header) {
	try {
		image_geometry(header);
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Validation);
		return e.message();
	}
	return "";
}

} // namespace

TEST_CASE("wcs: a TAN image centred on its reference pixel") {
	// 101 x 51 pixels of 0.01 deg, CRPIX at the central pixel: the centre is CRVAL, the corners
	// +-0.5 deg and +-0.25 deg away along the axes (within the TAN projection's small distortion).
	auto g = image_geometry(cards({{"NAXIS", "2"},
	                               {"NAXIS1", "101"},
	                               {"NAXIS2", "51"},
	                               {"CTYPE1", "'RA---TAN'"},
	                               {"CTYPE2", "'DEC--TAN'"},
	                               {"CRVAL1", "10.0"},
	                               {"CRVAL2", "0.0"},
	                               {"CRPIX1", "51.0"},
	                               {"CRPIX2", "26.0"},
	                               {"CDELT1", "-0.01"},
	                               {"CDELT2", "0.01"},
	                               {"EQUINOX", "2000.0"}}));
	CHECK(g.naxes == 2);
	CHECK(g.naxis == std::vector<int64_t>{101, 51});
	CHECK(g.center_ra == doctest::Approx(10.0).epsilon(1e-12));
	CHECK(std::abs(g.center_dec) < 1e-12);
	CHECK(g.projection == "TAN");
	// corner (1,1): east is left (CDELT1 < 0), so RA grows
	CHECK(g.corners[0][0] == doctest::Approx(10.5).epsilon(1e-4));
	CHECK(g.corners[0][1] == doctest::Approx(-0.25).epsilon(1e-3));
	CHECK(g.corners[2][0] == doctest::Approx(9.5).epsilon(1e-4));
	CHECK(g.corners[2][1] == doctest::Approx(0.25).epsilon(1e-3));
	CHECK(g.pixel_scale[0] == doctest::Approx(0.01).epsilon(1e-6));
	CHECK(g.pixel_scale[1] == doctest::Approx(0.01).epsilon(1e-6));
	CHECK(g.cd == std::array<double, 4>{-0.01, 0, 0, 0.01});
	CHECK(g.ref_pixel == std::array<double, 2>{51, 26});
	REQUIRE(g.equinox);
	CHECK(*g.equinox == 2000.0);
	CHECK(g.fov == doctest::Approx(std::hypot(1.0, 0.5)).epsilon(1e-3));
	CHECK(g.ra_min == doctest::Approx(9.5).epsilon(1e-4));
	CHECK(g.ra_max == doctest::Approx(10.5).epsilon(1e-4));
}

TEST_CASE("wcs: an image across RA 0 has its bounding box wrap") {
	auto g = image_geometry(cards({{"NAXIS", "2"},
	                               {"NAXIS1", "21"},
	                               {"NAXIS2", "21"},
	                               {"CTYPE1", "'RA---CAR'"},
	                               {"CTYPE2", "'DEC--CAR'"},
	                               {"CRVAL1", "0.0"},
	                               {"CRVAL2", "0.0"},
	                               {"CRPIX1", "11.0"},
	                               {"CRPIX2", "11.0"},
	                               {"CD1_1", "-0.1"},
	                               {"CD2_2", "0.1"}}));
	CHECK(g.ra_min == doctest::Approx(359.0));
	CHECK(g.ra_max == doctest::Approx(1.0));
	CHECK(g.corners[0][0] == doctest::Approx(1.0));
	CHECK(g.corners[2][0] == doctest::Approx(359.0));
}

TEST_CASE("wcs: galactic axes are given in equatorial coordinates") {
	// the galactic centre lies at RA 266.405, Dec -28.936 (J2000)
	auto g = image_geometry(cards({{"NAXIS", "2"},
	                               {"NAXIS1", "11"},
	                               {"NAXIS2", "11"},
	                               {"CTYPE1", "'GLON-TAN'"},
	                               {"CTYPE2", "'GLAT-TAN'"},
	                               {"CRVAL1", "0.0"},
	                               {"CRVAL2", "0.0"},
	                               {"CRPIX1", "6.0"},
	                               {"CRPIX2", "6.0"},
	                               {"CDELT1", "-0.001"},
	                               {"CDELT2", "0.001"}}));
	CHECK(g.center_ra == doctest::Approx(266.40499).epsilon(1e-6));
	CHECK(g.center_dec == doctest::Approx(-28.93617).epsilon(1e-5));
}

TEST_CASE("wcs: headers without a usable WCS are refused with the reason") {
	CHECK(refusal(cards({{"NAXIS", "0"}})).find("NAXIS < 2") != std::string::npos);
	CHECK(refusal(cards({{"NAXIS", "2"}, {"NAXIS1", "10"}, {"NAXIS2", "10"}})).find("celestial") !=
	      std::string::npos);
	CHECK(refusal(cards({{"NAXIS", "2"},
	                     {"NAXIS1", "10"},
	                     {"NAXIS2", "10"},
	                     {"CTYPE1", "'RA---XYZ'"},
	                     {"CTYPE2", "'DEC--XYZ'"}}))
	          .size() > 0);
	CHECK(refusal(cards({{"NAXIS", "2"},
	                     {"NAXIS1", "10"},
	                     {"NAXIS2", "10"},
	                     {"CTYPE1", "'RA---TAN'"},
	                     {"CTYPE2", "'DEC--TAN'"},
	                     {"CD1_1", "0.0"},
	                     {"CD2_2", "0.0"}}))
	          .size() > 0);
	CHECK(refusal(cards({{"NAXIS", "2"}, {"NAXIS1", "0"}, {"NAXIS2", "10"}})).find("no pixels") !=
	      std::string::npos);
	// garbage of any length is refused, never read beyond
	CHECK(refusal("NAXIS   = 2\x01\x02 garbage").size() > 0);
	CHECK(refusal(std::string(80 * 40, '\0')).size() > 0);
}
