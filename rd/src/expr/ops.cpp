// Operators, conversions, subscripts and iteration with Python semantics.
#include "expr/object.hpp"
#include "expr/runtime.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace meles::rd::expr::rt {

using detail::DictObj;
using detail::MatchObj;

// ---------------------------------------------------------------- UTF-8

bool is_ascii(std::string_view s) {
	for (unsigned char c : s)
		if (c >= 0x80) return false;
	return true;
}

std::int64_t cp_length(std::string_view s) {
	std::int64_t n = 0;
	for (unsigned char c : s)
		if ((c & 0xC0) != 0x80) ++n;
	return n;
}

std::size_t cp_offset(std::string_view s, std::int64_t cp) {
	if (cp <= 0) return 0;
	std::size_t i = 0;
	std::int64_t n = 0;
	for (; i < s.size(); ++i) {
		if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
			if (n == cp) return i;
			++n;
		}
	}
	return s.size();
}

void append_utf8(std::string& out, std::uint32_t cp) {
	if (cp < 0x80)
		out += static_cast<char>(cp);
	else if (cp < 0x800) {
		out += static_cast<char>(0xC0 | (cp >> 6));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out += static_cast<char>(0xE0 | (cp >> 12));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	} else {
		out += static_cast<char>(0xF0 | (cp >> 18));
		out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	}
}

std::uint32_t decode_utf8(std::string_view s, std::size_t& i) {
	auto c = static_cast<unsigned char>(s[i++]);
	if (c < 0x80) return c;
	int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
	std::uint32_t cp = c & (0x3F >> extra);
	for (int k = 0; k < extra && i < s.size(); ++k) {
		auto d = static_cast<unsigned char>(s[i]);
		if ((d & 0xC0) != 0x80) break;
		cp = (cp << 6) | (d & 0x3F);
		++i;
	}
	return cp;
}

