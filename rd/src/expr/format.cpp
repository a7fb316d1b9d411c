// String formatting: format(v, spec), str.format and the % operator, as Python does them.
#include "expr/object.hpp"
#include "expr/runtime.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace meles::rd::expr::rt {

namespace {

struct Spec {
	std::uint32_t fill = ' ';
	char align = 0; // < > ^ =
	char sign = '-';
	bool alt = false;
	bool zero = false;
	std::int64_t width = -1;
	char grouping = 0; // , or _
	int precision = -1;
	char type = 0;
};

[[noreturn]] void bad_spec(std::string_view spec) {
	raise(PyExc::ValueError, "Invalid format specifier '" + std::string(spec) + "'");
}

Spec parse_spec(std::string_view s) {
	Spec sp;
	std::size_t i = 0;
	auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
	// [[fill]align]: the fill may be any character, including multi-byte ones.
	if (!s.empty()) {
		std::size_t j = 0;
		std::uint32_t cp = decode_utf8(s, j);
		if (j < s.size() && is_align(s[j])) {
			sp.fill = cp;
			sp.align = s[j];
			i = j + 1;
		} else if (is_align(s[0])) {
			sp.align = s[0];
			i = 1;
		}
	}
	if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
	if (i < s.size() && s[i] == 'z') ++i;
	if (i < s.size() && s[i] == '#') {
		sp.alt = true;
		++i;
	}
	if (i < s.size() && s[i] == '0') {
		sp.zero = true;
		++i;
	}
	if (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
		sp.width = 0;
		while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
			sp.width = sp.width * 10 + (s[i++] - '0');
		if (sp.width > 100000) bad_spec(s);
	}
	if (i < s.size() && (s[i] == ',' || s[i] == '_')) sp.grouping = s[i++];
	if (i < s.size() && s[i] == '.') {
		++i;
		if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i])))
			raise(PyExc::ValueError, "Format specifier missing precision");
		sp.precision = 0;
		while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
			sp.precision = sp.precision * 10 + (s[i++] - '0');
		if (sp.precision > 1000) bad_spec(s);
	}
	if (i < s.size()) sp.type = s[i++];
	if (i != s.size()) bad_spec(s);
	if (sp.zero && !sp.align) {
		sp.fill = '0';
		sp.align = '=';
	}
	return sp;
}

// Pads `body` (whose sign/prefix part is `prefix`) to the spec's width.
std::string pad(const Spec& sp, std::string_view prefix, std::string_view body, char default_align) {
	char align = sp.align ? sp.align : default_align;
	std::int64_t len = cp_length(prefix) + cp_length(body);
	std::string fill;
	append_utf8(fill, sp.fill);
	std::string out;
	std::int64_t missing = sp.width > len ? sp.width - len : 0;
	auto repeat = [&](std::int64_t n) {
		for (std::int64_t k = 0; k < n; ++k)
			out += fill;
	};
	switch (align) {
	case '<':
		out += prefix;
		out += body;
		repeat(missing);
		break;
	case '^':
		repeat(missing / 2);
		out += prefix;
		out += body;
		repeat(missing - missing / 2);
		break;
	case '=':
		out += prefix;
		repeat(missing);
		out += body;
		break;
	default:
		repeat(missing);
		out += prefix;
		out += body;
	}
	return out;
}

std::string group_digits(std::string_view digits, char sep, int every) {
	std::string out;
	int n = static_cast<int>(digits.size());
	for (int i = 0; i < n; ++i) {
		if (i && (n - i) % every == 0) out += sep;
		out += digits[static_cast<std::size_t>(i)];
	}
	return out;
}

