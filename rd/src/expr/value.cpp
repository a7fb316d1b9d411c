#include "meles/rd/expr/value.hpp"

#include "expr/object.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

namespace meles::rd::expr {

using detail::DictObj;
using detail::MatchObj;
using detail::Obj;
using detail::SeqObj;
using detail::StrObj;

std::string_view py_exc_name(PyExc exc) {
	switch (exc) {
	case PyExc::ValueError:
		return "ValueError";
	case PyExc::TypeError:
		return "TypeError";
	case PyExc::KeyError:
		return "KeyError";
	case PyExc::IndexError:
		return "IndexError";
	case PyExc::ZeroDivisionError:
		return "ZeroDivisionError";
	case PyExc::OverflowError:
		return "OverflowError";
	case PyExc::AttributeError:
		return "AttributeError";
	case PyExc::NameError:
		return "NameError";
	case PyExc::ValidationError:
		return "ValidationError";
	case PyExc::Other:
		return "Exception";
	}
	return "Exception";
}

bool py_exc_matches(PyExc exc, std::string_view name) {
	if (name == py_exc_name(exc) || name == "Exception" || name == "BaseException") return true;
	if (name == "ArithmeticError") return exc == PyExc::ZeroDivisionError || exc == PyExc::OverflowError;
	if (name == "LookupError") return exc == PyExc::KeyError || exc == PyExc::IndexError;
	return false;
}

static ErrorKind kind_for(PyExc exc) {
	switch (exc) {
	case PyExc::TypeError:
		return ErrorKind::Type;
	case PyExc::KeyError:
	case PyExc::NameError:
	case PyExc::AttributeError:
		return ErrorKind::Name;
	default:
		return ErrorKind::Validation;
	}
}

ExprError::ExprError(PyExc exc, std::string message)
    : Error(kind_for(exc), message), exc_(exc), detail_(std::move(message)) {}
ExprError::ExprError(PyExc exc, std::string message, SourcePos pos)
    : Error(kind_for(exc), std::move(message), std::move(pos)), exc_(exc) {}

void raise(PyExc exc, std::string message) {
	throw ExprError(exc, std::move(message));
}

// ---------------------------------------------------------------- construction

Value Value::str(std::string s) {
	Value v(Kind::Str);
	v.u_.obj = new StrObj(Kind::Str, std::move(s));
	return v;
}

Value Value::bytes(std::string b) {
	Value v(Kind::Bytes);
	v.u_.obj = new StrObj(Kind::Bytes, std::move(b));
	return v;
}

Value Value::date_from_days(std::int32_t days) {
	Value v(Kind::Date);
	v.u_.i = days;
	return v;
}

Value Value::date(int y, int m, int d) {
	if (!valid_date(y, m, d)) {
		if (y < 1 || y > 9999) raise(PyExc::ValueError, "year " + std::to_string(y) + " is out of range");
		if (m < 1 || m > 12) raise(PyExc::ValueError, "month must be in 1..12");
		raise(PyExc::ValueError, "day is out of range for month");
	}
	return date_from_days(days_from_civil(y, m, d));
}

Value Value::datetime_from_us(std::int64_t us) {
	Value v(Kind::DateTime);
	v.u_.i = us;
	return v;
}

Value Value::datetime(int y, int mo, int d, int h, int mi, int s, int us) {
	Value dv = date(y, mo, d);
	if (h < 0 || h > 23) raise(PyExc::ValueError, "hour must be in 0..23");
	if (mi < 0 || mi > 59) raise(PyExc::ValueError, "minute must be in 0..59");
	if (s < 0 || s > 59) raise(PyExc::ValueError, "second must be in 0..59");
	if (us < 0 || us > 999999) raise(PyExc::ValueError, "microsecond must be in 0..999999");
	return datetime_from_us(static_cast<std::int64_t>(dv.as_days()) * 86400000000LL +
	                        ((h * 60LL + mi) * 60LL + s) * 1000000LL + us);
}

Value Value::time_from_us(std::int64_t us) {
	Value v(Kind::Time);
	v.u_.i = us;
	return v;
}

Value Value::timedelta_us(std::int64_t us) {
	Value v(Kind::TimeDelta);
	v.u_.i = us;
	return v;
}

Value Value::list(std::vector<Value> items) {
	Value v(Kind::List);
	v.u_.obj = new SeqObj(Kind::List, std::move(items));
	return v;
}

Value Value::tuple(std::vector<Value> items) {
	Value v(Kind::Tuple);
	v.u_.obj = new SeqObj(Kind::Tuple, std::move(items));
	return v;
}

Value Value::set(std::vector<Value> items) {
	Value v(Kind::Set);
	auto* o = new DictObj(Kind::Set);
	v.u_.obj = o;
	for (auto& it : items)
		o->put(std::move(it), Value());
	return v;
}

Value Value::dict(std::vector<std::pair<Value, Value>> items) {
	Value v(Kind::Dict);
	auto* o = new DictObj(Kind::Dict);
	v.u_.obj = o;
	for (auto& [k, val] : items)
		o->put(std::move(k), std::move(val));
	return v;
}

// ---------------------------------------------------------------- reference counting

void Value::retain() const noexcept {
	if (!u_.obj->immortal) ++u_.obj->refs;
}

void Value::release() noexcept {
	if (!u_.obj->immortal && --u_.obj->refs == 0) delete u_.obj;
}

static void set_immortal(const Value& v, bool on) {
	if (v.kind() < Kind::Str || v.is_borrowed()) return;
	Obj* o = v.heap();
	if (o->immortal == on) return;
	o->immortal = on;
	switch (v.kind()) {
	case Kind::List:
	case Kind::Tuple:
		for (auto& it : static_cast<SeqObj*>(o)->items)
			set_immortal(it, on);
		break;
	case Kind::Dict:
	case Kind::Set: {
		auto* d = static_cast<DictObj*>(o);
		for (auto& k : d->keys)
			set_immortal(k, on);
		for (auto& k : d->vals)
			set_immortal(k, on);
		break;
	}
	default:
		break;
	}
}

void Value::make_immortal() {
	set_immortal(*this, true);
}
void Value::make_mortal() {
	set_immortal(*this, false);
}
bool Value::is_immortal() const noexcept {
	return owns() && u_.obj->immortal;
}

Value Value::to_owned() const {
	switch (kind_) {
	case Kind::Str:
		if (borrowed_ || u_.obj->immortal) return str(std::string(as_str()));
		return *this;
	case Kind::Bytes:
		if (u_.obj->immortal) return bytes(std::string(as_str()));
		return *this;
	case Kind::Match:
		if (u_.obj->immortal) {
			auto* m = new MatchObj(*static_cast<MatchObj*>(u_.obj));
			m->refs = 1;
			m->immortal = false;
			Value v(Kind::Match);
			v.u_.obj = m;
			return v;
		}
		return *this;
	case Kind::List:
	case Kind::Tuple: {
		std::vector<Value> out;
		out.reserve(items().size());
		for (const auto& it : items())
			out.push_back(it.to_owned());
		return kind_ == Kind::List ? list(std::move(out)) : tuple(std::move(out));
	}
	case Kind::Dict:
	case Kind::Set: {
		auto* d = static_cast<DictObj*>(u_.obj);
		Value v(kind_);
		auto* o = new DictObj(kind_);
		v.u_.obj = o;
		for (std::size_t i = 0; i < d->keys.size(); ++i)
			o->put(d->keys[i].to_owned(), kind_ == Kind::Dict ? d->vals[i].to_owned() : Value());
		return v;
	}
	default:
		return *this;
	}
}

// ---------------------------------------------------------------- accessors

std::string_view Value::owned_str() const noexcept {
	return static_cast<StrObj*>(u_.obj)->s;
}

const std::vector<Value>& Value::items() const noexcept {
	if (kind_ == Kind::Set) return static_cast<DictObj*>(u_.obj)->keys;
	return static_cast<SeqObj*>(u_.obj)->items;
}

std::vector<Value>& Value::mutable_items() {
	if (u_.obj->immortal) raise(PyExc::TypeError, "a constant list cannot be modified");
	return static_cast<SeqObj*>(u_.obj)->items;
}

const Value* Value::dict_find(const Value& key) const {
	auto* d = static_cast<DictObj*>(u_.obj);
	auto i = d->find(key);
	if (i < 0) return nullptr;
	return kind_ == Kind::Dict ? &d->vals[static_cast<std::size_t>(i)]
	                           : &d->keys[static_cast<std::size_t>(i)];
}

std::string_view Value::type_name() const noexcept {
	switch (kind_) {
	case Kind::None:
		return "NoneType";
	case Kind::Bool:
		return "bool";
	case Kind::Int:
		return "int";
	case Kind::Float:
		return "float";
	case Kind::Date:
		return "datetime.date";
	case Kind::DateTime:
		return "datetime.datetime";
	case Kind::Time:
		return "datetime.time";
	case Kind::TimeDelta:
		return "datetime.timedelta";
	case Kind::Callable:
		return "builtin_function_or_method";
	case Kind::Missing:
		return "missing";
	case Kind::Str:
		return "str";
	case Kind::Bytes:
		return "bytes";
	case Kind::List:
		return "list";
	case Kind::Tuple:
		return "tuple";
	case Kind::Dict:
		return "dict";
	case Kind::Set:
		return "set";
	case Kind::Match:
		return "re.Match";
	}
	return "object";
}

bool Value::truthy() const {
	switch (kind_) {
	case Kind::None:
	case Kind::Missing:
		return false;
	case Kind::Bool:
	case Kind::Int:
	case Kind::TimeDelta:
		return u_.i != 0;
	case Kind::Float:
		return u_.d != 0.0;
	case Kind::Date:
	case Kind::DateTime:
	case Kind::Time: // always true since Python 3.5
	case Kind::Callable:
	case Kind::Match:
		return true;
	case Kind::Str:
	case Kind::Bytes:
		return !as_str().empty();
	case Kind::List:
	case Kind::Tuple:
	case Kind::Set:
		return !items().empty();
	case Kind::Dict:
		return !static_cast<DictObj*>(u_.obj)->keys.empty();
	}
	return true;
}

// ---------------------------------------------------------------- calendar

bool valid_date(int y, int m, int d) {
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
	int md = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) md = 29;
	return d <= md;
}

