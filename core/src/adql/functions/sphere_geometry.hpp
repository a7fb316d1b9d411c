// adql/functions/sphere_geometry.hpp — small spherical-geometry helpers for constant shapes:
// the centre of a polygon's vertices and a cap around them (used to put a q3c index in front
// of an exact pg_sphere polygon test).
// Thread-safety: pure functions.
#pragma once

#include <vector>

namespace meles::adql {

struct SkyCap {
	double ra = 0, dec = 0, radius = 0; // degrees
};

// lonlat: ra1, dec1, ra2, dec2, ... in degrees (at least one vertex).
SkyCap vertex_cap(const std::vector<double>& lonlat);

// Angular distance in degrees.
double angular_distance(double ra1, double dec1, double ra2, double dec2);

} // namespace meles::adql
