#include "adql/functions/sphere_geometry.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace meles::adql {

namespace {
constexpr double kRad = std::numbers::pi / 180;
} // namespace

double angular_distance(double ra1, double dec1, double ra2, double dec2) {
	// haversine: well-conditioned for small angles
	double s1 = std::sin((dec2 - dec1) * kRad / 2), s2 = std::sin((ra2 - ra1) * kRad / 2);
	double h = s1 * s1 + std::cos(dec1 * kRad) * std::cos(dec2 * kRad) * s2 * s2;
	return 2 * std::asin(std::min(1.0, std::sqrt(h))) / kRad;
}

SkyCap vertex_cap(const std::vector<double>& v) {
	double x = 0, y = 0, z = 0;
	for (size_t i = 0; i + 1 < v.size(); i += 2) {
		double ra = v[i] * kRad, dec = v[i + 1] * kRad;
		x += std::cos(dec) * std::cos(ra);
		y += std::cos(dec) * std::sin(ra);
		z += std::sin(dec);
	}
	SkyCap c;
	double n = std::sqrt(x * x + y * y + z * z);
	if (n < 1e-12) {
		c.radius = 180; // vertices balance out: no useful cap
		return c;
	}
	c.ra = std::atan2(y, x) / kRad;
	if (c.ra < 0) c.ra += 360;
	c.dec = std::asin(std::clamp(z / n, -1.0, 1.0)) / kRad;
	for (size_t i = 0; i + 1 < v.size(); i += 2)
		c.radius = std::max(c.radius, angular_distance(c.ra, c.dec, v[i], v[i + 1]));
	return c;
}

} // namespace meles::adql
