// Methods and attributes of the value kinds (str, bytes, list, dict, datetime, match, ...).
#include "expr/object.hpp"
#include "expr/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace meles::rd::expr::rt {

using detail::DictObj;
using detail::MatchObj;

namespace {

enum M : int {
	strip,
	lstrip,
	rstrip,
	split,
	rsplit,
	splitlines,
	lower,
	upper,
	casefold,
	replace,
	startswith,
	endswith,
	find,
	rfind,
	index,
	rindex,
	count,
	join,
	format,
	zfill,
	title,
	capitalize,
	swapcase,
	isdigit,
	isalpha,
	isalnum,
	isspace,
	isupper,
	islower,
	isnumeric,
	isdecimal,
	istitle,
	center,
	ljust,
	rjust,
	partition,
	rpartition,
	encode,
	decode,
	removeprefix,
	removesuffix,
	expandtabs,
	append,
	extend,
	insert,
	pop,
	remove,
	sort,
	reverse,
	copy,
	clear,
	get,
	keys,
	values,
	items,
	setdefault,
	update,
	isoformat,
	strftime_m,
	date_m,
	time_m,
	replace_dt,
	timestamp,
	weekday,
	isoweekday,
	toordinal,
	total_seconds,
	group,
	groups,
	groupdict,
	start,
	end,
	span,
	is_integer,
	bit_length,
	kMethodCount
};

const char* const kMethodNames[] = {
    "strip",      "lstrip",     "rstrip",    "split",         "rsplit",       "splitlines",   "lower",
    "upper",      "casefold",   "replace",   "startswith",    "endswith",     "find",         "rfind",
    "index",      "rindex",     "count",     "join",          "format",       "zfill",        "title",
    "capitalize", "swapcase",   "isdigit",   "isalpha",       "isalnum",      "isspace",      "isupper",
    "islower",    "isnumeric",  "isdecimal", "istitle",       "center",       "ljust",        "rjust",
    "partition",  "rpartition", "encode",    "decode",        "removeprefix", "removesuffix", "expandtabs",
    "append",     "extend",     "insert",    "pop",           "remove",       "sort",         "reverse",
    "copy",       "clear",      "get",       "keys",          "values",       "items",        "setdefault",
    "update",     "isoformat",  "strftime",  "date",          "time",         "replace",      "timestamp",
    "weekday",    "isoweekday", "toordinal", "total_seconds", "group",        "groups",       "groupdict",
    "start",      "end",        "span",      "is_integer",    "bit_length",
};
static_assert(sizeof(kMethodNames) / sizeof(kMethodNames[0]) == kMethodCount);

enum A : int {
	a_year,
	a_month,
	a_day,
	a_hour,
	a_minute,
	a_second,
	a_microsecond,
	a_days,
	a_seconds,
	a_microseconds,
	a_real,
	a_imag,
	kAttrCount
};
const char* const kAttrNames[] = {"year",        "month", "day",     "hour",         "minute", "second",
                                  "microsecond", "days",  "seconds", "microseconds", "real",   "imag"};

constexpr std::int64_t kUsPerDay = 86400000000LL;

// ---- case mapping: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic basics.
std::uint32_t to_lower_cp(std::uint32_t c) {
	if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
	if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x178 &&
	    c != 0x17F) {
		bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
		if (odd_upper) return (c % 2 == 1) ? c + 1 : c;
		return (c % 2 == 0) ? c + 1 : c;
	}
	if (c == 0x178) return 0xFF;
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
	if (c >= 0x410 && c <= 0x42F) return c + 32;
	if (c >= 0x400 && c <= 0x40F) return c + 80;
	return c;
}

std::uint32_t to_upper_cp(std::uint32_t c) {
	if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
	if (c == 0xFF) return 0x178;
	if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x178 &&
	    c != 0x17F) {
		bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
		if (odd_upper) return (c % 2 == 0) ? c - 1 : c;
		return (c % 2 == 1) ? c - 1 : c;
	}
	if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
	if (c == 0x3C2) return 0x3A3;
	if (c >= 0x430 && c <= 0x44F) return c - 32;
	if (c >= 0x450 && c <= 0x45F) return c - 80;
	return c;
}

bool is_alpha_cp(std::uint32_t c) {
	if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	return to_lower_cp(c) != c || to_upper_cp(c) != c || c == 0xDF || (c >= 0x4E00 && c <= 0x9FFF);
}
bool is_digit_cp(std::uint32_t c) {
	return c >= '0' && c <= '9';
}

template <typename F> std::string map_cps(std::string_view s, F f) {
	std::string out;
	out.reserve(s.size());
	if (is_ascii(s)) {
		for (char c : s)
			out += static_cast<char>(f(static_cast<std::uint32_t>(static_cast<unsigned char>(c))));
		return out;
	}
	for (std::size_t i = 0; i < s.size();)
		append_utf8(out, f(decode_utf8(s, i)));
	return out;
}

std::vector<std::uint32_t> cps_of(std::string_view s) {
	std::vector<std::uint32_t> v;
	for (std::size_t i = 0; i < s.size();)
		v.push_back(decode_utf8(s, i));
	return v;
}

template <typename P> bool all_cps(std::string_view s, P pred) {
	if (s.empty()) return false;
	for (std::size_t i = 0; i < s.size();)
		if (!pred(decode_utf8(s, i))) return false;
	return true;
}

