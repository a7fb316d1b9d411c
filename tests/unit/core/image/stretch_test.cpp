// The previews' contrast stretch: percentiles as numpy.percentile computes them (linear
// interpolation between order statistics), blank pixels left out and black, flat images grey;
// and the PNG encoder's output is a PNG of the right size.
#include "meles/core/image/preview.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace meles::image;

namespace {

GreyGrid grid_of(std::vector<double> v, int w) {
	GreyGrid g;
	g.width = w;
	g.height = static_cast<int>(v.size()) / w;
	g.values = std::move(v);
	return g;
}

} // namespace

TEST_CASE("stretch: percentiles interpolate between order statistics as numpy does") {
	std::vector<double> v;
	for (int i = 0; i < 101; ++i)
		v.push_back(100 - i); // 0..100, reversed
	auto s = percentile_stretch(grid_of(v, 101));
	CHECK(s.lo == doctest::Approx(1.0));
	CHECK(s.hi == doctest::Approx(99.0));
	// numpy.percentile([0, 10, 20, 30], [1, 99]) == [0.3, 29.7]
	auto t = percentile_stretch(grid_of({30, 0, 20, 10}, 2));
	CHECK(t.lo == doctest::Approx(0.3));
	CHECK(t.hi == doctest::Approx(29.7));
	auto u = percentile_stretch(grid_of({30, 0, 20, 10}, 2), 50, 100);
	CHECK(u.lo == doctest::Approx(15.0));
	CHECK(u.hi == doctest::Approx(30.0));
}

TEST_CASE("stretch: NaN and infinities are left out and black, a flat image grey") {
	double nan = std::numeric_limits<double>::quiet_NaN();
	double inf = std::numeric_limits<double>::infinity();
	auto g = grid_of({nan, 0, 10, inf, 20, nan}, 3);
	auto s = percentile_stretch(g, 0, 100);
	CHECK(s.lo == 0);
	CHECK(s.hi == 20);
	auto b = to_grey_bytes(g, s);
	CHECK(b == std::vector<uint8_t>{0, 0, 128, 0, 255, 0});
	auto flat = grid_of({5, 5, nan, 5}, 2);
	auto fs = percentile_stretch(flat);
	CHECK(to_grey_bytes(flat, fs) == std::vector<uint8_t>{128, 128, 0, 128});
	auto none = grid_of({nan, nan}, 2);
	auto ns = percentile_stretch(none);
	CHECK(to_grey_bytes(none, ns) == std::vector<uint8_t>{0, 0});
}

TEST_CASE("stretch: values beyond the percentiles are clipped") {
	auto g = grid_of({-1000, 0, 50, 100, 1e9}, 5);
	auto b = to_grey_bytes(g, Stretch{0, 100});
	CHECK(b == std::vector<uint8_t>{0, 0, 128, 255, 255});
}

TEST_CASE("png: a greyscale PNG of the given size") {
	std::vector<uint8_t> px(7 * 3);
	for (size_t i = 0; i < px.size(); ++i)
		px[i] = static_cast<uint8_t>(i * 10);
	auto png = encode_png_grey(px, 7, 3);
	REQUIRE(png.size() > 33);
	CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
	CHECK(png.substr(12, 4) == "IHDR");
	auto be32 = [&](size_t at) {
		return (uint32_t(uint8_t(png[at])) << 24) | (uint32_t(uint8_t(png[at + 1])) << 16) |
		       (uint32_t(uint8_t(png[at + 2])) << 8) | uint32_t(uint8_t(png[at + 3]));
	};
	CHECK(be32(16) == 7);
	CHECK(be32(20) == 3);
	CHECK(png[24] == 8); // bit depth
	CHECK(png[25] == 0); // colour type: grey
	CHECK_THROWS(encode_png_grey(px, 5, 3));
}
