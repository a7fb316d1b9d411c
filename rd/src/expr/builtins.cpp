// Python builtins, module members (math, datetime, os.path, re) and the registry of global
// names an expression may use.  DaCHS's rowmaker helpers live in helpers.cpp.
#include "expr/object.hpp"
#include "expr/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numbers>

namespace meles::rd::expr {

std::string builtin_repr(const Builtin* fn) {
	if (fn->type_kind != Kind::Missing) return "<class '" + std::string(fn->name) + "'>";
	return "<built-in function " + std::string(fn->name) + ">";
}

namespace rt {

// Defined in helpers.cpp.
const std::vector<Builtin>& helper_builtins();

namespace {

bool given(Args a, std::size_t i) {
	return i < a.size() && !a[i].is_missing();
}

std::int64_t int_of(const Value& v, const char* fn) {
	if (v.kind() == Kind::Int || v.kind() == Kind::Bool) return v.as_int();
	raise(PyExc::TypeError, std::string("'") + std::string(v.type_name()) +
	                            "' object cannot be interpreted as an integer (in " + fn + "())");
}

double real_of(const Value& v, const char* fn) {
	if (v.is_number()) return v.number();
	(void)fn;
	raise(PyExc::TypeError, std::string("must be real number, not ") + std::string(v.type_name()));
}

// ---------------------------------------------------------------- Python builtins

Value b_int(Args a, KwNames) {
	if (!given(a, 0)) return Value::integer(0);
	if (!given(a, 1)) return to_int(a[0]);
	if (a[0].kind() != Kind::Str)
		raise(PyExc::TypeError, "int() can't convert non-string with explicit base");
	std::int64_t base = int_of(a[1], "int");
	std::string_view s = a[0].as_str();
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
		s.remove_prefix(1);
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.remove_suffix(1);
	bool neg = false;
	if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s.remove_prefix(1);
	}
	auto prefixed = [&](char p) {
		return s.size() > 2 && s[0] == '0' && std::tolower(static_cast<unsigned char>(s[1])) == p;
	};
	if (base == 0) {
		base = prefixed('x') ? 16 : prefixed('o') ? 8 : prefixed('b') ? 2 : 10;
	}
	if ((base == 16 && prefixed('x')) || (base == 8 && prefixed('o')) || (base == 2 && prefixed('b')))
		s.remove_prefix(2);
	if (base < 2 || base > 36) raise(PyExc::ValueError, "int() base must be >= 2 and <= 36, or 0");
	if (s.empty())
		raise(PyExc::ValueError,
		      "invalid literal for int() with base " + std::to_string(base) + ": " + a[0].repr());
	std::int64_t acc = 0;
	for (char c : s) {
		if (c == '_') continue;
		int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
		        : std::isalpha(static_cast<unsigned char>(c))
		            ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
		            : 99;
		if (d >= base)
			raise(PyExc::ValueError,
			      "invalid literal for int() with base " + std::to_string(base) + ": " + a[0].repr());
		acc = add_int(mul_int(acc, base), d);
	}
	return Value::integer(neg ? -acc : acc);
}

Value b_float(Args a, KwNames) {
	return given(a, 0) ? to_float(a[0]) : Value::real(0.0);
}
Value b_str(Args a, KwNames) {
	return given(a, 0) ? to_str(a[0]) : Value::str(std::string());
}
Value b_bool(Args a, KwNames) {
	return Value::boolean(given(a, 0) && a[0].truthy());
}
Value b_repr(Args a, KwNames) {
	return Value::str(a[0].repr());
}
Value b_len(Args a, KwNames) {
	return Value::integer(length(a[0]));
}

Value b_abs(Args a, KwNames) {
	const Value& v = a[0];
	switch (v.kind()) {
	case Kind::Int:
	case Kind::Bool:
		return v.as_int() < 0 ? unary(UnOp::Neg, v) : Value::integer(v.as_int());
	case Kind::Float:
		return Value::real(std::fabs(v.as_float()));
	case Kind::TimeDelta:
		return Value::timedelta_us(v.as_int() < 0 ? -v.as_int() : v.as_int());
	default:
		raise(PyExc::TypeError, "bad operand type for abs(): '" + std::string(v.type_name()) + "'");
	}
}

Value min_max(Args a, KwNames kw, bool want_max) {
	const char* name = want_max ? "max" : "min";
	std::size_t npos = a.size() - kw.size();
	const Value* key = nullptr;
	const Value* dflt = nullptr;
	for (std::size_t k = 0; k < kw.size(); ++k) {
		if (kw[k] == "key")
			key = &a[npos + k];
		else if (kw[k] == "default")
			dflt = &a[npos + k];
		else
			raise(PyExc::TypeError,
			      std::string(name) + "() got an unexpected keyword argument '" + kw[k] + "'");
	}
	std::vector<Value> items;
	if (npos == 0) raise(PyExc::TypeError, std::string(name) + " expected at least 1 argument, got 0");
	if (npos == 1)
		items = iterate(a[0]);
	else {
		if (dflt)
			raise(PyExc::TypeError, std::string("Cannot specify a default for ") + name +
			                            "() with multiple positional arguments");
		items.assign(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(npos));
	}
	if (items.empty()) {
		if (dflt) return *dflt;
		raise(PyExc::ValueError, std::string(name) + "() arg is an empty sequence");
	}
	std::size_t best = 0;
	Value best_key = key && !key->is_none() ? call_value(*key, Args(&items[0], 1), {}) : items[0];
	for (std::size_t i = 1; i < items.size(); ++i) {
		Value k = key && !key->is_none() ? call_value(*key, Args(&items[i], 1), {}) : items[i];
		int c = py_compare(k, best_key, want_max ? ">" : "<");
		if (c == 2) continue;
		if (want_max ? c > 0 : c < 0) {
			best = i;
			best_key = k;
		}
	}
	return items[best];
}
Value b_min(Args a, KwNames kw) {
	return min_max(a, kw, false);
}
Value b_max(Args a, KwNames kw) {
	return min_max(a, kw, true);
}

double round_double(double x, std::int64_t nd) {
	// Python rounds the exact binary value half-to-even at the decimal digit; glibc's
	// printf does the same for positive precisions.
	if (!std::isfinite(x)) return x;
	if (nd >= 0) {
		if (nd > 300) return x;
		char buf[400];
		std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(nd), x);
		return std::strtod(buf, nullptr);
	}
	if (nd < -308) return std::copysign(0.0, x);
	double p = std::pow(10.0, static_cast<double>(-nd));
	double y = x / p;
	double r = std::nearbyint(y);
	return r * p;
}

Value b_round(Args a, KwNames) {
	const Value& x = a[0];
	bool has_nd = given(a, 1) && !a[1].is_none();
	if (x.kind() == Kind::Int || x.kind() == Kind::Bool) {
		if (!has_nd) return Value::integer(x.as_int());
		std::int64_t nd = int_of(a[1], "round");
		if (nd >= 0) return Value::integer(x.as_int());
		if (nd < -18) return Value::integer(0);
		std::int64_t p = 1;
		for (std::int64_t i = 0; i < -nd; ++i)
			p *= 10;
		std::int64_t v = x.as_int();
		std::int64_t q = v / p, r = v % p;
		if (r < 0) {
			r += p;
			--q;
		}
		if (2 * r > p || (2 * r == p && (q & 1))) ++q;
		return Value::integer(mul_int(q, p));
	}
	if (x.kind() != Kind::Float)
		raise(PyExc::TypeError, "type " + std::string(x.type_name()) + " doesn't define __round__ method");
	double d = x.as_float();
	if (!has_nd) {
		if (std::isnan(d)) raise(PyExc::ValueError, "cannot convert float NaN to integer");
		if (std::isinf(d)) raise(PyExc::OverflowError, "cannot convert float infinity to integer");
		double r = std::nearbyint(d);
		if (r >= 9223372036854775808.0 || r < -9223372036854775808.0)
			raise(PyExc::OverflowError, "integer result does not fit in 64 bits");
		return Value::integer(static_cast<std::int64_t>(r));
	}
	return Value::real(round_double(d, int_of(a[1], "round")));
}

Value b_sum(Args a, KwNames) {
	Value acc = given(a, 1) ? a[1] : Value::integer(0);
	if (acc.kind() == Kind::Str)
		raise(PyExc::TypeError, "sum() can't sum strings [use ''.join(seq) instead]");
	for (const auto& v : iterate(a[0]))
		acc = binary(BinOp::Add, acc, v);
	return acc;
}

Value b_sorted(Args a, KwNames) {
	std::vector<Value> items = iterate(a[0]);
	const Value* key = given(a, 1) ? &a[1] : nullptr;
	bool rev = given(a, 2) && a[2].truthy();
	Value lst = Value::list(std::move(items));
	Value sort_args[2] = {key ? *key : Value(), Value::boolean(rev)};
	static const std::string names[2] = {"key", "reverse"};
	call_method(lst, *method_id("sort"), Args(sort_args, 2), KwNames(names, 2));
	return lst;
}

Value b_list(Args a, KwNames) {
	return Value::list(given(a, 0) ? iterate(a[0]) : std::vector<Value>{});
}
Value b_tuple(Args a, KwNames) {
	if (given(a, 0) && a[0].kind() == Kind::Tuple) return a[0];
	return Value::tuple(given(a, 0) ? iterate(a[0]) : std::vector<Value>{});
}
Value b_set(Args a, KwNames) {
	return Value::set(given(a, 0) ? iterate(a[0]) : std::vector<Value>{});
}

Value b_dict(Args a, KwNames kw) {
	std::size_t npos = a.size() - kw.size();
	std::vector<std::pair<Value, Value>> items;
	if (npos > 1) raise(PyExc::TypeError, "dict expected at most 1 argument, got " + std::to_string(npos));
	if (npos == 1) {
		if (a[0].kind() == Kind::Dict) {
			for (std::size_t i = 0; i < a[0].dict_keys().size(); ++i)
				items.emplace_back(a[0].dict_keys()[i], a[0].dict_values()[i]);
		} else {
			for (const auto& pair : iterate(a[0])) {
				auto kv = iterate(pair);
				if (kv.size() != 2)
					raise(PyExc::ValueError, "dictionary update sequence element has length " +
					                             std::to_string(kv.size()) + "; 2 is required");
				items.emplace_back(kv[0], kv[1]);
			}
		}
	}
	for (std::size_t k = 0; k < kw.size(); ++k)
		items.emplace_back(Value::str(kw[k]), a[npos + k]);
	return Value::dict(std::move(items));
}

Value b_range(Args a, KwNames) {
	std::int64_t start = 0, stop, step = 1;
	if (!given(a, 1))
		stop = int_of(a[0], "range");
	else {
		start = int_of(a[0], "range");
		stop = int_of(a[1], "range");
		if (given(a, 2)) step = int_of(a[2], "range");
	}
	if (step == 0) raise(PyExc::ValueError, "range() arg 3 must not be zero");
	std::vector<Value> out;
	double n =
	    std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
	if (n > 10000000) raise(PyExc::OverflowError, "range() too long for a rowmaker expression");
	for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
		out.push_back(Value::integer(i));
	return Value::list(std::move(out));
}

Value b_enumerate(Args a, KwNames) {
	std::int64_t i = given(a, 1) ? int_of(a[1], "enumerate") : 0;
	std::vector<Value> out;
	for (auto& v : iterate(a[0]))
		out.push_back(Value::tuple({Value::integer(i++), v}));
	return Value::list(std::move(out));
}

Value b_zip(Args a, KwNames kw) {
	if (!kw.empty()) raise(PyExc::TypeError, "zip() takes no keyword arguments here");
	std::vector<std::vector<Value>> seqs;
	std::size_t n = a.empty() ? 0 : SIZE_MAX;
	for (const auto& v : a) {
		seqs.push_back(iterate(v));
		n = std::min(n, seqs.back().size());
	}
	std::vector<Value> out;
	for (std::size_t i = 0; i < n; ++i) {
		std::vector<Value> t;
		for (auto& s : seqs)
			t.push_back(s[i]);
		out.push_back(Value::tuple(std::move(t)));
	}
	return Value::list(std::move(out));
}

bool instance_of(const Value& v, const Value& cls) {
	if (cls.kind() == Kind::Tuple) {
		for (const auto& c : cls.items())
			if (instance_of(v, c)) return true;
		return false;
	}
	if (cls.kind() != Kind::Callable || cls.as_callable()->type_kind == Kind::Missing)
		raise(PyExc::TypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union");
	Kind want = cls.as_callable()->type_kind;
	Kind k = v.kind();
	if (want == k) return true;
	if (want == Kind::Int && k == Kind::Bool) return true;      // bool is an int subclass
	if (want == Kind::Date && k == Kind::DateTime) return true; // so is datetime of date
	if (want == Kind::None) return true;                        // `object`
	return false;
}
Value b_isinstance(Args a, KwNames) {
	return Value::boolean(instance_of(a[0], a[1]));
}

Value b_any(Args a, KwNames) {
	for (const auto& v : iterate(a[0]))
		if (v.truthy()) return Value::boolean(true);
	return Value::boolean(false);
}
Value b_all(Args a, KwNames) {
	for (const auto& v : iterate(a[0]))
		if (!v.truthy()) return Value::boolean(false);
	return Value::boolean(true);
}

Value b_map(Args a, KwNames kw) {
	if (!kw.empty() || a.size() < 2) raise(PyExc::TypeError, "map() must have at least two arguments.");
	std::vector<std::vector<Value>> seqs;
	std::size_t n = SIZE_MAX;
	for (std::size_t i = 1; i < a.size(); ++i) {
		seqs.push_back(iterate(a[i]));
		n = std::min(n, seqs.back().size());
	}
	std::vector<Value> out;
	std::vector<Value> callargs(seqs.size());
	for (std::size_t i = 0; i < n; ++i) {
		for (std::size_t j = 0; j < seqs.size(); ++j)
			callargs[j] = seqs[j][i];
		out.push_back(call_value(a[0], callargs, {}));
	}
	return Value::list(std::move(out));
}

Value b_filter(Args a, KwNames) {
	std::vector<Value> out;
	for (auto& v : iterate(a[1])) {
		bool keep = a[0].is_none() ? v.truthy() : call_value(a[0], Args(&v, 1), {}).truthy();
		if (keep) out.push_back(v);
	}
	return Value::list(std::move(out));
}

Value b_reversed(Args a, KwNames) {
	auto v = iterate(a[0]);
	std::reverse(v.begin(), v.end());
	return Value::list(std::move(v));
}

Value b_chr(Args a, KwNames) {
	std::int64_t i = int_of(a[0], "chr");
	if (i < 0 || i > 0x10FFFF) raise(PyExc::ValueError, "chr() arg not in range(0x110000)");
	std::string s;
	append_utf8(s, static_cast<std::uint32_t>(i));
	return Value::str(std::move(s));
}

Value b_ord(Args a, KwNames) {
	if ((a[0].kind() == Kind::Str && cp_length(a[0].as_str()) == 1) ||
	    (a[0].kind() == Kind::Bytes && a[0].as_str().size() == 1)) {
		std::size_t i = 0;
		return Value::integer(a[0].kind() == Kind::Bytes ? static_cast<unsigned char>(a[0].as_str()[0])
		                                                 : decode_utf8(a[0].as_str(), i));
	}
	raise(PyExc::TypeError,
	      "ord() expected a character, but string of length " + std::to_string(length(a[0])) + " found");
}

Value radix(Args a, const char* spec) {
	int_of(a[0], spec[1] == 'x' ? "hex" : spec[1] == 'o' ? "oct" : "bin");
	return Value::str(format_value(a[0], spec));
}
Value b_hex(Args a, KwNames) {
	return radix(a, "#x");
}
Value b_oct(Args a, KwNames) {
	return radix(a, "#o");
}
Value b_bin(Args a, KwNames) {
	return radix(a, "#b");
}

Value b_divmod(Args a, KwNames) {
	return Value::tuple({binary(BinOp::FloorDiv, a[0], a[1]), binary(BinOp::Mod, a[0], a[1])});
}

Value b_pow(Args a, KwNames) {
	if (!given(a, 2) || a[2].is_none()) return binary(BinOp::Pow, a[0], a[1]);
	std::int64_t b = int_of(a[0], "pow"), e = int_of(a[1], "pow"), m = int_of(a[2], "pow");
	if (m == 0) raise(PyExc::ValueError, "pow() 3rd argument cannot be 0");
	if (e < 0) raise(PyExc::ValueError, "negative exponents with a modulus are not supported");
	__int128 r = 1, base = ((b % m) + m) % m;
	while (e) {
		if (e & 1) r = r * base % m;
		base = base * base % m;
		e >>= 1;
	}
	std::int64_t res = static_cast<std::int64_t>(r);
	if (m < 0 && res > 0) res += m;
	return Value::integer(res);
}

Value b_format(Args a, KwNames) {
	std::string_view spec;
	if (given(a, 1)) {
		if (a[1].kind() != Kind::Str) raise(PyExc::TypeError, "format() argument 2 must be str");
		spec = a[1].as_str();
	}
	return Value::str(format_value(a[0], spec));
}

Value b_bytes(Args a, KwNames) {
	if (!given(a, 0)) return Value::bytes({});
	if (a[0].kind() == Kind::Bytes) return a[0];
	if (a[0].kind() == Kind::Str) {
		if (!given(a, 1)) raise(PyExc::TypeError, "string argument without an encoding");
		return Value::bytes(std::string(a[0].as_str()));
	}
	std::string out;
	for (const auto& v : iterate(a[0])) {
		std::int64_t i = int_of(v, "bytes");
		if (i < 0 || i > 255) raise(PyExc::ValueError, "bytes must be in range(0, 256)");
		out += static_cast<char>(i);
	}
	return Value::bytes(std::move(out));
}

// ---------------------------------------------------------------- math

double num(const Value& v, const char* fn) {
	return real_of(v, fn);
}

Value math_result(double r, double x) {
	if (std::isnan(r) && !std::isnan(x)) raise(PyExc::ValueError, "math domain error");
	if (std::isinf(r) && std::isfinite(x)) raise(PyExc::OverflowError, "math range error");
	return Value::real(r);
}

#define MATH1(NAME, EXPR)                                                                                    \
	Value m_##NAME(Args a, KwNames) {                                                                        \
		double x = num(a[0], "math." #NAME);                                                                 \
		return math_result(EXPR, x);                                                                         \
	}
MATH1(sin, std::sin(x))
MATH1(cos, std::cos(x))
MATH1(tan, std::tan(x))
MATH1(asin, std::asin(x))
MATH1(acos, std::acos(x))
MATH1(atan, std::atan(x))
MATH1(sinh, std::sinh(x))
MATH1(cosh, std::cosh(x))
MATH1(tanh, std::tanh(x))
MATH1(exp, std::exp(x))
MATH1(fabs, std::fabs(x))
MATH1(radians, x* std::numbers::pi / 180.0)
MATH1(degrees, x * 180.0 / std::numbers::pi)
#undef MATH1

Value m_sqrt(Args a, KwNames) {
	double x = num(a[0], "math.sqrt");
	if (x < 0) raise(PyExc::ValueError, "math domain error");
	return Value::real(std::sqrt(x));
}

double log_of(const Value& v) {
	double x = num(v, "math.log");
	if (x <= 0) raise(PyExc::ValueError, "math domain error");
	return std::log(x);
}

Value m_log(Args a, KwNames) {
	if (!given(a, 1)) return Value::real(log_of(a[0]));
	double d = log_of(a[1]);
	if (d == 0) raise(PyExc::ZeroDivisionError, "float division by zero");
	return Value::real(log_of(a[0]) / d);
}
Value m_log10(Args a, KwNames) {
	double x = num(a[0], "math.log10");
	if (x <= 0) raise(PyExc::ValueError, "math domain error");
	return Value::real(std::log10(x));
}
Value m_log2(Args a, KwNames) {
	double x = num(a[0], "math.log2");
	if (x <= 0) raise(PyExc::ValueError, "math domain error");
	return Value::real(std::log2(x));
}

Value to_int_checked(double r) {
	if (std::isnan(r)) raise(PyExc::ValueError, "cannot convert float NaN to integer");
	if (std::isinf(r)) raise(PyExc::OverflowError, "cannot convert float infinity to integer");
	if (r >= 9223372036854775808.0 || r < -9223372036854775808.0)
		raise(PyExc::OverflowError, "integer result does not fit in 64 bits");
	return Value::integer(static_cast<std::int64_t>(r));
}
Value m_floor(Args a, KwNames) {
	if (a[0].kind() == Kind::Int || a[0].kind() == Kind::Bool) return Value::integer(a[0].as_int());
	return to_int_checked(std::floor(num(a[0], "math.floor")));
}
Value m_ceil(Args a, KwNames) {
	if (a[0].kind() == Kind::Int || a[0].kind() == Kind::Bool) return Value::integer(a[0].as_int());
	return to_int_checked(std::ceil(num(a[0], "math.ceil")));
}
Value m_trunc(Args a, KwNames) {
	if (a[0].kind() == Kind::Int || a[0].kind() == Kind::Bool) return Value::integer(a[0].as_int());
	return to_int_checked(std::trunc(num(a[0], "math.trunc")));
}
Value m_atan2(Args a, KwNames) {
	return Value::real(std::atan2(num(a[0], "math.atan2"), num(a[1], "math.atan2")));
}
Value m_hypot(Args a, KwNames kw) {
	if (!kw.empty()) raise(PyExc::TypeError, "hypot() takes no keyword arguments");
	double r = 0;
	if (a.size() == 2) return Value::real(std::hypot(num(a[0], "math.hypot"), num(a[1], "math.hypot")));
	for (const auto& v : a)
		r += num(v, "math.hypot") * num(v, "math.hypot");
	return Value::real(std::sqrt(r));
}
Value m_pow(Args a, KwNames) {
	return binary(BinOp::Pow, to_float(a[0]), to_float(a[1]));
}
Value m_fmod(Args a, KwNames) {
	double x = num(a[0], "math.fmod"), y = num(a[1], "math.fmod");
	if (y == 0 && !std::isnan(x)) raise(PyExc::ValueError, "math domain error");
	return Value::real(std::fmod(x, y));
}
Value m_copysign(Args a, KwNames) {
	return Value::real(std::copysign(num(a[0], "math.copysign"), num(a[1], "math.copysign")));
}
Value m_isnan(Args a, KwNames) {
	return Value::boolean(std::isnan(num(a[0], "math.isnan")));
}
Value m_isinf(Args a, KwNames) {
	return Value::boolean(std::isinf(num(a[0], "math.isinf")));
}
Value m_isfinite(Args a, KwNames) {
	return Value::boolean(std::isfinite(num(a[0], "math.isfinite")));
}
Value m_modf(Args a, KwNames) {
	double ip;
	double fp = std::modf(num(a[0], "math.modf"), &ip);
	return Value::tuple({Value::real(fp), Value::real(ip)});
}
Value m_isclose(Args a, KwNames kw) {
	double x = num(a[0], "math.isclose"), y = num(a[1], "math.isclose");
	double rel = 1e-9, abs_tol = 0.0;
	std::size_t npos = a.size() - kw.size();
	for (std::size_t k = 0; k < kw.size(); ++k) {
		if (kw[k] == "rel_tol")
			rel = num(a[npos + k], "math.isclose");
		else if (kw[k] == "abs_tol")
			abs_tol = num(a[npos + k], "math.isclose");
	}
	if (x == y) return Value::boolean(true);
	if (std::isinf(x) || std::isinf(y)) return Value::boolean(false);
	double diff = std::fabs(y - x);
	return Value::boolean(diff <= std::fabs(rel * y) || diff <= std::fabs(rel * x) || diff <= abs_tol);
}

// ---------------------------------------------------------------- datetime module

int iarg(Args a, std::size_t i, int dflt, const char* fn) {
	return given(a, i) ? static_cast<int>(int_of(a[i], fn)) : dflt;
}

Value d_datetime(Args a, KwNames) {
	return Value::datetime(iarg(a, 0, 1, "datetime"), iarg(a, 1, 1, "datetime"), iarg(a, 2, 1, "datetime"),
	                       iarg(a, 3, 0, "datetime"), iarg(a, 4, 0, "datetime"), iarg(a, 5, 0, "datetime"),
	                       iarg(a, 6, 0, "datetime"));
}
Value d_date(Args a, KwNames) {
	return Value::date(iarg(a, 0, 1, "date"), iarg(a, 1, 1, "date"), iarg(a, 2, 1, "date"));
}
Value d_time(Args a, KwNames) {
	Value dt = Value::datetime(2000, 1, 1, iarg(a, 0, 0, "time"), iarg(a, 1, 0, "time"),
	                           iarg(a, 2, 0, "time"), iarg(a, 3, 0, "time"));
	return Value::time_from_us(dt.as_int() % 86400000000LL);
}
Value d_timedelta(Args a, KwNames) {
	// days, seconds, microseconds, milliseconds, minutes, hours, weeks
	static const double factors[] = {86400e6, 1e6, 1.0, 1e3, 60e6, 3600e6, 604800e6};
	std::int64_t total = 0;
	double frac = 0;
	for (std::size_t i = 0; i < 7; ++i) {
		if (!given(a, i)) continue;
		const Value& v = a[i];
		if (v.kind() == Kind::Int || v.kind() == Kind::Bool)
			total = add_int(total, mul_int(v.as_int(), static_cast<std::int64_t>(factors[i])));
		else {
			double d = num(v, "timedelta");
			double ip;
			double fp = std::modf(d, &ip);
			if (std::fabs(ip) > 1e12) raise(PyExc::OverflowError, "timedelta too large");
			total =
			    add_int(total, mul_int(static_cast<std::int64_t>(ip), static_cast<std::int64_t>(factors[i])));
			frac += fp * factors[i];
		}
	}
	return Value::timedelta_us(add_int(total, static_cast<std::int64_t>(std::nearbyint(frac))));
}
Value d_strptime(Args a, KwNames) {
	if (a[0].kind() != Kind::Str || a[1].kind() != Kind::Str)
		raise(PyExc::TypeError, "strptime() argument must be str");
	return strptime(a[0].as_str(), a[1].as_str());
}
Value d_combine(Args a, KwNames) {
	if (a[0].kind() != Kind::Date && a[0].kind() != Kind::DateTime)
		raise(PyExc::TypeError, "combine() argument 1 must be datetime.date");
	if (a[1].kind() != Kind::Time) raise(PyExc::TypeError, "combine() argument 2 must be datetime.time");
	std::int64_t day_us = a[0].kind() == Kind::Date ? a[0].as_days() * 86400000000LL
	                                                : a[0].as_int() / 86400000000LL * 86400000000LL;
	return Value::datetime_from_us(day_us + a[1].as_int());
}
Value d_utcfromtimestamp(Args a, KwNames) {
	double t = num(a[0], "utcfromtimestamp");
	return datetime_plus_days(Value::datetime(1970, 1, 1), t / 86400.0);
}
Value d_fromordinal(Args a, KwNames) {
	std::int64_t n = int_of(a[0], "fromordinal");
	if (n < 1 || n > 3652059) raise(PyExc::ValueError, "ordinal must be >= 1");
	return Value::date_from_days(static_cast<std::int32_t>(n - 1));
}
Value parse_isoformat(std::string_view s, bool date_only);
Value d_fromisoformat(Args a, KwNames) {
	if (a[0].kind() != Kind::Str) raise(PyExc::TypeError, "fromisoformat: argument must be str");
	return parse_isoformat(a[0].as_str(), false);
}
Value d_date_fromisoformat(Args a, KwNames) {
	if (a[0].kind() != Kind::Str) raise(PyExc::TypeError, "fromisoformat: argument must be str");
	return parse_isoformat(a[0].as_str(), true);
}

Value parse_isoformat(std::string_view s, bool date_only) {
	auto fail = [&]() -> Value {
		raise(PyExc::ValueError, "Invalid isoformat string: " + Value::str(s).repr());
	};
	auto digits = [&](std::size_t pos, std::size_t n, int& out) {
		if (pos + n > s.size()) return false;
		out = 0;
		for (std::size_t i = pos; i < pos + n; ++i) {
			if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
			out = out * 10 + (s[i] - '0');
		}
		return true;
	};
	int y, mo, d;
	if (!digits(0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
	    !digits(8, 2, d))
		return fail();
	if (!valid_date(y, mo, d)) return fail();
	if (s.size() == 10) return date_only ? Value::date(y, mo, d) : Value::datetime(y, mo, d);
	if (date_only) return fail();
	int h = 0, mi = 0, sec = 0, us = 0;
	std::size_t p = 11;
	if (!digits(p, 2, h)) return fail();
	p += 2;
	if (p < s.size() && s[p] == ':') {
		if (!digits(p + 1, 2, mi)) return fail();
		p += 3;
		if (p < s.size() && s[p] == ':') {
			if (!digits(p + 1, 2, sec)) return fail();
			p += 3;
			if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
				std::size_t b = ++p;
				while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])))
					++p;
				std::string frac(s.substr(b, std::min<std::size_t>(p - b, 6)));
				if (frac.empty()) return fail();
				frac.append(6 - frac.size(), '0');
				us = std::stoi(frac);
			}
		}
	}
	std::int64_t offset = 0;
	if (p < s.size()) {
		if (s[p] == 'Z')
			++p;
		else if (s[p] == '+' || s[p] == '-') {
			int sign = s[p] == '-' ? -1 : 1;
			int oh, om = 0;
			if (!digits(p + 1, 2, oh)) return fail();
			p += 3;
			if (p < s.size() && s[p] == ':') ++p;
			if (p < s.size() && !digits(p, 2, om)) return fail();
			if (p < s.size()) p += 2;
			offset = sign * (oh * 3600LL + om * 60LL) * 1000000LL;
		}
		if (p != s.size()) return fail();
	}
	Value v = Value::datetime(y, mo, d, h, mi, sec, us);
	return offset ? Value::datetime_from_us(v.as_int() - offset) : v;
}