bool is_py_space(std::uint32_t cp) {
	if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
	return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// ---------------------------------------------------------------- checked ints

std::int64_t add_int(std::int64_t a, std::int64_t b) {
	std::int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		raise(PyExc::OverflowError, "integer result does not fit in 64 bits");
	return r;
}

static std::int64_t sub_int(std::int64_t a, std::int64_t b) {
	std::int64_t r;
	if (__builtin_sub_overflow(a, b, &r))
		raise(PyExc::OverflowError, "integer result does not fit in 64 bits");
	return r;
}

std::int64_t mul_int(std::int64_t a, std::int64_t b) {
	std::int64_t r;
	if (__builtin_mul_overflow(a, b, &r))
		raise(PyExc::OverflowError, "integer result does not fit in 64 bits");
	return r;
}

static std::int64_t floordiv_int(std::int64_t a, std::int64_t b) {
	if (b == 0) raise(PyExc::ZeroDivisionError, "integer division or modulo by zero");
	if (a == std::numeric_limits<std::int64_t>::min() && b == -1)
		raise(PyExc::OverflowError, "integer result does not fit in 64 bits");
	std::int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
	return q;
}

static std::int64_t mod_int(std::int64_t a, std::int64_t b) {
	if (b == 0) raise(PyExc::ZeroDivisionError, "integer modulo by zero");
	if (b == -1) return 0;
	std::int64_t r = a % b;
	if (r != 0 && ((r < 0) != (b < 0))) r += b;
	return r;
}

// CPython's float_divmod.
static void float_divmod(double vx, double wx, double& floordiv, double& mod) {
	mod = std::fmod(vx, wx);
	double div = (vx - mod) / wx;
	if (mod != 0.0) {
		if ((wx < 0) != (mod < 0)) {
			mod += wx;
			div -= 1.0;
		}
	} else {
		mod = std::copysign(0.0, wx);
	}
	if (div != 0.0) {
		floordiv = std::floor(div);
		if (div - floordiv > 0.5) floordiv += 1.0;
	} else {
		floordiv = std::copysign(0.0, vx / wx);
	}
}

// ---------------------------------------------------------------- conversions

static bool digits_with_underscores(std::string_view s, std::string& clean) {
	// Python allows single underscores between digits only.
	clean.clear();
	for (std::size_t i = 0; i < s.size(); ++i) {
		char c = s[i];
		if (c == '_') {
			if (i == 0 || i + 1 == s.size() || !std::isdigit(static_cast<unsigned char>(s[i - 1])) ||
			    !std::isdigit(static_cast<unsigned char>(s[i + 1])))
				return false;
			continue;
		}
		clean += c;
	}
	return true;
}

static std::string_view strip_py(std::string_view s) {
	std::size_t b = 0, e = s.size();
	while (b < e && (s[b] == ' ' || (s[b] >= 9 && s[b] <= 13)))
		++b;
	while (e > b && (s[e - 1] == ' ' || (s[e - 1] >= 9 && s[e - 1] <= 13)))
		--e;
	return s.substr(b, e - b);
}

static bool ieq(std::string_view a, std::string_view b) {
	if (a.size() != b.size()) return false;
	for (std::size_t i = 0; i < a.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
	return true;
}

bool parse_py_float(std::string_view s, double& out) {
	// Fast path: the plain forms that std::from_chars reads the way Python does.
	if (!s.empty() && s[0] != '+' && s[0] != ' ') {
		auto r = std::from_chars(s.data(), s.data() + s.size(), out);
		if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
			// from_chars also reads "nan(…)" and bare "infinity" spellings; both fine for
			// Python except "nan(…)", which Python rejects.
			if (std::isnan(out) && s.back() == ')') return false;
			return true;
		}
		if (r.ec == std::errc::result_out_of_range && r.ptr == s.data() + s.size()) {
			// Overflow gives ±inf and underflow 0 in Python.
			bool neg = s[0] == '-';
			std::string_view body = neg ? s.substr(1) : s;
			auto e = body.find_first_of("eE");
			bool tiny = e != std::string_view::npos && body.find('-', e) != std::string_view::npos;
			out = tiny ? (neg ? -0.0 : 0.0) : (neg ? -HUGE_VAL : HUGE_VAL);
			return true;
		}
	}
	std::string_view t = strip_py(s);
	if (t.empty()) return false;
	bool neg = false;
	std::string_view body = t;
	if (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-';
		body.remove_prefix(1);
	}
	if (ieq(body, "inf") || ieq(body, "infinity")) {
		out = neg ? -HUGE_VAL : HUGE_VAL;
		return true;
	}
	if (ieq(body, "nan")) {
		out = std::nan("");
		return true;
	}
	if (body.empty()) return false;
	for (char c : body)
		if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '+' ||
		      c == '-' || c == '_'))
			return false;
	std::string clean;
	if (body.find('_') != std::string_view::npos) {
		if (!digits_with_underscores(body, clean)) return false;
		body = clean;
	}
	if (body[0] == '+' || body[0] == '-') return false;
	double v;
	auto r = std::from_chars(body.data(), body.data() + body.size(), v);
	if (r.ptr != body.data() + body.size()) return false;
	if (r.ec == std::errc::result_out_of_range) {
		auto e = body.find_first_of("eE");
		bool tiny = e != std::string_view::npos && body.find('-', e) != std::string_view::npos;
		v = tiny ? 0.0 : HUGE_VAL;
	} else if (r.ec != std::errc()) {
		return false;
	}
	out = neg ? -v : v;
	return true;
}

bool parse_py_int(std::string_view s, std::int64_t& out, bool& overflow) {
	overflow = false;
	std::string_view t = s;
	if (t.empty() || !(std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '-'))
		t = strip_py(s);
	else if (std::isspace(static_cast<unsigned char>(t.back())))
		t = strip_py(s);
	if (t.empty()) return false;
	bool neg = false;
	std::string_view body = t;
	if (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-';
		body.remove_prefix(1);
	}
	if (body.empty()) return false;
	std::string clean;
	if (body.find('_') != std::string_view::npos) {
		if (!digits_with_underscores(body, clean)) return false;
		body = clean;
	}
	std::uint64_t acc = 0;
	for (char c : body) {
		if (c < '0' || c > '9') return false;
		if (acc > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) overflow = true;
		acc = acc * 10 + static_cast<unsigned>(c - '0');
	}
	if (overflow) return true;
	if (neg) {
		if (acc > 9223372036854775808ULL)
			overflow = true;
		else
			out = static_cast<std::int64_t>(0 - acc);
	} else {
		if (acc > 9223372036854775807ULL)
			overflow = true;
		else
			out = static_cast<std::int64_t>(acc);
	}
	return true;
}

