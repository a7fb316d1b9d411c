// Value: Python's float repr, equality/hash consistency, big dicts, dates, immortality.
#include "meles/rd/expr/value.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace meles::rd::expr;

TEST_CASE("float repr follows Python (shortest round trip, exponent outside 1e-4..1e16)") {
	CHECK(float_repr(0.1) == "0.1");
	CHECK(float_repr(1.0) == "1.0");
	CHECK(float_repr(100.0) == "100.0");
	CHECK(float_repr(1e16) == "1e+16");
	CHECK(float_repr(1e15) == "1000000000000000.0");
	CHECK(float_repr(1e-4) == "0.0001");
	CHECK(float_repr(1e-5) == "1e-05");
	CHECK(float_repr(1.5e-7) == "1.5e-07");
	CHECK(float_repr(1.5e300) == "1.5e+300");
	CHECK(float_repr(-0.0) == "-0.0");
	CHECK(float_repr(5e-324) == "5e-324");
	CHECK(float_repr(std::numeric_limits<double>::infinity()) == "inf");
	CHECK(float_repr(-std::numeric_limits<double>::infinity()) == "-inf");
	CHECK(float_repr(std::nan("")) == "nan");
	CHECK(float_repr(123456789.125) == "123456789.125");
	CHECK(float_repr(0.30000000000000004) == "0.30000000000000004");
}

TEST_CASE("Equal values hash alike (1 == 1.0 == True)") {
	CHECK(py_equal(Value::integer(1), Value::real(1.0)));
	CHECK(py_equal(Value::boolean(true), Value::integer(1)));
	CHECK(Value::integer(1).hash() == Value::real(1.0).hash());
	CHECK(Value::integer(1).hash() == Value::boolean(true).hash());
	CHECK(Value::str("abc").hash() == Value::borrow("abc").hash());
	CHECK(py_equal(Value::str("abc"), Value::borrow("abc")));
	CHECK(!py_equal(Value::str("1"), Value::integer(1)));
	CHECK_THROWS_AS(Value::list({}).hash(), ExprError);
	// Exact int/float comparison beyond 2**53, as Python does.
	CHECK(!py_equal(Value::integer(9007199254740993LL), Value::real(9007199254740992.0)));
	CHECK(py_compare(Value::integer(9007199254740993LL), Value::real(9007199254740992.0)) > 0);
}

TEST_CASE("Big dicts use the hash index and keep insertion order") {
	std::vector<std::pair<Value, Value>> items;
	for (int i = 0; i < 1000; ++i)
		items.emplace_back(Value::str("k" + std::to_string(i)), Value::integer(i));
	items.emplace_back(Value::str("k5"), Value::integer(-5)); // overwrite keeps the position
	Value d = Value::dict(std::move(items));
	CHECK(d.dict_keys().size() == 1000);
	REQUIRE(d.dict_find(Value::borrow("k999")));
	CHECK(d.dict_find(Value::borrow("k999"))->as_int() == 999);
	CHECK(d.dict_find(Value::borrow("k5"))->as_int() == -5);
	CHECK(d.dict_keys()[5].as_str() == "k5");
	CHECK(d.dict_find(Value::borrow("nope")) == nullptr);
	Value mixed =
	    Value::dict({{Value::integer(1), Value::str("int")}, {Value::real(1.0), Value::str("float")}});
	CHECK(mixed.dict_keys().size() == 1);
	CHECK(mixed.dict_find(Value::boolean(true))->as_str() == "float");
}

TEST_CASE("Calendar helpers agree with the proleptic Gregorian calendar") {
	CHECK(days_from_civil(1, 1, 1) == 0);
	CHECK(days_from_civil(1970, 1, 1) == 719162);
	CHECK(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28) == 2);
	for (int days : {0, 1, 59, 60, 365, 719162, 730119, 2932896, 3652058}) {
		int y, m, d;
		civil_from_days(days, y, m, d);
		CHECK(days_from_civil(y, m, d) == days);
		CHECK(valid_date(y, m, d));
	}
	CHECK(!valid_date(1900, 2, 29));
	CHECK(valid_date(2000, 2, 29));
	CHECK_THROWS_AS(Value::date(2021, 2, 29), ExprError);
	CHECK(Value::datetime(2020, 1, 2, 3, 4, 5, 6).str_text() == "2020-01-02 03:04:05.000006");
	CHECK(Value::date(9999, 12, 31).repr() == "datetime.date(9999, 12, 31)");
}

TEST_CASE("Immortal constants are shared without reference counting") {
	Value k = Value::list({Value::str("a"), Value::dict({{Value::str("x"), Value::integer(1)}})});
	k.make_immortal();
	CHECK(k.is_immortal());
	{
		Value copy = k; // must not touch counts
		CHECK(copy.heap() == k.heap());
		CHECK_THROWS_AS(copy.mutable_items(), ExprError);
		CHECK(copy.repr() == "['a', {'x': 1}]");
		Value detached = copy.to_owned();
		CHECK(detached.heap() != k.heap());
		CHECK(!detached.is_immortal());
	}
	k.make_mortal(); // the owner frees it normally once no copies are left
	CHECK(!k.is_immortal());
}

TEST_CASE("Truthiness follows Python") {
	CHECK(!Value().truthy());
	CHECK(!Value::borrow("").truthy());
	CHECK(Value::borrow("0").truthy());
	CHECK(!Value::real(0.0).truthy());
	CHECK(Value::real(std::nan("")).truthy());
	CHECK(!Value::list({}).truthy());
	CHECK(Value::time_from_us(0).truthy());
	CHECK(!Value::timedelta_us(0).truthy());
	CHECK(!Value::missing().truthy());
}
