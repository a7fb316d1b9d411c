// adql/functions/stcs.hpp — the part of STC-S that REGION() supports: Position, Circle, Box
// and Polygon with an optional frame (converted by the binder, as the coordinate system
// argument of the geometry constructors).  Unions, intersections and negations have no pg_sphere type.
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace meles::adql {

struct StcsShape {
	enum class Kind { Position, Circle, Box, Polygon } kind = Kind::Position;
	std::vector<double> values; // degrees: ra dec | ra dec r | ra dec w h | ra1 dec1 ra2 dec2 ...
	std::string coordsys;       // the words between the shape name and the numbers ("ICRS GEOCENTER")
};

// Returns false and sets `error` for anything else.
bool parse_stcs(std::string_view text, StcsShape& out, std::string& error);

} // namespace meles::adql