// ---------------------------------------------------------------- os.path

std::string_view str_of(const Value& v, const char* fn) {
	if (v.kind() == Kind::Str) return v.as_str();
	raise(PyExc::TypeError, std::string(fn) + "() argument must be str, not " + std::string(v.type_name()));
}

std::pair<std::string, std::string> path_split(std::string_view p) {
	auto i = p.rfind('/');
	std::size_t cut = i == std::string_view::npos ? 0 : i + 1;
	std::string head(p.substr(0, cut)), tail(p.substr(cut));
	if (!head.empty() && head.find_first_not_of('/') != std::string::npos)
		while (!head.empty() && head.back() == '/')
			head.pop_back();
	return {head, tail};
}
Value p_split(Args a, KwNames) {
	auto [h, t] = path_split(str_of(a[0], "os.path.split"));
	return Value::tuple({Value::str(h), Value::str(t)});
}
Value p_basename(Args a, KwNames) {
	return Value::str(path_split(str_of(a[0], "os.path.basename")).second);
}
Value p_dirname(Args a, KwNames) {
	return Value::str(path_split(str_of(a[0], "os.path.dirname")).first);
}
std::pair<std::string, std::string> path_splitext(std::string_view p) {
	auto slash = p.rfind('/');
	std::size_t base = slash == std::string_view::npos ? 0 : slash + 1;
	auto dot = p.rfind('.');
	if (dot == std::string_view::npos || dot < base) return {std::string(p), ""};
	// Leading dots of the file name do not start an extension (".bashrc").
	std::size_t k = base;
	while (k < dot && p[k] == '.')
		++k;
	if (k == dot) return {std::string(p), ""};
	return {std::string(p.substr(0, dot)), std::string(p.substr(dot))};
}
Value p_splitext(Args a, KwNames) {
	auto [r, e] = path_splitext(str_of(a[0], "os.path.splitext"));
	return Value::tuple({Value::str(r), Value::str(e)});
}
std::string path_join(const std::vector<std::string_view>& parts) {
	std::string out;
	for (std::size_t i = 0; i < parts.size(); ++i) {
		std::string_view b = parts[i];
		if (i == 0)
			out = b;
		else if (!b.empty() && b[0] == '/')
			out = b;
		else if (out.empty() || out.back() == '/')
			out += b;
		else {
			out += '/';
			out += b;
		}
	}
	return out;
}
Value p_join(Args a, KwNames kw) {
	if (!kw.empty() || a.empty()) raise(PyExc::TypeError, "join() needs at least one path");
	std::vector<std::string_view> parts;
	for (const auto& v : a)
		parts.push_back(str_of(v, "os.path.join"));
	return Value::str(path_join(parts));
}

