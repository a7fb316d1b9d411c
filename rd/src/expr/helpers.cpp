// DaCHS's rowmaker namespace: parseWithNull, hmsToDeg, the time-scale helpers, ...
// Written from DaCHS's documented behaviour; float operations are done in the same order
// as DaCHS does them so that results agree to the last bit.
#include "meles/rd/expr/helpers.hpp"

#include "expr/runtime.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/wcs/image_wcs.hpp"

#include <cmath>
#include <cstring>

namespace meles::rd::expr {

using namespace rt;

namespace {

constexpr std::int64_t kUsPerDay = 86400000000LL;

bool given(Args a, std::size_t i) {
	return i < a.size() && !a[i].is_missing();
}

std::string_view trim_py(std::string_view s) {
	std::size_t b = 0, e = s.size();
	while (b < e && (s[b] == ' ' || (s[b] >= 9 && s[b] <= 13)))
		++b;
	while (e > b && (s[e - 1] == ' ' || (s[e - 1] >= 9 && s[e - 1] <= 13)))
		--e;
	return s.substr(b, e - b);
}

// Splits into at most 3 parts (a 4th part makes `n` exceed 3); no allocation.
struct Parts {
	std::string_view p[3];
	int n = 0;
	void add(std::string_view x) {
		if (n < 3) p[n] = x;
		++n;
	}
};

Parts split_ws(std::string_view s) {
	Parts out;
	std::size_t i = 0;
	while (i < s.size()) {
		while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
			++i;
		if (i >= s.size()) break;
		std::size_t b = i;
		while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
			++i;
		out.add(s.substr(b, i - b));
	}
	return out;
}

Parts split_sep(std::string_view s, std::string_view sep) {
	Parts out;
	std::size_t b = 0;
	const bool one = sep.size() == 1;
	while (true) {
		auto f = one ? s.find(sep[0], b) : s.find(sep, b);
		if (f == std::string_view::npos) {
			out.add(s.substr(b));
			return out;
		}
		out.add(s.substr(b, f - b));
		b = f + sep.size();
	}
}

std::string sep_repr(std::optional<std::string_view> sep) {
	return sep ? Value::str(std::string(*sep)).repr() : std::string("None");
}

// Splits a sexagesimal literal into its parts after removing a leading sign; returns
// false if the number of parts is wrong or a part is not a number.
bool sexagesimal(std::string_view text, std::optional<std::string_view> sep, int& sign, double& value) {
	std::string_view s = trim_py(text);
	sign = 1;
	if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
		sign = s[0] == '-' ? -1 : 1;
		s = trim_py(s.substr(1));
	}
	Parts parts;
	if (sep && sep->empty()) {
		std::size_t n = s.size();
		parts.add(s.substr(0, std::min<std::size_t>(2, n)));
		parts.add(s.substr(std::min<std::size_t>(2, n), n >= 2 ? std::min<std::size_t>(2, n - 2) : 0));
		parts.add(s.substr(std::min<std::size_t>(4, n)));
	} else if (!sep) {
		parts = split_ws(s);
	} else {
		parts = split_sep(s, *sep);
	}
	if (parts.n != 2 && parts.n != 3) return false;
	std::int64_t whole;
	bool overflow;
	double minutes, seconds = 0;
	if (!parse_py_int(parts.p[0], whole, overflow) || overflow) return false;
	if (!parse_py_float(parts.p[1], minutes)) return false;
	if (parts.n == 3 && !parse_py_float(parts.p[2], seconds)) return false;
	// Same evaluation order as DaCHS: int*3600 + float*60 + float.
	value = static_cast<double>(whole * 3600) + minutes * 60 + seconds;
	return true;
}

std::string seconds_text(double secs, int fracs, bool& carry) {
	char buf[64];
	int prec = fracs < 1 ? 0 : fracs;
	int width = fracs < 1 ? 2 : fracs + 3;
	std::snprintf(buf, sizeof buf, "%0*.*f", width, prec, secs);
	carry = std::strtod(buf, nullptr) >= 60.0;
	if (carry) std::snprintf(buf, sizeof buf, "%0*.*f", width, prec, 0.0);
	return buf;
}

} // namespace

