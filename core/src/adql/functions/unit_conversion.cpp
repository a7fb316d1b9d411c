#include "adql/functions/unit_conversion.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numbers>
#include <optional>

namespace meles::adql {

namespace {

// Base dimensions: SI plus the countable things astronomy treats as units of their own.
enum Dim {
	kLength,
	kMass,
	kTime,
	kCurrent,
	kTemperature,
	kAmount,
	kLuminous,
	kAngle,
	kBit,
	kCount,
	kPhoton,
	kPixel,
	kAdu,
	kBeam,
	kChannel,
	kVoxel,
	kDims
};
using Dims = std::array<int8_t, kDims>;

struct Quantity {
	double factor = 1.0;
	Dims dims{};
};

struct UnitDef {
	std::string_view name;
	double factor;
	std::array<int8_t, 8> si; // m kg s A K mol cd rad
	int8_t extra = -1;        // index of a non-SI dimension, or -1
	bool prefixable = true;
	bool logarithmic = false;
};

constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180;

constexpr UnitDef kUnits[] = {
    {"m", 1, {1, 0, 0, 0, 0, 0, 0, 0}},
    {"g", 1e-3, {0, 1, 0, 0, 0, 0, 0, 0}},
    {"s", 1, {0, 0, 1, 0, 0, 0, 0, 0}},
    {"A", 1, {0, 0, 0, 1, 0, 0, 0, 0}},
    {"K", 1, {0, 0, 0, 0, 1, 0, 0, 0}},
    {"mol", 1, {0, 0, 0, 0, 0, 1, 0, 0}},
    {"cd", 1, {0, 0, 0, 0, 0, 0, 1, 0}},
    {"rad", 1, {0, 0, 0, 0, 0, 0, 0, 1}},
    {"sr", 1, {0, 0, 0, 0, 0, 0, 0, 2}},
    {"Hz", 1, {0, 0, -1, 0, 0, 0, 0, 0}},
    {"N", 1, {1, 1, -2, 0, 0, 0, 0, 0}},
    {"Pa", 1, {-1, 1, -2, 0, 0, 0, 0, 0}},
    {"J", 1, {2, 1, -2, 0, 0, 0, 0, 0}},
    {"W", 1, {2, 1, -3, 0, 0, 0, 0, 0}},
    {"C", 1, {0, 0, 1, 1, 0, 0, 0, 0}},
    {"V", 1, {2, 1, -3, -1, 0, 0, 0, 0}},
    {"Ohm", 1, {2, 1, -3, -2, 0, 0, 0, 0}},
    {"S", 1, {-2, -1, 3, 2, 0, 0, 0, 0}},
    {"F", 1, {-2, -1, 4, 2, 0, 0, 0, 0}},
    {"Wb", 1, {2, 1, -2, -1, 0, 0, 0, 0}},
    {"T", 1, {0, 1, -2, -1, 0, 0, 0, 0}},
    {"H", 1, {2, 1, -2, -2, 0, 0, 0, 0}},
    {"lm", 1, {0, 0, 0, 0, 0, 0, 1, 2}},
    {"lx", 1, {-2, 0, 0, 0, 0, 0, 1, 2}},
    {"min", 60, {0, 0, 1, 0, 0, 0, 0, 0}, -1, false},
    {"h", 3600, {0, 0, 1, 0, 0, 0, 0, 0}, -1, false},
    {"d", 86400, {0, 0, 1, 0, 0, 0, 0, 0}, -1, false},
    {"a", 31557600, {0, 0, 1, 0, 0, 0, 0, 0}},
    {"yr", 31557600, {0, 0, 1, 0, 0, 0, 0, 0}},
    {"deg", kDeg, {0, 0, 0, 0, 0, 0, 0, 1}, -1, false},
    {"arcmin", kDeg / 60, {0, 0, 0, 0, 0, 0, 0, 1}, -1, false},
    {"arcsec", kDeg / 3600, {0, 0, 0, 0, 0, 0, 0, 1}},
    {"mas", kDeg / 3600e3, {0, 0, 0, 0, 0, 0, 0, 1}, -1, false},
    {"uas", kDeg / 3600e6, {0, 0, 0, 0, 0, 0, 0, 1}, -1, false},
    {"AU", 1.495978707e11, {1, 0, 0, 0, 0, 0, 0, 0}, -1, false},
    {"au", 1.495978707e11, {1, 0, 0, 0, 0, 0, 0, 0}, -1, false},
    {"pc", 3.0856775814913673e16, {1, 0, 0, 0, 0, 0, 0, 0}},
    {"lyr", 9.4607304725808e15, {1, 0, 0, 0, 0, 0, 0, 0}, -1, false},
    {"Angstrom", 1e-10, {1, 0, 0, 0, 0, 0, 0, 0}, -1, false},
    {"angstrom", 1e-10, {1, 0, 0, 0, 0, 0, 0, 0}, -1, false},
    {"solRad", 6.957e8, {1, 0, 0, 0, 0, 0, 0, 0}, -1, false},
    {"solMass", 1.98847e30, {0, 1, 0, 0, 0, 0, 0, 0}, -1, false},
    {"solLum", 3.828e26, {2, 1, -3, 0, 0, 0, 0, 0}, -1, false},
    {"u", 1.66053906660e-27, {0, 1, 0, 0, 0, 0, 0, 0}, -1, false},
    {"eV", 1.602176634e-19, {2, 1, -2, 0, 0, 0, 0, 0}},
    {"erg", 1e-7, {2, 1, -2, 0, 0, 0, 0, 0}, -1, false},
    {"Ry", 13.605693122994 * 1.602176634e-19, {2, 1, -2, 0, 0, 0, 0, 0}},
    {"Jy", 1e-26, {0, 1, -2, 0, 0, 0, 0, 0}},
    {"barn", 1e-28, {2, 0, 0, 0, 0, 0, 0, 0}},
    {"G", 1e-4, {0, 1, -2, -1, 0, 0, 0, 0}, -1, false},
    {"bit", 1, {}, kBit},
    {"byte", 8, {}, kBit},
    {"B", 8, {}, kBit},
    {"ct", 1, {}, kCount},
    {"count", 1, {}, kCount, false},
    {"photon", 1, {}, kPhoton, false},
    {"ph", 1, {}, kPhoton},
    {"pix", 1, {}, kPixel},
    {"pixel", 1, {}, kPixel, false},
    {"adu", 1, {}, kAdu, false},
    {"beam", 1, {}, kBeam, false},
    {"chan", 1, {}, kChannel, false},
    {"voxel", 1, {}, kVoxel, false},
    {"mag", 1, {}, -1, false, true},
    {"dex", 1, {}, -1, false, true},
    {"dB", 1, {}, -1, false, true},
};

struct Prefix {
	std::string_view name;
	double factor;
};
constexpr Prefix kPrefixes[] = {{"da", 1e1},  {"y", 1e-24}, {"z", 1e-21}, {"a", 1e-18}, {"f", 1e-15},
                                {"p", 1e-12}, {"n", 1e-9},  {"u", 1e-6},  {"m", 1e-3},  {"c", 1e-2},
                                {"d", 1e-1},  {"h", 1e2},   {"k", 1e3},   {"M", 1e6},   {"G", 1e9},
                                {"T", 1e12},  {"P", 1e15},  {"E", 1e18},  {"Z", 1e21},  {"Y", 1e24}};

Quantity from_def(const UnitDef& u, double scale) {
	Quantity q;
	q.factor = u.factor * scale;
	for (size_t i = 0; i < 8; ++i)
		q.dims[i] = u.si[i];
	if (u.extra >= 0) q.dims[static_cast<size_t>(u.extra)] = 1;
	return q;
}

class UnitParser {
public:
	explicit UnitParser(std::string_view s) : s_(s) {}