Value re_sub(Args a, KwNames kw) {
	return re_call("sub", a, kw);
}
Value re_subn(Args a, KwNames kw) {
	return re_call("subn", a, kw);
}
Value re_match(Args a, KwNames kw) {
	return re_call("match", a, kw);
}
Value re_search(Args a, KwNames kw) {
	return re_call("search", a, kw);
}
Value re_fullmatch(Args a, KwNames kw) {
	return re_call("fullmatch", a, kw);
}
Value re_findall(Args a, KwNames kw) {
	return re_call("findall", a, kw);
}
Value re_split(Args a, KwNames kw) {
	return re_call("split", a, kw);
}
Value re_escape(Args a, KwNames) {
	std::string out;
	for (char c : str_of(a[0], "re.escape")) {
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
		      static_cast<unsigned char>(c) >= 0x80))
			out += '\\';
		out += c;
	}
	return Value::str(std::move(out));
}

Value b_object(Args, KwNames) {
	raise(PyExc::TypeError, "object() cannot be created in a rowmaker expression");
}

// Types answer isinstance(); their call converts.
const std::vector<Builtin>& python_builtins() {
	static const std::vector<Builtin> table = {
	    {"int", b_int, "x=,base=", 0, 2, true, Kind::Int},
	    {"float", b_float, "x=", 0, 1, true, Kind::Float},
	    {"str", b_str, "object=", 0, 1, true, Kind::Str},
	    {"bool", b_bool, "x=", 0, 1, true, Kind::Bool},
	    {"bytes", b_bytes, "source=,encoding=", 0, 2, true, Kind::Bytes},
	    {"list", b_list, "iterable=", 0, 1, true, Kind::List},
	    {"tuple", b_tuple, "iterable=", 0, 1, true, Kind::Tuple},
	    {"set", b_set, "iterable=", 0, 1, true, Kind::Set},
	    {"frozenset", b_set, "iterable=", 0, 1, true, Kind::Set},
	    {"dict", b_dict, "*", 0, -1, true, Kind::Dict},
	    {"object", b_object, "", 0, 0, true, Kind::None},
	    {"repr", b_repr, "obj", 1, 1},
	    {"len", b_len, "obj", 1, 1},
	    {"abs", b_abs, "x", 1, 1},
	    {"min", b_min, "*", 0, -1},
	    {"max", b_max, "*", 0, -1},
	    {"round", b_round, "number,ndigits=", 1, 2},
	    {"sum", b_sum, "iterable,start=", 1, 2},
	    {"sorted", b_sorted, "iterable,key=,reverse=", 1, 3},
	    {"range", b_range, "start,stop=,step=", 1, 3},
	    {"enumerate", b_enumerate, "iterable,start=", 1, 2},
	    {"zip", b_zip, "*", 0, -1},
	    {"isinstance", b_isinstance, "obj,classinfo", 2, 2},
	    {"any", b_any, "iterable", 1, 1},
	    {"all", b_all, "iterable", 1, 1},
	    {"map", b_map, "*", 0, -1},
	    {"filter", b_filter, "function,iterable", 2, 2},
	    {"reversed", b_reversed, "sequence", 1, 1},
	    {"chr", b_chr, "i", 1, 1},
	    {"ord", b_ord, "c", 1, 1},
	    {"hex", b_hex, "number", 1, 1},
	    {"oct", b_oct, "number", 1, 1},
	    {"bin", b_bin, "number", 1, 1},
	    {"divmod", b_divmod, "a,b", 2, 2},
	    {"pow", b_pow, "base,exp,mod=", 2, 3},
	    {"format", b_format, "value,format_spec=", 1, 2},
	    {"math.sin", m_sin, "x", 1, 1},
	    {"math.cos", m_cos, "x", 1, 1},
	    {"math.tan", m_tan, "x", 1, 1},
	    {"math.asin", m_asin, "x", 1, 1},
	    {"math.acos", m_acos, "x", 1, 1},
	    {"math.atan", m_atan, "x", 1, 1},
	    {"math.sinh", m_sinh, "x", 1, 1},
	    {"math.cosh", m_cosh, "x", 1, 1},
	    {"math.tanh", m_tanh, "x", 1, 1},
	    {"math.atan2", m_atan2, "y,x", 2, 2},
	    {"math.sqrt", m_sqrt, "x", 1, 1},
	    {"math.exp", m_exp, "x", 1, 1},
	    {"math.log", m_log, "x,base=", 1, 2},
	    {"math.log10", m_log10, "x", 1, 1},
	    {"math.log2", m_log2, "x", 1, 1},
	    {"math.floor", m_floor, "x", 1, 1},
	    {"math.ceil", m_ceil, "x", 1, 1},
	    {"math.trunc", m_trunc, "x", 1, 1},
	    {"math.fabs", m_fabs, "x", 1, 1},
	    {"math.radians", m_radians, "x", 1, 1},
	    {"math.degrees", m_degrees, "x", 1, 1},
	    {"math.isnan", m_isnan, "x", 1, 1},
	    {"math.isinf", m_isinf, "x", 1, 1},
	    {"math.isfinite", m_isfinite, "x", 1, 1},
	    {"math.hypot", m_hypot, "*", 0, -1},
	    {"math.pow", m_pow, "x,y", 2, 2},
	    {"math.fmod", m_fmod, "x,y", 2, 2},
	    {"math.copysign", m_copysign, "x,y", 2, 2},
	    {"math.modf", m_modf, "x", 1, 1},
	    {"math.isclose", m_isclose, "*", 0, -1},
	    {"datetime.datetime", d_datetime, "year,month,day,hour=,minute=,second=,microsecond=", 3, 7, true,
	     Kind::DateTime},
	    {"datetime.date", d_date, "year,month,day", 3, 3, true, Kind::Date},
	    {"datetime.time", d_time, "hour=,minute=,second=,microsecond=", 0, 4, true, Kind::Time},
	    {"datetime.timedelta", d_timedelta,
	     "days=,seconds=,microseconds=,milliseconds=,minutes=,hours=,weeks=", 0, 7, true, Kind::TimeDelta},
	    {"datetime.datetime.strptime", d_strptime, "date_string,format", 2, 2},
	    {"datetime.datetime.fromisoformat", d_fromisoformat, "date_string", 1, 1},
	    {"datetime.datetime.combine", d_combine, "date,time", 2, 2},
	    {"datetime.datetime.utcfromtimestamp", d_utcfromtimestamp, "timestamp", 1, 1},
	    {"datetime.date.fromisoformat", d_date_fromisoformat, "date_string", 1, 1},
	    {"datetime.date.fromordinal", d_fromordinal, "n", 1, 1},
	    {"os.path.basename", p_basename, "p", 1, 1},
	    {"os.path.dirname", p_dirname, "p", 1, 1},
	    {"os.path.split", p_split, "p", 1, 1},
	    {"os.path.splitext", p_splitext, "p", 1, 1},
	    {"os.path.join", p_join, "*", 0, -1},
	    {"re.sub", re_sub, "pattern,repl,string,count=,flags=", 3, 5},
	    {"re.subn", re_subn, "pattern,repl,string,count=,flags=", 3, 5},
	    {"re.match", re_match, "pattern,string,flags=", 2, 3},
	    {"re.search", re_search, "pattern,string,flags=", 2, 3},
	    {"re.fullmatch", re_fullmatch, "pattern,string,flags=", 2, 3},
	    {"re.findall", re_findall, "pattern,string,flags=", 2, 3},
	    {"re.split", re_split, "pattern,string,maxsplit=,flags=", 2, 4},
	    {"re.escape", re_escape, "pattern", 1, 1},
	};
	return table;
}