std::int32_t days_from_civil(int y, int m, int d) {
	// Howard Hinnant's algorithm, shifted so that 0001-01-01 is day 0.
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = static_cast<unsigned>(y - era * 400);
	const unsigned doy =
	    (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return static_cast<std::int32_t>(era * 146097 + static_cast<int>(doe) - 719468 + 719162);
}

void civil_from_days(std::int32_t days, int& y, int& m, int& d) {
	int z = days - 719162 + 719468;
	const int era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = static_cast<unsigned>(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int yy = static_cast<int>(yoe) + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
	m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
	y = yy + (m <= 2);
}

// ---------------------------------------------------------------- str / repr

void append_float_repr(std::string& out, double d) {
	if (std::isnan(d)) {
		out += "nan";
		return;
	}
	if (std::isinf(d)) {
		out += d < 0 ? "-inf" : "inf";
		return;
	}
	char buf[64];
	auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
	std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
	bool neg = false;
	if (!sci.empty() && sci[0] == '-') {
		neg = true;
		sci.remove_prefix(1);
	}
	auto epos = sci.find('e');
	std::string digits;
	for (char c : sci.substr(0, epos))
		if (c != '.') digits += c;
	int exp = 0;
	std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+'), sci.data() + sci.size(), exp);
	if (neg) out += '-';
	const int n = static_cast<int>(digits.size());
	if (exp >= -4 && exp < 16) {
		int decpt = exp + 1;
		if (decpt <= 0) {
			out += "0.";
			out.append(static_cast<std::size_t>(-decpt), '0');
			out += digits;
		} else if (decpt >= n) {
			out += digits;
			out.append(static_cast<std::size_t>(decpt - n), '0');
			out += ".0";
		} else {
			out.append(digits, 0, static_cast<std::size_t>(decpt));
			out += '.';
			out.append(digits, static_cast<std::size_t>(decpt));
		}
		return;
	}
	out += digits[0];
	if (n > 1) {
		out += '.';
		out.append(digits, 1);
	}
	out += 'e';
	out += exp < 0 ? '-' : '+';
	int ax = exp < 0 ? -exp : exp;
	if (ax < 10) out += '0';
	out += std::to_string(ax);
}

std::string float_repr(double d) {
	std::string s;
	append_float_repr(s, d);
	return s;
}

static void append_str_repr(std::string& out, std::string_view s, bool bytes) {
	char q = '\'';
	if (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos) q = '"';
	if (bytes) out += 'b';
	out += q;
	static const char* hex = "0123456789abcdef";
	for (unsigned char c : s) {
		if (c == static_cast<unsigned char>(q) || c == '\\') {
			out += '\\';
			out += static_cast<char>(c);
		} else if (c == '\n')
			out += "\\n";
		else if (c == '\r')
			out += "\\r";
		else if (c == '\t')
			out += "\\t";
		else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
			out += "\\x";
			out += hex[c >> 4];
			out += hex[c & 15];
		} else
			out += static_cast<char>(c);
	}
	out += q;
}

static void append_2(std::string& out, int v) {
	out += static_cast<char>('0' + v / 10);
	out += static_cast<char>('0' + v % 10);
}

static void append_time_of_day(std::string& out, std::int64_t us) {
	int h = static_cast<int>(us / 3600000000LL);
	int m = static_cast<int>(us / 60000000LL % 60);
	int s = static_cast<int>(us / 1000000 % 60);
	int f = static_cast<int>(us % 1000000);
	append_2(out, h);
	out += ':';
	append_2(out, m);
	out += ':';
	append_2(out, s);
	if (f) {
		char buf[24];
		std::snprintf(buf, sizeof buf, ".%06d", f);
		out += buf;
	}
}

static void append_date(std::string& out, std::int32_t days) {
	int y, m, d;
	civil_from_days(days, y, m, d);
	char buf[48];
	std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	out += buf;
}

static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
	std::int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
	return q;
}