Value to_float(const Value& v) {
	switch (v.kind()) {
	case Kind::Float:
		return v;
	case Kind::Int:
	case Kind::Bool:
		return Value::real(static_cast<double>(v.as_int()));
	case Kind::Str:
	case Kind::Bytes: {
		double d;
		if (parse_py_float(v.as_str(), d)) return Value::real(d);
		raise(PyExc::ValueError, "could not convert string to float: " + v.repr());
	}
	default:
		raise(PyExc::TypeError,
		      "float() argument must be a string or a real number, not '" + std::string(v.type_name()) + "'");
	}
}

static std::int64_t float_to_int(double d) {
	if (std::isnan(d)) raise(PyExc::ValueError, "cannot convert float NaN to integer");
	if (std::isinf(d)) raise(PyExc::OverflowError, "cannot convert float infinity to integer");
	double t = std::trunc(d);
	if (t >= 9223372036854775808.0 || t < -9223372036854775808.0)
		raise(PyExc::OverflowError, "integer result does not fit in 64 bits");
	return static_cast<std::int64_t>(t);
}

Value to_int(const Value& v) {
	switch (v.kind()) {
	case Kind::Int:
		return v;
	case Kind::Bool:
		return Value::integer(v.as_int());
	case Kind::Float:
		return Value::integer(float_to_int(v.as_float()));
	case Kind::Str:
	case Kind::Bytes: {
		std::int64_t i;
		bool overflow;
		if (parse_py_int(v.as_str(), i, overflow)) {
			if (overflow) raise(PyExc::OverflowError, "integer literal does not fit in 64 bits: " + v.repr());
			return Value::integer(i);
		}
		raise(PyExc::ValueError, "invalid literal for int() with base 10: " + v.repr());
	}
	default:
		raise(PyExc::TypeError,
		      "int() argument must be a string, a bytes-like object or a real number, not '" +
		          std::string(v.type_name()) + "'");
	}
}

Value to_str(const Value& v) {
	if (v.kind() == Kind::Str) return v;
	return Value::str(v.str_text());
}

std::int64_t index_of(const Value& v, std::string_view what) {
	if (v.kind() == Kind::Int || v.kind() == Kind::Bool) return v.as_int();
	raise(PyExc::TypeError,
	      std::string(what) + " indices must be integers or slices, not " + std::string(v.type_name()));
}

// ---------------------------------------------------------------- binary operators

std::string_view binop_symbol(BinOp op) {
	switch (op) {
	case BinOp::Add:
		return "+";
	case BinOp::Sub:
		return "-";
	case BinOp::Mul:
		return "*";
	case BinOp::Div:
		return "/";
	case BinOp::FloorDiv:
		return "//";
	case BinOp::Mod:
		return "%";
	case BinOp::Pow:
		return "**";
	case BinOp::BitAnd:
		return "&";
	case BinOp::BitOr:
		return "|";
	case BinOp::BitXor:
		return "^";
	case BinOp::LShift:
		return "<<";
	case BinOp::RShift:
		return ">>";
	}
	return "?";
}

[[noreturn]] static void operand_error(BinOp op, const Value& a, const Value& b) {
	raise(PyExc::TypeError, "unsupported operand type(s) for " + std::string(binop_symbol(op)) + ": '" +
	                            std::string(a.type_name()) + "' and '" + std::string(b.type_name()) + "'");
}

static bool intlike(const Value& v) {
	return v.kind() == Kind::Int || v.kind() == Kind::Bool;
}

static Value int_pow(std::int64_t base, std::int64_t exp) {
	if (exp < 0) {
		if (base == 0) raise(PyExc::ZeroDivisionError, "0.0 cannot be raised to a negative power");
		return Value::real(std::pow(static_cast<double>(base), static_cast<double>(exp)));
	}
	std::int64_t result = 1;
	while (exp) {
		if (exp & 1) result = mul_int(result, base);
		exp >>= 1;
		if (exp) base = mul_int(base, base);
	}
	return Value::integer(result);
}

static Value float_pow(double x, double y) {
	if (x == 0.0 && y < 0.0) raise(PyExc::ZeroDivisionError, "0.0 cannot be raised to a negative power");
	if (x < 0.0 && std::isfinite(x) && std::isfinite(y) && y != std::floor(y))
		raise(PyExc::ValueError,
		      "negative number raised to a fractional power (complex results are not supported)");
	double r = std::pow(x, y);
	if (std::isinf(r) && std::isfinite(x) && std::isfinite(y))
		raise(PyExc::OverflowError, "(34, 'Numerical result out of range')");
	return Value::real(r);
}