	std::optional<Quantity> parse(std::string& error) {
		skip_space();
		Quantity q;
		if (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) {
			if (!scale(q.factor, error)) return std::nullopt;
			skip_space();
		}
		if (i_ >= s_.size()) {
			error = "a unit is missing";
			return std::nullopt;
		}
		auto p = product(error);
		if (!p) return std::nullopt;
		skip_space();
		if (i_ != s_.size()) {
			error = "unexpected '" + std::string(s_.substr(i_, 1)) + "'";
			return std::nullopt;
		}
		p->factor *= q.factor;
		return p;
	}

private:
	std::string_view s_;
	size_t i_ = 0;

	void skip_space() {
		while (i_ < s_.size() && s_[i_] == ' ')
			++i_;
	}

	// A number; exponents (allow_fraction false) are integers, so "m**2.Hz" reads as m**2 . Hz.
	bool number(double& v, bool allow_fraction = true) {
		size_t start = i_;
		if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
		while (i_ < s_.size() &&
		       (std::isdigit(static_cast<unsigned char>(s_[i_])) || (allow_fraction && s_[i_] == '.')))
			++i_;
		if (allow_fraction && i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E') && i_ + 1 < s_.size() &&
		    (std::isdigit(static_cast<unsigned char>(s_[i_ + 1])) || s_[i_ + 1] == '-' ||
		     s_[i_ + 1] == '+')) {
			i_ += 2;
			while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
				++i_;
		}
		if (i_ == start) return false;
		std::string text(s_.substr(start, i_ - start));
		char* end = nullptr;
		v = std::strtod(text.c_str(), &end);
		return end && *end == '\0';
	}

