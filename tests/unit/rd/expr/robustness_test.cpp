// Random token soup and random values never crash the compiler or the evaluator: every
// outcome is a compiled expression, a CompileError, or an ExprError/meles::Error.
#include "meles/rd/expr/expression.hpp"
#include "meles/rd/expr/literals.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace meles;
using namespace meles::rd::expr;

namespace {

struct Rng {
	std::uint64_t x = 0x2545F4914F6CDD1DULL;
	std::uint64_t next() {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		return x;
	}
	std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

const char* const kTokens[] = {
    "@a",
    "@b",
    "@s",
    "1",
    "0",
    "-1",
    "2.5",
    "1e308",
    "'x'",
    "''",
    "'a:b'",
    "\"%s\"",
    "None",
    "True",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "<",
    "==",
    "!=",
    "in",
    "not",
    "and",
    "or",
    "if",
    "else",
    "for",
    "x",
    "float",
    "int",
    "str",
    "len",
    "hmsToDeg",
    "parseWithNull",
    "math.sqrt",
    "datetime.datetime",
    "re.sub",
    "strip()",
    "split",
    "upper",
    "format",
    "f'{@a}'",
    "lambda",
    "=",
    "[::-1]",
    "[1:]",
    "[0]",
    "{'k': 1}",
    "range(3)",
    "sorted",
    "min",
    "max",
    "round",
    "2**62",
    "mjdToDateTime",
    "dateTimeToMJD",
    "toMJD",
    "str(0.1)",
};

} // namespace

TEST_CASE("Random token soup compiles or fails cleanly, and evaluation only throws Errors") {
	Rng rng;
	int compiled = 0, evaluated = 0;
	const char* samples[] = {"12:30:00", "", " 7 ", "abc", "-0.5", "1e5", "äöü", "2020-01-02T03:04:05"};
	for (int i = 0; i < 4000; ++i) {
		std::string src;
		std::size_t n = 1 + rng.below(9);
		for (std::size_t k = 0; k < n; ++k) {
			src += kTokens[rng.below(sizeof kTokens / sizeof kTokens[0])];
			src += rng.below(3) ? " " : "";
		}
		Scope scope;
		Expression::Outcome o;
		REQUIRE_NOTHROW(o = Expression::try_compile(src, scope));
		if (!o) {
			CHECK(o.error->line >= 1);
			CHECK(o.error->column >= 1);
			continue;
		}
		++compiled;
		std::vector<Value> slots(static_cast<std::size_t>(scope.size()));
		for (auto& v : slots)
			v = Value::borrow(samples[rng.below(8)]);
		try {
			Value v = o.expression->evaluate(slots);
			(void)v.repr();
			++evaluated;
		} catch (const Error&) {
			// ExprError or an Error from the evaluator: both are fine.
		}
	}
	MESSAGE(compiled << " of 4000 random expressions compiled, " << evaluated << " evaluated without error");
	CHECK(compiled > 100);
}

TEST_CASE("Random bytes as literals of every type fail only with ExprError") {
	Rng rng;
	const char* types[] = {"integer", "smallint", "bigint",    "real",   "double precision", "boolean",
	                       "text",    "date",     "timestamp", "time",   "spoint",           "scircle",
	                       "spoly",   "real[]",   "bytea",     "char(4)"};
	const std::string alphabet = "0123456789.+-eEdDTZ:, ()<>{}abcfnNtx\t\\\"'";
	for (int i = 0; i < 20000; ++i) {
		std::string raw;
		std::size_t n = rng.below(24);
		for (std::size_t k = 0; k < n; ++k)
			raw += alphabet[rng.below(alphabet.size())];
		SqlType t = SqlType::parse(types[rng.below(sizeof types / sizeof types[0])]);
		std::string out;
		try {
			append_copy_literal(out, raw, t);
			CHECK(out.find('\n') == std::string::npos);
			CHECK(out.find('\t') == std::string::npos);
		} catch (const ExprError&) {
		}
	}
}