// For '=' alignment with zero padding Python puts the padding zeros inside the grouping;
// we keep it simple and pad outside, which matches for the usual no-grouping case.
std::string format_int(std::int64_t v, const Spec& sp, std::string_view spec) {
	char t = sp.type ? sp.type : 'd';
	if (sp.precision >= 0) raise(PyExc::ValueError, "Precision not allowed in integer format specifier");
	std::uint64_t mag = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
	std::string digits, prefix;
	if (v < 0)
		prefix = "-";
	else if (sp.sign == '+')
		prefix = "+";
	else if (sp.sign == ' ')
		prefix = " ";
	char buf[80];
	switch (t) {
	case 'd':
	case 'n':
		std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(mag));
		digits = buf;
		if (sp.grouping) digits = group_digits(digits, sp.grouping, 3);
		break;
	case 'x':
	case 'X':
		std::snprintf(buf, sizeof buf, t == 'x' ? "%llx" : "%llX", static_cast<unsigned long long>(mag));
		digits = buf;
		if (sp.alt) prefix += t == 'x' ? "0x" : "0X";
		if (sp.grouping == '_') digits = group_digits(digits, '_', 4);
		break;
	case 'o':
		std::snprintf(buf, sizeof buf, "%llo", static_cast<unsigned long long>(mag));
		digits = buf;
		if (sp.alt) prefix += "0o";
		if (sp.grouping == '_') digits = group_digits(digits, '_', 4);
		break;
	case 'b': {
		if (!mag) digits = "0";
		while (mag) {
			digits.insert(digits.begin(), static_cast<char>('0' + (mag & 1)));
			mag >>= 1;
		}
		if (sp.alt) prefix += "0b";
		if (sp.grouping == '_') digits = group_digits(digits, '_', 4);
		break;
	}
	case 'c': {
		if (v < 0 || v > 0x10FFFF) raise(PyExc::OverflowError, "%c arg not in range(0x110000)");
		std::string s;
		append_utf8(s, static_cast<std::uint32_t>(v));
		return pad(sp, "", s, '<');
	}
	default:
		bad_spec(spec);
	}
	if (sp.align == '=' && sp.fill == '0' && sp.grouping && (t == 'd' || t == 'n')) {
		// Zero padding takes part in the grouping ("{:08,}" -> "0,001,234").
		std::string raw = digits;
		std::string plain;
		for (char c : raw)
			if (c != sp.grouping) plain += c;
		std::int64_t want = sp.width - static_cast<std::int64_t>(prefix.size());
		while (static_cast<std::int64_t>(group_digits(plain, sp.grouping, 3).size()) < want)
			plain.insert(plain.begin(), '0');
		return prefix + group_digits(plain, sp.grouping, 3);
	}
	return pad(sp, prefix, digits, '>');
}

std::string c_format_double(char type, int precision, bool alt, double d) {
	char fmt[16];
	std::snprintf(fmt, sizeof fmt, "%%%s.*%c", alt ? "#" : "", type);
	int n = std::snprintf(nullptr, 0, fmt, precision, d);
	std::string out(static_cast<std::size_t>(n), '\0');
	std::snprintf(out.data(), out.size() + 1, fmt, precision, d);
	return out;
}

std::string format_float(double d, const Spec& sp, std::string_view spec) {
	char t = sp.type;
	std::string body;
	bool neg = std::signbit(d) && !std::isnan(d);
	double a = std::fabs(d);
	switch (t) {
	case 0:
		if (sp.precision < 0) {
			body = float_repr(a);
		} else {
			body = c_format_double('g', sp.precision == 0 ? 1 : sp.precision, sp.alt, a);
			if (std::isfinite(a) && body.find_first_of(".e") == std::string::npos) body += ".0";
		}
		break;
	case 'e':
	case 'E':
	case 'f':
	case 'F':
	case 'g':
	case 'G':
		body = c_format_double(t, sp.precision < 0 ? 6 : sp.precision, sp.alt, a);
		break;
	case 'n':
		body = c_format_double('g', sp.precision < 0 ? 6 : sp.precision, sp.alt, a);
		break;
	case '%':
		body = c_format_double('f', sp.precision < 0 ? 6 : sp.precision, sp.alt, a * 100) + "%";
		break;
	default:
		bad_spec(spec);
	}
	if (sp.grouping && std::isfinite(a)) {
		auto end = body.find_first_of(".eE%");
		std::string ip = body.substr(0, end == std::string::npos ? body.size() : end);
		body = group_digits(ip, sp.grouping, 3) + (end == std::string::npos ? "" : body.substr(end));
	}
	std::string prefix = neg ? "-" : (sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "");
	return pad(sp, prefix, body, '>');
}

} // namespace

std::string format_value(const Value& v, std::string_view spec) {
	switch (v.kind()) {
	case Kind::Str: {
		if (spec.empty()) return std::string(v.as_str());
		Spec sp = parse_spec(spec);
		if (sp.type && sp.type != 's')
			raise(PyExc::ValueError,
			      "Unknown format code '" + std::string(1, sp.type) + "' for object of type 'str'");
		if (sp.sign != '-') raise(PyExc::ValueError, "Sign not allowed in string format specifier");
		if (sp.align == '=') raise(PyExc::ValueError, "'=' alignment not allowed in string format specifier");
		std::string_view s = v.as_str();
		if (sp.precision >= 0) s = s.substr(0, cp_offset(s, sp.precision));
		return pad(sp, "", s, '<');
	}
	case Kind::Int:
	case Kind::Bool: {
		if (spec.empty()) return v.str_text();
		Spec sp = parse_spec(spec);
		if (sp.type && std::strchr("eEfFgG%", sp.type))
			return format_float(static_cast<double>(v.as_int()), sp, spec);
		if (sp.type == 's') raise(PyExc::ValueError, "Unknown format code 's' for object of type 'int'");
		return format_int(v.as_int(), sp, spec);
	}
	case Kind::Float: {
		if (spec.empty()) return float_repr(v.as_float());
		Spec sp = parse_spec(spec);
		return format_float(v.as_float(), sp, spec);
	}
	case Kind::Date:
	case Kind::DateTime:
	case Kind::Time:
		if (spec.empty()) return v.str_text();
		return strftime(v, spec);
	default:
		if (spec.empty()) return v.str_text();
		raise(PyExc::TypeError,
		      "unsupported format string passed to " + std::string(v.type_name()) + ".__format__");
	}
}

