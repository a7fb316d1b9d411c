// When execute jobs are due: the cases of schedule_cases.txt (every/at/m/w forms, time zones,
// daylight-saving changes, restarts without a burst) and the parsing of `at` entries.
#include "meles/rd/model/schedule.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/time.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>

using namespace meles;
using namespace meles::rd;

namespace {

TimePoint instant(const std::string& s) {
	auto t = parse_iso(s);
	REQUIRE_MESSAGE(t, s);
	return *t;
}

std::string show(TimePoint t) {
	return format_iso(t, true);
}

// Sets TZ for the duration of a case (doctest runs cases on one thread).
struct Zone {
	std::string old;
	bool had = false;
	explicit Zone(const std::string& zone) {
		if (const char* o = std::getenv("TZ")) {
			old = o;
			had = true;
		}
		setenv("TZ", zone.c_str(), 1);
		tzset();
	}
	~Zone() {
		if (had)
			setenv("TZ", old.c_str(), 1);
		else
			unsetenv("TZ");
		tzset();
	}
};

std::vector<AtTime> at_list(const std::string& spec) {
	std::vector<AtTime> out;
	for (auto& part : split(spec, ','))
		out.push_back(parse_at_time(trim(part)));
	return out;
}

bool is_every(const std::string& spec) {
	return !spec.empty() && spec.find(':') == std::string::npos;
}

} // namespace

TEST_CASE("execute schedules: the cases of schedule_cases.txt") {
	std::ifstream in(std::string(MELES_SOURCE_DIR) + "/tests/unit/rd/model/schedule_cases.txt");
	REQUIRE(in);
	std::string line;
	int lineno = 0, cases = 0;
	while (std::getline(in, line)) {
		++lineno;
		if (trim(line).empty() || trim(line)[0] == '#') continue;
		std::vector<std::string> f;
		for (auto& p : split(line, '|'))
			f.push_back(std::string(trim(p)));
		REQUIRE_MESSAGE(f.size() == 6, "schedule_cases.txt:", lineno);
		const std::string &kind = f[0], &zone = f[1], &spec = f[2], &expected = f[5];
		CAPTURE(lineno);
		CAPTURE(line);
		++cases;
		if (kind == "parse") {
			bool ok = true;
			std::string why;
			try {
				parse_at_time(spec);
			} catch (const Error& e) {
				ok = false;
				why = e.message();
			}
			CHECK(ok == (expected == "ok"));
			if (!ok) CHECK(why.find("HH:MM") != std::string::npos); // says what would be right
			continue;
		}
		Zone z(zone);
		TimePoint now = instant(f[3]);
		std::optional<TimePoint> last;
		if (f[4] != "-") last = instant(f[4]);
		TimePoint got;
		if (kind == "next" && is_every(spec)) {
			REQUIRE(last);
			got = next_every(std::stoll(spec), *last, now);
		} else if (kind == "next") {
			got = next_at(at_list(spec), now);
		} else if (kind == "start" && is_every(spec)) {
			got = first_every(std::stoll(spec), last, now);
		} else if (kind == "start") {
			got = first_at(at_list(spec), last, now);
		} else {
			FAIL("unknown kind ", kind);
		}
		CHECK(show(got) == show(instant(expected)));
	}
	CHECK(cases >= 40);
}

TEST_CASE("a bad at entry says what is wrong") {
	auto message = [](const char* spec) {
		try {
			parse_at_time(spec);
		} catch (const Error& e) {
			return e.message();
		}
		return std::string();
	};
	CHECK(message("m29 7:30").find("between 1 and 28") != std::string::npos);
	CHECK(message("w8 7:30").find("1 (Monday) and 7 (Sunday)") != std::string::npos);
	CHECK(message("25:00").find("0..23") != std::string::npos);
	CHECK(message("7h30").find("'7h30' is not HH:MM") != std::string::npos);
}
