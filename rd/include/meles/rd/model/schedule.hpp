// meles/rd/model/schedule.hpp — when an `execute` element's job is due: DaCHS's `every` and
// `at` ("HH:MM", "m<day> HH:MM", "w<weekday> HH:MM") parsed and turned into instants.
// `at` times are wall-clock times of the process's time zone (TZ; `meles serve` sets it from
// [general] timezone).  Thread-safety: pure functions (localtime_r/mktime only).
#pragma once

#include "meles/core/common/time.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd {

struct AtTime {
	std::optional<int> day_of_month; // 1..28 (DaCHS's limit: every month has them)
	std::optional<int> weekday;      // 1 = Monday .. 7 = Sunday (ISO, as DaCHS); wins over day_of_month
	int hour = 0;                    // 0..23
	int minute = 0;                  // 0..59
	bool operator==(const AtTime&) const = default;
};

// One entry of an `at` list.  Throws Error(Validation) saying what is wrong and what would be
// right; the caller adds the RD position.
AtTime parse_at_time(std::string_view spec);

// The first instant strictly after `after` matching one of `times`.  A wall-clock time that a
// daylight-saving change skips that day is taken at the first minute after the gap; one that
// happens twice (the clock set back) counts once, at its first occurrence.
TimePoint next_at(const std::vector<AtTime>& times, TimePoint after);

// `every` jobs.  The next run after a run planned for `planned`: one interval later, or — when
// that is already past (the job or the machine was late) — one interval from `now`, so a late
// job never runs in a burst to catch up.
TimePoint next_every(long long every, TimePoint planned, TimePoint now);

// When a job is first due after the daemon (re)started or its RD was (re)loaded, given the
// start of its last run if one is recorded:
// - every < 0: at once (DaCHS: "run once at RD load"), then every |every| seconds;
// - every > 0 and a last run recorded: at last + every if that is still ahead, else once
//   after every/10 s (missed runs are not made up for, however many were missed);
// - every > 0 and no last run: after every/10 s, as DaCHS schedules a fresh job;
// - at: the next matching time after now (and after the last run): missed times are not
//   made up for, and a time that already ran is not run again.
TimePoint first_every(long long every, std::optional<TimePoint> last_run, TimePoint now);
TimePoint first_at(const std::vector<AtTime>& times, std::optional<TimePoint> last_run, TimePoint now);

} // namespace meles::rd