// ---------------------------------------------------------------- str.format

namespace {

Value lookup_field(std::string_view field, Args pos, Args kwvals, KwNames kw, std::size_t& auto_idx,
                   bool& used_auto, bool& used_manual) {
	// field_name: arg_name ("." attribute | "[" index "]")*
	std::size_t i = 0;
	while (i < field.size() && field[i] != '.' && field[i] != '[')
		++i;
	std::string_view head = field.substr(0, i);
	Value cur;
	if (head.empty()) {
		if (used_manual)
			raise(PyExc::ValueError,
			      "cannot switch from manual field specification to automatic field numbering");
		used_auto = true;
		if (auto_idx >= pos.size())
			raise(PyExc::IndexError, "Replacement index " + std::to_string(auto_idx) +
			                             " out of range for positional args tuple");
		cur = pos[auto_idx++];
	} else if (std::isdigit(static_cast<unsigned char>(head[0]))) {
		if (used_auto)
			raise(PyExc::ValueError,
			      "cannot switch from automatic field numbering to manual field specification");
		used_manual = true;
		std::size_t n = 0;
		for (char c : head) {
			if (!std::isdigit(static_cast<unsigned char>(c)))
				raise(PyExc::ValueError, "bad field name '" + std::string(head) + "'");
			n = n * 10 + static_cast<std::size_t>(c - '0');
		}
		if (n >= pos.size())
			raise(PyExc::IndexError,
			      "Replacement index " + std::to_string(n) + " out of range for positional args tuple");
		cur = pos[n];
	} else {
		bool found = false;
		for (std::size_t k = 0; k < kw.size(); ++k)
			if (kw[k] == head) {
				cur = kwvals[k];
				found = true;
			}
		if (!found) raise(PyExc::KeyError, "'" + std::string(head) + "'");
	}
	while (i < field.size()) {
		if (field[i] == '.') {
			std::size_t b = ++i;
			while (i < field.size() && field[i] != '.' && field[i] != '[')
				++i;
			auto id = attr_id(field.substr(b, i - b));
			if (!id)
				raise(PyExc::AttributeError, "'" + std::string(cur.type_name()) +
				                                 "' object has no attribute '" +
				                                 std::string(field.substr(b, i - b)) + "'");
			cur = get_attr(cur, *id);
		} else {
			std::size_t b = ++i;
			while (i < field.size() && field[i] != ']')
				++i;
			if (i >= field.size()) raise(PyExc::ValueError, "Missing ']' in format string");
			std::string_view key = field.substr(b, i - b);
			++i;
			bool numeric = !key.empty();
			for (char c : key)
				if (!std::isdigit(static_cast<unsigned char>(c))) numeric = false;
			cur = subscript(cur, numeric ? Value::integer(std::stoll(std::string(key))) : Value::str(key));
		}
	}
	return cur;
}

} // namespace

