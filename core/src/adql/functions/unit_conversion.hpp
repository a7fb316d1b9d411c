// adql/functions/unit_conversion.hpp — VOUnit strings to SI factors for IN_UNIT: scale
// factors, '.', '/', powers, parentheses, SI prefixes and astronomical units; logarithmic
// units (mag, dex, dB) are refused.  Thread-safety: pure functions.
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