static void append_repr(std::string& out, const Value& v, bool top_str);

static void append_seq(std::string& out, const std::vector<Value>& items, char open, char close, bool tuple) {
	out += open;
	for (std::size_t i = 0; i < items.size(); ++i) {
		if (i) out += ", ";
		append_repr(out, items[i], false);
	}
	if (tuple && items.size() == 1) out += ',';
	out += close;
}

std::string builtin_repr(const Builtin* fn); // in builtins.cpp

static void append_repr(std::string& out, const Value& v, bool as_str) {
	switch (v.kind()) {
	case Kind::None:
		out += "None";
		return;
	case Kind::Missing:
		out += "<missing>";
		return;
	case Kind::Bool:
		out += v.as_bool() ? "True" : "False";
		return;
	case Kind::Int:
		out += std::to_string(v.as_int());
		return;
	case Kind::Float:
		append_float_repr(out, v.as_float());
		return;
	case Kind::Str:
		if (as_str)
			out += v.as_str();
		else
			append_str_repr(out, v.as_str(), false);
		return;
	case Kind::Bytes:
		append_str_repr(out, v.as_str(), true);
		return;
	case Kind::Date: {
		if (as_str) {
			append_date(out, v.as_days());
			return;
		}
		int y, m, d;
		civil_from_days(v.as_days(), y, m, d);
		out +=
		    "datetime.date(" + std::to_string(y) + ", " + std::to_string(m) + ", " + std::to_string(d) + ")";
		return;
	}
	case Kind::DateTime: {
		std::int64_t us = v.as_int();
		auto days = static_cast<std::int32_t>(floor_div(us, 86400000000LL));
		std::int64_t tod = us - days * 86400000000LL;
		if (as_str) {
			append_date(out, days);
			out += ' ';
			append_time_of_day(out, tod);
			return;
		}
		int y, m, d;
		civil_from_days(days, y, m, d);
		out += "datetime.datetime(" + std::to_string(y) + ", " + std::to_string(m) + ", " +
		       std::to_string(d) + ", " + std::to_string(tod / 3600000000LL) + ", " +
		       std::to_string(tod / 60000000LL % 60);
		std::int64_t s = tod / 1000000 % 60, f = tod % 1000000;
		if (s || f) out += ", " + std::to_string(s);
		if (f) out += ", " + std::to_string(f);
		out += ")";
		return;
	}
	case Kind::Time: {
		std::int64_t tod = v.as_int();
		if (as_str) {
			append_time_of_day(out, tod);
			return;
		}
		out += "datetime.time(" + std::to_string(tod / 3600000000LL) + ", " +
		       std::to_string(tod / 60000000LL % 60);
		std::int64_t s = tod / 1000000 % 60, f = tod % 1000000;
		if (s || f) out += ", " + std::to_string(s);
		if (f) out += ", " + std::to_string(f);
		out += ")";
		return;
	}
	case Kind::TimeDelta: {
		std::int64_t us = v.as_int();
		std::int64_t days = floor_div(us, 86400000000LL);
		std::int64_t rest = us - days * 86400000000LL;
		if (as_str) {
			if (days) out += std::to_string(days) + (days == 1 || days == -1 ? " day, " : " days, ");
			std::int64_t h = rest / 3600000000LL;
			out += std::to_string(h) + ":";
			append_2(out, static_cast<int>(rest / 60000000LL % 60));
			out += ':';
			append_2(out, static_cast<int>(rest / 1000000 % 60));
			if (rest % 1000000) {
				char buf[24];
				std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(rest % 1000000));
				out += buf;
			}
			return;
		}
		std::int64_t secs = rest / 1000000, f = rest % 1000000;
		if (!days && !secs && !f) {
			out += "datetime.timedelta(0)";
			return;
		}
		out += "datetime.timedelta(";
		bool first = true;
		auto part = [&](const char* name, std::int64_t x) {
			if (!x) return;
			if (!first) out += ", ";
			first = false;
			out += name;
			out += '=';
			out += std::to_string(x);
		};
		part("days", days);
		part("seconds", secs);
		part("microseconds", f);
		out += ")";
		return;
	}
	case Kind::Callable:
		out += builtin_repr(v.as_callable());
		return;
	case Kind::List:
		append_seq(out, v.items(), '[', ']', false);
		return;
	case Kind::Tuple:
		append_seq(out, v.items(), '(', ')', true);
		return;
	case Kind::Set:
		if (v.items().empty())
			out += "set()";
		else
			append_seq(out, v.items(), '{', '}', false);
		return;
	case Kind::Dict: {
		auto* d = static_cast<DictObj*>(v.heap());
		out += '{';
		for (std::size_t i = 0; i < d->keys.size(); ++i) {
			if (i) out += ", ";
			append_repr(out, d->keys[i], false);
			out += ": ";
			append_repr(out, d->vals[i], false);
		}
		out += '}';
		return;
	}
	case Kind::Match: {
		auto* m = static_cast<MatchObj*>(v.heap());
		out += "<re.Match object; span=(" + std::to_string(m->spans[0].first) + ", " +
		       std::to_string(m->spans[0].second) + "), match=";
		append_str_repr(out, *m->groups[0], false);
		out += ">";
		return;
	}
	}
}

