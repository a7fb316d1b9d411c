// The Expression API as the rowmaker uses it: slots, errors with RD positions, nullExcs,
// the fallback hook, constants, and evaluation from several threads.
#include "meles/rd/expr/expression.hpp"
#include "meles/rd/expr/helpers.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace meles;
using namespace meles::rd::expr;

namespace {

std::vector<Value> row(const Scope& scope,
                       std::initializer_list<std::pair<const char*, const char*>> fields) {
	std::vector<Value> v(static_cast<std::size_t>(scope.size()), Value::missing());
	for (auto& [name, text] : fields) {
		auto slot = scope.field(name);
		REQUIRE(slot.has_value());
		v[static_cast<std::size_t>(*slot)] = Value::borrow(text);
	}
	return v;
}

} // namespace

TEST_CASE("Scope resolves @fields to slots shared by all expressions of a rowmaker") {
	Scope scope;
	int ra = scope.add_field("ra");
	Expression a = Expression::compile("hmsToDeg(@ra, ':')", scope);
	Expression b = Expression::compile("dmsToDeg(@dec, ':') + float(@ra[:2])", scope);
	CHECK(scope.field("ra") == ra);
	REQUIRE(scope.field("dec").has_value());
	CHECK(scope.size() == 2);
	CHECK(a.slots_used() == std::vector<int>{ra});
	CHECK(b.slots_used() == std::vector<int>{*scope.field("dec"), ra});
	auto r = row(scope, {{"ra", "12:30:00"}, {"dec", "-45:30:00"}});
	CHECK(a.evaluate(r).as_float() == 187.5);
	CHECK(b.evaluate(r).as_float() == -45.5 + 12);
}

TEST_CASE("A closed Scope rejects fields the grammar does not provide") {
	Scope scope(false);
	scope.add_field("ra");
	auto o = Expression::try_compile("float(@ra) + float(@decl)", scope);
	REQUIRE(!o);
	CHECK(o.error->failure == CompileFailure::UnknownName);
	CHECK(o.error->construct == "@decl");
	CHECK(o.error->column == 20);
	CHECK(scope.size() == 1);
}

TEST_CASE("Caller variables are bare names and an unset one is a NameError") {
	Scope scope;
	int k = scope.add_variable("factor");
	Expression e = Expression::compile("float(@x) * factor", scope);
	std::vector<Value> slots(static_cast<std::size_t>(scope.size()), Value::missing());
	slots[static_cast<std::size_t>(*scope.field("x"))] = Value::borrow("2");
	slots[static_cast<std::size_t>(k)] = Value::integer(21);
	CHECK(e.evaluate(slots).as_float() == 42.0);
	slots[static_cast<std::size_t>(k)] = Value::missing();
	try {
		e.evaluate(slots);
		FAIL("no error");
	} catch (const ExprError& err) {
		CHECK(err.exc() == PyExc::NameError);
		CHECK(err.detail() == "name 'factor' is not defined");
	}
}

TEST_CASE("Compile errors carry the RD position and the column inside the expression") {
	Scope scope;
	CompileOptions opts;
	opts.pos = SourcePos{"q.rd", 42, 0};
	try {
		Expression::compile("@a + (lambda x: x)(1)", scope, opts);
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Syntax);
		CHECK(std::string(e.what()) == "q.rd:42: unsupported in rowmaker expressions: lambda (column 7)");
	}
	try {
		Expression::compile("float(@a) +\n   flaot(@b)", scope, opts);
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Name);
		CHECK(std::string(e.what()) == "q.rd:43: unknown name 'flaot' (did you mean 'float'?) (column 4)");
	}
	auto o = Expression::try_compile("import os", scope, opts);
	REQUIRE(!o);
	CHECK(o.error->failure == CompileFailure::Unsupported);
	CHECK(o.error->construct == "import");
	CHECK(o.error->to_error(SourcePos{}).full_message() ==
	      "unsupported in rowmaker expressions: import (line 1, column 1)");
}