static Value repeat_seq(const Value& seq, std::int64_t n) {
	if (seq.kind() == Kind::Str || seq.kind() == Kind::Bytes) {
		std::string out;
		if (n > 0) {
			auto s = seq.as_str();
			if (static_cast<double>(s.size()) * static_cast<double>(n) > 1e9)
				raise(PyExc::OverflowError, "repeated string is too long");
			out.reserve(s.size() * static_cast<std::size_t>(n));
			for (std::int64_t i = 0; i < n; ++i)
				out += s;
		}
		return seq.kind() == Kind::Str ? Value::str(std::move(out)) : Value::bytes(std::move(out));
	}
	std::vector<Value> out;
	if (n > 0) {
		const auto& it = seq.items();
		if (static_cast<double>(it.size()) * static_cast<double>(n) > 1e8)
			raise(PyExc::OverflowError, "repeated sequence is too long");
		for (std::int64_t i = 0; i < n; ++i)
			out.insert(out.end(), it.begin(), it.end());
	}
	return seq.kind() == Kind::List ? Value::list(std::move(out)) : Value::tuple(std::move(out));
}

static constexpr std::int64_t kUsPerDay = 86400000000LL;
static constexpr std::int64_t kMaxDateTimeUs = 3652059LL * kUsPerDay; // 9999-12-31 + 1 day

static Value checked_datetime(std::int64_t us) {
	if (us < 0 || us >= kMaxDateTimeUs) raise(PyExc::OverflowError, "date value out of range");
	return Value::datetime_from_us(us);
}

static Value checked_date(std::int64_t days) {
	if (days < 0 || days >= 3652059) raise(PyExc::OverflowError, "date value out of range");
	return Value::date_from_days(static_cast<std::int32_t>(days));
}

static std::int64_t round_half_even(double x) {
	double r = std::nearbyint(x); // default rounding mode: to nearest, ties to even
	return static_cast<std::int64_t>(r);
}

static Value temporal_binary(BinOp op, const Value& a, const Value& b) {
	Kind ka = a.kind(), kb = b.kind();
	if (op == BinOp::Add) {
		if (ka == Kind::TimeDelta && kb != Kind::TimeDelta) return temporal_binary(op, b, a);
		if (kb == Kind::TimeDelta) {
			if (ka == Kind::DateTime) return checked_datetime(add_int(a.as_int(), b.as_int()));
			if (ka == Kind::Date) return checked_date(a.as_days() + floordiv_int(b.as_int(), kUsPerDay));
			if (ka == Kind::TimeDelta) return Value::timedelta_us(add_int(a.as_int(), b.as_int()));
		}
	} else if (op == BinOp::Sub) {
		if (kb == Kind::TimeDelta) {
			if (ka == Kind::DateTime) return checked_datetime(sub_int(a.as_int(), b.as_int()));
			if (ka == Kind::Date) return checked_date(a.as_days() - floordiv_int(b.as_int(), kUsPerDay));
			if (ka == Kind::TimeDelta) return Value::timedelta_us(sub_int(a.as_int(), b.as_int()));
		}
		if (ka == Kind::DateTime && kb == Kind::DateTime) return Value::timedelta_us(a.as_int() - b.as_int());
		if (ka == Kind::Date && kb == Kind::Date)
			return Value::timedelta_us((static_cast<std::int64_t>(a.as_days()) - b.as_days()) * kUsPerDay);
	} else if (op == BinOp::Mul) {
		if (ka != Kind::TimeDelta) return temporal_binary(op, b, a);
		if (intlike(b)) return Value::timedelta_us(mul_int(a.as_int(), b.as_int()));
		if (kb == Kind::Float)
			return Value::timedelta_us(round_half_even(static_cast<double>(a.as_int()) * b.as_float()));
	} else if (op == BinOp::Div && ka == Kind::TimeDelta) {
		if (kb == Kind::TimeDelta) {
			if (b.as_int() == 0) raise(PyExc::ZeroDivisionError, "division by zero");
			return Value::real(static_cast<double>(a.as_int()) / static_cast<double>(b.as_int()));
		}
		if (b.is_number()) {
			double d = b.number();
			if (d == 0) raise(PyExc::ZeroDivisionError, "division by zero");
			return Value::timedelta_us(round_half_even(static_cast<double>(a.as_int()) / d));
		}
	} else if (op == BinOp::FloorDiv && ka == Kind::TimeDelta) {
		if (kb == Kind::TimeDelta) return Value::integer(floordiv_int(a.as_int(), b.as_int()));
		if (intlike(b)) return Value::timedelta_us(floordiv_int(a.as_int(), b.as_int()));
	} else if (op == BinOp::Mod && ka == Kind::TimeDelta && kb == Kind::TimeDelta) {
		return Value::timedelta_us(mod_int(a.as_int(), b.as_int()));
	}
	operand_error(op, a, b);
}