// ---------------------------------------------------------------- public C++ API

double hms_to_deg(std::string_view hms, std::optional<std::string_view> sep) {
	int sign;
	double secs;
	if (!sexagesimal(hms, sep, sign, secs))
		raise(PyExc::ValueError, "Invalid time with sepChar " + sep_repr(sep) + ": " +
		                             Value::str(std::string(trim_py(hms))).repr());
	return sign * (secs / 3600 / 24 * 360);
}

double dms_to_deg(std::string_view dms, std::optional<std::string_view> sep) {
	int sign;
	double arcsecs;
	if (!sexagesimal(dms, sep, sign, arcsecs))
		raise(PyExc::ValueError, "Invalid dms value with sepChar " + sep_repr(sep) + ": " +
		                             Value::str(std::string(trim_py(dms))).repr());
	return (sign * arcsecs) / 3600;
}

std::string deg_to_hms(double deg, std::string_view sep, int fracs) {
	std::string sign;
	if (deg < 0) {
		sign = "-";
		deg = -deg;
	}
	double hours, minutes;
	double rest = std::modf(deg / 360. * 24, &hours);
	rest = std::modf(rest * 60, &minutes);
	bool carry;
	std::string secs = seconds_text(std::fabs(rest * 60), fracs, carry);
	auto h = static_cast<long long>(hours), m = static_cast<long long>(std::fabs(minutes));
	if (carry && ++m == 60) {
		m = 0;
		++h;
	}
	char buf[64];
	std::snprintf(buf, sizeof buf, "%02lld", h);
	std::string out = sign + buf;
	out += sep;
	std::snprintf(buf, sizeof buf, "%02lld", m);
	out += buf;
	out += sep;
	out += secs;
	return out;
}

std::string deg_to_dms(double deg, std::string_view sep, int fracs) {
	char sign = '+';
	if (deg < 0) {
		sign = '-';
		deg = -deg;
	}
	double degs, minutes;
	double rest = std::modf(deg, &degs);
	rest = std::modf(rest * 60, &minutes);
	bool carry;
	std::string secs = seconds_text(std::fabs(rest * 60), fracs == 0 ? -1 : fracs, carry);
	auto d = static_cast<long long>(degs), m = static_cast<long long>(std::fabs(minutes));
	if (carry && ++m == 60) {
		m = 0;
		++d;
	}
	char buf[64];
	std::snprintf(buf, sizeof buf, "%c%lld", sign, d);
	std::string out = buf;
	out += sep;
	std::snprintf(buf, sizeof buf, "%02lld", m);
	out += buf;
	out += sep;
	out += secs;
	return out;
}

double datetime_to_jd(const Value& dt) {
	int year, month, day;
	std::int64_t tod = 0;
	if (dt.kind() == Kind::Date)
		civil_from_days(dt.as_days(), year, month, day);
	else if (dt.kind() == Kind::DateTime) {
		auto days = static_cast<std::int32_t>(dt.as_int() / kUsPerDay);
		civil_from_days(days, year, month, day);
		tod = dt.as_int() - days * kUsPerDay;
	} else {
		raise(PyExc::TypeError, "expected a datetime or date, got " + std::string(dt.type_name()));
	}
	std::int64_t a = (14 - month) / 12;
	std::int64_t y = year + 4800 - a;
	std::int64_t m = month + 12 * a - 3;
	std::int64_t jdn = day + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045;
	double secs = static_cast<double>(tod / 1000000) + static_cast<double>(tod % 1000000) / 1e6;
	return static_cast<double>(jdn) + (secs - 43200) / 86400.;
}

double datetime_to_mjd(const Value& dt) {
	return datetime_to_jd(dt) - 2400000.5;
}
double datetime_to_jyear(const Value& dt) {
	return (datetime_to_jd(dt) - 2451545) / 365.25 + 2000;
}