TEST_CASE("Runtime errors name position, Python exception and the row's values") {
	Scope scope;
	CompileOptions opts;
	opts.pos = SourcePos{"q.rd", 10, 0};
	Expression e = Expression::compile("@a.strip() + \"/\" +\n  str(float(@mag) * 2)", scope, opts);
	auto r = row(scope, {{"a", " x "}, {"mag", "bright"}});
	try {
		e.evaluate(r);
		FAIL("no error");
	} catch (const ExprError& err) {
		CHECK(err.exc() == PyExc::ValueError);
		CHECK(err.exc_name() == "ValueError");
		CHECK(err.kind() == ErrorKind::Validation);
		CHECK(err.detail() == "could not convert string to float: 'bright'");
		CHECK(err.expr_line() == 2);
		CHECK(err.expr_column() == 7);
		CHECK(err.pos()->line == 11);
		std::string msg = err.what();
		CHECK(msg.find("q.rd:11: ValueError in rowmaker expression") == 0);
		CHECK(msg.find("(column 7, line 2)") != std::string::npos);
		CHECK(msg.find("[a=' x ', mag='bright']") != std::string::npos);
	}
}

TEST_CASE("nullExcs turns the named exceptions into NULL and lets others through") {
	Scope scope;
	Expression e = Expression::compile("float(@mag) / float(@n)", scope);
	ExcSet nulls = ExcSet::parse("ValueError, ZeroDivisionError");
	CHECK(nulls.contains(PyExc::ValueError));
	CHECK(!nulls.contains(PyExc::KeyError));
	CHECK(e.evaluate(row(scope, {{"mag", ""}, {"n", "1"}}), nulls).is_none());
	CHECK(e.evaluate(row(scope, {{"mag", "1"}, {"n", "0"}}), nulls).is_none());
	CHECK(e.evaluate(row(scope, {{"mag", "3"}, {"n", "2"}}), nulls).as_float() == 1.5);
	CHECK_THROWS_AS(e.evaluate(row(scope, {{"mag", "1"}}), nulls), ExprError); // KeyError: n missing
	CHECK(ExcSet::parse("LookupError").contains(PyExc::KeyError));
	CHECK(ExcSet::parse("LookupError").contains(PyExc::IndexError));
	CHECK(ExcSet::parse("Exception").contains(PyExc::TypeError));
	CHECK(ExcSet::parse("AssertionError").empty());
}

TEST_CASE("Results may borrow row text and to_owned detaches them") {
	Scope scope;
	Expression e = Expression::compile("@id[3:11]", scope);
	std::string text = "ABC12345678XYZ";
	std::vector<Value> slots{Value::borrow(text)};
	Value v = e.evaluate(slots);
	CHECK(v.as_str() == "12345678");
	CHECK(v.is_borrowed());
	CHECK(v.as_str().data() == text.data() + 3); // no copy
	Value owned = v.to_owned();
	text.assign(text.size(), '#');
	CHECK(owned.as_str() == "12345678");
	CHECK(!owned.is_borrowed());
}

TEST_CASE("Constant expressions fold at compile time") {
	Scope scope;
	Expression e = Expression::compile("'%s-%d' % ('x', 2 ** 4)", scope);
	REQUIRE(e.constant());
	CHECK(e.constant()->as_str() == "x-16");
	CHECK(e.slots_used().empty());
	CHECK(e.evaluate({}).as_str() == "x-16");
	Expression f = Expression::compile("1/0", scope);
	CHECK(!f.constant());
	CHECK_THROWS_AS(f.evaluate({}), ExprError);
}

