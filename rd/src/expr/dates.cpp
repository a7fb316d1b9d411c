// strftime/strptime and date arithmetic helpers (proleptic Gregorian, naive times).
#include "expr/runtime.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace meles::rd::expr::rt {

namespace {

const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};
const char* const kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::int64_t kUsPerDay = 86400000000LL;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
	std::int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
	return q;
}

bool ieq_prefix(std::string_view s, std::size_t pos, std::string_view word) {
	if (s.size() - pos < word.size()) return false;
	for (std::size_t i = 0; i < word.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(s[pos + i])) !=
		    std::tolower(static_cast<unsigned char>(word[i])))
			return false;
	return true;
}

} // namespace

std::int64_t datetime_us(const Value& v, std::string_view what) {
	if (v.kind() == Kind::DateTime) return v.as_int();
	if (v.kind() == Kind::Date) return static_cast<std::int64_t>(v.as_days()) * kUsPerDay;
	raise(PyExc::TypeError,
	      std::string(what) + " needs a datetime or date, not " + std::string(v.type_name()));
}

Value datetime_plus_days(const Value& base, double days) {
	// timedelta(days=x) rounds to whole microseconds (half to even).
	if (!std::isfinite(days)) raise(PyExc::OverflowError, "cannot convert float infinity to integer");
	double whole = std::trunc(days);
	double frac = days - whole;
	if (std::fabs(whole) > 4e6) raise(PyExc::OverflowError, "date value out of range");
	std::int64_t us = static_cast<std::int64_t>(whole) * kUsPerDay +
	                  static_cast<std::int64_t>(std::nearbyint(frac * 86400e6));
	std::int64_t r = datetime_us(base, "date arithmetic") + us;
	if (r < 0 || r >= 3652059LL * kUsPerDay) raise(PyExc::OverflowError, "date value out of range");
	return Value::datetime_from_us(r);
}

std::string strftime(const Value& v, std::string_view fmt) {
	int y = 1900, mo = 1, d = 1;
	std::int64_t tod = 0;
	bool has_date = true;
	switch (v.kind()) {
	case Kind::Date:
		civil_from_days(v.as_days(), y, mo, d);
		break;
	case Kind::DateTime: {
		auto days = static_cast<std::int32_t>(floor_div(v.as_int(), kUsPerDay));
		civil_from_days(days, y, mo, d);
		tod = v.as_int() - days * kUsPerDay;
		break;
	}
	case Kind::Time:
		tod = v.as_int();
		has_date = false;
		break;
	default:
		raise(PyExc::TypeError, "strftime needs a date, datetime or time, not " + std::string(v.type_name()));
	}
	int days0 = days_from_civil(y, mo, d);
	int wday = (days0 % 7 + 7) % 7; // 0001-01-01 was a Monday
	if (!has_date) {
		wday = 0;
	}
	int yday = days0 - days_from_civil(y, 1, 1) + 1;
	int H = static_cast<int>(tod / 3600000000LL), M = static_cast<int>(tod / 60000000LL % 60),
	    S = static_cast<int>(tod / 1000000 % 60), us = static_cast<int>(tod % 1000000);
	std::string out;
	char buf[32];
	for (std::size_t i = 0; i < fmt.size(); ++i) {
		if (fmt[i] != '%' || i + 1 == fmt.size()) {
			out += fmt[i];
			continue;
		}
		char c = fmt[++i];
		switch (c) {
		case 'Y':
			std::snprintf(buf, sizeof buf, "%04d", y);
			out += buf;
			break;
		case 'y':
			std::snprintf(buf, sizeof buf, "%02d", y % 100);
			out += buf;
			break;
		case 'C':
			std::snprintf(buf, sizeof buf, "%02d", y / 100);
			out += buf;
			break;
		case 'm':
			std::snprintf(buf, sizeof buf, "%02d", mo);
			out += buf;
			break;
		case 'd':
			std::snprintf(buf, sizeof buf, "%02d", d);
			out += buf;
			break;
		case 'e':
			std::snprintf(buf, sizeof buf, "%2d", d);
			out += buf;
			break;
		case 'j':
			std::snprintf(buf, sizeof buf, "%03d", yday);
			out += buf;
			break;
		case 'H':
			std::snprintf(buf, sizeof buf, "%02d", H);
			out += buf;
			break;
		case 'I':
			std::snprintf(buf, sizeof buf, "%02d", H % 12 == 0 ? 12 : H % 12);
			out += buf;
			break;
		case 'M':
			std::snprintf(buf, sizeof buf, "%02d", M);
			out += buf;
			break;
		case 'S':
			std::snprintf(buf, sizeof buf, "%02d", S);
			out += buf;
			break;
		case 'f':
			std::snprintf(buf, sizeof buf, "%06d", us);
			out += buf;
			break;
		case 'p':
			out += H < 12 ? "AM" : "PM";
			break;
		case 'b':
		case 'h':
			out += std::string_view(kMonths[mo - 1]).substr(0, 3);
			break;
		case 'B':
			out += kMonths[mo - 1];
			break;
		case 'a':
			out += std::string_view(kDays[wday]).substr(0, 3);
			break;
		case 'A':
			out += kDays[wday];
			break;
		case 'w':
			out += std::to_string((wday + 1) % 7);
			break;
		case 'u':
			out += std::to_string(wday + 1);
			break;
		case 'F':
			std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, d);
			out += buf;
			break;
		case 'T':
			std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", H, M, S);
			out += buf;
			break;
		case 'D':
			std::snprintf(buf, sizeof buf, "%02d/%02d/%02d", mo, d, y % 100);
			out += buf;
			break;
		case 'z':
		case 'Z':
			break; // naive values have no zone
		case '%':
			out += '%';
			break;
		default:
			out += '%';
			out += c;
		}
	}
	return out;
}