std::string str_format(std::string_view fmt, Args args, KwNames kw) {
	Args pos = args.first(args.size() - kw.size());
	Args kwvals = args.last(kw.size());
	std::string out;
	std::size_t auto_idx = 0;
	bool used_auto = false, used_manual = false;
	for (std::size_t i = 0; i < fmt.size();) {
		char c = fmt[i];
		if (c == '}') {
			if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
				out += '}';
				i += 2;
				continue;
			}
			raise(PyExc::ValueError, "Single '}' encountered in format string");
		}
		if (c != '{') {
			out += c;
			++i;
			continue;
		}
		if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
			out += '{';
			i += 2;
			continue;
		}
		if (i + 1 == fmt.size()) raise(PyExc::ValueError, "Single '{' encountered in format string");
		// Find the matching '}', allowing one level of nested fields in the spec.
		std::size_t j = i + 1;
		int depth = 1;
		while (j < fmt.size()) {
			if (fmt[j] == '{')
				++depth;
			else if (fmt[j] == '}' && --depth == 0)
				break;
			++j;
		}
		if (j >= fmt.size()) raise(PyExc::ValueError, "expected '}' before end of string");
		std::string_view inner = fmt.substr(i + 1, j - i - 1);
		i = j + 1;
		std::string_view field = inner, conv, spec;
		std::size_t k = 0;
		while (k < inner.size() && inner[k] != '!' && inner[k] != ':') {
			if (inner[k] == '[') {
				while (k < inner.size() && inner[k] != ']')
					++k;
			}
			if (k < inner.size()) ++k;
		}
		field = inner.substr(0, k);
		if (k < inner.size() && inner[k] == '!') {
			if (k + 1 >= inner.size())
				raise(PyExc::ValueError, "end of string while looking for conversion specifier");
			conv = inner.substr(k + 1, 1);
			k += 2;
			if (k < inner.size() && inner[k] != ':')
				raise(PyExc::ValueError, "expected ':' after conversion specifier");
		}
		if (k < inner.size() && inner[k] == ':') spec = inner.substr(k + 1);
		Value v = lookup_field(field, pos, kwvals, kw, auto_idx, used_auto, used_manual);
		if (conv.empty() && spec.empty()) {
			// The common "{}" field: no temporary strings.
			if (v.kind() == Kind::Str)
				out += v.as_str();
			else if (v.kind() == Kind::Float)
				append_float_repr(out, v.as_float());
			else
				out += v.str_text();
			continue;
		}
		if (!conv.empty()) {
			if (conv == "r" || conv == "a")
				v = Value::str(v.repr());
			else if (conv == "s")
				v = to_str(v);
			else
				raise(PyExc::ValueError, "Unknown conversion specifier " + std::string(conv));
		}
		std::string spec_text;
		if (spec.find('{') != std::string_view::npos) {
			// Nested replacement fields inside the spec.
			spec_text = str_format(spec, args, kw);
			spec = spec_text;
		}
		out += format_value(v, spec);
	}
	return out;
}

// ---------------------------------------------------------------- printf-style %

