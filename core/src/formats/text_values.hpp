// text_values.hpp — number and time formatting shared by the text encoders (TABLEDATA, CSV,
// TSV, JSON), the FITS writer and the COPY converter.
//
// Numbers use std::to_chars (shortest text that reads back to the same binary value), times
// a hand-written civil-calendar conversion: no locale, no allocation.  Thread-safety: pure.
#pragma once

#include "meles/core/common/time.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace meles::formats {

// Room needed by the functions below (a double in fixed notation can take ~330 characters).
constexpr int kNumberRoom = 32;
constexpr int kFixedRoom = 400;
constexpr int kTimeRoom = 40;

inline char* format_int(char* p, std::int64_t v) {
	return std::to_chars(p, p + kNumberRoom, v).ptr;
}
// Finite values only; callers decide how NaN and infinities are spelled.
inline char* format_double(char* p, double v) {
	return std::to_chars(p, p + kNumberRoom, v).ptr;
}
inline char* format_float(char* p, float v) {
	return std::to_chars(p, p + kNumberRoom, v).ptr;
}
// Shortest round-trip digits without an exponent (pg_sphere's input rejects "1e-05").
inline char* format_double_fixed(char* p, double v) {
	return std::to_chars(p, p + kFixedRoom, v, std::chars_format::fixed).ptr;
}

// PostgreSQL's timestamp/date epoch is 2000-01-01; ±infinity are the int64/int32 extremes.
constexpr std::int64_t kPgTimestampInfinity = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kPgTimestampMinusInfinity = std::numeric_limits<std::int64_t>::min();
constexpr std::int32_t kPgDateInfinity = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t kPgDateMinusInfinity = std::numeric_limits<std::int32_t>::min();

inline bool is_infinite_timestamp(std::int64_t us) {
	return us == kPgTimestampInfinity || us == kPgTimestampMinusInfinity;
}
inline bool is_infinite_date(std::int32_t d) {
	return d == kPgDateInfinity || d == kPgDateMinusInfinity;
}

namespace detail {

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
	std::int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
	return q;
}

inline char* two(char* p, unsigned v) {
	p[0] = static_cast<char>('0' + v / 10);
	p[1] = static_cast<char>('0' + v % 10);
	return p + 2;
}

inline char* ymd(char* p, std::int64_t days_since_1970) {
	std::int64_t y;
	unsigned m, d;
	civil_from_days(days_since_1970, y, m, d);
	if (y >= 0 && y <= 9999) {
		p = two(p, static_cast<unsigned>(y / 100));
		p = two(p, static_cast<unsigned>(y % 100));
	} else {
		p = std::to_chars(p, p + 24, y).ptr; // ISO 8601 expanded years; rare enough
	}
	*p++ = '-';
	p = two(p, m);
	*p++ = '-';
	return two(p, d);
}

constexpr std::int64_t kDays1970To2000 = 10957;

} // namespace detail

// "YYYY-MM-DD" for PostgreSQL's date (days since 2000-01-01).
inline char* format_date(char* p, std::int32_t days_since_2000) {
	return detail::ymd(p, static_cast<std::int64_t>(days_since_2000) + detail::kDays1970To2000);
}

// "YYYY-MM-DDThh:mm:ss[.ffffff]" (trailing zeros of the fraction dropped).
inline char* format_timestamp(char* p, std::int64_t us_since_2000) {
	std::int64_t secs = detail::floor_div(us_since_2000, 1000000);
	auto frac = static_cast<unsigned>(us_since_2000 - secs * 1000000);
	std::int64_t days = detail::floor_div(secs, 86400);
	auto sod = static_cast<unsigned>(secs - days * 86400);
	p = detail::ymd(p, days + detail::kDays1970To2000);
	*p++ = 'T';
	p = detail::two(p, sod / 3600);
	*p++ = ':';
	p = detail::two(p, sod / 60 % 60);
	*p++ = ':';
	p = detail::two(p, sod % 60);
	if (frac) {
		*p++ = '.';
		char digits[6];
		for (int i = 5; i >= 0; --i) {
			digits[i] = static_cast<char>('0' + frac % 10);
			frac /= 10;
		}
		int n = 6;
		while (digits[n - 1] == '0')
			--n;
		for (int i = 0; i < n; ++i)
			*p++ = digits[i];
	}
	return p;
}

} // namespace meles::formats
