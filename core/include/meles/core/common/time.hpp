// meles/core/common/time.hpp — ISO 8601 timestamps as the VO protocols use them (UTC).
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace meles {

using TimePoint = std::chrono::system_clock::time_point;

// "2026-11-23T19:39:04Z"; with milliseconds "2026-11-23T19:39:04.123Z".
std::string format_iso(TimePoint t, bool milliseconds = false);
// Accepts YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.fff]] with optional Z or ±HH[:MM], also a
// blank instead of T.  Returns nullopt when malformed.
std::optional<TimePoint> parse_iso(std::string_view text);

}  // namespace meles