Value jyear_to_datetime(double jyear) {
	return datetime_plus_days(Value::datetime(2000, 1, 1, 12), (jyear - 2000.0) * 365.25);
}
Value jd_to_datetime(double jd) {
	return jyear_to_datetime((jd - 2451545.0) / 365.25 + 2000.0);
}
Value mjd_to_datetime(double mjd) {
	return jd_to_datetime(mjd + 2400000.5);
}
Value byear_to_datetime(double byear) {
	return jd_to_datetime((byear - 1900.0) * 365.242198781 + 2415020.31352);
}

Value parse_iso_datetime(std::string_view literal) {
	std::string_view s = literal;
	while (!s.empty() && s.back() == 'Z')
		s.remove_suffix(1);
	s = trim_py(s);
	auto fail = [&]() -> Value {
		raise(PyExc::ValueError, "Bad ISO datetime literal: " + std::string(literal));
	};
	std::size_t p = 0;
	auto digits2 = [&](int n, int& out) {
		out = 0;
		for (int i = 0; i < n; ++i) {
			if (p >= s.size() || !std::isdigit(static_cast<unsigned char>(s[p]))) return false;
			out = out * 10 + (s[p++] - '0');
		}
		return true;
	};
	auto opt_char = [&](char c) {
		if (p < s.size() && s[p] == c) ++p;
	};
	int y, mo, d, h = 0, mi = 0, sec = 0, us = 0;
	if (!digits2(4, y)) return fail();
	opt_char('-');
	if (!digits2(2, mo)) return fail();
	opt_char('-');
	if (!digits2(2, d)) return fail();
	if (p < s.size()) {
		if (s[p] != 'T' && s[p] != ' ') return fail();
		++p;
		if (!digits2(2, h)) return fail();
		opt_char(':');
		if (!digits2(2, mi)) return fail();
		opt_char(':');
		if (!digits2(2, sec)) return fail();
		if (p < s.size() && s[p] == '.') {
			std::size_t b = p;
			++p;
			while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])))
				++p;
			std::string frac = "0" + std::string(s.substr(b, p - b));
			us = static_cast<int>(std::strtod(frac.c_str(), nullptr) * 1000000);
		}
		opt_char('Z');
		if (s.substr(p) == "+00:00") p += 6;
		if (p != s.size()) return fail();
	}
	return Value::datetime(y, mo, d, h, mi, sec, us);
}

bool parse_python_float(std::string_view text, double& out) {
	return parse_py_float(text, out);
}
bool parse_python_int(std::string_view text, std::int64_t& out) {
	bool overflow;
	return parse_py_int(text, out, overflow) && !overflow;
}

// ---------------------------------------------------------------- expression-level helpers