struct Registry {
	std::map<std::string_view, const Builtin*, std::less<>> fns;
	std::map<std::string, Value, std::less<>> constants;
	Registry() {
		for (const auto& b : python_builtins())
			fns.emplace(b.name, &b);
		for (const auto& b : helper_builtins())
			fns.emplace(b.name, &b);
		const double pi = std::numbers::pi;
		constants.emplace("math.pi", Value::real(pi));
		constants.emplace("math.e", Value::real(std::numbers::e));
		constants.emplace("math.tau", Value::real(2 * pi));
		constants.emplace("math.inf", Value::real(HUGE_VAL));
		constants.emplace("math.nan", Value::real(std::nan("")));
		constants.emplace("NaN", Value::real(std::nan("")));
		constants.emplace("DEG", Value::real(pi / 180.0));
		constants.emplace("DEG_MAS", Value::real(1 / 3600000.));
		constants.emplace("DEG_ARCSEC", Value::real(1 / 3600.));
		constants.emplace("JD_MJD", Value::real(2400000.5));
		constants.emplace("utils.DEG", Value::real(pi / 180.0));
		constants.emplace("pgsphere.DEG", Value::real(pi / 180.0));
		// base.NotGiven in a bind means "use the parameter's default": an absent value.
		constants.emplace("base.NotGiven", Value::missing());
		constants.emplace("re.I", Value::integer(2));
		constants.emplace("re.IGNORECASE", Value::integer(2));
		constants.emplace("re.M", Value::integer(8));
		constants.emplace("re.MULTILINE", Value::integer(8));
		constants.emplace("re.S", Value::integer(16));
		constants.emplace("re.DOTALL", Value::integer(16));
		constants.emplace("re.X", Value::integer(64));
		constants.emplace("re.VERBOSE", Value::integer(64));
		for (auto& [k, v] : constants)
			v.make_immortal();
	}
};

