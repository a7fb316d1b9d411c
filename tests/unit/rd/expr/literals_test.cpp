// Literal parsing and COPY formatting: the data-driven cases of tests/rd/expr/copy.test
// plus properties that need code (fast path == slow path, escaping of every byte).
#include "meles/rd/expr/expression.hpp"
#include "meles/rd/expr/literals.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

using namespace meles;
using namespace meles::rd::expr;

namespace {

Value constant(const std::string& text) {
	Scope none(false);
	Expression e = Expression::compile(text, none);
	if (!e.constant()) {
		// Displays of mutable values are built at run time.
		return e.evaluate({}).to_owned();
	}
	return e.constant()->to_owned();
}

std::string run_line(const std::string& line) {
	char mode = line[0];
	auto bar = line.find(" | ");
	auto arrow = line.rfind(" =>");
	if (bar == std::string::npos || arrow == std::string::npos || arrow < bar) return "malformed line";
	SqlType type = SqlType::parse(line.substr(2, bar - 2));
	std::string input = line.substr(bar + 3, arrow - bar - 3);
	std::string expected = line.substr(arrow + 3);
	if (!expected.empty() && expected[0] == ' ') expected.erase(0, 1);
	bool want_error = expected.rfind("! ", 0) == 0;
	std::string got;
	try {
		Value in = constant(input);
		if (mode == 'P') {
			got = parse_literal(in.as_str(), type).repr();
		} else if (mode == 'L') {
			append_copy_literal(got, in.as_str(), type);
			std::string slow;
			append_copy_value(slow, parse_literal(in.as_str(), type), type);
			// The verbatim fast path may keep the author's spelling of a number ("007",
			// ".5"); PostgreSQL reads both the same.  Everything else must agree.
			if (slow != got && !(type.is_numeric() && std::stod(slow) == std::stod(got)))
				return "fast path wrote '" + got + "' but the value path '" + slow + "'";
		} else if (mode == 'V') {
			append_copy_value(got, in, type);
		} else {
			return "unknown mode";
		}
	} catch (const ExprError& e) {
		std::string what = "! " + std::string(e.exc_name());
		if (want_error && expected == what) return "";
		return "raised " + what + ": " + e.detail() + ", expected " + expected;
	}
	if (want_error) return "gave '" + got + "', expected " + expected;
	if (got != expected) return "gave '" + got + "', expected '" + expected + "'";
	return "";
}

} // namespace

TEST_CASE("literal cases: copy.test (idmap parsing and COPY text)") {
	std::ifstream in(std::string(MELES_SOURCE_DIR) + "/tests/rd/expr/copy.test");
	REQUIRE(in.good());
	std::string line;
	int n = 0, cases = 0;
	while (std::getline(in, line)) {
		++n;
		if (line.empty() || line[0] == '#') continue;
		++cases;
		std::string why = run_line(line);
		if (!why.empty()) FAIL_CHECK("copy.test:" << n << ": " << line << ": " << why);
	}
	CHECK(cases > 100);
}

TEST_CASE("COPY escaping covers every control character COPY gives meaning to") {
	std::string all;
	for (int c = 1; c < 128; ++c)
		all += static_cast<char>(c);
	std::string out;
	append_copy_escaped(out, all);
	// No raw tab, newline, CR or lone backslash may remain: they would split the row.
	CHECK(out.find('\t') == std::string::npos);
	CHECK(out.find('\n') == std::string::npos);
	CHECK(out.find('\r') == std::string::npos);
	for (std::size_t i = 0; i < out.size(); ++i)
		if (out[i] == '\\') {
			REQUIRE(i + 1 < out.size());
			CHECK(std::string("\\tnrbfv").find(out[i + 1]) != std::string::npos);
			++i;
		}
	std::string plain;
	append_copy_escaped(plain, "no escapes here");
	CHECK(plain == "no escapes here");
}

TEST_CASE("COPY float output round-trips through text exactly") {
	const double samples[] = {
	    0.1, 1.0 / 3, 2.0 / 3, 1e-310, 5e-324, 1.7976931348623157e308, 123456.789e-20, -0.0, 299792.458};
	for (double d : samples) {
		std::string out;
		append_copy_value(out, Value::real(d), SqlType::parse("double precision"));
		double back = std::strtod(out.c_str(), nullptr); // stod rejects subnormals
		CHECK(back == d);
		CHECK(std::signbit(back) == std::signbit(d));
	}
}

TEST_CASE("Fast literal path and value path agree on generated numbers") {
	SqlType dbl = SqlType::parse("double precision");
	SqlType big = SqlType::parse("bigint");
	std::uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 2000; ++i) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d = static_cast<double>(static_cast<std::int64_t>(x)) / static_cast<double>((x >> 40) + 1);
		char buf[64];
		std::snprintf(buf, sizeof buf, i % 2 ? "%.17g" : "%.6e", d);
		std::string fast, slow;
		append_copy_literal(fast, buf, dbl);
		append_copy_value(slow, parse_literal(buf, dbl), dbl);
		CHECK(std::stod(fast) == std::stod(slow));
		std::string ifast, islow, itext = std::to_string(static_cast<std::int64_t>(x));
		append_copy_literal(ifast, itext, big);
		append_copy_value(islow, parse_literal(itext, big), big);
		CHECK(ifast == islow);
	}
}

TEST_CASE("Literal errors name the value and the column type") {
	try {
		parse_literal("12x", SqlType::parse("integer"));
		FAIL("no error");
	} catch (const ExprError& e) {
		CHECK(e.exc() == PyExc::ValueError);
		CHECK(std::string(e.what()).find("'12x'") != std::string::npos);
		CHECK(std::string(e.what()).find("integer") != std::string::npos);
	}
}
