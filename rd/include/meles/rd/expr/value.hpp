// meles/rd/expr/value.hpp — the dynamic value of rowmaker expressions (Python semantics).
//
// A Value is what a `map`/`var` expression computes per row: None, bool, int, float, str,
// bytes, date, datetime, time, timedelta, list, tuple, dict, set, a callable (builtin or
// helper function, passed as in parseWithNull(@x, float, "")) or a regex match.  It is 16
// bytes; strings may *borrow* the caller's text (no copy per row).
// Thread-safety: a Value and its copies must stay on one thread (reference counts are not
// atomic), except immortal values (constants of a compiled expression), which any number of
// threads may copy and read.
#pragma once

#include "meles/core/common/error.hpp"

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meles::rd::expr {

enum class Kind : std::uint8_t {
	None,
	Bool,
	Int,
	Float,
	Date,      // days since 0001-01-01 (proleptic Gregorian, Python's ordinal - 1)
	DateTime,  // naive, microseconds since 0001-01-01T00:00:00
	Time,      // microseconds since midnight
	TimeDelta, // microseconds
	Callable,  // a builtin/helper function or type object
	Missing,   // an absent raw field (vars has no such key); never a result of an expression
	// Kinds from here on may refer to heap storage.
	Str,
	Bytes,
	List,
	Tuple,
	Dict,
	Set,
	Match, // result of re.match/re.search
};

// Python exception classes an expression can raise; the rowmaker's nullExcs names them.
enum class PyExc : std::uint8_t {
	ValueError,
	TypeError,
	KeyError,
	IndexError,
	ZeroDivisionError,
	OverflowError,
	AttributeError,
	NameError,
	ValidationError, // requireValue
	Other,           // any other exception (raised by Python code the fallback ran)
};
std::string_view py_exc_name(PyExc exc);
// Also understands base classes: "Exception" matches everything, "ArithmeticError"
// ZeroDivisionError and OverflowError, "LookupError" KeyError and IndexError.
bool py_exc_matches(PyExc exc, std::string_view class_name);

struct Builtin; // a callable's descriptor (defined in the expression library)
namespace detail {
struct Obj;
}

class Value {
public:
	Value() noexcept : kind_(Kind::None) { u_.i = 0; }
	~Value() {
		if (owns()) release();
	}
	Value(const Value& o) noexcept : kind_(o.kind_), borrowed_(o.borrowed_), len_(o.len_), u_(o.u_) {
		if (owns()) retain();
	}
	Value(Value&& o) noexcept : kind_(o.kind_), borrowed_(o.borrowed_), len_(o.len_), u_(o.u_) {
		o.kind_ = Kind::None;
	}
	Value& operator=(const Value& o) noexcept {
		if (this != &o) {
			Value tmp(o);
			swap(tmp);
		}
		return *this;
	}
	Value& operator=(Value&& o) noexcept {
		if (this != &o) {
			Value tmp(std::move(o));
			swap(tmp);
		}
		return *this;
	}
	void swap(Value& o) noexcept {
		std::swap(kind_, o.kind_);
		std::swap(borrowed_, o.borrowed_);
		std::swap(len_, o.len_);
		std::swap(u_, o.u_);
	}

	// --- construction ---
	static Value none() { return Value(); }
	static Value missing() { return Value(Kind::Missing); }
	static Value boolean(bool b) {
		Value v(Kind::Bool);
		v.u_.i = b ? 1 : 0;
		return v;
	}
	static Value integer(std::int64_t i) {
		Value v(Kind::Int);
		v.u_.i = i;
		return v;
	}
	static Value real(double d) {
		Value v(Kind::Float);
		v.u_.d = d;
		return v;
	}
	// A str owning its (UTF-8) text.
	static Value str(std::string s);
	static Value str(std::string_view s) { return str(std::string(s)); }
	static Value str(const char* s) { return str(std::string(s)); }
	// A str that refers to text owned by the caller (a raw record field, a constant); the
	// text must outlive the Value and every copy or slice of it.  Strings longer than 4 GiB
	// are copied instead.
	static Value borrow(std::string_view s) {
		if (s.size() > 0xffffffffu) return str(std::string(s));
		Value v(Kind::Str);
		v.borrowed_ = true;
		v.len_ = static_cast<std::uint32_t>(s.size());
		v.u_.p = s.data();
		return v;
	}
	static Value bytes(std::string b);
	static Value date_from_days(std::int32_t days_since_0001);
	static Value date(int year, int month, int day); // throws ExprError(ValueError) if invalid
	static Value datetime_from_us(std::int64_t us_since_0001);
	static Value datetime(int year, int month, int day, int hour = 0, int minute = 0, int second = 0,
	                      int microsecond = 0);
	static Value time_from_us(std::int64_t us_since_midnight);
	static Value timedelta_us(std::int64_t us);
	static Value list(std::vector<Value> items);
	static Value tuple(std::vector<Value> items);
	static Value set(std::vector<Value> items); // drops duplicates
	// Later duplicate keys overwrite earlier ones, as in a Python dict display.
	static Value dict(std::vector<std::pair<Value, Value>> items);
	static Value callable(const Builtin* fn) {
		Value v(Kind::Callable);
		v.u_.fn = fn;
		return v;
	}

	// --- inspection ---
	Kind kind() const noexcept { return kind_; }
	bool is_none() const noexcept { return kind_ == Kind::None; }
	bool is_missing() const noexcept { return kind_ == Kind::Missing; }
	bool is_str() const noexcept { return kind_ == Kind::Str; }
	bool is_number() const noexcept {
		return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool;
	}
	bool is_sequence() const noexcept { return kind_ == Kind::List || kind_ == Kind::Tuple; }
	bool is_borrowed() const noexcept { return borrowed_; }
	// Python's type name ("int", "str", "datetime.datetime", ...).
	std::string_view type_name() const noexcept;

	// Unchecked accessors: call only after checking kind().
	bool as_bool() const noexcept { return u_.i != 0; }
	std::int64_t as_int() const noexcept { return u_.i; } // Int, Bool, DateTime, Time, TimeDelta
	double as_float() const noexcept { return u_.d; }
	std::int32_t as_days() const noexcept { return static_cast<std::int32_t>(u_.i); }
	std::string_view as_str() const noexcept { // Str and Bytes
		if (borrowed_) return {u_.p, len_};
		return owned_str();
	}
	const std::vector<Value>& items() const noexcept;       // List, Tuple, Set
	std::vector<Value>& mutable_items();                    // List only (copy-on-write)
	const std::vector<Value>& dict_keys() const noexcept;   // Dict (insertion order)
	const std::vector<Value>& dict_values() const noexcept; // Dict, parallel to dict_keys()
	const Builtin* as_callable() const noexcept { return u_.fn; }
	detail::Obj* heap() const noexcept { return u_.obj; }

	// Number as double for Int, Bool and Float (unchecked).
	double number() const noexcept { return kind_ == Kind::Float ? u_.d : static_cast<double>(u_.i); }

	// --- Python protocol ---
	bool truthy() const;          // bool(x)
	std::string str_text() const; // str(x)
	std::string repr() const;     // repr(x)
	std::size_t hash() const;     // hash(x); ExprError(TypeError) for unhashable kinds
	// dict lookup; nullptr when absent.  For Dict only.
	const Value* dict_find(const Value& key) const;

	// A copy that owns all its text (borrowed strings and the expression's constants are
	// copied, containers deep-copied); use it to keep a result beyond the row it came from
	// or beyond the life of the Expression that computed it.
	Value to_owned() const;
	// Makes this value (and what it holds) immortal: a shared constant that may be copied
	// concurrently from several threads without reference counting.  Whoever made it
	// immortal calls make_mortal() before dropping it, when no copies are left.
	void make_immortal();
	void make_mortal();
	bool is_immortal() const noexcept;

private:
	explicit Value(Kind k) noexcept : kind_(k) { u_.i = 0; }
	bool owns() const noexcept { return kind_ >= Kind::Str && !borrowed_; }
	std::string_view owned_str() const noexcept;
	void retain() const noexcept;
	void release() noexcept;
	friend struct ValueAccess;

	Kind kind_;
	bool borrowed_ = false;
	std::uint32_t len_ = 0; // length of a borrowed string
	union U {
		std::int64_t i;
		double d;
		const char* p;
		const Builtin* fn;
		detail::Obj* obj;
	} u_;
};

static_assert(sizeof(Value) == 16);

// Python == (1 == 1.0 == True; "a" != b"a"; containers element-wise).
bool py_equal(const Value& a, const Value& b);
// Python ordering for <, <=, >, >=: returns <0, 0, >0; throws ExprError(TypeError) for
// values that do not order ("'<' not supported between instances of 'str' and 'int'").
int py_compare(const Value& a, const Value& b, std::string_view op = "<");

// Python's repr of a float ("0.1", "1e+16", "inf", "nan", "100.0").
std::string float_repr(double d);
void append_float_repr(std::string& out, double d);

// Calendar helpers shared with the literal parsers.
bool valid_date(int year, int month, int day);
std::int32_t days_from_civil(int year, int month, int day); // 0001-01-01 -> 0
void civil_from_days(std::int32_t days, int& year, int& month, int& day);

// An error raised while evaluating an expression: a meles::Error whose message says which
// Python exception it corresponds to, so that nullExcs="ValueError" can be honoured.
class ExprError : public Error {
public:
	ExprError(PyExc exc, std::string message);
	ExprError(PyExc exc, std::string message, SourcePos pos);
	PyExc exc() const noexcept { return exc_; }
	std::string_view exc_name() const noexcept { return py_exc_name(exc_); }
	// The Python-level message alone ("could not convert string to float: 'x'").
	const std::string& detail() const noexcept { return detail_; }
	void set_detail(std::string d) { detail_ = std::move(d); }
	// Where in the expression the failing operation is: a byte offset while the error
	// travels through the evaluator, then 1-based line/column inside the expression.
	int expr_offset() const noexcept { return offset_; }
	void set_expr_offset(int offset) noexcept { offset_ = offset; }
	int expr_line() const noexcept { return line_; }
	int expr_column() const noexcept { return column_; }
	void set_expr_position(int line, int column) noexcept {
		line_ = line;
		column_ = column;
	}

private:
	PyExc exc_;
	std::string detail_;
	int offset_ = -1;
	int line_ = 0;
	int column_ = 0;
};

// Throws ExprError(exc, message) without position; the evaluator adds one.
[[noreturn]] void raise(PyExc exc, std::string message);

} // namespace meles::rd::expr