std::string percent_format(std::string_view fmt, const Value& arg) {
	std::vector<Value> items;
	const Value* mapping = nullptr;
	if (arg.kind() == Kind::Tuple)
		items = arg.items();
	else {
		if (arg.kind() == Kind::Dict) mapping = &arg;
		items.push_back(arg);
	}
	std::size_t next = 0;
	bool used_mapping = false;
	auto take = [&]() -> Value {
		if (next >= items.size()) raise(PyExc::TypeError, "not enough arguments for format string");
		return items[next++];
	};
	std::string out;
	for (std::size_t i = 0; i < fmt.size();) {
		char c = fmt[i];
		if (c != '%') {
			out += c;
			++i;
			continue;
		}
		++i;
		if (i >= fmt.size()) raise(PyExc::ValueError, "incomplete format");
		Value v;
		bool have_value = false;
		if (fmt[i] == '(') {
			std::size_t depth = 1, b = ++i;
			while (i < fmt.size() && depth) {
				if (fmt[i] == '(')
					++depth;
				else if (fmt[i] == ')')
					--depth;
				++i;
			}
			if (depth) raise(PyExc::ValueError, "incomplete format key");
			if (!mapping) raise(PyExc::TypeError, "format requires a mapping");
			v = subscript(*mapping, Value::str(fmt.substr(b, i - b - 1)));
			have_value = true;
			used_mapping = true;
		}
		std::string flags;
		while (i < fmt.size() && std::strchr("-+ #0", fmt[i]))
			flags += fmt[i++];
		std::int64_t width = -1;
		int prec = -1;
		if (i < fmt.size() && fmt[i] == '*') {
			Value w = take();
			if (!(w.kind() == Kind::Int)) raise(PyExc::TypeError, "* wants int");
			width = w.as_int();
			++i;
		} else if (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) {
			width = 0;
			while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i])))
				width = width * 10 + (fmt[i++] - '0');
		}
		if (i < fmt.size() && fmt[i] == '.') {
			++i;
			prec = 0;
			if (i < fmt.size() && fmt[i] == '*') {
				Value p = take();
				if (p.kind() != Kind::Int) raise(PyExc::TypeError, "* wants int");
				prec = static_cast<int>(p.as_int());
				++i;
			} else {
				while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i])))
					prec = prec * 10 + (fmt[i++] - '0');
			}
		}
		while (i < fmt.size() && (fmt[i] == 'l' || fmt[i] == 'h' || fmt[i] == 'L'))
			++i;
		if (i >= fmt.size()) raise(PyExc::ValueError, "incomplete format");
		char t = fmt[i++];
		if (t == '%') {
			out += '%';
			continue;
		}
		if (!have_value) v = take();
		bool left = flags.find('-') != std::string::npos;
		auto pad_plain = [&](std::string s) {
			std::int64_t len = cp_length(s);
			if (width > len) {
				std::string fill(static_cast<std::size_t>(width - len), ' ');
				s = left ? s + fill : fill + s;
			}
			out += s;
		};
		std::string cflags;
		for (char f : flags)
			cflags += f;
		switch (t) {
		case 's':
		case 'r':
		case 'a': {
			std::string s = t == 's' ? v.str_text() : v.repr();
			if (prec >= 0) s = s.substr(0, cp_offset(s, prec));
			pad_plain(s);
			break;
		}
		case 'd':
		case 'i':
		case 'u':
		case 'o':
		case 'x':
		case 'X': {
			std::int64_t n;
			if (v.kind() == Kind::Int || v.kind() == Kind::Bool)
				n = v.as_int();
			else if (v.kind() == Kind::Float)
				n = to_int(v).as_int();
			else
				raise(PyExc::TypeError, std::string("%") + t + " format: a real number is required, not " +
				                            std::string(v.type_name()));
			char fmtbuf[32];
			char ct = (t == 'i' || t == 'u') ? 'd' : t;
			std::string f = "%" + cflags;
			if (width >= 0) f += std::to_string(width);
			if (prec >= 0) f += "." + std::to_string(prec);
			f += "ll";
			f += ct;
			std::snprintf(fmtbuf, sizeof fmtbuf, "%s", f.c_str());
			if (ct == 'o' || ct == 'x' || ct == 'X') {
				// C prints negative numbers as unsigned; Python keeps the sign.
				bool neg = n < 0;
				std::uint64_t mag = neg ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
				std::string alt = flags.find('#') != std::string::npos ? (ct == 'o'   ? "0o"
				                                                          : ct == 'x' ? "0x"
				                                                                      : "0X")
				                                                       : "";
				char dig[40];
				std::snprintf(dig, sizeof dig,
				              ct == 'o'   ? "%llo"
				              : ct == 'x' ? "%llx"
				                          : "%llX",
				              static_cast<unsigned long long>(mag));
				std::string body = dig;
				if (prec > static_cast<int>(body.size()))
					body.insert(0, static_cast<std::size_t>(prec) - body.size(), '0');
				std::string sign = neg                                    ? "-"
				                   : flags.find('+') != std::string::npos ? "+"
				                   : flags.find(' ') != std::string::npos ? " "
				                                                          : "";
				std::string s = sign + alt + body;
				if (!left && flags.find('0') != std::string::npos &&
				    width > static_cast<std::int64_t>(s.size()))
					s = sign + alt + std::string(static_cast<std::size_t>(width) - s.size(), '0') + body;
				pad_plain(s);
			} else {
				int len = std::snprintf(nullptr, 0, fmtbuf, static_cast<long long>(n));
				std::string s(static_cast<std::size_t>(len), '\0');
				std::snprintf(s.data(), s.size() + 1, fmtbuf, static_cast<long long>(n));
				out += s;
			}
			break;
		}
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G': {
			double d;
			if (v.is_number())
				d = v.number();
			else
				raise(PyExc::TypeError, "must be real number, not " + std::string(v.type_name()));
			std::string f = "%" + cflags;
			if (width >= 0) f += std::to_string(width);
			f += "." + std::to_string(prec >= 0 ? prec : 6);
			f += t;
			int len = std::snprintf(nullptr, 0, f.c_str(), d);
			std::string s(static_cast<std::size_t>(len), '\0');
			std::snprintf(s.data(), s.size() + 1, f.c_str(), d);
			out += s;
			break;
		}
		case 'c': {
			std::string s;
			if (v.kind() == Kind::Int)
				append_utf8(s, static_cast<std::uint32_t>(v.as_int()));
			else if (v.kind() == Kind::Str && cp_length(v.as_str()) == 1)
				s = std::string(v.as_str());
			else
				raise(PyExc::TypeError, "%c requires int or char");
			pad_plain(s);
			break;
		}
		default:
			raise(PyExc::ValueError, std::string("unsupported format character '") + t + "'");
		}
	}
	if (!used_mapping && next < items.size() && !(mapping && next == 0))
		raise(PyExc::TypeError, "not all arguments converted during string formatting");
	return out;
}

} // namespace meles::rd::expr::rt