std::string Value::str_text() const {
	if (kind_ == Kind::Str) return std::string(as_str());
	std::string out;
	append_repr(out, *this, true);
	return out;
}

std::string Value::repr() const {
	std::string out;
	append_repr(out, *this, false);
	return out;
}

// ---------------------------------------------------------------- equality, order, hash

static int cmp_int_float(std::int64_t i, double d) {
	// Exact comparison of an integer with a double, as Python does.
	if (std::isnan(d)) return 2; // unordered
	if (d >= 9223372036854775808.0) return -1;
	if (d < -9223372036854775808.0) return 1;
	double fl = std::floor(d);
	auto fi = static_cast<std::int64_t>(fl);
	if (i < fi) return -1;
	if (i > fi) return 1;
	return fl < d ? -1 : 0;
}

static bool is_intlike(Kind k) {
	return k == Kind::Int || k == Kind::Bool;
}

bool py_equal(const Value& a, const Value& b) {
	Kind ka = a.kind(), kb = b.kind();
	if (is_intlike(ka) && is_intlike(kb)) return a.as_int() == b.as_int();
	if (ka == Kind::Float && kb == Kind::Float) return a.as_float() == b.as_float();
	if (ka == Kind::Float && is_intlike(kb)) return cmp_int_float(b.as_int(), a.as_float()) == 0;
	if (kb == Kind::Float && is_intlike(ka)) return cmp_int_float(a.as_int(), b.as_float()) == 0;
	if (ka != kb) {
		if ((ka == Kind::List && kb == Kind::Tuple) || (ka == Kind::Tuple && kb == Kind::List)) return false;
		return false;
	}
	switch (ka) {
	case Kind::None:
	case Kind::Missing:
		return true;
	case Kind::Str:
	case Kind::Bytes:
		return a.as_str() == b.as_str();
	case Kind::Date:
		return a.as_days() == b.as_days();
	case Kind::DateTime:
	case Kind::Time:
	case Kind::TimeDelta:
		return a.as_int() == b.as_int();
	case Kind::Callable:
		return a.as_callable() == b.as_callable();
	case Kind::List:
	case Kind::Tuple: {
		const auto &x = a.items(), &y = b.items();
		if (x.size() != y.size()) return false;
		for (std::size_t i = 0; i < x.size(); ++i)
			if (!py_equal(x[i], y[i])) return false;
		return true;
	}
	case Kind::Set: {
		if (a.items().size() != b.items().size()) return false;
		for (const auto& k : a.items())
			if (!b.dict_find(k)) return false;
		return true;
	}
	case Kind::Dict: {
		auto* x = static_cast<DictObj*>(a.heap());
		auto* y = static_cast<DictObj*>(b.heap());
		if (x->keys.size() != y->keys.size()) return false;
		for (std::size_t i = 0; i < x->keys.size(); ++i) {
			auto j = y->find(x->keys[i]);
			if (j < 0 || !py_equal(x->vals[i], y->vals[static_cast<std::size_t>(j)])) return false;
		}
		return true;
	}
	case Kind::Match:
		return a.heap() == b.heap();
	default:
		return false;
	}
}

