// The VOUnits checker `meles val` uses: the grammar of VOUnits 1.0, its known units and
// prefixes, and the verdicts DaCHS 2.7 gives (tests/units/vounit_dachs.tsv, recorded from
// DaCHS's own parser; the few places where Meles follows the standard instead are listed there
// with the reason).
#include "meles/core/common/strings.hpp"
#include "meles/core/common/vounit.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace meles;

namespace {

std::string verdict(const VoUnitCheck& c) {
	if (!c.valid) return "bad";
	return c.unrecognised.empty() ? "ok" : "unknown";
}

std::string first_unrecognised(std::string_view unit) {
	auto c = check_vounit(unit);
	return c.unrecognised.empty() ? "" : c.unrecognised.front();
}

} // namespace

TEST_CASE("vounit: verdicts as DaCHS 2.7 gives them, on public RDs' units and grammar edge cases") {
	std::ifstream in(std::string(MELES_SOURCE_DIR) + "/tests/units/vounit_dachs.tsv");
	REQUIRE(in);
	std::string line;
	int cases = 0, deviations = 0;
	while (std::getline(in, line)) {
		if (line.empty() || line[0] == '#') continue;
		auto f = split(line, '\t');
		REQUIRE(f.size() >= 2);
		std::string expected = f.size() >= 3 ? f[2] : f[1];
		deviations += f.size() >= 3;
		auto c = check_vounit(f[0]);
		INFO("unit '" << f[0] << "' (DaCHS: " << f[1] << ") error: " << c.error);
		CHECK(verdict(c) == expected);
		++cases;
	}
	CHECK(cases > 100);
	CHECK(deviations < 15);
}

TEST_CASE("vounit: what is wrong is said with its place and the usual fix") {
	auto err = [](std::string_view u) { return check_vounit(u).error; };
	CHECK(err("erg sec-1 cm-2") == "unexpected ' ' at character 4: VOUnits has no blanks; units are joined "
	                               "by '.' (as in erg.s**-1.cm**-2)");
	CHECK(err("cm-2") == "unexpected '-' at character 3: powers are written with '**' (as in cm**-2)");
	CHECK(err("m2") == "unexpected '2' at character 2: powers are written with '**' (as in cm**-2)");
	CHECK(err("Year/Month/Date").starts_with("unexpected '/' at character 11: only one '/' is allowed"));
	CHECK(err("m**1.5") ==
	      "unexpected '5' at character 6: fractional powers go in parentheses (as in m**(1.5))");
	CHECK(err("m^2").find("powers are written with '**'") != std::string::npos);
	CHECK(err("m*s").find("products are written with '.'") != std::string::npos);
	CHECK(err("(m") == "a ')' is missing at the end");
	CHECK(err("m.") == "it ends where a unit should follow");
	CHECK(err("10**3") == "it ends where a unit should follow");
	CHECK(err("3.m").starts_with("bad scale factor"));
	CHECK(err("'jupiter mass'").starts_with("a quoted unit is letters"));
	CHECK(err("x'furlong'") == "'x' before a quoted unit is no SI prefix");
	CHECK(err("") == "");
	CHECK(check_vounit("").valid);
}

TEST_CASE("vounit: known units, prefixes and what is not interoperable") {
	// a known symbol wins over prefix + symbol
	for (auto u : {"Pa",
	               "cd",
	               "mol",
	               "dB",
	               "au",
	               "mas",
	               "min",
	               "ha",
	               "Pyr",
	               "dadu",
	               "dam",
	               "GiB",
	               "Mibyte",
	               "kbit",
	               "mmag",
	               "uJy",
	               "EeV",
	               "solMass",
	               "10**-26W.m**-2.Hz**-1",
	               "1.5e+11m",
	               "0.1nm",
	               "log(Hz)",
	               "sqrt(Hz)",
	               "exp(m.s**-1)",
	               "ln(m)",
	               "(W/m**2)/Hz",
	               "m**(-1/2)",
	               "m**(1.5)",
	               "m**+2",
	               "erg/(cm**2.s.Angstrom)"}) {
		INFO(u);
		auto c = check_vounit(u);
		CHECK(c.valid);
		CHECK(c.unrecognised.empty());
	}
	CHECK(first_unrecognised("Jansky") == "Jansky (VOUnits: Jy)");
	CHECK(first_unrecognised("degrees") == "degrees (VOUnits: deg)");
	CHECK(first_unrecognised("Msun/yr") == "Msun (VOUnits: solMass)");
	CHECK(first_unrecognised("furlong") == "furlong");
	CHECK(first_unrecognised("'jupiterMass'") ==
	      "'jupiterMass' (a quoted unit: a custom unit by definition)");
	CHECK(first_unrecognised("M'jupiterMass'").starts_with("M'jupiterMass'"));
	CHECK(first_unrecognised("foo(m)") == "foo() (VOUnits functions: log, ln, exp, sqrt)");
	CHECK(first_unrecognised("kmas") == "kmas (mas takes no prefix)");
	CHECK(first_unrecognised("KiHz") == "KiHz"); // binary prefixes only on bit, byte, B
	auto dep = check_vounit("erg.s**-1.cm**-2.Angstrom**-1");
	CHECK(dep.valid);
	CHECK(dep.unrecognised.empty());
	CHECK(dep.deprecated == std::vector<std::string>{"erg", "Angstrom"});
}