static bool is_temporal(Kind k) {
	return k == Kind::Date || k == Kind::DateTime || k == Kind::TimeDelta || k == Kind::Time;
}

Value binary(BinOp op, const Value& a, const Value& b) {
	Kind ka = a.kind(), kb = b.kind();
	// Numbers first: the hot path.
	if (ka == Kind::Float || kb == Kind::Float) {
		if (a.is_number() && b.is_number()) {
			double x = a.number(), y = b.number();
			switch (op) {
			case BinOp::Add:
				return Value::real(x + y);
			case BinOp::Sub:
				return Value::real(x - y);
			case BinOp::Mul:
				return Value::real(x * y);
			case BinOp::Div:
				if (y == 0.0) raise(PyExc::ZeroDivisionError, "float division by zero");
				return Value::real(x / y);
			case BinOp::FloorDiv: {
				if (y == 0.0) raise(PyExc::ZeroDivisionError, "float floor division by zero");
				double q, m;
				float_divmod(x, y, q, m);
				return Value::real(q);
			}
			case BinOp::Mod: {
				if (y == 0.0) raise(PyExc::ZeroDivisionError, "float modulo");
				double q, m;
				float_divmod(x, y, q, m);
				return Value::real(m);
			}
			case BinOp::Pow:
				return float_pow(x, y);
			default:
				operand_error(op, a, b);
			}
		}
	} else if (intlike(a) && intlike(b)) {
		std::int64_t x = a.as_int(), y = b.as_int();
		bool both_bool = ka == Kind::Bool && kb == Kind::Bool;
		switch (op) {
		case BinOp::Add:
			return Value::integer(add_int(x, y));
		case BinOp::Sub:
			return Value::integer(sub_int(x, y));
		case BinOp::Mul:
			return Value::integer(mul_int(x, y));
		case BinOp::Div:
			if (y == 0) raise(PyExc::ZeroDivisionError, "division by zero");
			return Value::real(static_cast<double>(x) / static_cast<double>(y));
		case BinOp::FloorDiv:
			return Value::integer(floordiv_int(x, y));
		case BinOp::Mod:
			return Value::integer(mod_int(x, y));
		case BinOp::Pow:
			return int_pow(x, y);
		case BinOp::BitAnd:
			return both_bool ? Value::boolean(x & y) : Value::integer(x & y);
		case BinOp::BitOr:
			return both_bool ? Value::boolean(x | y) : Value::integer(x | y);
		case BinOp::BitXor:
			return both_bool ? Value::boolean(x ^ y) : Value::integer(x ^ y);
		case BinOp::LShift:
			if (y < 0) raise(PyExc::ValueError, "negative shift count");
			if (y >= 64 || (x != 0 && (y >= 63 || (x << y) >> y != x)))
				raise(PyExc::OverflowError, "integer result does not fit in 64 bits");
			return Value::integer(x << y);
		case BinOp::RShift:
			if (y < 0) raise(PyExc::ValueError, "negative shift count");
			return Value::integer(y >= 64 ? (x < 0 ? -1 : 0) : (x >> y));
		}
	}
	// Sequences and strings.
	switch (op) {
	case BinOp::Add:
		if (ka == kb && (ka == Kind::Str || ka == Kind::Bytes)) {
			std::string s;
			s.reserve(a.as_str().size() + b.as_str().size());
			s += a.as_str();
			s += b.as_str();
			return ka == Kind::Str ? Value::str(std::move(s)) : Value::bytes(std::move(s));
		}
		if (ka == kb && (ka == Kind::List || ka == Kind::Tuple)) {
			std::vector<Value> out(a.items());
			out.insert(out.end(), b.items().begin(), b.items().end());
			return ka == Kind::List ? Value::list(std::move(out)) : Value::tuple(std::move(out));
		}
		if ((ka == Kind::Str || ka == Kind::List || ka == Kind::Tuple) && kb != ka && !is_temporal(kb))
			raise(PyExc::TypeError, "can only concatenate " + std::string(a.type_name()) + " (not \"" +
			                            std::string(b.type_name()) + "\") to " + std::string(a.type_name()));
		break;
	case BinOp::Mul:
		if ((ka == Kind::Str || ka == Kind::Bytes || ka == Kind::List || ka == Kind::Tuple) && intlike(b))
			return repeat_seq(a, b.as_int());
		if ((kb == Kind::Str || kb == Kind::Bytes || kb == Kind::List || kb == Kind::Tuple) && intlike(a))
			return repeat_seq(b, a.as_int());
		if (ka == Kind::Str || ka == Kind::Bytes || ka == Kind::List || ka == Kind::Tuple)
			raise(PyExc::TypeError,
			      "can't multiply sequence by non-int of type '" + std::string(b.type_name()) + "'");
		if (kb == Kind::Str || kb == Kind::Bytes || kb == Kind::List || kb == Kind::Tuple)
			raise(PyExc::TypeError,
			      "can't multiply sequence by non-int of type '" + std::string(a.type_name()) + "'");
		break;
	case BinOp::Mod:
		if (ka == Kind::Str) return Value::str(percent_format(a.as_str(), b));
		break;
	case BinOp::BitOr:
		if (ka == Kind::Dict && kb == Kind::Dict) {
			std::vector<std::pair<Value, Value>> items;
			for (std::size_t i = 0; i < a.dict_keys().size(); ++i)
				items.emplace_back(a.dict_keys()[i], a.dict_values()[i]);
			for (std::size_t i = 0; i < b.dict_keys().size(); ++i)
				items.emplace_back(b.dict_keys()[i], b.dict_values()[i]);
			return Value::dict(std::move(items));
		}
		if (ka == Kind::Set && kb == Kind::Set) {
			std::vector<Value> items(a.items());
			items.insert(items.end(), b.items().begin(), b.items().end());
			return Value::set(std::move(items));
		}
		break;
	case BinOp::BitAnd:
		if (ka == Kind::Set && kb == Kind::Set) {
			std::vector<Value> items;
			for (const auto& x : a.items())
				if (b.dict_find(x)) items.push_back(x);
			return Value::set(std::move(items));
		}
		break;
	case BinOp::Sub:
		if (ka == Kind::Set && kb == Kind::Set) {
			std::vector<Value> items;
			for (const auto& x : a.items())
				if (!b.dict_find(x)) items.push_back(x);
			return Value::set(std::move(items));
		}
		break;
	default:
		break;
	}
	if (is_temporal(ka) || is_temporal(kb)) return temporal_binary(op, a, b);
	operand_error(op, a, b);
}