static std::string_view short_type(const Value& v) {
	auto n = v.type_name();
	auto dot = n.rfind('.');
	return dot == std::string_view::npos ? n : n.substr(dot + 1);
}

[[noreturn]] static void order_error(const Value& a, const Value& b, std::string_view op) {
	raise(PyExc::TypeError, "'" + std::string(op) + "' not supported between instances of '" +
	                            std::string(short_type(a)) + "' and '" + std::string(short_type(b)) + "'");
}

int py_compare(const Value& a, const Value& b, std::string_view op) {
	Kind ka = a.kind(), kb = b.kind();
	auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
	if (is_intlike(ka) && is_intlike(kb)) return sign(a.as_int(), b.as_int());
	if (ka == Kind::Float && kb == Kind::Float) {
		double x = a.as_float(), y = b.as_float();
		if (std::isnan(x) || std::isnan(y)) return 2;
		return sign(x, y);
	}
	if (ka == Kind::Float && is_intlike(kb)) {
		int c = cmp_int_float(b.as_int(), a.as_float());
		return c == 2 ? 2 : -c;
	}
	if (kb == Kind::Float && is_intlike(ka)) return cmp_int_float(a.as_int(), b.as_float());
	if (ka != kb) order_error(a, b, op);
	switch (ka) {
	case Kind::Str:
	case Kind::Bytes: {
		int c = a.as_str().compare(b.as_str()); // byte order == code point order in UTF-8
		return c < 0 ? -1 : (c > 0 ? 1 : 0);
	}
	case Kind::Date:
		return sign(a.as_days(), b.as_days());
	case Kind::DateTime:
	case Kind::Time:
	case Kind::TimeDelta:
		return sign(a.as_int(), b.as_int());
	case Kind::List:
	case Kind::Tuple: {
		const auto &x = a.items(), &y = b.items();
		for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
			if (py_equal(x[i], y[i])) continue;
			return py_compare(x[i], y[i], op);
		}
		return sign(x.size(), y.size());
	}
	default:
		order_error(a, b, op);
	}
}