// Byte offsets of the characters (or whitespace) to strip.
std::string_view strip_chars(std::string_view s, const Value* chars, bool left, bool right) {
	std::size_t b = 0, e = s.size();
	if (!chars || chars->is_none() || chars->is_missing()) {
		if (left)
			while (b < e) {
				std::size_t j = b;
				if (!is_py_space(decode_utf8(s, j))) break;
				b = j;
			}
		if (right)
			while (e > b) {
				std::size_t k = e - 1;
				while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80)
					--k;
				std::size_t j = k;
				if (!is_py_space(decode_utf8(s, j))) break;
				e = k;
			}
		return s.substr(b, e - b);
	}
	if (chars->kind() != Kind::Str && chars->kind() != Kind::Bytes)
		raise(PyExc::TypeError, "strip arg must be None or str");
	auto set = cps_of(chars->as_str());
	auto in = [&](std::uint32_t c) { return std::find(set.begin(), set.end(), c) != set.end(); };
	if (left)
		while (b < e) {
			std::size_t j = b;
			if (!in(decode_utf8(s, j))) break;
			b = j;
		}
	if (right)
		while (e > b) {
			std::size_t k = e - 1;
			while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80)
				--k;
			std::size_t j = k;
			if (!in(decode_utf8(s, j))) break;
			e = k;
		}
	return s.substr(b, e - b);
}

Value same_kind_str(const Value& self, std::string_view piece) {
	if (self.kind() == Kind::Bytes) return Value::bytes(std::string(piece));
	// Pieces of a borrowed string stay borrowed: strip()/split() cost no allocation.
	if (self.is_borrowed()) return Value::borrow(piece);
	return Value::str(std::string(piece));
}

bool arg_given(Args a, std::size_t i) {
	return i < a.size() && !a[i].is_missing();
}
const Value* opt(Args a, std::size_t i) {
	return arg_given(a, i) ? &a[i] : nullptr;
}

std::string_view str_arg(const Value& self, const Value& v, const char* method) {
	if (v.kind() != self.kind())
		raise(PyExc::TypeError, std::string(method) + "() argument must be " + std::string(self.type_name()) +
		                            ", not " + std::string(v.type_name()));
	return v.as_str();
}

std::int64_t int_arg(const Value& v, const char* what) {
	if (v.kind() == Kind::Int || v.kind() == Kind::Bool) return v.as_int();
	raise(PyExc::TypeError,
	      std::string(what) + ": an integer is required, not '" + std::string(v.type_name()) + "'");
}

Value do_split(const Value& self, Args args, KwNames kw, bool from_right) {
	// sep, maxsplit (also as keywords)
	const Value* sep = nullptr;
	std::int64_t maxsplit = -1;
	std::size_t npos = args.size() - kw.size();
	if (npos > 2) raise(PyExc::TypeError, "split() takes at most 2 arguments");
	if (npos >= 1) sep = &args[0];
	if (npos >= 2) maxsplit = int_arg(args[1], "maxsplit");
	for (std::size_t k = 0; k < kw.size(); ++k) {
		const Value& v = args[npos + k];
		if (kw[k] == "sep")
			sep = &v;
		else if (kw[k] == "maxsplit")
			maxsplit = int_arg(v, "maxsplit");
		else
			raise(PyExc::TypeError, "split() got an unexpected keyword argument '" + kw[k] + "'");
	}
	std::string_view s = self.as_str();
	std::vector<Value> out;
	if (!sep || sep->is_none()) {
		// Runs of whitespace; leading/trailing whitespace ignored.
		std::vector<std::pair<std::size_t, std::size_t>> words;
		std::size_t i = 0;
		auto space_at = [&](std::size_t pos, std::size_t& next) {
			next = pos;
			return is_py_space(decode_utf8(s, next));
		};
		if (!from_right) {
			std::int64_t splits = 0;
			while (i < s.size()) {
				std::size_t nx;
				while (i < s.size() && space_at(i, nx))
					i = nx;
				if (i >= s.size()) break;
				if (maxsplit >= 0 && splits >= maxsplit) {
					// Python keeps the rest as it is, trailing whitespace included.
					out.push_back(same_kind_str(self, s.substr(i)));
					return Value::list(std::move(out));
				}
				std::size_t b = i;
				while (i < s.size() && !space_at(i, nx))
					i = nx;
				out.push_back(same_kind_str(self, s.substr(b, i - b)));
				++splits;
			}
			return Value::list(std::move(out));
		}
		// rsplit without separator
		std::size_t e = s.size();
		std::int64_t splits = 0;
		while (e > 0) {
			while (e > 0 && std::isspace(static_cast<unsigned char>(s[e - 1])))
				--e;
			if (e == 0) break;
			if (maxsplit >= 0 && splits >= maxsplit) {
				out.push_back(same_kind_str(self, s.substr(0, e)));
				break;
			}
			std::size_t b = e;
			while (b > 0 && !std::isspace(static_cast<unsigned char>(s[b - 1])))
				--b;
			out.push_back(same_kind_str(self, s.substr(b, e - b)));
			e = b;
			++splits;
		}
		std::reverse(out.begin(), out.end());
		return Value::list(std::move(out));
	}
	std::string_view d = str_arg(self, *sep, "split");
	if (d.empty()) raise(PyExc::ValueError, "empty separator");
	if (!from_right) {
		std::size_t b = 0;
		std::int64_t splits = 0;
		while (true) {
			std::size_t f = (maxsplit >= 0 && splits >= maxsplit) ? std::string_view::npos : s.find(d, b);
			if (f == std::string_view::npos) {
				out.push_back(same_kind_str(self, s.substr(b)));
				break;
			}
			out.push_back(same_kind_str(self, s.substr(b, f - b)));
			b = f + d.size();
			++splits;
		}
		return Value::list(std::move(out));
	}
	std::size_t e = s.size();
	std::int64_t splits = 0;
	while (true) {
		std::size_t f = (maxsplit >= 0 && splits >= maxsplit) || e < d.size() ? std::string_view::npos
		                                                                      : s.rfind(d, e - d.size());
		if (f == std::string_view::npos) {
			out.push_back(same_kind_str(self, s.substr(0, e)));
			break;
		}
		out.push_back(same_kind_str(self, s.substr(f + d.size(), e - f - d.size())));
		e = f;
		++splits;
	}
	std::reverse(out.begin(), out.end());
	return Value::list(std::move(out));
}

