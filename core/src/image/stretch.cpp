#include "meles/core/image/preview.hpp"

#include <algorithm>
#include <cmath>

namespace meles::image {

namespace {

// numpy.percentile's default ("linear"): the order statistic at (n-1)·p/100, interpolated.
double percentile(std::vector<double>& v, double percent) {
	double h = (static_cast<double>(v.size()) - 1) * std::clamp(percent, 0.0, 100.0) / 100.0;
	auto k = static_cast<size_t>(std::floor(h));
	std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
	double below = v[k];
	if (k + 1 >= v.size() || h == static_cast<double>(k)) return below;
	double above = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(k) + 1, v.end());
	return below + (h - static_cast<double>(k)) * (above - below);
}

} // namespace

Stretch percentile_stretch(const GreyGrid& grid, double low_percent, double high_percent) {
	std::vector<double> finite;
	finite.reserve(grid.values.size());
	for (double v : grid.values)
		if (std::isfinite(v)) finite.push_back(v);
	if (finite.empty()) return {};
	Stretch s;
	s.lo = percentile(finite, low_percent);
	s.hi = percentile(finite, high_percent);
	return s;
}

std::vector<uint8_t> to_grey_bytes(const GreyGrid& grid, Stretch stretch) {
	std::vector<uint8_t> out(grid.values.size());
	double span = stretch.hi - stretch.lo;
	for (size_t i = 0; i < grid.values.size(); ++i) {
		double v = grid.values[i];
		if (!std::isfinite(v))
			out[i] = 0;
		else if (!(span > 0))
			out[i] = 128;
		else
			out[i] = static_cast<uint8_t>(std::lround(std::clamp((v - stretch.lo) / span, 0.0, 1.0) * 255.0));
	}
	return out;
}

} // namespace meles::image
