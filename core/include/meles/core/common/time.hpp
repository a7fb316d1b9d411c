// meles/core/common/time.hpp — ISO 8601 timestamps as the VO protocols use them (UTC).
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meles {

using TimePoint = std::chrono::system_clock::time_point;

// "2026-11-23T19:39:04Z"; with milliseconds "2026-11-23T19:39:04.123Z".
std::string format_iso(TimePoint t, bool milliseconds = false);
// "2026-12-08 07:30:00 CET": the process's local time zone (TZ; [general] timezone), for
// operators (execute job records), not for protocols.
std::string format_local(TimePoint t);
// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
	y -= m <= 2;
	const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = static_cast<unsigned>(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
// Proleptic Gregorian date of a day counted from 1970-01-01 (H. Hinnant's civil_from_days).
inline void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
	z += 719468;
	const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = static_cast<unsigned>(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = static_cast<std::int64_t>(yoe) + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2) ++y;
}

// Accepts YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.fff]] with optional Z or ±HH[:MM], also a
// blank instead of T.  Returns nullopt when malformed.
std::optional<TimePoint> parse_iso(std::string_view text);

} // namespace meles