const Registry& registry() {
	static const Registry r;
	return r;
}

} // namespace

const Builtin* find_builtin(std::string_view name) {
	const auto& r = registry();
	auto it = r.fns.find(name);
	return it == r.fns.end() ? nullptr : it->second;
}

std::optional<Value> find_constant(std::string_view name) {
	const auto& r = registry();
	auto it = r.constants.find(name);
	if (it == r.constants.end()) return std::nullopt;
	return it->second;
}

bool is_module(std::string_view p) {
	return p == "math" || p == "datetime" || p == "os" || p == "os.path" || p == "re" ||
	       p == "datetime.datetime" || p == "datetime.date" || p == "base" || p == "utils" || p == "pgsphere";
}

std::vector<std::string_view> global_names() {
	std::vector<std::string_view> out;
	for (const auto& [k, v] : registry().fns)
		if (k.find('.') == std::string_view::npos) out.push_back(k);
	for (const auto& [k, v] : registry().constants)
		if (k.find('.') == std::string::npos) out.push_back(k);
	return out;
}

// ---------------------------------------------------------------- calling

static std::vector<std::string_view> split_params(std::string_view params) {
	std::vector<std::string_view> out;
	std::size_t b = 0;
	while (b <= params.size() && !params.empty()) {
		auto e = params.find(',', b);
		std::string_view p = params.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
		if (!p.empty() && p.back() == '=') p.remove_suffix(1);
		out.push_back(p);
		if (e == std::string_view::npos) break;
		b = e + 1;
	}
	return out;
}

