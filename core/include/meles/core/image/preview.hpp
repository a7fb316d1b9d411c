// meles/core/image/preview.hpp — preview images of pixel data: a small grid of values (binned
// from an image by core/fits), a robust contrast stretch, and PNG encoding (libpng, used from
// core/src/image only).
//
// The stretch is linear between two percentiles of the finite values (1 % and 99 % by
// default, linear interpolation between order statistics as numpy.percentile does), so a few
// hot pixels or a blank border do not wash the picture out; NaN (blank) pixels are black.
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace meles::image {

// Values row by row, the top row first (as images are shown); NaN for blank pixels.
struct GreyGrid {
	int width = 0;
	int height = 0;
	std::vector<double> values;
};

struct Stretch {
	double lo = 0;
	double hi = 0;
};

// The values at the low and high percentiles (0–100) of the grid's finite values; {0, 0}
// when there are none.
Stretch percentile_stretch(const GreyGrid& grid, double low_percent = 1, double high_percent = 99);

// One byte per pixel: lo and below 0, hi and above 255, linear between (rounded); NaN 0; a
// grid without contrast (hi <= lo) mid-grey where finite.
std::vector<uint8_t> to_grey_bytes(const GreyGrid& grid, Stretch stretch);

// An 8-bit greyscale PNG of width × height bytes (row by row, top first).
std::string encode_png_grey(const std::vector<uint8_t>& pixels, int width, int height);

} // namespace meles::image