namespace rt {
namespace {

std::optional<std::string_view> opt_sep(Args a, std::size_t i, const char* fn) {
	if (!given(a, i) || a[i].is_none()) return std::nullopt;
	if (a[i].kind() != Kind::Str)
		raise(PyExc::TypeError, std::string(fn) + ": sepChar must be a string or None");
	return a[i].as_str();
}

std::string_view text_arg(const Value& v, const char* fn) {
	if (v.kind() == Kind::Str) return v.as_str();
	raise(PyExc::AttributeError,
	      "'" + std::string(v.type_name()) + "' object has no attribute 'strip' (in " + fn + ")");
}

Value h_hmsToDeg(Args a, KwNames) {
	return Value::real(hms_to_deg(text_arg(a[0], "hmsToDeg"), opt_sep(a, 1, "hmsToDeg")));
}
Value h_dmsToDeg(Args a, KwNames) {
	return Value::real(dms_to_deg(text_arg(a[0], "dmsToDeg"), opt_sep(a, 1, "dmsToDeg")));
}

double real_arg(const Value& v, const char* fn) {
	if (v.is_number()) return v.number();
	raise(PyExc::TypeError, std::string(fn) + "() needs a number, not " + std::string(v.type_name()));
}

Value h_degToHms(Args a, KwNames) {
	std::string sep = given(a, 1) ? std::string(text_arg(a[1], "degToHms")) : " ";
	int fr = given(a, 2) ? static_cast<int>(to_int(a[2]).as_int()) : 3;
	return Value::str(deg_to_hms(real_arg(a[0], "degToHms"), sep, fr));
}
Value h_degToDms(Args a, KwNames) {
	std::string sep = given(a, 1) ? std::string(text_arg(a[1], "degToDms")) : " ";
	int fr = given(a, 2) ? static_cast<int>(to_int(a[2]).as_int()) : 2;
	return Value::str(deg_to_dms(real_arg(a[0], "degToDms"), sep, fr));
}
Value h_hoursToHms(Args a, KwNames) {
	std::string sep = given(a, 1) ? std::string(text_arg(a[1], "hoursToHms")) : ":";
	int fr = given(a, 2) ? static_cast<int>(to_int(a[2]).as_int()) : 3;
	return Value::str(deg_to_hms(real_arg(a[0], "hoursToHms") * 15, sep, fr));
}
Value h_fracHoursToDeg(Args a, KwNames) {
	return Value::real(to_float(a[0]).as_float() * 360. / 24.);
}

Value h_parseAngle(Args a, KwNames) {
	if (a[1].kind() != Kind::Str) raise(PyExc::TypeError, "parseAngle: format must be a string");
	std::string_view f = a[1].as_str();
	if (f == "dms") return Value::real(dms_to_deg(text_arg(a[0], "parseAngle"), opt_sep(a, 2, "parseAngle")));
	if (f == "hms") return Value::real(hms_to_deg(text_arg(a[0], "parseAngle"), opt_sep(a, 2, "parseAngle")));
	if (f == "fracHour") return h_fracHoursToDeg(a.subspan(0, 1), {});
	raise(PyExc::ValueError, "Invalid format: " + std::string(f));
}

bool blank(const Value& v) {
	return v.kind() == Kind::Str && trim_py(v.as_str()).empty();
}

Value h_parseInt(Args a, KwNames) {
	if (a[0].is_none() || blank(a[0])) return Value();
	return to_int(a[0]);
}
Value h_parseFloat(Args a, KwNames) {
	if (a[0].is_none() || blank(a[0])) return Value();
	return to_float(a[0]);
}
Value h_parseUnicode(Args a, KwNames) {
	return a[0].is_none() ? Value() : to_str(a[0]);
}
Value h_identity(Args a, KwNames) {
	return a[0];
}

bool bool_literal(std::string_view s, bool& out) {
	std::string l;
	for (char c : s)
		l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	static const char* const t[] = {"true", "yes", "t", "on", "enabled", "1"};
	static const char* const f[] = {"false", "no", "f", "off", "disabled", "0"};
	for (auto* w : t)
		if (l == w) return out = true, true;
	for (auto* w : f)
		if (l == w) return out = false, true;
	return false;
}

Value h_parseBooleanLiteral(Args a, KwNames) {
	const Value& v = a[0];
	if (v.is_none() || v.kind() == Kind::Bool) return v;
	bool b;
	if (v.kind() != Kind::Str)
		raise(PyExc::AttributeError, "'" + std::string(v.type_name()) + "' object has no attribute 'lower'");
	if (bool_literal(v.as_str(), b)) return Value::boolean(b);
	std::string l;
	for (char c : v.as_str())
		l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	raise(PyExc::ValueError, "'" + l + "' is no recognized boolean literal.");
}

Value h_parseWithNull(Args a, KwNames) {
	const Value& lit = a[0];
	Value dflt = given(a, 3) ? a[3] : Value();
	if (lit.is_none() || (given(a, 2) && py_equal(lit, a[2]))) return dflt;
	if (given(a, 4) && !a[4].is_none() && call_value(a[4], Args(&lit, 1), {}).truthy()) return dflt;
	Value r = call_value(a[1], Args(&lit, 1), {});
	return r.is_none() ? dflt : r;
}

Value h_killBlanks(Args a, KwNames) {
	if (a[0].is_none()) return Value();
	if (a[0].kind() != Kind::Str)
		raise(PyExc::AttributeError,
		      "'" + std::string(a[0].type_name()) + "' object has no attribute 'replace'");
	std::string out;
	for (char c : a[0].as_str())
		if (c != ' ') out += c;
	return Value::str(std::move(out));
}

Value h_scale(Args a, KwNames) {
	if (a[0].is_none()) return Value();
	Value r = binary(BinOp::Mul, a[1], a[0]);
	return binary(BinOp::Add, r, given(a, 2) ? a[2] : Value::integer(0));
}

Value h_computeMean(Args a, KwNames) {
	Value diff = binary(BinOp::Sub, a[1], a[0]);
	Value half = diff.kind() == Kind::TimeDelta ? binary(BinOp::FloorDiv, diff, Value::integer(2))
	                                            : binary(BinOp::Div, diff, Value::integer(2));
	return binary(BinOp::Add, a[0], half);
}

Value h_requireValue(Args a, KwNames) {
	if (a[0].is_none())
		raise(PyExc::ValidationError,
		      "Value is required but was not provided (field " + a[1].str_text() + ")");
	return a[0];
}

Value str_fn_arg(const Value& v, const char* fn) {
	if (v.kind() != Kind::Str)
		raise(PyExc::TypeError, std::string(fn) + "() needs a string, not " + std::string(v.type_name()));
	return v;
}

Value h_parseTimestamp(Args a, KwNames) {
	std::string_view fmt = given(a, 1) ? str_fn_arg(a[1], "parseTimestamp").as_str() : "%Y-%m-%dT%H:%M:%S";
	return strptime(str_fn_arg(a[0], "parseTimestamp").as_str(), fmt);
}

Value h_parseDate(Args a, KwNames) {
	std::string_view fmt = given(a, 1) ? str_fn_arg(a[1], "parseDate").as_str() : "%Y-%m-%d";
	if (fmt == "!!julianEp") return jyear_to_datetime(to_float(a[0]).as_float());
	Value dt = strptime(str_fn_arg(a[0], "parseDate").as_str(), fmt);
	return Value::date_from_days(static_cast<std::int32_t>(dt.as_int() / kUsPerDay));
}

// DaCHS's parsePercentExpression: each %X takes the shortest text that lets the rest match.
bool percent_match(std::string_view fmt, std::size_t fi, std::string_view s, std::size_t si,
                   std::vector<std::pair<char, std::string_view>>& parts) {
	if (fi == fmt.size()) return si == s.size();
	if (fmt[fi] == '%' && fi + 1 < fmt.size()) {
		char conv = fmt[fi + 1];
		if (conv == '%') return si < s.size() && s[si] == '%' && percent_match(fmt, fi + 2, s, si + 1, parts);
		for (std::size_t len = 0; si + len <= s.size(); ++len) {
			parts.emplace_back(conv, s.substr(si, len));
			if (percent_match(fmt, fi + 2, s, si + len, parts)) return true;
			parts.pop_back();
		}
		return false;
	}
	return si < s.size() && s[si] == fmt[fi] && percent_match(fmt, fi + 1, s, si + 1, parts);
}

Value timedelta_from_seconds(double secs) {
	double whole;
	double frac = std::modf(secs, &whole);
	if (std::fabs(whole) > 9e12) raise(PyExc::OverflowError, "timedelta too large");
	return Value::timedelta_us(static_cast<std::int64_t>(whole) * 1000000 +
	                           static_cast<std::int64_t>(std::nearbyint(frac * 1e6)));
}

Value h_parseTime(Args a, KwNames) {
	std::string_view fmt = given(a, 1) ? str_fn_arg(a[1], "parseTime").as_str() : "%H:%M:%S";
	if (fmt == "!!secondsSinceMidnight") return timedelta_from_seconds(to_float(a[0]).as_float());
	if (fmt == "!!decimalHours") return timedelta_from_seconds(to_float(a[0]).as_float() * 3600);
	std::string_view s = str_fn_arg(a[0], "parseTime").as_str();
	std::vector<std::pair<char, std::string_view>> parts;
	if (!percent_match(fmt, 0, s, 0, parts))
		raise(PyExc::ValueError,
		      "'" + std::string(s) + "' cannot be parsed using format '" + std::string(fmt) + "'");
	double h = 0, m = 0, sec = 0;
	for (auto& [c, text] : parts) {
		double v;
		if (!parse_py_float(text, v))
			raise(PyExc::ValueError,
			      "could not convert string to float: " + Value::str(std::string(text)).repr());
		if (c == 'H')
			h = v;
		else if (c == 'M')
			m = v;
		else if (c == 'S')
			sec = v;
	}
	return timedelta_from_seconds(h * 3600 + m * 60 + sec);
}

Value h_parseISODT(Args a, KwNames) {
	return parse_iso_datetime(str_fn_arg(a[0], "parseISODT").as_str());
}

Value h_parseDefaultDate(Args a, KwNames) {
	if (a[0].is_none() || a[0].kind() == Kind::Date) return a[0];
	Value dt = strptime(str_fn_arg(a[0], "parseDefaultDate").as_str(), "%Y-%m-%d");
	return Value::date_from_days(static_cast<std::int32_t>(dt.as_int() / kUsPerDay));
}

Value h_parseDefaultTime(Args a, KwNames) {
	if (a[0].is_none() || a[0].kind() == Kind::Time) return a[0];
	Value dt = strptime(str_fn_arg(a[0], "parseDefaultTime").as_str(), "%H:%M:%S");
	return Value::time_from_us(dt.as_int() % kUsPerDay);
}

Value h_parseDefaultDatetime(Args a, KwNames) {
	if (a[0].is_none() || a[0].kind() == Kind::DateTime) return a[0];
	std::string_view s = str_fn_arg(a[0], "parseDefaultDatetime").as_str();
	std::string_view lit = s;
	if (!lit.empty() && lit.back() == 'Z') lit.remove_suffix(1);
	lit = lit.substr(0, lit.find('.'));
	for (const char* f : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}) {
		try {
			return strptime(lit, f);
		} catch (const ExprError&) {
		}
	}
	return parse_iso_datetime(lit);
}

Value h_jdnToDateTime(Args a, KwNames) {
	return jd_to_datetime(to_float(a[0]).as_float());
}
Value h_mjdToDateTime(Args a, KwNames) {
	return mjd_to_datetime(to_float(a[0]).as_float());
}
Value h_bYearToDateTime(Args a, KwNames) {
	return byear_to_datetime(to_float(a[0]).as_float());
}
Value h_jYearToDateTime(Args a, KwNames) {
	return jyear_to_datetime(to_float(a[0]).as_float());
}
Value h_dateTimeToJdn(Args a, KwNames) {
	return Value::real(datetime_to_jd(a[0]));
}
Value h_dateTimeToMJD(Args a, KwNames) {
	return Value::real(datetime_to_mjd(a[0]));
}
Value h_dateTimeToJYear(Args a, KwNames) {
	return Value::real(datetime_to_jyear(a[0]));
}
Value h_dateTimeToBYear(Args a, KwNames) {
	return Value::real((datetime_to_jd(a[0]) - 2415020.31352) / 365.242198781 + 1900.0);
}

Value h_toMJD(Args a, KwNames) {
	const Value& v = a[0];
	if (v.is_none()) return Value();
	if (v.kind() == Kind::Str) return Value::real(datetime_to_mjd(strptime(v.as_str(), "%Y-%m-%dT%H:%M:%S")));
	if (v.kind() == Kind::DateTime || v.kind() == Kind::Date) return Value::real(datetime_to_mjd(v));
	if (v.is_number()) {
		if (v.number() > 1e6) return binary(BinOp::Sub, v, Value::real(2400000.5));
		return v;
	}
	raise(PyExc::TypeError, "toMJD() cannot handle " + std::string(v.type_name()));
}

Value h_makeTimestamp(Args a, KwNames) {
	if (a[0].kind() != Kind::Date && a[0].kind() != Kind::DateTime)
		raise(PyExc::TypeError, "makeTimestamp() needs a date first");
	std::int64_t day =
	    a[0].kind() == Kind::Date ? a[0].as_days() * kUsPerDay : a[0].as_int() / kUsPerDay * kUsPerDay;
	Value base = Value::datetime_from_us(day);
	if (a[1].kind() == Kind::Time) return Value::datetime_from_us(day + a[1].as_int());
	return binary(BinOp::Add, base, a[1]);
}

Value h_TTtoTAI(Args a, KwNames) {
	return binary(BinOp::Sub, a[0], Value::timedelta_us(32184000));
}
Value h_TAItoTT(Args a, KwNames) {
	return binary(BinOp::Add, a[0], Value::timedelta_us(32184000));
}

std::pair<std::string, std::string> split_path(std::string_view p) {
	auto i = p.rfind('/');
	std::size_t cut = i == std::string_view::npos ? 0 : i + 1;
	std::string head(p.substr(0, cut)), tail(p.substr(cut));
	if (!head.empty() && head.find_first_not_of('/') != std::string::npos)
		while (!head.empty() && head.back() == '/')
			head.pop_back();
	return {head, tail};
}

Value h_lastSourceElements(Args a, KwNames) {
	std::string path(str_fn_arg(a[0], "lastSourceElements").as_str());
	std::int64_t n = to_int(a[1]).as_int();
	std::vector<std::string> parts;
	for (std::int64_t i = 0; i < n; ++i) {
		auto [h, t] = split_path(path);
		parts.push_back(t);
		path = h;
	}
	std::string out;
	for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
		if (!it->empty() && (*it)[0] == '/')
			out = *it;
		else if (out.empty() || out.back() == '/')
			out += *it;
		else
			out += "/" + *it;
	}
	return Value::str(std::move(out));
}