Value unary(UnOp op, const Value& a) {
	switch (a.kind()) {
	case Kind::Int:
	case Kind::Bool:
		if (op == UnOp::Neg) return Value::integer(sub_int(0, a.as_int()));
		if (op == UnOp::Pos) return Value::integer(a.as_int());
		return Value::integer(~a.as_int());
	case Kind::Float:
		if (op == UnOp::Neg) return Value::real(-a.as_float());
		if (op == UnOp::Pos) return a;
		break;
	case Kind::TimeDelta:
		if (op == UnOp::Neg) return Value::timedelta_us(-a.as_int());
		if (op == UnOp::Pos) return a;
		break;
	default:
		break;
	}
	const char* sym = op == UnOp::Neg ? "-" : op == UnOp::Pos ? "+" : "~";
	raise(PyExc::TypeError,
	      std::string("bad operand type for unary ") + sym + ": '" + std::string(a.type_name()) + "'");
}

bool contains(const Value& c, const Value& item) {
	switch (c.kind()) {
	case Kind::Str:
		if (item.kind() != Kind::Str)
			raise(PyExc::TypeError,
			      "'in <string>' requires string as left operand, not " + std::string(item.type_name()));
		return c.as_str().find(item.as_str()) != std::string_view::npos;
	case Kind::Bytes:
		if (item.kind() == Kind::Bytes) return c.as_str().find(item.as_str()) != std::string_view::npos;
		if (intlike(item)) return c.as_str().find(static_cast<char>(item.as_int())) != std::string_view::npos;
		raise(PyExc::TypeError,
		      "a bytes-like object is required, not '" + std::string(item.type_name()) + "'");
	case Kind::List:
	case Kind::Tuple:
		for (const auto& x : c.items())
			if (py_equal(x, item)) return true;
		return false;
	case Kind::Dict:
	case Kind::Set:
		return c.dict_find(item) != nullptr;
	default:
		raise(PyExc::TypeError, "argument of type '" + std::string(c.type_name()) + "' is not iterable");
	}
}

