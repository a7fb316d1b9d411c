// rd/src/expr/runtime.hpp — the Python object protocol behind compiled expressions.
//
// Operators, conversions, subscripts, method calls and builtin functions, shared by the
// compiled node tree and by constant folding.  Everything raises ExprError (Python
// exception class + message) without a position; the evaluator adds the position.
// Thread-safety: pure functions over values owned by the calling thread.
#pragma once

#include "meles/rd/expr/value.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd::expr {

using Args = std::span<const Value>;
using KwNames = std::span<const std::string>;
// A builtin receives positional arguments followed by keyword arguments; `kw` names the
// trailing ones.  Functions with a fixed parameter list get keywords already sorted into
// their positions by the compiler (absent optional parameters are Value::missing()).
using BuiltinFn = Value (*)(Args args, KwNames kw);

struct Builtin {
	std::string_view name; // as written in expressions: "float", "math.sin", "hmsToDeg"
	BuiltinFn fn;
	std::string_view params; // "literal,baseParser,nullLiteral=,default=,checker="; "*" = variadic
	int min_args;
	int max_args;                   // -1: any number (then keywords are passed through by name)
	bool pure = true;               // may be folded at compile time when all arguments are constant
	Kind type_kind = Kind::Missing; // for type objects (int, str, ...): isinstance() target
};

namespace rt {

enum class BinOp : std::uint8_t {
	Add,
	Sub,
	Mul,
	Div,
	FloorDiv,
	Mod,
	Pow,
	BitAnd,
	BitOr,
	BitXor,
	LShift,
	RShift
};
enum class UnOp : std::uint8_t { Neg, Pos, Invert };
std::string_view binop_symbol(BinOp op);

Value binary(BinOp op, const Value& a, const Value& b);
Value unary(UnOp op, const Value& a);
bool contains(const Value& container, const Value& item); // `item in container`
bool is_same(const Value& a, const Value& b);             // `a is b`
Value subscript(const Value& obj, const Value& index);
Value slice(const Value& obj, const Value& lo, const Value& hi, const Value& step);
std::vector<Value> iterate(const Value& v);
std::int64_t length(const Value& v);

// Calls.
Value call(const Builtin* fn, Args args, KwNames kw);
Value call_value(const Value& fn, Args args, KwNames kw);

// Methods and attributes are resolved to ids at compile time; an unknown name is outside
// the supported subset.
std::optional<int> method_id(std::string_view name);
std::string_view method_name(int id);
Value call_method(const Value& self, int method, Args args, KwNames kw);
std::optional<int> attr_id(std::string_view name);
Value get_attr(const Value& obj, int attr);

// Conversions with Python's rules.
Value to_float(const Value& v);                       // float(x)
Value to_int(const Value& v);                         // int(x)
Value to_str(const Value& v);                         // str(x)
bool parse_py_float(std::string_view s, double& out); // float("…") grammar incl. blanks, _, inf, nan
bool parse_py_int(std::string_view s, std::int64_t& out, bool& overflow); // int("…"), base 10
std::int64_t index_of(const Value& v, std::string_view what);             // an int for indexing

// Checked integer arithmetic (OverflowError beyond 64 bits).
std::int64_t add_int(std::int64_t a, std::int64_t b);
std::int64_t mul_int(std::int64_t a, std::int64_t b);

// String formatting.
std::string format_value(const Value& v, std::string_view spec);     // format(v, spec)
std::string str_format(std::string_view fmt, Args args, KwNames kw); // "…".format(…)
std::string percent_format(std::string_view fmt, const Value& args); // "…" % args

// UTF-8 helpers (Python indexes strings by code point).
bool is_ascii(std::string_view s);
std::int64_t cp_length(std::string_view s);
std::size_t cp_offset(std::string_view s, std::int64_t cp); // byte offset of code point cp (clamped)
void append_utf8(std::string& out, std::uint32_t cp);
std::uint32_t decode_utf8(std::string_view s, std::size_t& i); // advances i
bool is_py_space(std::uint32_t cp);

// Dates.
std::string strftime(const Value& v, std::string_view fmt);
// datetime.strptime semantics; throws ValueError on mismatch.  %z offsets are applied so
// that the (naive) result is UTC.
Value strptime(std::string_view s, std::string_view fmt);
std::int64_t datetime_us(const Value& v, std::string_view what); // datetime or date -> us
Value datetime_plus_days(const Value& base, double days);        // as base + timedelta(days=x)

// Registry of global names (builtins, DaCHS helpers, module members).
const Builtin* find_builtin(std::string_view dotted_name);
// Module-level constants: math.pi, NaN, ...
std::optional<Value> find_constant(std::string_view dotted_name);
bool is_module(std::string_view dotted_prefix); // "math", "datetime", "os.path", ...
std::vector<std::string_view> global_names();   // for did-you-mean hints

// Regular expressions (Python re syntax translated to ECMAScript).
Value re_call(std::string_view fn, Args args, KwNames kw);

} // namespace rt
} // namespace meles::rd::expr