Value h_getFileStem(Args a, KwNames) {
	std::string base = split_path(str_fn_arg(a[0], "getFileStem").as_str()).second;
	auto dot = base.rfind('.');
	std::size_t lead = base.find_first_not_of('.');
	if (dot == std::string::npos || lead == std::string::npos || dot < lead) return Value::str(base);
	return Value::str(base.substr(0, dot));
}

// melesImageGeometry(header_, source, missingIsError): what //siap#computePGS and
// //siap2#computePGS store, as a dict keyed by the column names of both mixins; None (and a
// warning naming the source) for an image without a usable WCS unless missingIsError.
Value h_melesImageGeometry(Args a, KwNames) {
	std::string source = given(a, 1) && a[1].kind() == Kind::Str ? std::string(a[1].as_str()) : "";
	bool required = given(a, 2) && a[2].truthy();
	core::wcs::ImageGeometry g;
	try {
		if (!given(a, 0) || a[0].kind() != Kind::Str)
			throw Error(ErrorKind::Validation,
			            "the record has no FITS header (header_; use fitsProdGrammar)");
		g = core::wcs::image_geometry(a[0].as_str());
	} catch (const Error& e) {
		std::string why =
		    concat("no footprint for ", source.empty() ? "this image" : source, ": ", e.message());
		if (required)
			raise(PyExc::ValueError, why + " (computePGS with missingIsError=False imports it anyway)");
		meles::log::warn(why);
		return Value();
	}
	auto reals = [](auto&& xs) {
		std::vector<Value> v;
		for (double x : xs)
			v.push_back(Value::real(x));
		return Value::list(std::move(v));
	};
	std::vector<Value> sizes;
	for (auto n : g.naxis)
		sizes.push_back(Value::integer(n));
	std::vector<double> poly;
	for (auto& c : g.corners) {
		poly.push_back(c[0]);
		poly.push_back(c[1]);
	}
	std::vector<std::pair<Value, Value>> d;
	auto put = [&](const char* k, Value v) { d.emplace_back(Value::str(k), std::move(v)); };
	put("centerAlpha", Value::real(g.center_ra));
	put("centerDelta", Value::real(g.center_dec));
	put("nAxes", Value::integer(g.naxes));
	put("pixelSize", Value::list(sizes));
	put("pixelScale", reals(g.pixel_scale));
	put("wcs_projection", g.projection.empty() ? Value() : Value::str(g.projection));
	put("wcs_refPixel", reals(g.ref_pixel));
	put("wcs_refValues", reals(g.ref_values));
	put("wcs_cdmatrix", reals(g.cd));
	put("wcs_equinox", g.equinox ? Value::real(*g.equinox) : Value());
	put("coverage", reals(poly));
	put("s_ra", Value::real(g.center_ra));
	put("s_dec", Value::real(g.center_dec));
	put("s_fov", Value::real(g.fov));
	put("s_region", reals(poly));
	put("s_xel1", Value::integer(g.naxis[0]));
	put("s_xel2", Value::integer(g.naxis[1]));
	put("s_pixel_scale", Value::real((g.pixel_scale[0] + g.pixel_scale[1]) / 2));
	put("bbox_ra_min", Value::real(g.ra_min));
	put("bbox_ra_max", Value::real(g.ra_max));
	put("bbox_dec_min", Value::real(g.dec_min));
	put("bbox_dec_max", Value::real(g.dec_max));
	return Value::dict(std::move(d));
}

} // namespace

