#include "limits/stats_collector.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace meles::rd::limits;

// Expected values are PostgreSQL 15's: SELECT percentile_cont(ARRAY[0.03,0.5,0.97])
// WITHIN GROUP (ORDER BY x) FROM unnest(ARRAY[...]) x.
TEST_CASE("limits: percentile_cont as PostgreSQL computes it") {
	std::vector<double> v = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
	auto p = percentiles_cont(v, {0.03, 0.5, 0.97});
	REQUIRE(p.size() == 3);
	CHECK(p[0] == doctest::Approx(1.27));
	CHECK(p[1] == 5.5);
	CHECK(p[2] == doctest::Approx(9.73));

	std::vector<double> one = {42};
	CHECK(percentiles_cont(one, {0.03, 0.5, 0.97}) == std::vector<double>{42, 42, 42});
	std::vector<double> none;
	CHECK(percentiles_cont(none, {0.5}).empty());

	// NaN sorts above every number: the 97 % percentile of {1, 2, NaN} interpolates to NaN
	double nan = std::numeric_limits<double>::quiet_NaN();
	std::vector<double> n = {nan, 2, 1};
	auto q = percentiles_cont(n, {0.03, 0.5, 0.97});
	CHECK(q[0] == doctest::Approx(1.06));
	CHECK(q[1] == 2);
	CHECK(std::isnan(q[2]));

	// the same rank twice, and ranks at both ends
	std::vector<double> w = {3, 1, 2};
	CHECK(percentiles_cont(w, {0.0, 0.0, 1.0}) == std::vector<double>{1, 1, 3});
}
