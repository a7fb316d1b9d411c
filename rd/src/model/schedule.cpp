#include "meles/rd/model/schedule.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/time.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace meles::rd {

namespace {

bool parse_int(std::string_view s, int& out) {
	if (s.empty() || s.size() > 4) return false;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
	return ec == std::errc() && p == s.data() + s.size();
}

// Dates are walked as days since 1970-01-01, so that stepping over them never touches the time
// zone.
void civil(long long day, int& y, int& m, int& d) {
	std::int64_t yy;
	unsigned mm, dd;
	civil_from_days(day, yy, mm, dd);
	y = static_cast<int>(yy);
	m = static_cast<int>(mm);
	d = static_cast<int>(dd);
}

long long days_of(int y, int m, int d) {
	return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

int iso_weekday(long long days) {
	long long w = (days + 3) % 7; // 1970-01-01 was a Thursday (ISO 4)
	if (w < 0) w += 7;
	return static_cast<int>(w) + 1;
}

// The instant at which local wall-clock time y-m-d h:mi is shown, if it is (with isdst as
// given); nullopt when mktime normalised it to another wall-clock time.
std::tm wall_clock(int y, int m, int d, int h, int mi, int isdst) {
	std::tm tm{};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = isdst;
	return tm;
}

std::optional<time_t> local_exact(int y, int m, int d, int h, int mi, int isdst) {
	std::tm tm = wall_clock(y, m, d, h, mi, isdst);
	time_t t = std::mktime(&tm);
	if (t == static_cast<time_t>(-1)) return std::nullopt;
	std::tm back{};
	localtime_r(&t, &back);
	if (back.tm_year != y - 1900 || back.tm_mon != m - 1 || back.tm_mday != d || back.tm_hour != h ||
	    back.tm_min != mi)
		return std::nullopt;
	return t;
}

// The earliest instant showing y-m-d h:mi; for a time inside a gap (clocks set forward), the
// first wall-clock minute after it that exists.
time_t local_instant(int y, int m, int d, int h, int mi) {
	for (int step = 0; step <= 24 * 60; ++step) {
		int total = h * 60 + mi + step;
		int dd = d;
		int yy = y, mm = m;
		if (total >= 24 * 60) {
			civil(days_of(y, m, d) + total / (24 * 60), yy, mm, dd);
			total %= 24 * 60;
		}
		auto a = local_exact(yy, mm, dd, total / 60, total % 60, 0);
		auto b = local_exact(yy, mm, dd, total / 60, total % 60, 1);
		if (a && b) return std::min(*a, *b);
		if (a) return *a;
		if (b) return *b;
	}
	// No zone skips a whole day of minutes; fall back to mktime's own reading.
	std::tm tm = wall_clock(y, m, d, h, mi, -1);
	return std::mktime(&tm);
}

TimePoint from_time_t(time_t t) {
	return std::chrono::system_clock::from_time_t(t);
}

} // namespace

AtTime parse_at_time(std::string_view spec) {
	auto hint = [&](const std::string& why) {
		return Error(ErrorKind::Validation,
		             concat("bad at time '", spec, "': ", why,
		                    " (write HH:MM, m<day of month> HH:MM or w<weekday> HH:MM, e.g. 'm22 7:30, w3 "
		                    "15:02'; weekdays count from 1 = Monday)"));
	};
	AtTime at;
	std::vector<std::string> parts;
	for (auto& p : split(normalize_space(std::string(spec)), ' '))
		if (!p.empty()) parts.push_back(p);
	if (parts.empty()) throw hint("it is empty");
	if (parts.size() > 3) throw hint("too many parts");
	for (size_t i = 0; i + 1 < parts.size(); ++i) {
		const std::string& p = parts[i];
		int n = 0;
		if (p.size() < 2 || !parse_int(std::string_view(p).substr(1), n))
			throw hint(concat("'", p, "' is not m<number> or w<number>"));
		if (p[0] == 'w' && !at.weekday && !at.day_of_month) {
			if (n < 1 || n > 7) throw hint("the weekday must be between 1 (Monday) and 7 (Sunday)");
			at.weekday = n;
		} else if (p[0] == 'm' && !at.day_of_month) {
			if (n < 1 || n > 28) throw hint("the day of the month must be between 1 and 28");
			at.day_of_month = n;
		} else {
			throw hint(
			    concat("'", p, "' is not m<day> or w<weekday> (a w prefix comes first, each at most once)"));
		}
	}
	const std::string& hm = parts.back();
	auto colon = hm.find(':');
	if (colon == std::string::npos) throw hint(concat("'", hm, "' is not HH:MM"));
	if (!parse_int(std::string_view(hm).substr(0, colon), at.hour) ||
	    !parse_int(std::string_view(hm).substr(colon + 1), at.minute))
		throw hint(concat("'", hm, "' is not HH:MM"));
	if (at.hour < 0 || at.hour > 23 || at.minute < 0 || at.minute > 59)
		throw hint("the hour must be 0..23 and the minute 0..59");
	return at;
}

TimePoint next_at(const std::vector<AtTime>& times, TimePoint after) {
	time_t a = std::chrono::system_clock::to_time_t(after);
	// to_time_t truncates or rounds; compare against `after` itself below.
	std::tm local{};
	localtime_r(&a, &local);
	long long today = days_of(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
	std::optional<TimePoint> best;
	for (const AtTime& at : times) {
		// A monthly time is due within 31 days; start the day before in case the zone's
		// offset puts an earlier local date's time after `after`.
		for (long long day = today - 1; day <= today + 62; ++day) {
			int y, m, d;
			civil(day, y, m, d);
			if (at.weekday) {
				if (iso_weekday(day) != *at.weekday) continue;
			} else if (at.day_of_month && d != *at.day_of_month) {
				continue;
			}
			TimePoint t = from_time_t(local_instant(y, m, d, at.hour, at.minute));
			if (t <= after) continue;
			if (!best || t < *best) best = t;
			break;
		}
	}
	if (!best) throw Error(ErrorKind::Internal, "at schedule without a next time");
	return *best;
}

TimePoint next_every(long long every, TimePoint planned, TimePoint now) {
	auto interval = std::chrono::seconds(every < 0 ? -every : every);
	if (interval.count() == 0) interval = std::chrono::seconds(1);
	TimePoint next = planned + interval;
	return next > now ? next : now + interval;
}

TimePoint first_every(long long every, std::optional<TimePoint> last_run, TimePoint now) {
	if (every < 0) return now;
	auto interval = std::chrono::seconds(every == 0 ? 1 : every);
	auto tenth = std::chrono::duration_cast<TimePoint::duration>(interval) / 10;
	if (last_run) {
		TimePoint due = *last_run + interval;
		if (due > now) return due;
	}
	return now + tenth;
}

TimePoint first_at(const std::vector<AtTime>& times, std::optional<TimePoint> last_run, TimePoint now) {
	TimePoint from = last_run && *last_run > now ? *last_run : now;
	return next_at(times, from);
}

} // namespace meles::rd