const std::vector<Builtin>& helper_builtins() {
	static const std::vector<Builtin> table = {
	    {"hmsToDeg", h_hmsToDeg, "hms,sepChar=", 1, 2},
	    {"dmsToDeg", h_dmsToDeg, "dmsAngle,sepChar=", 1, 2},
	    {"degToHms", h_degToHms, "deg,sepChar=,secondFracs=", 1, 3},
	    {"degToDms", h_degToDms, "deg,sepChar=,secondFracs=", 1, 3},
	    {"hoursToHms", h_hoursToHms, "hours,sepChar=,secondFracs=", 1, 3},
	    {"fracHoursToDeg", h_fracHoursToDeg, "fracHours", 1, 1},
	    {"parseAngle", h_parseAngle, "literal,format,sepChar=", 2, 3},
	    {"parseInt", h_parseInt, "literal", 1, 1},
	    {"parseFloat", h_parseFloat, "literal", 1, 1},
	    {"parseUnicode", h_parseUnicode, "literal", 1, 1},
	    {"parseBooleanLiteral", h_parseBooleanLiteral, "literal", 1, 1},
	    {"identity", h_identity, "x", 1, 1},
	    {"parseWithNull", h_parseWithNull, "literal,baseParser,nullLiteral=,default=,checker=", 2, 5},
	    {"killBlanks", h_killBlanks, "literal", 1, 1},
	    {"scale", h_scale, "val,factor,offset=", 2, 3},
	    {"computeMean", h_computeMean, "val1,val2", 2, 2},
	    {"requireValue", h_requireValue, "val,fieldName", 2, 2},
	    {"parseTimestamp", h_parseTimestamp, "literal,format=", 1, 2},
	    {"parseDate", h_parseDate, "literal,format=", 1, 2},
	    {"parseTime", h_parseTime, "literal,format=", 1, 2},
	    {"parseISODT", h_parseISODT, "literal", 1, 1},
	    {"parseDefaultDate", h_parseDefaultDate, "literal", 1, 1},
	    {"parseDefaultTime", h_parseDefaultTime, "literal", 1, 1},
	    {"parseDefaultDatetime", h_parseDefaultDatetime, "literal", 1, 1},
	    {"jdnToDateTime", h_jdnToDateTime, "jd", 1, 1},
	    {"mjdToDateTime", h_mjdToDateTime, "mjd", 1, 1},
	    {"bYearToDateTime", h_bYearToDateTime, "bYear", 1, 1},
	    {"jYearToDateTime", h_jYearToDateTime, "jYear", 1, 1},
	    {"dateTimeToJdn", h_dateTimeToJdn, "dt", 1, 1},
	    {"dateTimeToMJD", h_dateTimeToMJD, "dt", 1, 1},
	    {"dateTimeToJYear", h_dateTimeToJYear, "dt", 1, 1},
	    {"dateTimeToBYear", h_dateTimeToBYear, "dt", 1, 1},
	    {"toMJD", h_toMJD, "literal", 1, 1},
	    {"makeTimestamp", h_makeTimestamp, "date,time", 2, 2},
	    {"TTtoTAI", h_TTtoTAI, "tt", 1, 1},
	    {"TAItoTT", h_TAItoTT, "tai", 1, 1},
	    {"lastSourceElements", h_lastSourceElements, "path,numElements", 2, 2},
	    {"getFileStem", h_getFileStem, "path", 1, 1},
	    {"melesImageGeometry", h_melesImageGeometry, "header,source=,missingIsError=", 1, 3, false},
	};
	return table;
}

} // namespace rt
} // namespace meles::rd::expr