Value call(const Builtin* fn, Args args, KwNames kw) {
	if (fn->max_args < 0) return fn->fn(args, kw);
	std::size_t npos = args.size() - kw.size();
	if (kw.empty()) {
		if (static_cast<int>(npos) < fn->min_args || static_cast<int>(npos) > fn->max_args) {
			raise(PyExc::TypeError,
			      std::string(fn->name) + "() takes " +
			          (fn->min_args == fn->max_args
			               ? std::to_string(fn->min_args)
			               : "from " + std::to_string(fn->min_args) + " to " + std::to_string(fn->max_args)) +
			          " positional argument" + (fn->max_args == 1 ? "" : "s") + " but " +
			          std::to_string(npos) + (npos == 1 ? " was" : " were") + " given");
		}
		return fn->fn(args, {});
	}
	// Keywords at run time (a callable passed around as a value): sort them into place.
	auto params = split_params(fn->params);
	std::vector<Value> full(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(npos));
	for (std::size_t k = 0; k < kw.size(); ++k) {
		auto it = std::find(params.begin(), params.end(), kw[k]);
		if (it == params.end())
			raise(PyExc::TypeError,
			      std::string(fn->name) + "() got an unexpected keyword argument '" + kw[k] + "'");
		auto pos = static_cast<std::size_t>(it - params.begin());
		if (pos < npos)
			raise(PyExc::TypeError,
			      std::string(fn->name) + "() got multiple values for argument '" + kw[k] + "'");
		if (full.size() <= pos) full.resize(pos + 1, Value::missing());
		full[pos] = args[npos + k];
	}
	for (int i = 0; i < fn->min_args; ++i)
		if (static_cast<std::size_t>(i) >= full.size() || full[static_cast<std::size_t>(i)].is_missing())
			raise(PyExc::TypeError, std::string(fn->name) + "() missing required argument '" +
			                            std::string(params[static_cast<std::size_t>(i)]) + "'");
	return fn->fn(full, {});
}

Value call_value(const Value& fn, Args args, KwNames kw) {
	if (fn.kind() != Kind::Callable)
		raise(PyExc::TypeError, "'" + std::string(fn.type_name()) + "' object is not callable");
	return call(fn.as_callable(), args, kw);
}

} // namespace rt
} // namespace meles::rd::expr