static std::size_t mix(std::size_t h, std::size_t x) {
	return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

std::size_t Value::hash() const {
	switch (kind_) {
	case Kind::None:
		return 0x5bd1e995;
	case Kind::Bool:
	case Kind::Int:
		return std::hash<std::int64_t>()(u_.i);
	case Kind::Float: {
		double d = u_.d;
		if (d == std::floor(d) && d >= -9.2e18 && d <= 9.2e18)
			return std::hash<std::int64_t>()(static_cast<std::int64_t>(d));
		return std::hash<double>()(d);
	}
	case Kind::Str:
	case Kind::Bytes:
		return std::hash<std::string_view>()(as_str());
	case Kind::Date:
	case Kind::DateTime:
	case Kind::Time:
	case Kind::TimeDelta:
		return mix(static_cast<std::size_t>(kind_), std::hash<std::int64_t>()(u_.i));
	case Kind::Callable:
		return std::hash<const void*>()(u_.fn);
	case Kind::Tuple: {
		std::size_t h = 0x345678;
		for (const auto& it : items())
			h = mix(h, it.hash());
		return h;
	}
	default:
		raise(PyExc::TypeError, "unhashable type: '" + std::string(type_name()) + "'");
	}
}

// ---------------------------------------------------------------- dict storage

namespace detail {

std::int64_t DictObj::find(const Value& key) const {
	if (index.empty()) {
		Kind k = key.kind();
		if (k == Kind::List || k == Kind::Dict || k == Kind::Set)
			raise(PyExc::TypeError, "unhashable type: '" + std::string(key.type_name()) + "'");
		for (std::size_t i = 0; i < keys.size(); ++i)
			if (py_equal(keys[i], key)) return static_cast<std::int64_t>(i);
		return -1;
	}
	const std::size_t mask = index.size() - 1;
	std::size_t h = key.hash() & mask;
	while (index[h]) {
		auto i = static_cast<std::size_t>(index[h] - 1);
		if (py_equal(keys[i], key)) return static_cast<std::int64_t>(i);
		h = (h + 1) & mask;
	}
	return -1;
}

void DictObj::rebuild_index() {
	if (keys.size() <= 8) {
		index.clear();
		return;
	}
	std::size_t cap = 16;
	while (cap < keys.size() * 2)
		cap *= 2;
	index.assign(cap, 0);
	const std::size_t mask = cap - 1;
	for (std::size_t i = 0; i < keys.size(); ++i) {
		std::size_t h = keys[i].hash() & mask;
		while (index[h])
			h = (h + 1) & mask;
		index[h] = static_cast<std::int32_t>(i + 1);
	}
}

std::size_t DictObj::put(Value key, Value val) {
	(void)key.hash(); // rejects unhashable keys
	auto i = find(key);
	if (i >= 0) {
		if (kind == Kind::Dict) vals[static_cast<std::size_t>(i)] = std::move(val);
		return static_cast<std::size_t>(i);
	}
	keys.push_back(std::move(key));
	if (kind == Kind::Dict) vals.push_back(std::move(val));
	if (keys.size() > 8) {
		if (index.size() < keys.size() * 2)
			rebuild_index();
		else {
			const std::size_t mask = index.size() - 1;
			std::size_t h = keys.back().hash() & mask;
			while (index[h])
				h = (h + 1) & mask;
			index[h] = static_cast<std::int32_t>(keys.size());
		}
	}
	return keys.size() - 1;
}

void DictObj::erase_at(std::size_t i) {
	keys.erase(keys.begin() + static_cast<std::ptrdiff_t>(i));
	if (kind == Kind::Dict) vals.erase(vals.begin() + static_cast<std::ptrdiff_t>(i));
	rebuild_index();
}

} // namespace detail

} // namespace meles::rd::expr

namespace meles::rd::expr {
const std::vector<Value>& Value::dict_keys() const noexcept {
	return static_cast<DictObj*>(u_.obj)->keys;
}
const std::vector<Value>& Value::dict_values() const noexcept {
	return static_cast<DictObj*>(u_.obj)->vals;
}
} // namespace meles::rd::expr
