#include "meles/core/common/time.hpp"

#include <doctest/doctest.h>

using namespace meles;

TEST_CASE("time: ISO 8601 round trip and forms") {
	auto t = parse_iso("2026-11-23T19:39:04Z");
	REQUIRE(t);
	CHECK(format_iso(*t) == "2026-11-23T19:39:04Z");
	CHECK(format_iso(*parse_iso("2026-11-23T19:39:04.250Z"), true) == "2026-11-23T19:39:04.250Z");
	CHECK(format_iso(*parse_iso("2026-11-23")) == "2026-11-23T00:00:00Z");
	CHECK(format_iso(*parse_iso("2026-11-23 20:39:04+01:00")) == "2026-11-23T19:39:04Z");
	CHECK(format_iso(*parse_iso("2026-11-23T19:39")) == "2026-11-23T19:39:00Z");
	CHECK_FALSE(parse_iso("yesterday"));
	CHECK_FALSE(parse_iso("2026-13-01"));
	CHECK_FALSE(parse_iso("2026-11-23T19:39:04Zjunk"));
}
