// adql/functions/unit_conversion.hpp — VOUnit strings to SI factors, for IN_UNIT.
//
// Parses what VOUnits 1.0 allows in practice: an optional numeric scale (1e-3, 10**-3),
// units joined by '.' and '/', powers with ** (also ^), parentheses, the SI prefixes, and
// the astronomical units (deg, arcsec, mas, pc, AU, Jy, solMass, yr, ...).  Logarithmic
// units (mag, dex, dB) cannot be converted by a factor and are refused.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace meles::adql {

struct UnitConversion {
	bool ok = false;
	double factor = 1.0; // value_in_to = value_in_from * factor
	std::string error;   // why not, for the user
};

UnitConversion convert_unit(std::string_view from, std::string_view to);

} // namespace meles::adql