// start/end arguments of find/count/startswith in code points -> byte range.
std::string_view sub_range(std::string_view s, Args args, std::size_t first, std::size_t& byte_base,
                           bool& ascii) {
	ascii = is_ascii(s);
	std::int64_t n = ascii ? static_cast<std::int64_t>(s.size()) : cp_length(s);
	std::int64_t b = 0, e = n;
	auto get = [&](std::size_t i, std::int64_t& out) {
		if (arg_given(args, i) && !args[i].is_none()) {
			out = int_arg(args[i], "slice index");
			if (out < 0) out = std::max<std::int64_t>(0, out + n);
			out = std::min(out, n);
		}
	};
	get(first, b);
	get(first + 1, e);
	if (e < b) e = b;
	std::size_t bb = ascii ? static_cast<std::size_t>(b) : cp_offset(s, b);
	std::size_t be = ascii ? static_cast<std::size_t>(e) : cp_offset(s, e);
	byte_base = bb;
	if (b > n) {
		byte_base = s.size();
		return {};
	}
	return s.substr(bb, be - bb);
}

std::int64_t to_cp_index(std::string_view s, std::size_t byte_pos, bool ascii) {
	if (ascii) return static_cast<std::int64_t>(byte_pos);
	return cp_length(s.substr(0, byte_pos));
}

bool prefix_test(const Value& self, const Value& arg, std::string_view sub, bool suffix) {
	auto test = [&](const Value& p) {
		std::string_view ps = str_arg(self, p, suffix ? "endswith" : "startswith");
		return suffix ? (sub.size() >= ps.size() && sub.substr(sub.size() - ps.size()) == ps)
		              : (sub.substr(0, ps.size()) == ps);
	};
	if (arg.kind() == Kind::Tuple) {
		for (const auto& p : arg.items())
			if (test(p)) return true;
		return false;
	}
	return test(arg);
}

std::string pad_str(std::string_view s, std::int64_t width, const Value* fillv, int where) {
	std::uint32_t fill = ' ';
	if (fillv) {
		if (fillv->kind() != Kind::Str || cp_length(fillv->as_str()) != 1)
			raise(PyExc::TypeError, "The fill character must be exactly one character long");
		std::size_t i = 0;
		fill = decode_utf8(fillv->as_str(), i);
	}
	std::int64_t n = cp_length(s);
	if (width <= n) return std::string(s);
	std::int64_t total = width - n, left = 0;
	if (where == 0)
		left = total / 2 + (total & width & 1); // Python's center rounding
	else if (where > 0)
		left = total;
	std::string out, f;
	append_utf8(f, fill);
	for (std::int64_t i = 0; i < left; ++i)
		out += f;
	out += s;
	for (std::int64_t i = left; i < total; ++i)
		out += f;
	return out;
}

Value list_sort(std::vector<Value>& items, const Value* key, bool reverse_order) {
	std::vector<Value> keys;
	if (key && !key->is_none()) {
		for (const auto& it : items)
			keys.push_back(call_value(*key, Args(&it, 1), {}));
	}
	std::vector<std::size_t> order(items.size());
	for (std::size_t i = 0; i < order.size(); ++i)
		order[i] = i;
	const auto& k = keys.empty() ? items : keys;
	std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
		return reverse_order ? py_compare(k[b], k[a]) < 0 : py_compare(k[a], k[b]) < 0;
	});
	std::vector<Value> sorted;
	sorted.reserve(items.size());
	for (auto i : order)
		sorted.push_back(items[i]);
	items = std::move(sorted);
	return Value();
}

void check_args(Args args, std::size_t min, std::size_t max, const char* name) {
	if (max == 0 && !args.empty())
		raise(PyExc::TypeError, std::string("str.") + name + "() takes no arguments (" +
		                            std::to_string(args.size()) + " given)");
	if (args.size() < min || args.size() > max) {
		raise(PyExc::TypeError,
		      std::string(name) + "() takes " +
		          (min == max ? std::to_string(min)
		                      : "from " + std::to_string(min) + " to " + std::to_string(max)) +
		          " arguments (" + std::to_string(args.size()) + " given)");
	}
}