	bool scale(double& factor, std::string& error) {
		double v;
		if (!number(v)) {
			error = "bad scale factor";
			return false;
		}
		if (s_.substr(i_, 2) == "**") {
			i_ += 2;
			double e;
			if (!number(e, false)) {
				error = "bad exponent in scale factor";
				return false;
			}
			v = std::pow(v, e);
		}
		factor = v;
		return true;
	}

	std::optional<Quantity> product(std::string& error) {
		auto q = power(error);
		if (!q) return std::nullopt;
		for (;;) {
			if (i_ >= s_.size() || (s_[i_] != '.' && s_[i_] != '/')) return q;
			bool divide = s_[i_] == '/';
			++i_;
			auto r = power(error);
			if (!r) return std::nullopt;
			q->factor = divide ? q->factor / r->factor : q->factor * r->factor;
			for (size_t k = 0; k < kDims; ++k)
				q->dims[k] = static_cast<int8_t>(q->dims[k] + (divide ? -r->dims[k] : r->dims[k]));
		}
	}

	std::optional<Quantity> power(std::string& error) {
		auto q = atom(error);
		if (!q) return std::nullopt;
		bool star = s_.substr(i_, 2) == "**";
		if (!star && !(i_ < s_.size() && s_[i_] == '^')) return q;
		i_ += star ? 2 : 1;
		double e;
		bool paren = i_ < s_.size() && s_[i_] == '(';
		if (paren) ++i_;
		if (!number(e, false)) {
			error = "bad exponent";
			return std::nullopt;
		}
		if (paren) {
			if (i_ < s_.size() && s_[i_] == '/') {
				++i_;
				double d;
				if (!number(d, false) || d == 0) {
					error = "bad exponent";
					return std::nullopt;
				}
				e /= d;
			}
			if (i_ >= s_.size() || s_[i_] != ')') {
				error = "missing ')' in exponent";
				return std::nullopt;
			}
			++i_;
		}
		if (e != std::floor(e)) {
			error = "fractional powers cannot be converted";
			return std::nullopt;
		}
		q->factor = std::pow(q->factor, e);
		for (auto& d : q->dims)
			d = static_cast<int8_t>(d * static_cast<int>(e));
		return q;
	}

	std::optional<Quantity> atom(std::string& error) {
		if (i_ < s_.size() && s_[i_] == '(') {
			++i_;
			auto q = product(error);
			if (!q) return std::nullopt;
			if (i_ >= s_.size() || s_[i_] != ')') {
				error = "missing ')'";
				return std::nullopt;
			}
			++i_;
			return q;
		}
		size_t start = i_;
		while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_])))
			++i_;
		std::string_view name = s_.substr(start, i_ - start);
		if (name.empty()) {
			error =
			    i_ < s_.size() ? "unexpected '" + std::string(s_.substr(i_, 1)) + "'" : "a unit is missing";
			return std::nullopt;
		}
		for (const auto& u : kUnits)
			if (u.name == name) {
				if (u.logarithmic) {
					error = "'" + std::string(name) + "' is logarithmic and cannot be converted by a factor";
					return std::nullopt;
				}
				return from_def(u, 1.0);
			}
		for (const auto& p : kPrefixes) {
			if (name.size() <= p.name.size() || name.substr(0, p.name.size()) != p.name) continue;
			std::string_view rest = name.substr(p.name.size());
			for (const auto& u : kUnits)
				if (u.name == rest && u.prefixable && !u.logarithmic) return from_def(u, p.factor);
		}
		error = "unknown unit '" + std::string(name) + "'";
		return std::nullopt;
	}
};

} // namespace

UnitConversion convert_unit(std::string_view from, std::string_view to) {
	UnitConversion r;
	std::string err;
	auto a = UnitParser(from).parse(err);
	if (!a) {
		r.error = "cannot read the unit '" + std::string(from) + "': " + err;
		return r;
	}
	auto b = UnitParser(to).parse(err);
	if (!b) {
		r.error = "cannot read the unit '" + std::string(to) + "': " + err;
		return r;
	}
	if (a->dims != b->dims) {
		r.error = "cannot convert '" + std::string(from) + "' to '" + std::string(to) +
		          "' (different physical dimensions)";
		return r;
	}
	r.ok = true;
	r.factor = a->factor / b->factor;
	// deg -> mas computes as 3599999.9999999995: snap to 15 significant digits
	char buf[32];
	std::snprintf(buf, sizeof buf, "%.15g", r.factor);
	double snapped = std::strtod(buf, nullptr);
	if (std::fabs(snapped - r.factor) <= 4 * std::numeric_limits<double>::epsilon() * std::fabs(r.factor))
		r.factor = snapped;
	return r;
}

} // namespace meles::adql
