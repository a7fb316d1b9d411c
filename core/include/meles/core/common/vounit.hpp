// meles/core/common/vounit.hpp — unit strings judged by the IVOA "Units in the VO" 1.0
// grammar and its table of known units: what `meles val` says about a column's unit.
//
// A string the grammar does not produce ("erg sec-1 cm-2", "cm-2", "Year/Month/Date") is
// malformed.  One that parses but uses symbols outside VOUnits' known units ("Jansky"),
// quoted custom units ('jupiterMass'), functions other than log/ln/exp/sqrt, or a prefix on
// a known unit that takes none ("kmas") is valid but not interoperable.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace meles {

struct VoUnitCheck {
	bool valid = false; // the string follows the VOUnits grammar
	// When not valid: what is wrong and where (1-based character), with a hint for the usual
	// mistakes ("unexpected ' ' at character 4: VOUnits has no blanks; ...").
	std::string error;
	// The parts a VOUnits reader does not recognise, as written ("Jansky", "'jupiterMass'",
	// "foo()", "kmas (mas takes no prefix)"), each with a hint where one is known.
	std::vector<std::string> unrecognised;
	// Known symbols VOUnits deprecates (Angstrom, angstrom, barn, erg, G).
	std::vector<std::string> deprecated;
};

// Judges one unit string.  "" (dimensionless) is valid without remarks; the reserved
// "unknown"/"UNKNOWN" (a unit that was lost) is valid but named in `unrecognised`, as DaCHS
// warns about it.
VoUnitCheck check_vounit(std::string_view unit);

} // namespace meles