Value iso_format(const Value& self, Args args) {
	std::string out;
	if (self.kind() == Kind::Date) return Value::str(self.str_text());
	if (self.kind() == Kind::Time) return Value::str(self.str_text());
	std::string s = self.str_text();
	char sep = 'T';
	if (arg_given(args, 0)) {
		if (args[0].kind() != Kind::Str || args[0].as_str().size() != 1)
			raise(PyExc::TypeError, "isoformat() argument 1 must be a unicode character");
		sep = args[0].as_str()[0];
	}
	s[10] = sep;
	if (arg_given(args, 1) && args[1].kind() == Kind::Str) {
		std::string_view spec = args[1].as_str();
		auto dot = s.find('.', 11);
		std::string base = s.substr(0, dot);
		std::string frac = dot == std::string::npos ? "000000" : s.substr(dot + 1);
		if (spec == "seconds") return Value::str(base);
		if (spec == "minutes") return Value::str(base.substr(0, 16));
		if (spec == "hours") return Value::str(base.substr(0, 13));
		if (spec == "milliseconds") return Value::str(base + "." + frac.substr(0, 3));
		if (spec == "microseconds") return Value::str(base + "." + frac);
		if (spec != "auto") raise(PyExc::ValueError, "Unknown timespec value");
	}
	return Value::str(s);
}

Value dt_replace(const Value& self, Args args, KwNames kw) {
	int y = 1, mo = 1, d = 1;
	std::int64_t tod = 0;
	if (self.kind() == Kind::Date)
		civil_from_days(self.as_days(), y, mo, d);
	else if (self.kind() == Kind::DateTime) {
		auto days = static_cast<std::int32_t>(self.as_int() / kUsPerDay);
		civil_from_days(days, y, mo, d);
		tod = self.as_int() - days * kUsPerDay;
	} else
		tod = self.as_int();
	int H = static_cast<int>(tod / 3600000000LL), M = static_cast<int>(tod / 60000000LL % 60),
	    S = static_cast<int>(tod / 1000000 % 60), us = static_cast<int>(tod % 1000000);
	if (args.size() != kw.size()) raise(PyExc::TypeError, "replace() takes keyword arguments only here");
	for (std::size_t k = 0; k < kw.size(); ++k) {
		int v = static_cast<int>(int_arg(args[k], "replace"));
		const std::string& n = kw[k];
		if (n == "year")
			y = v;
		else if (n == "month")
			mo = v;
		else if (n == "day")
			d = v;
		else if (n == "hour")
			H = v;
		else if (n == "minute")
			M = v;
		else if (n == "second")
			S = v;
		else if (n == "microsecond")
			us = v;
		else
			raise(PyExc::TypeError, "replace() got an unexpected keyword argument '" + n + "'");
	}
	if (self.kind() == Kind::Date) return Value::date(y, mo, d);
	if (self.kind() == Kind::DateTime) return Value::datetime(y, mo, d, H, M, S, us);
	Value probe = Value::datetime(2000, 1, 1, H, M, S, us);
	return Value::time_from_us(probe.as_int() % kUsPerDay);
}

[[noreturn]] void no_method(const Value& self, int m) {
	raise(PyExc::AttributeError,
	      "'" + std::string(self.type_name()) + "' object has no attribute '" + kMethodNames[m] + "'");
}