bool is_same(const Value& a, const Value& b) {
	if (a.kind() != b.kind()) return false;
	switch (a.kind()) {
	case Kind::None:
	case Kind::Missing:
		return true;
	case Kind::Bool:
	case Kind::Int:
	case Kind::Date:
	case Kind::DateTime:
	case Kind::Time:
	case Kind::TimeDelta:
		return a.as_int() == b.as_int();
	case Kind::Float:
		return a.as_float() == b.as_float();
	case Kind::Callable:
		return a.as_callable() == b.as_callable();
	case Kind::Str:
		if (a.is_borrowed() || b.is_borrowed())
			return a.as_str().data() == b.as_str().data() && a.as_str().size() == b.as_str().size();
		return a.heap() == b.heap();
	default:
		return a.heap() == b.heap();
	}
}

// ---------------------------------------------------------------- subscripts

static std::int64_t norm_index(std::int64_t i, std::int64_t n, const char* what) {
	if (i < 0) i += n;
	if (i < 0 || i >= n) raise(PyExc::IndexError, std::string(what) + " index out of range");
	return i;
}

Value subscript(const Value& obj, const Value& index) {
	switch (obj.kind()) {
	case Kind::Str: {
		auto s = obj.as_str();
		if (!intlike(index))
			raise(PyExc::TypeError,
			      "string indices must be integers, not '" + std::string(index.type_name()) + "'");
		std::int64_t i = index.as_int();
		if (is_ascii(s)) {
			i = norm_index(i, static_cast<std::int64_t>(s.size()), "string");
			return Value::str(std::string(1, s[static_cast<std::size_t>(i)]));
		}
		i = norm_index(i, cp_length(s), "string");
		std::size_t b = cp_offset(s, i), e = cp_offset(s, i + 1);
		return Value::str(std::string(s.substr(b, e - b)));
	}
	case Kind::Bytes: {
		auto s = obj.as_str();
		std::int64_t i = norm_index(index_of(index, "byte"), static_cast<std::int64_t>(s.size()), "index");
		return Value::integer(static_cast<unsigned char>(s[static_cast<std::size_t>(i)]));
	}
	case Kind::List:
	case Kind::Tuple: {
		const auto& it = obj.items();
		const char* what = obj.kind() == Kind::List ? "list" : "tuple";
		std::int64_t i = norm_index(index_of(index, what), static_cast<std::int64_t>(it.size()), what);
		return it[static_cast<std::size_t>(i)];
	}
	case Kind::Dict: {
		if (const Value* v = obj.dict_find(index)) return *v;
		raise(PyExc::KeyError, index.repr());
	}
	case Kind::Match: {
		auto* m = static_cast<MatchObj*>(obj.heap());
		std::int64_t g = -1;
		if (index.kind() == Kind::Str) {
			for (const auto& [name, gi] : m->names)
				if (name == index.as_str()) g = gi;
		} else if (intlike(index)) {
			g = index.as_int();
		}
		if (g < 0 || g >= static_cast<std::int64_t>(m->groups.size()))
			raise(PyExc::IndexError, "no such group");
		const auto& grp = m->groups[static_cast<std::size_t>(g)];
		return grp ? Value::str(*grp) : Value();
	}
	default:
		raise(PyExc::TypeError, "'" + std::string(obj.type_name()) + "' object is not subscriptable");
	}
}

// Python's PySlice_AdjustIndices.
static void adjust_slice(std::int64_t n, const Value& lo, const Value& hi, const Value& st,
                         std::int64_t& start, std::int64_t& stop, std::int64_t& step) {
	auto idx = [](const Value& v) -> std::int64_t {
		if (intlike(v)) return v.as_int();
		raise(PyExc::TypeError, "slice indices must be integers or None");
	};
	step = (st.is_none() || st.is_missing()) ? 1 : idx(st);
	if (step == 0) raise(PyExc::ValueError, "slice step cannot be zero");
	bool has_lo = !(lo.is_none() || lo.is_missing()), has_hi = !(hi.is_none() || hi.is_missing());
	if (step > 0) {
		start = has_lo ? idx(lo) : 0;
		stop = has_hi ? idx(hi) : n;
		if (start < 0)
			start = std::max<std::int64_t>(0, start + n);
		else
			start = std::min(start, n);
		if (stop < 0)
			stop = std::max<std::int64_t>(0, stop + n);
		else
			stop = std::min(stop, n);
	} else {
		start = has_lo ? idx(lo) : n - 1;
		stop = has_hi ? idx(hi) : -1;
		if (has_lo) {
			if (start < 0)
				start = std::max<std::int64_t>(-1, start + n);
			else
				start = std::min(start, n - 1);
		}
		if (has_hi) {
			if (stop < 0)
				stop = std::max<std::int64_t>(-1, stop + n);
			else
				stop = std::min(stop, n - 1);
		}
	}
}