TEST_CASE("A fallback compiler takes over constructs outside the native subset") {
	struct Echo : Evaluator {
		Value evaluate(std::span<const Value> slots) const override {
			return Value::integer(static_cast<std::int64_t>(slots.size()));
		}
	};
	Scope scope;
	std::vector<std::string> seen;
	CompileOptions opts;
	opts.fallback = [&](std::string_view src, Scope&, const CompileError& why) -> std::unique_ptr<Evaluator> {
		seen.push_back(std::string(src) + "|" + why.construct);
		if (why.construct == "lambda") return std::make_unique<Echo>();
		return nullptr;
	};
	Expression e = Expression::compile("(lambda: 1)()", scope, opts);
	CHECK(!e.is_native());
	CHECK(e.plan() == "fallback");
	std::vector<Value> three(3);
	CHECK(e.evaluate(three).as_int() == 3);
	// Syntax errors never go to the fallback; declined constructs keep the native error.
	CHECK(!Expression::try_compile("float(", scope, opts));
	auto o = Expression::try_compile("import os", scope, opts);
	REQUIRE(!o);
	CHECK(o.error->construct == "import");
	CHECK(seen == std::vector<std::string>{"(lambda: 1)()|lambda", "import os|import"});
}

TEST_CASE("Too few slots is an internal error, not a crash") {
	Scope scope;
	Expression e = Expression::compile("@a + @b", scope);
	std::vector<Value> one{Value::borrow("x")};
	try {
		e.evaluate(one);
		FAIL("no error");
	} catch (const Error& err) {
		CHECK(err.kind() == ErrorKind::Internal);
	}
}

TEST_CASE("One compiled expression evaluates concurrently on several threads") {
	Scope scope;
	Expression e = Expression::compile(
	    "'{}:{:.4f}:{}'.format(@id.strip(), hmsToDeg(@ra, ':'), {'a': 'x', 'b': 'y'}.get(@k, '?'))", scope);
	std::atomic<int> bad{0};
	auto work = [&](int seed) {
		for (int i = 0; i < 2000; ++i) {
			std::string id = " s" + std::to_string(seed * 10000 + i) + " ";
			std::vector<Value> slots(static_cast<std::size_t>(scope.size()));
			slots[static_cast<std::size_t>(*scope.field("id"))] = Value::borrow(id);
			slots[static_cast<std::size_t>(*scope.field("ra"))] = Value::borrow("01:00:00");
			slots[static_cast<std::size_t>(*scope.field("k"))] = Value::borrow(i % 2 ? "a" : "c");
			std::string want = "s" + std::to_string(seed * 10000 + i) + ":15.0000:" + (i % 2 ? "x" : "?");
			if (e.evaluate(slots).as_str() != want) ++bad;
		}
	};
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; ++t)
		threads.emplace_back(work, t);
	for (auto& t : threads)
		t.join();
	CHECK(bad.load() == 0);
}

TEST_CASE("Helpers are callable from C++") {
	CHECK(hms_to_deg("12 30 00") == 187.5);
	CHECK(hms_to_deg("123000", "") == 187.5);
	CHECK(dms_to_deg("-00 30 00") == -0.5);
	CHECK(dms_to_deg("-00:30:00", ":") == -0.5);
	CHECK_THROWS_AS(hms_to_deg("12h30m"), ExprError);
	CHECK(deg_to_hms(187.5, ":", 2) == "12:30:00.00");
	CHECK(deg_to_dms(-0.5) == "-0 30 00.00");
	Value j2000 = Value::datetime(2000, 1, 1, 12);
	CHECK(datetime_to_jd(j2000) == 2451545.0);
	CHECK(datetime_to_mjd(j2000) == 51544.5);
	CHECK(mjd_to_datetime(51544.5).repr() == j2000.repr());
	CHECK(parse_iso_datetime("2000-01-01T12:00:00Z").as_int() == j2000.as_int());
	double d;
	CHECK(parse_python_float(" 1_000.5 ", d));
	CHECK(d == 1000.5);
	std::int64_t i;
	CHECK(!parse_python_int("1.5", i));
}