Value str_method(const Value& self, int m, Args args, KwNames kw) {
	std::string_view s = self.as_str();
	bool bytes = self.kind() == Kind::Bytes;
	if (!kw.empty() && m != split && m != rsplit && m != format && m != encode && m != decode &&
	    m != splitlines)
		raise(PyExc::TypeError, std::string(kMethodNames[m]) + "() takes no keyword arguments");
	switch (m) {
	case strip:
		check_args(args, 0, 1, "strip");
		return same_kind_str(self, strip_chars(s, opt(args, 0), true, true));
	case lstrip:
		check_args(args, 0, 1, "lstrip");
		return same_kind_str(self, strip_chars(s, opt(args, 0), true, false));
	case rstrip:
		check_args(args, 0, 1, "rstrip");
		return same_kind_str(self, strip_chars(s, opt(args, 0), false, true));
	case split:
		return do_split(self, args, kw, false);
	case rsplit:
		return do_split(self, args, kw, true);
	case splitlines: {
		bool keep = !args.empty() && args[0].truthy();
		std::vector<Value> out;
		std::size_t b = 0;
		for (std::size_t i = 0; i < s.size(); ++i) {
			if (s[i] == '\n' || s[i] == '\r') {
				std::size_t e = i;
				if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
				out.push_back(same_kind_str(self, s.substr(b, (keep ? i + 1 : e) - b)));
				b = i + 1;
			}
		}
		if (b < s.size()) out.push_back(same_kind_str(self, s.substr(b)));
		return Value::list(std::move(out));
	}
	case lower:
	case casefold:
		check_args(args, 0, 0, kMethodNames[m]);
		return bytes ? Value::bytes(map_cps(s, [](std::uint32_t c) { return c < 0x80 ? to_lower_cp(c) : c; }))
		             : Value::str(map_cps(s, to_lower_cp));
	case upper: {
		check_args(args, 0, 0, "upper");
		if (bytes)
			return Value::bytes(map_cps(s, [](std::uint32_t c) { return c < 0x80 ? to_upper_cp(c) : c; }));
		std::string up = map_cps(s, to_upper_cp);
		// The one common full case mapping: German sharp s becomes "SS".
		for (std::size_t p = up.find("\xc3\x9f"); p != std::string::npos; p = up.find("\xc3\x9f", p))
			up.replace(p, 2, "SS");
		return Value::str(std::move(up));
	}
	case swapcase:
		check_args(args, 0, 0, "swapcase");
		return Value::str(map_cps(s, [](std::uint32_t c) {
			std::uint32_t l = to_lower_cp(c);
			return l != c ? l : to_upper_cp(c);
		}));
	case title:
	case capitalize: {
		check_args(args, 0, 0, kMethodNames[m]);
		std::string out;
		bool prev_cased = false, first = true;
		for (std::size_t i = 0; i < s.size();) {
			std::uint32_t c = decode_utf8(s, i);
			std::uint32_t r;
			if (m == title) {
				r = prev_cased ? to_lower_cp(c) : to_upper_cp(c);
				prev_cased = is_alpha_cp(c);
			} else {
				r = first ? to_upper_cp(c) : to_lower_cp(c);
			}
			first = false;
			append_utf8(out, r);
		}
		return bytes ? Value::bytes(out) : Value::str(out);
	}
	case replace: {
		check_args(args, 2, 3, "replace");
		std::string_view from = str_arg(self, args[0], "replace"), to = str_arg(self, args[1], "replace");
		std::int64_t limit = args.size() > 2 ? int_arg(args[2], "replace") : -1;
		std::string out;
		if (from.empty()) {
			// Inserts `to` between characters (and at both ends).
			std::int64_t done = 0;
			std::size_t i = 0;
			if (limit != 0) {
				out += to;
				++done;
			}
			while (i < s.size()) {
				std::size_t b = i;
				decode_utf8(s, i);
				out += s.substr(b, i - b);
				if (i < s.size() && (limit < 0 || done < limit)) {
					out += to;
					++done;
				} else if (i == s.size() && (limit < 0 || done < limit)) {
					out += to;
					++done;
				}
			}
			return bytes ? Value::bytes(out) : Value::str(out);
		}
		std::size_t b = 0;
		std::int64_t done = 0;
		while (limit < 0 || done < limit) {
			std::size_t f = s.find(from, b);
			if (f == std::string_view::npos) break;
			out += s.substr(b, f - b);
			out += to;
			b = f + from.size();
			++done;
		}
		out += s.substr(b);
		return bytes ? Value::bytes(out) : Value::str(out);
	}
	case startswith:
	case endswith: {
		check_args(args, 1, 3, kMethodNames[m]);
		std::size_t base;
		bool ascii;
		std::string_view sub = sub_range(s, args, 1, base, ascii);
		if (args.size() > 1 && base == s.size() && sub.empty() && arg_given(args, 1) &&
		    int_arg(args[1], "slice") > static_cast<std::int64_t>(s.size()))
			return Value::boolean(false);
		return Value::boolean(prefix_test(self, args[0], sub, m == endswith));
	}
	case find:
	case rfind:
	case index:
	case rindex:
	case count: {
		check_args(args, 1, 3, kMethodNames[m]);
		std::string_view needle = str_arg(self, args[0], kMethodNames[m]);
		std::size_t base;
		bool ascii;
		std::string_view sub = sub_range(s, args, 1, base, ascii);
		if (m == count) {
			if (needle.empty())
				return Value::integer((ascii ? static_cast<std::int64_t>(sub.size()) : cp_length(sub)) + 1);
			std::int64_t n = 0;
			for (std::size_t p = sub.find(needle); p != std::string_view::npos;
			     p = sub.find(needle, p + needle.size()))
				++n;
			return Value::integer(n);
		}
		std::size_t p = (m == find || m == index) ? sub.find(needle) : sub.rfind(needle);
		if (p == std::string_view::npos) {
			if (m == index || m == rindex) raise(PyExc::ValueError, "substring not found");
			return Value::integer(-1);
		}
		return Value::integer(to_cp_index(s, base + p, ascii));
	}
	case join: {
		check_args(args, 1, 1, "join");
		std::vector<Value> parts = iterate(args[0]);
		std::string out;
		for (std::size_t i = 0; i < parts.size(); ++i) {
			if (parts[i].kind() != self.kind())
				raise(PyExc::TypeError, "sequence item " + std::to_string(i) + ": expected " +
				                            std::string(bytes ? "a bytes-like object" : "str instance") +
				                            ", " + std::string(parts[i].type_name()) + " found");
			if (i) out += s;
			out += parts[i].as_str();
		}
		return bytes ? Value::bytes(out) : Value::str(out);
	}
	case format:
		if (bytes) no_method(self, m);
		return Value::str(str_format(s, args, kw));
	case zfill: {
		check_args(args, 1, 1, "zfill");
		std::int64_t w = int_arg(args[0], "zfill");
		std::int64_t n = cp_length(s);
		if (w <= n) return self;
		std::string out;
		std::size_t start = 0;
		if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
			out += s[0];
			start = 1;
		}
		out.append(static_cast<std::size_t>(w - n), '0');
		out += s.substr(start);
		return bytes ? Value::bytes(out) : Value::str(out);
	}
	case isdigit:
	case isnumeric:
	case isdecimal:
		return Value::boolean(all_cps(s, is_digit_cp));
	case isalpha:
		return Value::boolean(all_cps(s, is_alpha_cp));
	case isalnum:
		return Value::boolean(all_cps(s, [](std::uint32_t c) { return is_alpha_cp(c) || is_digit_cp(c); }));
	case isspace:
		return Value::boolean(all_cps(s, is_py_space));
	case isupper:
	case islower: {
		bool cased = false;
		for (std::size_t i = 0; i < s.size();) {
			std::uint32_t c = decode_utf8(s, i);
			bool lo = to_upper_cp(c) != c, up = to_lower_cp(c) != c;
			if (m == isupper && lo) return Value::boolean(false);
			if (m == islower && up) return Value::boolean(false);
			cased = cased || lo || up;
		}
		return Value::boolean(cased);
	}
	case istitle: {
		bool prev_cased = false, cased = false;
		for (std::size_t i = 0; i < s.size();) {
			std::uint32_t c = decode_utf8(s, i);
			bool up = to_lower_cp(c) != c, lo = to_upper_cp(c) != c;
			if (up) {
				if (prev_cased) return Value::boolean(false);
				prev_cased = cased = true;
			} else if (lo) {
				if (!prev_cased) return Value::boolean(false);
				prev_cased = cased = true;
			} else
				prev_cased = false;
		}
		return Value::boolean(cased);
	}
	case center:
	case ljust:
	case rjust: {
		check_args(args, 1, 2, kMethodNames[m]);
		std::string out = pad_str(s, int_arg(args[0], kMethodNames[m]), opt(args, 1),
		                          m == center  ? 0
		                          : m == ljust ? -1
		                                       : 1);
		return bytes ? Value::bytes(out) : Value::str(out);
	}
	case partition:
	case rpartition: {
		check_args(args, 1, 1, kMethodNames[m]);
		std::string_view sep = str_arg(self, args[0], kMethodNames[m]);
		if (sep.empty()) raise(PyExc::ValueError, "empty separator");
		std::size_t p = m == partition ? s.find(sep) : s.rfind(sep);
		Value empty = same_kind_str(self, {});
		if (p == std::string_view::npos) {
			if (m == partition) return Value::tuple({self, empty, empty});
			return Value::tuple({empty, empty, self});
		}
		return Value::tuple(
		    {same_kind_str(self, s.substr(0, p)), args[0], same_kind_str(self, s.substr(p + sep.size()))});
	}
	case encode:
		if (bytes) no_method(self, m);
		return Value::bytes(std::string(s));
	case decode:
		if (!bytes) no_method(self, m);
		return Value::str(std::string(s));
	case removeprefix:
	case removesuffix: {
		check_args(args, 1, 1, kMethodNames[m]);
		std::string_view a = str_arg(self, args[0], kMethodNames[m]);
		if (m == removeprefix && s.substr(0, a.size()) == a) return same_kind_str(self, s.substr(a.size()));
		if (m == removesuffix && !a.empty() && s.size() >= a.size() && s.substr(s.size() - a.size()) == a)
			return same_kind_str(self, s.substr(0, s.size() - a.size()));
		return self;
	}
	case expandtabs: {
		std::int64_t ts = args.empty() ? 8 : int_arg(args[0], "expandtabs");
		std::string out;
		std::int64_t col = 0;
		for (char c : s) {
			if (c == '\t') {
				if (ts > 0) {
					std::int64_t n = ts - col % ts;
					out.append(static_cast<std::size_t>(n), ' ');
					col += n;
				}
			} else {
				out += c;
				col = (c == '\n' || c == '\r') ? 0 : col + 1;
			}
		}
		return Value::str(out);
	}
	default:
		break;
	}
	no_method(self, m);
}