Value slice(const Value& obj, const Value& lo, const Value& hi, const Value& st) {
	std::int64_t start, stop, step;
	switch (obj.kind()) {
	case Kind::Str:
	case Kind::Bytes: {
		auto s = obj.as_str();
		bool ascii = obj.kind() == Kind::Bytes || is_ascii(s);
		std::int64_t n = ascii ? static_cast<std::int64_t>(s.size()) : cp_length(s);
		adjust_slice(n, lo, hi, st, start, stop, step);
		if (step == 1) {
			if (stop <= start) return obj.kind() == Kind::Str ? Value::borrow({}) : Value::bytes({});
			std::size_t b = ascii ? static_cast<std::size_t>(start) : cp_offset(s, start);
			std::size_t e = ascii ? static_cast<std::size_t>(stop) : cp_offset(s, stop);
			if (obj.kind() == Kind::Bytes) return Value::bytes(std::string(s.substr(b, e - b)));
			// A slice of a borrowed string borrows the same text: no copy per row.
			if (obj.is_borrowed()) return Value::borrow(s.substr(b, e - b));
			return Value::str(std::string(s.substr(b, e - b)));
		}
		std::string out;
		if (ascii) {
			for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
				out += s[static_cast<std::size_t>(i)];
		} else {
			std::vector<std::string_view> cps;
			for (std::size_t i = 0; i < s.size();) {
				std::size_t b = i;
				decode_utf8(s, i);
				cps.push_back(s.substr(b, i - b));
			}
			for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
				out += cps[static_cast<std::size_t>(i)];
		}
		return obj.kind() == Kind::Str ? Value::str(std::move(out)) : Value::bytes(std::move(out));
	}
	case Kind::List:
	case Kind::Tuple: {
		const auto& it = obj.items();
		adjust_slice(static_cast<std::int64_t>(it.size()), lo, hi, st, start, stop, step);
		std::vector<Value> out;
		for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
			out.push_back(it[static_cast<std::size_t>(i)]);
		return obj.kind() == Kind::List ? Value::list(std::move(out)) : Value::tuple(std::move(out));
	}
	default:
		raise(PyExc::TypeError, "'" + std::string(obj.type_name()) + "' object is not subscriptable");
	}
}

std::vector<Value> iterate(const Value& v) {
	switch (v.kind()) {
	case Kind::Str: {
		std::vector<Value> out;
		auto s = v.as_str();
		for (std::size_t i = 0; i < s.size();) {
			std::size_t b = i;
			decode_utf8(s, i);
			out.push_back(v.is_borrowed() ? Value::borrow(s.substr(b, i - b))
			                              : Value::str(std::string(s.substr(b, i - b))));
		}
		return out;
	}
	case Kind::Bytes: {
		std::vector<Value> out;
		for (unsigned char c : v.as_str())
			out.push_back(Value::integer(c));
		return out;
	}
	case Kind::List:
	case Kind::Tuple:
	case Kind::Set:
		return v.items();
	case Kind::Dict:
		return v.dict_keys();
	default:
		raise(PyExc::TypeError, "'" + std::string(v.type_name()) + "' object is not iterable");
	}
}

std::int64_t length(const Value& v) {
	switch (v.kind()) {
	case Kind::Str:
		return is_ascii(v.as_str()) ? static_cast<std::int64_t>(v.as_str().size()) : cp_length(v.as_str());
	case Kind::Bytes:
		return static_cast<std::int64_t>(v.as_str().size());
	case Kind::List:
	case Kind::Tuple:
	case Kind::Set:
		return static_cast<std::int64_t>(v.items().size());
	case Kind::Dict:
		return static_cast<std::int64_t>(v.dict_keys().size());
	default:
		raise(PyExc::TypeError, "object of type '" + std::string(v.type_name()) + "' has no len()");
	}
}

} // namespace meles::rd::expr::rt
