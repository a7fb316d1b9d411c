#include "meles/core/common/vounit.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace meles {

namespace {

// VOUnits 1.0, table "Known units in the various syntaxes", column "vou": whether SI
// prefixes are allowed ('s'), binary prefixes ('b'), and deprecation ('d').
struct KnownUnit {
	std::string_view symbol;
	bool si_prefixes;
	bool binary_prefixes;
	bool deprecated;
};

constexpr KnownUnit kKnownUnits[] = {
    {"A", true, false, false},        {"a", true, false, false},        {"adu", true, false, false},
    {"Angstrom", false, false, true}, {"angstrom", false, false, true}, {"arcmin", true, false, false},
    {"arcsec", true, false, false},   {"AU", false, false, false},      {"au", false, false, false},
    {"barn", true, false, true},      {"beam", true, false, false},     {"bin", true, false, false},
    {"bit", true, true, false},       {"byte", true, true, false},      {"B", true, true, false},
    {"C", true, false, false},        {"cd", true, false, false},       {"chan", true, false, false},
    {"count", true, false, false},    {"ct", true, false, false},       {"d", true, false, false},
    {"dB", false, false, false},      {"D", true, false, false},        {"deg", true, false, false},
    {"erg", true, false, true},       {"eV", true, false, false},       {"F", true, false, false},
    {"g", true, false, false},        {"G", true, false, true},         {"H", true, false, false},
    {"h", true, false, false},        {"Hz", true, false, false},       {"J", true, false, false},
    {"Jy", true, false, false},       {"K", true, false, false},        {"lm", true, false, false},
    {"lx", true, false, false},       {"lyr", true, false, false},      {"m", true, false, false},
    {"mag", true, false, false},      {"mas", false, false, false},     {"min", true, false, false},
    {"mol", true, false, false},      {"N", true, false, false},        {"Ohm", true, false, false},
    {"Pa", true, false, false},       {"pc", true, false, false},       {"ph", true, false, false},
    {"photon", true, false, false},   {"pix", true, false, false},      {"pixel", true, false, false},
    {"R", true, false, false},        {"rad", true, false, false},      {"Ry", true, false, false},
    {"s", true, false, false},        {"S", true, false, false},        {"solLum", true, false, false},
    {"solMass", true, false, false},  {"solRad", true, false, false},   {"sr", true, false, false},
    {"T", true, false, false},        {"u", true, false, false},        {"V", true, false, false},
    {"voxel", true, false, false},    {"W", true, false, false},        {"Wb", true, false, false},
    {"yr", true, false, false},
};

constexpr std::string_view kSiPrefixes[] = {"y", "z", "a", "f", "p", "n", "u", "m", "c", "d",
                                            "h", "k", "M", "G", "T", "P", "E", "Z", "Y"};
constexpr std::string_view kBinaryPrefixes[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
constexpr std::string_view kFunctions[] = {"log", "ln", "exp", "sqrt"};

// What people write for units VOUnits spells otherwise (the hint of a warning).
constexpr std::pair<std::string_view, std::string_view> kUsualSpellings[] = {
    {"Jansky", "Jy"},        {"jansky", "Jy"},        {"mJansky", "mJy"}, {"degree", "deg"},
    {"degrees", "deg"},      {"second", "s"},         {"sec", "s"},       {"seconds", "s"},
    {"year", "yr"},          {"years", "yr"},         {"Year", "yr"},     {"day", "d"},
    {"days", "d"},           {"hour", "h"},           {"hr", "h"},        {"Msun", "solMass"},
    {"Lsun", "solLum"},      {"Rsun", "solRad"},      {"MJD", "d"},       {"JD", "d"},
    {"arcsecond", "arcsec"}, {"arcminute", "arcmin"}, {"micron", "um"},   {"microns", "um"},
    {"Gauss", "G"},          {"counts", "ct"},        {"cts", "ct"},      {"pixels", "pix"},
    {"ohm", "Ohm"},
};

const KnownUnit* known_unit(std::string_view symbol) {
	for (auto& u : kKnownUnits)
		if (u.symbol == symbol) return &u;
	return nullptr;
}

bool is_letter(char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
	return c >= '0' && c <= '9';
}

std::string usual_spelling_hint(std::string_view symbol) {
	for (auto& [written, meant] : kUsualSpellings)
		if (written == symbol) return concat(" (VOUnits: ", meant, ")");
	return {};
}

// Recursive descent over the VOUnits grammar (VOUnits 1.0, appendix "The VOUnits grammar"):
//
//   input                := complete_expression | scalefactor complete_expression | "1"
//   scalefactor          := "10**" numeric_power | VOUFLOAT
//   complete_expression  := product_of_units [ "/" unit_expression ]
//   product_of_units     := unit_expression { "." unit_expression }
//   unit_expression      := term | function_application | "(" complete_expression ")"
//   function_application := STRING "(" complete_expression ")"
//   term                 := unit [ "**" numeric_power ]
//   unit                 := STRING | QUOTED_STRING | STRING QUOTED_STRING
//   numeric_power        := integer | "(" integer ")" | "(" FLOAT ")" | "(" integer "/" UNSIGNED ")"
//
// No blanks anywhere.  The first problem ends the parse.
class UnitParser {
public:
	UnitParser(std::string_view s, VoUnitCheck& out) : s_(s), out_(out) {}

	void parse() {
		if (s_ == "1") {
			out_.valid = true;
			return;
		}
		if (i_ < s_.size() && is_digit(s_[i_]) && !scale_factor()) return;
		if (!complete_expression()) return;
		if (i_ < s_.size()) {
			unexpected();
			return;
		}
		out_.valid = true;
	}

private:
	std::string_view s_;
	VoUnitCheck& out_;
	size_t i_ = 0;
	bool failed_ = false;

	char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }

	bool fail(std::string message) {
		if (!failed_) out_.error = std::move(message);
		failed_ = true;
		return false;
	}

	// A character the grammar has no place for, with a hint for the usual mistakes.
	bool unexpected() {
		if (i_ >= s_.size()) return fail("it ends where a unit should follow");
		char c = s_[i_];
		std::string where =
		    concat("unexpected '", std::string(1, c), "' at character ", std::to_string(i_ + 1));
		bool after_symbol = i_ > 0 && (is_letter(s_[i_ - 1]) || s_[i_ - 1] == ')' || s_[i_ - 1] == '\'');
		if (c == ' ')
			return fail(where + ": VOUnits has no blanks; units are joined by '.' (as in erg.s**-1.cm**-2)");
		if (after_symbol && (c == '-' || c == '+' || is_digit(c)))
			return fail(where + ": powers are written with '**' (as in cm**-2)");
		if (is_digit(c) && i_ > 0 && s_[i_ - 1] == '.')
			return fail(where + ": fractional powers go in parentheses (as in m**(1.5))");
		if (c == '^') return fail(where + ": powers are written with '**' (as in m**2)");
		if (c == '*') return fail(where + ": products are written with '.' (as in N.m)");
		if (c == '/')
			return fail(
			    where +
			    ": only one '/' is allowed outside parentheses (as in W/(m**2.Hz) or W.m**-2.Hz**-1)");
		return fail(where);
	}

	// [+-]?[0-9]+
	bool integer(bool allow_sign = true) {
		size_t start = i_;
		if (allow_sign && (peek() == '+' || peek() == '-')) ++i_;
		size_t digits = i_;
		while (is_digit(peek()))
			++i_;
		if (i_ == digits) {
			i_ = start;
			return false;
		}
		return true;
	}

	bool numeric_power() {
		if (peek() != '(') {
			if (integer()) return true;
			return fail(
			    concat("bad power at character ", std::to_string(i_ + 1),
			           ": powers are integers (m**-2) or parenthesised numbers (m**(1/2), m**(1.5))"));
		}
		++i_;
		if (!integer()) return fail(concat("bad power at character ", std::to_string(i_ + 1)));
		if (peek() == '.' && is_digit(peek(1))) {
			++i_;
			integer(false);
		} else if (peek() == '/') {
			++i_;
			if (!integer(false)) return fail(concat("bad power at character ", std::to_string(i_ + 1)));
		}
		return close();
	}

	// A ')' must come here.
	bool close() {
		if (peek() == ')') {
			++i_;
			return true;
		}
		return i_ >= s_.size() ? fail("a ')' is missing at the end") : unexpected();
	}

	// "10**" numeric_power | VOUFLOAT (0.[0-9]+ or [1-9][0-9]*(.[0-9]+)?, each with an
	// optional exponent [eE][+-]?[0-9]+)
	bool scale_factor() {
		if (s_.substr(i_, 4) == "10**") {
			i_ += 4;
			return numeric_power();
		}
		if (peek() == '0') {
			if (peek(1) != '.' || !is_digit(peek(2)))
				return fail("a scale factor starting with 0 must be a decimal fraction (0.5)");
			i_ += 2;
		} else {
			integer(false);
			if (peek() == '.' && is_digit(peek(1)))
				++i_;
			else if (peek() == '.')
				return fail(concat("bad scale factor at character ", std::to_string(i_ + 1)));
		}
		while (is_digit(peek()))
			++i_;
		if ((peek() == 'e' || peek() == 'E') &&
		    (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
			++i_;
			integer();
		}
		if (i_ >= s_.size()) return fail("a scale factor needs a unit after it (as in 1e-3m or 10**-26W)");
		return true;
	}

	bool complete_expression() {
		if (!product_of_units()) return false;
		if (peek() == '/') {
			++i_;
			return unit_expression();
		}
		return true;
	}

	bool product_of_units() {
		if (!unit_expression()) return false;
		while (peek() == '.') {
			++i_;
			if (!unit_expression()) return false;
		}
		return true;
	}

	std::string_view letters() {
		size_t start = i_;
		while (is_letter(peek()))
			++i_;
		return s_.substr(start, i_ - start);
	}

	bool unit_expression() {
		if (peek() == '(') {
			++i_;
			return complete_expression() && close();
		}
		if (peek() == '\'') return quoted({}) && power();
		if (!is_letter(peek())) return unexpected();
		std::string_view name = letters();
		if (peek() == '(') {
			++i_;
			if (std::find(std::begin(kFunctions), std::end(kFunctions), name) == std::end(kFunctions))
				out_.unrecognised.push_back(concat(name, "() (VOUnits functions: log, ln, exp, sqrt)"));
			return complete_expression() && close();
		}
		if (peek() == '\'') {
			if (std::find(std::begin(kSiPrefixes), std::end(kSiPrefixes), name) == std::end(kSiPrefixes) &&
			    name != "da")
				return fail(concat("'", name, "' before a quoted unit is no SI prefix"));
			return quoted(name) && power();
		}
		symbol(name);
		return power();
	}

	// QUOTED_STRING: letters between single quotes, a unit VOUnits must not interpret.
	bool quoted(std::string_view prefix) {
		size_t start = i_++;
		std::string_view name = letters();
		if (name.empty() || peek() != '\'')
			return fail(
			    concat("a quoted unit is letters between single quotes (as in 'jupiterMass'), at character ",
			           std::to_string(start + 1)));
		++i_;
		out_.unrecognised.push_back(
		    concat(prefix, "'", name, "' (a quoted unit: a custom unit by definition)"));
		return true;
	}

	bool power() {
		if (s_.substr(i_, 2) != "**") return true;
		i_ += 2;
		return numeric_power();
	}

	// A known symbol wins over prefix + symbol ("Pa" is the pascal, "cd" the candela); else
	// a binary prefix on bit/byte/B, else an SI prefix ("da" included) on whatever follows,
	// known or not ("furlong" is the femto-urlong).
	void symbol(std::string_view name) {
		if (auto* u = known_unit(name)) {
			if (u->deprecated) out_.deprecated.emplace_back(name);
			return;
		}
		for (auto p : kBinaryPrefixes)
			if (name.size() > p.size() && name.starts_with(p))
				if (auto* u = known_unit(name.substr(p.size())); u && u->binary_prefixes) return;
		auto with_prefix = [&](std::string_view prefix) -> bool {
			if (name.size() <= prefix.size() || !name.starts_with(prefix)) return false;
			auto* u = known_unit(name.substr(prefix.size()));
			if (!u) return false;
			if (!u->si_prefixes)
				out_.unrecognised.push_back(concat(name, " (", u->symbol, " takes no prefix)"));
			else if (u->deprecated)
				out_.deprecated.emplace_back(name);
			return true;
		};
		if (with_prefix("da")) return;
		for (auto p : kSiPrefixes)
			if (with_prefix(p)) return;
		out_.unrecognised.push_back(concat(name, usual_spelling_hint(name)));
	}
};

} // namespace

VoUnitCheck check_vounit(std::string_view unit) {
	VoUnitCheck out;
	out.valid = true;
	if (unit.empty()) return out;
	if (unit == "unknown" || unit == "UNKNOWN") {
		out.unrecognised.push_back(concat(unit, " (VOUnits' mark of a unit that was not given)"));
		return out;
	}
	out.valid = false;
	UnitParser(unit, out).parse();
	if (!out.valid) {
		out.unrecognised.clear();
		out.deprecated.clear();
	}
	return out;
}

} // namespace meles