Value list_method(const Value& self, int m, Args args, KwNames kw) {
	const auto& items = self.items();
	bool is_list = self.kind() == Kind::List;
	switch (m) {
	case index: {
		check_args(args, 1, 3, "index");
		std::int64_t n = static_cast<std::int64_t>(items.size());
		std::int64_t b = args.size() > 1 ? int_arg(args[1], "index") : 0,
		             e = args.size() > 2 ? int_arg(args[2], "index") : n;
		if (b < 0) b = std::max<std::int64_t>(0, b + n);
		if (e < 0) e = std::max<std::int64_t>(0, e + n);
		for (std::int64_t i = b; i < std::min(e, n); ++i)
			if (py_equal(items[static_cast<std::size_t>(i)], args[0])) return Value::integer(i);
		if (!is_list) raise(PyExc::ValueError, "tuple.index(x): x not in tuple");
		raise(PyExc::ValueError, args[0].repr() + " is not in list");
	}
	case count: {
		check_args(args, 1, 1, "count");
		std::int64_t n = 0;
		for (const auto& it : items)
			if (py_equal(it, args[0])) ++n;
		return Value::integer(n);
	}
	default:
		break;
	}
	if (!is_list) no_method(self, m);
	Value me = self;
	switch (m) {
	case append:
		check_args(args, 1, 1, "append");
		me.mutable_items().push_back(args[0]);
		return Value();
	case extend: {
		check_args(args, 1, 1, "extend");
		auto more = iterate(args[0]);
		auto& v = me.mutable_items();
		v.insert(v.end(), more.begin(), more.end());
		return Value();
	}
	case insert: {
		check_args(args, 2, 2, "insert");
		auto& v = me.mutable_items();
		std::int64_t n = static_cast<std::int64_t>(v.size()), i = int_arg(args[0], "insert");
		if (i < 0) i = std::max<std::int64_t>(0, i + n);
		i = std::min(i, n);
		v.insert(v.begin() + i, args[1]);
		return Value();
	}
	case pop: {
		check_args(args, 0, 1, "pop");
		auto& v = me.mutable_items();
		if (v.empty()) raise(PyExc::IndexError, "pop from empty list");
		std::int64_t n = static_cast<std::int64_t>(v.size()),
		             i = args.empty() ? n - 1 : int_arg(args[0], "pop");
		if (i < 0) i += n;
		if (i < 0 || i >= n) raise(PyExc::IndexError, "pop index out of range");
		Value r = v[static_cast<std::size_t>(i)];
		v.erase(v.begin() + i);
		return r;
	}
	case remove: {
		check_args(args, 1, 1, "remove");
		auto& v = me.mutable_items();
		for (auto it = v.begin(); it != v.end(); ++it)
			if (py_equal(*it, args[0])) {
				v.erase(it);
				return Value();
			}
		raise(PyExc::ValueError, "list.remove(x): x not in list");
	}
	case sort: {
		const Value* key = nullptr;
		bool rev = false;
		if (args.size() != kw.size()) raise(PyExc::TypeError, "sort() takes no positional arguments");
		for (std::size_t k = 0; k < kw.size(); ++k) {
			if (kw[k] == "key")
				key = &args[k];
			else if (kw[k] == "reverse")
				rev = args[k].truthy();
			else
				raise(PyExc::TypeError, "sort() got an unexpected keyword argument '" + kw[k] + "'");
		}
		return list_sort(me.mutable_items(), key, rev);
	}
	case reverse:
		std::reverse(me.mutable_items().begin(), me.mutable_items().end());
		return Value();
	case copy:
		return Value::list(items);
	case clear:
		me.mutable_items().clear();
		return Value();
	default:
		no_method(self, m);
	}
}