Value strptime(std::string_view s, std::string_view fmt) {
	int year = 1900, month = 1, day = 1, hour = 0, minute = 0, second = 0, us = 0, yday = -1, hour12 = -1;
	int ampm = -1;
	std::int64_t offset_us = 0;
	std::size_t p = 0;
	auto fail = [&]() -> void {
		raise(PyExc::ValueError,
		      "time data " + Value::str(s).repr() + " does not match format " + Value::str(fmt).repr());
	};
	// Reads min..max digits, preferring the longest run that stays within [lo, hi].
	auto num = [&](int min_d, int max_d, int lo, int hi) -> int {
		std::size_t b = p;
		while (p < s.size() && p - b < static_cast<std::size_t>(max_d) &&
		       std::isdigit(static_cast<unsigned char>(s[p])))
			++p;
		while (p - b >= static_cast<std::size_t>(min_d)) {
			int v = std::atoi(std::string(s.substr(b, p - b)).c_str());
			if (v >= lo && v <= hi) return v;
			--p;
		}
		p = b;
		fail();
		return 0;
	};
	for (std::size_t i = 0; i < fmt.size(); ++i) {
		char f = fmt[i];
		if (std::isspace(static_cast<unsigned char>(f))) {
			// Whitespace in the format matches any run of whitespace (also none at all).
			while (i + 1 < fmt.size() && std::isspace(static_cast<unsigned char>(fmt[i + 1])))
				++i;
			while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p])))
				++p;
			continue;
		}
		if (f != '%') {
			if (p >= s.size() ||
			    std::tolower(static_cast<unsigned char>(s[p])) != std::tolower(static_cast<unsigned char>(f)))
				fail();
			++p;
			continue;
		}
		if (++i >= fmt.size()) raise(PyExc::ValueError, "stray % in format " + Value::str(fmt).repr());
		char c = fmt[i];
		switch (c) {
		case 'Y':
			year = num(4, 4, 0, 9999);
			break;
		case 'y': {
			int v = num(2, 2, 0, 99);
			year = v < 69 ? 2000 + v : 1900 + v;
			break;
		}
		case 'm':
			month = num(1, 2, 1, 12);
			break;
		case 'd':
			if (p < s.size() && s[p] == ' ') ++p;
			day = num(1, 2, 1, 31);
			break;
		case 'H':
			hour = num(1, 2, 0, 23);
			break;
		case 'I':
			hour12 = num(1, 2, 1, 12);
			break;
		case 'M':
			minute = num(1, 2, 0, 59);
			break;
		case 'S':
			second = num(1, 2, 0, 61);
			break;
		case 'j':
			yday = num(1, 3, 1, 366);
			break;
		case 'f': {
			std::size_t b = p;
			while (p < s.size() && p - b < 6 && std::isdigit(static_cast<unsigned char>(s[p])))
				++p;
			if (p == b) fail();
			std::string digits(s.substr(b, p - b));
			digits.append(6 - digits.size(), '0');
			us = std::atoi(digits.c_str());
			break;
		}
		case 'p':
			if (ieq_prefix(s, p, "am"))
				ampm = 0;
			else if (ieq_prefix(s, p, "pm"))
				ampm = 1;
			else
				fail();
			p += 2;
			break;
		case 'b':
		case 'B':
		case 'h': {
			int found = -1;
			for (int k = 0; k < 12 && found < 0; ++k)
				if (ieq_prefix(s, p, kMonths[k])) {
					found = k;
					p += std::strlen(kMonths[k]);
				}
			for (int k = 0; k < 12 && found < 0; ++k)
				if (ieq_prefix(s, p, std::string_view(kMonths[k]).substr(0, 3))) {
					found = k;
					p += 3;
				}
			if (found < 0) fail();
			month = found + 1;
			break;
		}
		case 'a':
		case 'A': {
			bool ok = false;
			for (int k = 0; k < 7 && !ok; ++k)
				if (ieq_prefix(s, p, kDays[k])) {
					ok = true;
					p += std::strlen(kDays[k]);
				}
			for (int k = 0; k < 7 && !ok; ++k)
				if (ieq_prefix(s, p, std::string_view(kDays[k]).substr(0, 3))) {
					ok = true;
					p += 3;
				}
			if (!ok) fail();
			break;
		}
		case 'z': {
			if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
				++p;
				break;
			}
			if (p >= s.size() || (s[p] != '+' && s[p] != '-')) fail();
			int sign = s[p++] == '-' ? -1 : 1;
			int hh = num(2, 2, 0, 23);
			if (p < s.size() && s[p] == ':') ++p;
			int mm = num(2, 2, 0, 59);
			offset_us = sign * (hh * 3600LL + mm * 60LL) * 1000000LL;
			break;
		}
		case 'Z': {
			// Only the zone names that mean UTC can be honoured without a zone database.
			if (ieq_prefix(s, p, "UTC"))
				p += 3;
			else if (ieq_prefix(s, p, "GMT"))
				p += 3;
			else if (p < s.size() && s[p] == 'Z')
				++p;
			else
				fail();
			break;
		}
		case '%':
			if (p >= s.size() || s[p] != '%') fail();
			++p;
			break;
		default:
			raise(PyExc::ValueError,
			      std::string("'") + c + "' is a bad directive in format " + Value::str(fmt).repr());
		}
	}
	if (p != s.size()) raise(PyExc::ValueError, "unconverted data remains: " + std::string(s.substr(p)));
	if (hour12 >= 0) hour = (hour12 % 12) + (ampm == 1 ? 12 : 0);
	if (yday >= 0) {
		int base = days_from_civil(year, 1, 1) + yday - 1;
		civil_from_days(base, year, month, day);
	}
	if (!valid_date(year, month, day)) raise(PyExc::ValueError, "day is out of range for month");
	Value v = Value::datetime(year, month, day, hour, minute, second, us);
	if (offset_us) return Value::datetime_from_us(v.as_int() - offset_us);
	return v;
}

} // namespace meles::rd::expr::rt