Value dict_method(const Value& self, int m, Args args, KwNames) {
	auto* d = static_cast<DictObj*>(self.heap());
	switch (m) {
	case get: {
		check_args(args, 1, 2, "get");
		if (const Value* v = self.dict_find(args[0])) return *v;
		return args.size() > 1 ? args[1] : Value();
	}
	case keys:
		return Value::list(d->keys);
	case values:
		return Value::list(d->vals);
	case items: {
		std::vector<Value> out;
		for (std::size_t i = 0; i < d->keys.size(); ++i)
			out.push_back(Value::tuple({d->keys[i], d->vals[i]}));
		return Value::list(std::move(out));
	}
	case copy: {
		std::vector<std::pair<Value, Value>> kv;
		for (std::size_t i = 0; i < d->keys.size(); ++i)
			kv.emplace_back(d->keys[i], d->vals[i]);
		return Value::dict(std::move(kv));
	}
	case pop:
	case setdefault:
	case update:
	case clear:
		if (d->immortal) raise(PyExc::TypeError, "a constant dict cannot be modified");
		if (m == pop) {
			check_args(args, 1, 2, "pop");
			auto i = d->find(args[0]);
			if (i < 0) {
				if (args.size() > 1) return args[1];
				raise(PyExc::KeyError, args[0].repr());
			}
			Value r = d->vals[static_cast<std::size_t>(i)];
			d->erase_at(static_cast<std::size_t>(i));
			return r;
		}
		if (m == setdefault) {
			check_args(args, 1, 2, "setdefault");
			auto i = d->find(args[0]);
			if (i >= 0) return d->vals[static_cast<std::size_t>(i)];
			Value dv = args.size() > 1 ? args[1] : Value();
			d->put(args[0], dv);
			return dv;
		}
		if (m == update) {
			check_args(args, 1, 1, "update");
			if (args[0].kind() != Kind::Dict) raise(PyExc::TypeError, "update() needs a dict here");
			for (std::size_t i = 0; i < args[0].dict_keys().size(); ++i)
				d->put(args[0].dict_keys()[i], args[0].dict_values()[i]);
			return Value();
		}
		d->keys.clear();
		d->vals.clear();
		d->index.clear();
		return Value();
	default:
		no_method(self, m);
	}
}

Value temporal_method(const Value& self, int m, Args args, KwNames kw) {
	Kind k = self.kind();
	switch (m) {
	case isoformat:
		if (k == Kind::TimeDelta) break;
		return iso_format(self, args);
	case strftime_m:
		if (k == Kind::TimeDelta) break;
		check_args(args, 1, 1, "strftime");
		if (args[0].kind() != Kind::Str) raise(PyExc::TypeError, "strftime() argument 1 must be str");
		return Value::str(strftime(self, args[0].as_str()));
	case date_m:
		if (k != Kind::DateTime) break;
		return Value::date_from_days(static_cast<std::int32_t>(self.as_int() / kUsPerDay));
	case time_m:
		if (k != Kind::DateTime) break;
		return Value::time_from_us(self.as_int() % kUsPerDay);
	case replace_dt:
		return dt_replace(self, args, kw);
	case timestamp:
		if (k != Kind::DateTime) break;
		// Naive datetimes are taken as UTC (DaCHS runs with TZ=UTC).
		return Value::real(static_cast<double>(self.as_int() - 719162LL * kUsPerDay) / 1e6);
	case weekday:
	case isoweekday: {
		if (k != Kind::Date && k != Kind::DateTime) break;
		std::int64_t days = k == Kind::Date ? self.as_days() : self.as_int() / kUsPerDay;
		return Value::integer(days % 7 + (m == isoweekday ? 1 : 0));
	}
	case toordinal:
		if (k != Kind::Date && k != Kind::DateTime) break;
		return Value::integer((k == Kind::Date ? self.as_days() : self.as_int() / kUsPerDay) + 1);
	case total_seconds:
		if (k != Kind::TimeDelta) break;
		return Value::real(static_cast<double>(self.as_int()) / 1e6);
	default:
		break;
	}
	no_method(self, m);
}

Value match_method(const Value& self, int m, Args args) {
	auto* mo = static_cast<MatchObj*>(self.heap());
	auto group_index = [&](const Value& g) -> std::size_t {
		if (g.kind() == Kind::Str) {
			for (const auto& [name, gi] : mo->names)
				if (name == g.as_str()) return static_cast<std::size_t>(gi);
			raise(PyExc::IndexError, "no such group");
		}
		std::int64_t i = int_arg(g, "group");
		if (i < 0 || i >= static_cast<std::int64_t>(mo->groups.size()))
			raise(PyExc::IndexError, "no such group");
		return static_cast<std::size_t>(i);
	};
	auto grp = [&](std::size_t i, const Value& dflt) -> Value {
		return mo->groups[i] ? Value::str(*mo->groups[i]) : dflt;
	};
	switch (m) {
	case group: {
		if (args.empty()) return grp(0, Value());
		if (args.size() == 1) return grp(group_index(args[0]), Value());
		std::vector<Value> out;
		for (const auto& a : args)
			out.push_back(grp(group_index(a), Value()));
		return Value::tuple(std::move(out));
	}
	case groups: {
		Value dflt = args.empty() ? Value() : args[0];
		std::vector<Value> out;
		for (std::size_t i = 1; i < mo->groups.size(); ++i)
			out.push_back(grp(i, dflt));
		return Value::tuple(std::move(out));
	}
	case groupdict: {
		std::vector<std::pair<Value, Value>> out;
		for (const auto& [name, gi] : mo->names)
			out.emplace_back(Value::str(name), grp(static_cast<std::size_t>(gi), Value()));
		return Value::dict(std::move(out));
	}
	case start:
	case end:
	case span: {
		std::size_t i = args.empty() ? 0 : group_index(args[0]);
		auto [b, e] = mo->spans[i];
		if (m == start) return Value::integer(b);
		if (m == end) return Value::integer(e);
		return Value::tuple({Value::integer(b), Value::integer(e)});
	}
	default:
		no_method(self, m);
	}
}

} // namespace

std::optional<int> method_id(std::string_view name) {
	for (int i = 0; i < kMethodCount; ++i)
		if (name == kMethodNames[i]) return i;
	return std::nullopt;
}

std::string_view method_name(int id) {
	return kMethodNames[id];
}

Value call_method(const Value& self, int m, Args args, KwNames kw) {
	// "replace" and "copy"/"count"/"index" exist on several kinds; the name table has one
	// id per spelling, so map the shared spellings by receiver kind here.
	switch (self.kind()) {
	case Kind::Str:
	case Kind::Bytes:
		return str_method(self, m, args, kw);
	case Kind::List:
	case Kind::Tuple:
		return list_method(self, m, args, kw);
	case Kind::Dict:
		return dict_method(self, m, args, kw);
	case Kind::Date:
	case Kind::DateTime:
	case Kind::Time:
	case Kind::TimeDelta:
		return temporal_method(self, m == replace ? replace_dt : m, args, kw);
	case Kind::Match:
		return match_method(self, m, args);
	case Kind::Float:
		if (m == is_integer)
			return Value::boolean(std::isfinite(self.as_float()) &&
			                      self.as_float() == std::floor(self.as_float()));
		break;
	case Kind::Int:
	case Kind::Bool:
		if (m == bit_length) {
			std::uint64_t x = self.as_int() < 0 ? 0 - static_cast<std::uint64_t>(self.as_int())
			                                    : static_cast<std::uint64_t>(self.as_int());
			int n = 0;
			while (x) {
				++n;
				x >>= 1;
			}
			return Value::integer(n);
		}
		break;
	case Kind::Set:
		if (m == copy) return Value::set(self.items());
		break;
	default:
		break;
	}
	no_method(self, m);
}

std::optional<int> attr_id(std::string_view name) {
	for (int i = 0; i < kAttrCount; ++i)
		if (name == kAttrNames[i]) return i;
	return std::nullopt;
}

Value get_attr(const Value& obj, int a) {
	Kind k = obj.kind();
	if (k == Kind::Date || k == Kind::DateTime) {
		int y, mo, d;
		std::int64_t days = k == Kind::Date ? obj.as_days() : obj.as_int() / kUsPerDay;
		civil_from_days(static_cast<std::int32_t>(days), y, mo, d);
		if (a == a_year) return Value::integer(y);
		if (a == a_month) return Value::integer(mo);
		if (a == a_day) return Value::integer(d);
	}
	if (k == Kind::DateTime || k == Kind::Time) {
		std::int64_t tod = k == Kind::Time ? obj.as_int() : obj.as_int() % kUsPerDay;
		if (a == a_hour) return Value::integer(tod / 3600000000LL);
		if (a == a_minute) return Value::integer(tod / 60000000LL % 60);
		if (a == a_second) return Value::integer(tod / 1000000 % 60);
		if (a == a_microsecond) return Value::integer(tod % 1000000);
	}
	if (k == Kind::TimeDelta) {
		std::int64_t us = obj.as_int();
		std::int64_t days = us / kUsPerDay;
		if (us % kUsPerDay < 0) --days;
		std::int64_t rest = us - days * kUsPerDay;
		if (a == a_days) return Value::integer(days);
		if (a == a_seconds) return Value::integer(rest / 1000000);
		if (a == a_microseconds) return Value::integer(rest % 1000000);
	}
	if (obj.is_number()) {
		if (a == a_real) return k == Kind::Bool ? Value::integer(obj.as_int()) : obj;
		if (a == a_imag) return k == Kind::Float ? Value::real(0.0) : Value::integer(0);
	}
	raise(PyExc::AttributeError,
	      "'" + std::string(obj.type_name()) + "' object has no attribute '" + kAttrNames[a] + "'");
}

} // namespace meles::rd::expr::rt
