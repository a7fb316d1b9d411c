// Type-directed literal parsing (idmaps) and PostgreSQL COPY text formatting.
#include "meles/rd/expr/literals.hpp"

#include "expr/runtime.hpp"
#include "meles/rd/expr/helpers.hpp"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>

namespace meles::rd::expr {

namespace {

constexpr std::int64_t kUsPerDay = 86400000000LL;

std::string_view trim_blank(std::string_view s) {
	std::size_t b = 0, e = s.size();
	while (b < e && (s[b] == ' ' || (s[b] >= 9 && s[b] <= 13)))
		++b;
	while (e > b && (s[e - 1] == ' ' || (s[e - 1] >= 9 && s[e - 1] <= 13)))
		--e;
	return s.substr(b, e - b);
}

std::string type_label(const SqlType& t) {
	return t.rd_name();
}

[[noreturn]] void bad_literal(std::string_view raw, const SqlType& t, const std::string& why = {}) {
	raise(PyExc::ValueError, "invalid literal for a " + type_label(t) + " column: " +
	                             Value::str(std::string(raw)).repr() + (why.empty() ? "" : " (" + why + ")"));
}

void int_range(std::int64_t v, const SqlType& t, std::string_view raw) {
	if (t.base == BaseType::SmallInt && (v < -32768 || v > 32767))
		bad_literal(raw, t, "out of range for smallint");
	if (t.base == BaseType::Integer && (v < -2147483648LL || v > 2147483647LL))
		bad_literal(raw, t, "out of range for integer");
}

// char(n) holds n characters (trailing blanks beyond them are dropped, as PostgreSQL does);
// anything longer PostgreSQL would refuse with the COPY's line, not the source's.
void check_char_length(std::string_view s, const SqlType& t) {
	if (t.char_len <= 0 || s.size() <= static_cast<std::size_t>(t.char_len)) return;
	std::size_t end = s.size();
	while (end > 0 && s[end - 1] == ' ')
		--end;
	std::size_t chars = 0;
	for (std::size_t i = 0; i < end; ++i)
		if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++chars;
	if (chars > static_cast<std::size_t>(t.char_len))
		raise(PyExc::ValueError, Value::str(std::string(s)).repr() + " is longer than the " +
		                             std::to_string(t.char_len) + " character" +
		                             (t.char_len == 1 ? "" : "s") + " a " + type_label(t) +
		                             " column holds (declare it text, or char(n) with a larger n)");
}

bool parse_float_literal(std::string_view raw, double& d) {
	if (rt::parse_py_float(raw, d)) return true;
	// Fortran exponents: 1.5D3, 2.0d-4.
	auto p = raw.find_first_of("dD");
	if (p == std::string_view::npos || p == 0) return false;
	std::string t(raw);
	t[p] = 'e';
	return rt::parse_py_float(t, d);
}

bool bool_literal(std::string_view s, bool& out) {
	std::string l;
	for (char c : trim_blank(s))
		l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	static const char* const t[] = {"true", "yes", "t", "on", "enabled", "1"};
	static const char* const f[] = {"false", "no", "f", "off", "disabled", "0"};
	for (auto* w : t)
		if (l == w) return out = true, true;
	for (auto* w : f)
		if (l == w) return out = false, true;
	return false;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
	if (pos + n > s.size()) return false;
	out = 0;
	for (std::size_t i = pos; i < pos + n; ++i) {
		if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
		out = out * 10 + (s[i] - '0');
	}
	return true;
}

// HH:MM[:SS[.ffffff]] at s[p...]; advances p.
bool parse_tod(std::string_view s, std::size_t& p, std::int64_t& us) {
	int h, m, sec = 0, frac = 0;
	if (!digits(s, p, 2, h)) return false;
	p += 2;
	bool colon = p < s.size() && s[p] == ':';
	if (colon) ++p;
	if (!digits(s, p, 2, m)) return false;
	p += 2;
	if (p < s.size() && (s[p] == ':' || (!colon && std::isdigit(static_cast<unsigned char>(s[p]))))) {
		if (s[p] == ':') ++p;
		if (!digits(s, p, 2, sec)) return false;
		p += 2;
		if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
			std::size_t b = ++p;
			while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])))
				++p;
			if (p == b) return false;
			std::string f(s.substr(b, std::min<std::size_t>(p - b, 6)));
			f.append(6 - f.size(), '0');
			frac = std::atoi(f.c_str());
		}
	}
	if (h > 24 || m > 59 || sec > 60 || (h == 24 && (m || sec || frac))) return false;
	if (sec == 60) sec = 59; // leap second: PostgreSQL accepts it, Python does not
	us = ((h * 60LL + m) * 60LL + sec) * 1000000LL + frac;
	return true;
}

// YYYY-MM-DD or YYYYMMDD at the start; advances p.
// Month or day of a dashed date: one or two digits, as PostgreSQL (which DaCHS hands such
// strings to) accepts them ("2017-7-19").
bool one_or_two_digits(std::string_view s, std::size_t& p, int& out) {
	if (digits(s, p, 2, out)) {
		p += 2;
		return true;
	}
	if (!digits(s, p, 1, out)) return false;
	++p;
	return true;
}

bool parse_ymd(std::string_view s, std::size_t& p, int& y, int& m, int& d) {
	if (!digits(s, 0, 4, y)) return false;
	p = 4;
	bool dash = p < s.size() && s[p] == '-';
	if (dash) {
		++p;
		if (!one_or_two_digits(s, p, m)) return false;
		if (p >= s.size() || s[p] != '-') return false;
		++p;
		if (!one_or_two_digits(s, p, d)) return false;
		return valid_date(y, m, d);
	}
	if (!digits(s, p, 2, m)) return false;
	p += 2;
	if (!digits(s, p, 2, d)) return false;
	p += 2;
	return valid_date(y, m, d);
}

bool parse_timestamp_text(std::string_view s, Value& out, bool date_only) {
	int y, mo, d;
	std::size_t p = 0;
	if (!parse_ymd(s, p, y, mo, d)) return false;
	std::int64_t day_us = static_cast<std::int64_t>(days_from_civil(y, mo, d)) * kUsPerDay;
	if (p == s.size()) {
		out = date_only ? Value::date(y, mo, d) : Value::datetime_from_us(day_us);
		return true;
	}
	if (s[p] != 'T' && s[p] != ' ') return false;
	++p;
	std::int64_t tod;
	if (!parse_tod(s, p, tod)) return false;
	std::int64_t offset = 0;
	if (p < s.size()) {
		if (s[p] == 'Z' || s[p] == 'z')
			++p;
		else if (s[p] == '+' || s[p] == '-') {
			int sign = s[p] == '-' ? -1 : 1;
			int oh, om = 0;
			if (!digits(s, p + 1, 2, oh)) return false;
			p += 3;
			if (p < s.size() && s[p] == ':') ++p;
			if (p < s.size()) {
				if (!digits(s, p, 2, om)) return false;
				p += 2;
			}
			offset = sign * (oh * 3600LL + om * 60LL) * 1000000LL;
		}
	}
	if (p != s.size()) return false;
	if (date_only) {
		out = Value::date(y, mo, d);
		return true;
	}
	std::int64_t us = day_us + tod - offset;
	if (us < 0 || us >= 3652059LL * kUsPerDay) return false;
	out = Value::datetime_from_us(us);
	return true;
}

std::vector<double> numbers_in(std::string_view s) {
	std::vector<double> out;
	std::size_t i = 0;
	while (i < s.size()) {
		while (i < s.size() && (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == ',' || s[i] == '/'))
			++i;
		if (i >= s.size()) break;
		std::size_t b = i;
		while (i < s.size() &&
		       !(std::isspace(static_cast<unsigned char>(s[i])) || s[i] == ',' || s[i] == '/'))
			++i;
		double d;
		if (!rt::parse_py_float(s.substr(b, i - b), d)) return {};
		out.push_back(d);
	}
	return out;
}

// parseCooPair: "ra dec", "ra,dec", "ra/dec" in degrees, or sexagesimal pairs.
bool parse_coo_pair(std::string_view s, double& ra, double& dec) {
	std::vector<double> nums = numbers_in(s);
	if (nums.size() == 2) {
		ra = nums[0];
		dec = nums[1];
		return true;
	}
	try {
		// Sexagesimal: split where the declination's sign is, or in the middle.
		std::string t(trim_blank(s));
		if (t.find(':') != std::string::npos) {
			auto sp = t.find_first_of(" ,+-", t.find(':'));
			if (sp == std::string::npos) return false;
			std::string a = t.substr(0, sp), b = t.substr(sp);
			while (!b.empty() && (b[0] == ' ' || b[0] == ','))
				b.erase(0, 1);
			ra = hms_to_deg(a, ":");
			dec = dms_to_deg(b, ":");
			return true;
		}
		std::vector<std::string> parts;
		std::size_t i = 0;
		while (i < t.size()) {
			while (i < t.size() && (t[i] == ' ' || t[i] == ','))
				++i;
			std::size_t b = i;
			while (i < t.size() && t[i] != ' ' && t[i] != ',')
				++i;
			if (i > b) parts.push_back(t.substr(b, i - b));
		}
		if (parts.size() == 6 || parts.size() == 4) {
			std::size_t half = parts.size() / 2;
			std::string a, b;
			for (std::size_t k = 0; k < half; ++k)
				a += (k ? " " : "") + parts[k];
			for (std::size_t k = half; k < parts.size(); ++k)
				b += (k > half ? " " : "") + parts[k];
			ra = hms_to_deg(a);
			dec = dms_to_deg(b);
			return true;
		}
	} catch (const ExprError&) {
	}
	return false;
}

bool ieq_word(std::string_view a, std::string_view b) {
	if (a.size() != b.size()) return false;
	for (std::size_t i = 0; i < a.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
			return false;
	return true;
}

// Simple STC-S: "Circle [frame] ra dec r", "Polygon [frame] ra1 dec1 ...", "Position ra dec".
bool parse_stcs(std::string_view s, BaseType want, std::vector<double>& nums) {
	std::vector<std::string_view> words;
	std::size_t i = 0;
	while (i < s.size()) {
		while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
			++i;
		std::size_t b = i;
		while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
			++i;
		if (i > b) words.push_back(s.substr(b, i - b));
	}
	if (words.empty()) return false;
	std::string_view shape = words[0];
	bool ok_shape = (want == BaseType::SCircle && ieq_word(shape, "circle")) ||
	                (want == BaseType::SPoly && ieq_word(shape, "polygon")) ||
	                (want == BaseType::SBox && ieq_word(shape, "box")) ||
	                (want == BaseType::SPoint && ieq_word(shape, "position"));
	if (!ok_shape) return false;
	for (std::size_t k = 1; k < words.size(); ++k) {
		double d;
		if (rt::parse_py_float(words[k], d))
			nums.push_back(d);
		else if (!nums.empty())
			return false; // frame/refpos words come before the numbers
	}
	return true;
}

void append_int(std::string& out, std::int64_t v) {
	char buf[24];
	auto r = std::to_chars(buf, buf + sizeof buf, v);
	out.append(buf, r.ptr);
}

void append_pg_float(std::string& out, double d) {
	if (std::isnan(d))
		out += "NaN";
	else if (std::isinf(d))
		out += d < 0 ? "-Infinity" : "Infinity";
	else
		append_float_repr(out, d);
}

void append_iso_date(std::string& out, std::int32_t days) {
	int y, m, d;
	civil_from_days(days, y, m, d);
	char buf[48];
	std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	out += buf;
}

void append_tod(std::string& out, std::int64_t tod) {
	char buf[48];
	std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(tod / 3600000000LL),
	              static_cast<int>(tod / 60000000LL % 60), static_cast<int>(tod / 1000000 % 60));
	out += buf;
	if (tod % 1000000) {
		std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(tod % 1000000));
		out += buf;
	}
}

double number_of(const Value& v, const SqlType& t) {
	if (v.kind() == Kind::Int || v.kind() == Kind::Float) return v.number();
	raise(PyExc::TypeError,
	      "a " + type_label(t) + " column needs numbers, not " + std::string(v.type_name()) + " " + v.repr());
}

std::vector<double> flat_numbers(const Value& v, const SqlType& t) {
	std::vector<double> out;
	for (const auto& it : v.items()) {
		if (it.kind() == Kind::List || it.kind() == Kind::Tuple)
			for (const auto& x : it.items())
				out.push_back(number_of(x, t));
		else
			out.push_back(number_of(it, t));
	}
	return out;
}

void append_deg(std::string& out, double d) {
	append_float_repr(out, d);
	out += 'd';
}

void append_point(std::string& out, double ra, double dec) {
	out += '(';
	append_deg(out, ra);
	out += ',';
	append_deg(out, dec);
	out += ')';
}

void append_geometry(std::string& out, const std::vector<double>& n, const SqlType& t, const Value& v) {
	auto wrong = [&]() { raise(PyExc::ValueError, "cannot make a " + type_label(t) + " from " + v.repr()); };
	switch (t.base) {
	case BaseType::SPoint:
		if (n.size() != 2) wrong();
		append_point(out, n[0], n[1]);
		return;
	case BaseType::SCircle:
		if (n.size() != 3) wrong();
		out += '<';
		append_point(out, n[0], n[1]);
		out += ',';
		append_deg(out, n[2]);
		out += '>';
		return;
	case BaseType::SPoly:
		if (n.size() < 6 || n.size() % 2) wrong();
		out += '{';
		for (std::size_t i = 0; i < n.size(); i += 2) {
			if (i) out += ',';
			append_point(out, n[i], n[i + 1]);
		}
		out += '}';
		return;
	case BaseType::SBox:
		if (n.size() != 4) wrong();
		out += '(';
		append_point(out, n[0], n[1]);
		out += ',';
		append_point(out, n[2], n[3]);
		out += ')';
		return;
	default:
		wrong();
	}
}

// One element of an array literal: quoted when PostgreSQL's array parser needs it.
void append_array_element(std::string& out, const Value& v, const SqlType& elem) {
	if (v.is_none()) {
		out += "NULL";
		return;
	}
	// COPY escaping happens once, for the whole field; elements carry plain text here.
	std::string text;
	if (elem.is_string())
		text = v.kind() == Kind::Str ? std::string(v.as_str()) : v.str_text();
	else
		append_copy_value(text, v, elem);
	bool quote =
	    text.empty() || ieq_word(text, "NULL") || text.find_first_of("{}\",\\ \t\n\r") != std::string::npos;
	if (!quote) {
		out += text;
		return;
	}
	out += '"';
	for (char c : text) {
		if (c == '"' || c == '\\') out += '\\';
		out += c;
	}
	out += '"';
}

} // namespace

void append_copy_escaped(std::string& out, std::string_view s) {
	std::size_t run = 0;
	for (std::size_t i = 0; i < s.size(); ++i) {
		char c = s[i];
		const char* esc = nullptr;
		switch (c) {
		case '\\':
			esc = "\\\\";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\v':
			esc = "\\v";
			break;
		default:
			continue;
		}
		out.append(s.data() + run, i - run);
		out += esc;
		run = i + 1;
	}
	out.append(s.data() + run, s.size() - run);
}

Value parse_literal(std::string_view raw, const SqlType& t) {
	if (t.is_array) {
		if (trim_blank(raw).empty()) return Value();
		return Value::str(std::string(raw));
	}
	switch (t.base) {
	case BaseType::Char:
	case BaseType::Text:
	case BaseType::Unicode:
		return Value::str(std::string(raw));
	case BaseType::Bytea:
		return Value::bytes(std::string(raw));
	default:
		break;
	}
	std::string_view s = trim_blank(raw);
	if (s.empty()) return Value();
	switch (t.base) {
	case BaseType::Boolean: {
		bool b;
		if (!bool_literal(s, b)) bad_literal(raw, t, "not a boolean literal");
		return Value::boolean(b);
	}
	case BaseType::SmallInt:
	case BaseType::Integer:
	case BaseType::BigInt: {
		std::int64_t v;
		bool overflow;
		if (!rt::parse_py_int(s, v, overflow)) bad_literal(raw, t);
		if (overflow) bad_literal(raw, t, "out of range for bigint");
		int_range(v, t, raw);
		return Value::integer(v);
	}
	case BaseType::Real:
	case BaseType::Double: {
		double d;
		if (!parse_float_literal(s, d)) bad_literal(raw, t);
		if (t.base == BaseType::Real && std::isfinite(d) && std::fabs(d) > FLT_MAX)
			bad_literal(raw, t, "out of range for real");
		return Value::real(d);
	}
	case BaseType::Date:
	case BaseType::Timestamp: {
		Value v;
		if (!parse_timestamp_text(s, v, t.base == BaseType::Date))
			bad_literal(raw, t,
			            t.base == BaseType::Date ? "expected YYYY-MM-DD"
			                                     : "expected an ISO 8601 date and time");
		return v;
	}
	case BaseType::Time: {
		std::size_t p = 0;
		std::int64_t us;
		if (!parse_tod(s, p, us) || p != s.size() || us >= kUsPerDay)
			bad_literal(raw, t, "expected HH:MM:SS");
		return Value::time_from_us(us);
	}
	case BaseType::SPoint: {
		if (s[0] == '(') return Value::str(std::string(s));
		double ra, dec;
		if (parse_coo_pair(s, ra, dec)) return Value::tuple({Value::real(ra), Value::real(dec)});
		std::vector<double> n;
		if (parse_stcs(s, t.base, n) && n.size() == 2)
			return Value::tuple({Value::real(n[0]), Value::real(n[1])});
		bad_literal(raw, t, "no discernible position in it");
	}
	case BaseType::SCircle:
	case BaseType::SPoly:
	case BaseType::SBox: {
		if (s[0] == '<' || s[0] == '{' || s[0] == '(') return Value::str(std::string(s));
		std::vector<double> n;
		if (!parse_stcs(s, t.base, n)) bad_literal(raw, t, "expected STC-S or a pg_sphere literal");
		std::vector<Value> items;
		for (double d : n)
			items.push_back(Value::real(d));
		return Value::list(std::move(items));
	}
	case BaseType::SMoc:
		return Value::str(std::string(s));
	default:
		return Value::str(std::string(raw));
	}
}

void append_copy_literal(std::string& out, std::string_view raw, const SqlType& t) {
	if (!t.is_array) {
		switch (t.base) {
		case BaseType::Char:
			check_char_length(raw, t);
			append_copy_escaped(out, raw);
			return;
		case BaseType::Text:
		case BaseType::Unicode:
			append_copy_escaped(out, raw);
			return;
		case BaseType::Real:
		case BaseType::Double: {
			std::string_view s = raw;
			if (!s.empty() && (s.front() == ' ' || s.back() == ' ')) s = trim_blank(s);
			if (s.empty()) {
				out += "\\N";
				return;
			}
			// Plain decimal numbers are what PostgreSQL's float input reads identically.
			bool plain = true;
			for (char c : s)
				if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+')) {
					plain = false;
					break;
				}
			if (plain && s[0] != '+') {
				double d;
				auto r = std::from_chars(s.data(), s.data() + s.size(), d);
				if (r.ec == std::errc() && r.ptr == s.data() + s.size() &&
				    (t.base == BaseType::Double || std::fabs(d) <= FLT_MAX)) {
					out += s;
					return;
				}
			}
			break;
		}
		case BaseType::SmallInt:
		case BaseType::Integer:
		case BaseType::BigInt: {
			std::string_view s = raw;
			if (!s.empty() && (s.front() == ' ' || s.back() == ' ')) s = trim_blank(s);
			if (s.empty()) {
				out += "\\N";
				return;
			}
			std::int64_t v;
			auto r = std::from_chars(s.data(), s.data() + s.size(), v);
			if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
				int_range(v, t, raw);
				append_int(out, v);
				return;
			}
			break;
		}
		default:
			break;
		}
	}
	append_copy_value(out, parse_literal(raw, t), t);
}

void append_copy_value(std::string& out, const Value& v, const SqlType& t) {
	if (v.is_none() || v.is_missing()) {
		out += "\\N";
		return;
	}
	if (t.is_array) {
		if (v.kind() == Kind::Str) {
			append_copy_escaped(out, v.as_str());
			return;
		}
		if (v.kind() != Kind::List && v.kind() != Kind::Tuple)
			raise(PyExc::TypeError,
			      "an array column (" + type_label(t) + ") needs a list, not " + std::string(v.type_name()));
		SqlType elem = t;
		elem.is_array = false;
		elem.array_len = 0;
		std::string text = "{";
		bool first = true;
		for (const auto& it : v.items()) {
			if (!first) text += ',';
			first = false;
			append_array_element(text, it, elem);
		}
		text += '}';
		append_copy_escaped(out, text);
		return;
	}
	switch (t.base) {
	case BaseType::Char:
	case BaseType::Text:
	case BaseType::Unicode: {
		std::string text = v.kind() == Kind::Str ? std::string(v.as_str()) : v.str_text();
		if (t.base == BaseType::Char) check_char_length(text, t);
		append_copy_escaped(out, text);
		return;
	}
	case BaseType::Boolean:
		switch (v.kind()) {
		case Kind::Bool:
		case Kind::Int:
			out += v.as_int() ? 't' : 'f';
			return;
		case Kind::Str:
			append_copy_value(out, parse_literal(v.as_str(), t), t);
			return;
		default:
			raise(PyExc::TypeError,
			      "a boolean column cannot store " + std::string(v.type_name()) + " " + v.repr());
		}
	case BaseType::SmallInt:
	case BaseType::Integer:
	case BaseType::BigInt: {
		std::int64_t i;
		switch (v.kind()) {
		case Kind::Int:
		case Kind::Bool:
			i = v.as_int();
			break;
		case Kind::Float: {
			// PostgreSQL's assignment cast would round silently (14.777 -> 15); a value that
			// does not fit is the RD's mistake, so say so rather than store something else.
			double d = v.as_float();
			if (!std::isfinite(d))
				raise(PyExc::ValueError, "cannot store " + v.repr() + " in a " + type_label(t) + " column");
			if (d >= 9223372036854775808.0 || d < -9223372036854775808.0)
				raise(PyExc::ValueError, v.repr() + " is out of range for " + type_label(t));
			if (std::trunc(d) != d)
				raise(PyExc::ValueError,
				      v.repr() + " has a fraction, which the " + type_label(t) +
				          " column would lose (round() or int() in the map says which integer is meant)");
			i = static_cast<std::int64_t>(d);
			break;
		}
		case Kind::Str:
			append_copy_value(out, parse_literal(v.as_str(), t), t);
			return;
		default:
			raise(PyExc::TypeError, "a " + type_label(t) + " column cannot store " +
			                            std::string(v.type_name()) + " " + v.repr());
		}
		int_range(i, t, v.repr());
		append_int(out, i);
		return;
	}
	case BaseType::Real:
	case BaseType::Double:
		switch (v.kind()) {
		case Kind::Int:
			append_int(out, v.as_int());
			return;
		case Kind::Float: {
			double d = v.as_float();
			if (t.base == BaseType::Real && std::isfinite(d) && std::fabs(d) > FLT_MAX)
				raise(PyExc::ValueError, v.repr() + " is out of range for real");
			append_pg_float(out, d);
			return;
		}
		case Kind::Bool:
			append_int(out, v.as_int());
			return;
		case Kind::Str:
			append_copy_value(out, parse_literal(v.as_str(), t), t);
			return;
		default:
			raise(PyExc::TypeError, "a " + type_label(t) + " column cannot store " +
			                            std::string(v.type_name()) + " " + v.repr());
		}
	case BaseType::Date:
		switch (v.kind()) {
		case Kind::Date:
			append_iso_date(out, v.as_days());
			return;
		case Kind::DateTime:
			append_iso_date(out, static_cast<std::int32_t>(v.as_int() / kUsPerDay));
			return;
		case Kind::Str:
			append_copy_value(out, parse_literal(v.as_str(), t), t);
			return;
		default:
			raise(PyExc::TypeError,
			      "a date column cannot store " + std::string(v.type_name()) + " " + v.repr());
		}
	case BaseType::Timestamp:
		switch (v.kind()) {
		case Kind::Date:
			append_iso_date(out, v.as_days());
			return;
		case Kind::DateTime: {
			auto days = static_cast<std::int32_t>(v.as_int() / kUsPerDay);
			append_iso_date(out, days);
			out += ' ';
			append_tod(out, v.as_int() - days * kUsPerDay);
			return;
		}
		case Kind::Str:
			append_copy_value(out, parse_literal(v.as_str(), t), t);
			return;
		default:
			raise(PyExc::TypeError,
			      "a timestamp column cannot store " + std::string(v.type_name()) + " " + v.repr());
		}
	case BaseType::Time:
		switch (v.kind()) {
		case Kind::Time:
			append_tod(out, v.as_int());
			return;
		case Kind::TimeDelta: {
			// DaCHS's parseTime gives a timedelta; PostgreSQL keeps its time of day.
			std::int64_t us = v.as_int() % kUsPerDay;
			if (us < 0) us += kUsPerDay;
			append_tod(out, us);
			return;
		}
		case Kind::DateTime:
			append_tod(out, v.as_int() % kUsPerDay);
			return;
		case Kind::Str:
			append_copy_value(out, parse_literal(v.as_str(), t), t);
			return;
		default:
			raise(PyExc::TypeError,
			      "a time column cannot store " + std::string(v.type_name()) + " " + v.repr());
		}
	case BaseType::Bytea: {
		if (v.kind() != Kind::Bytes && v.kind() != Kind::Str)
			raise(PyExc::TypeError, "a bytea column cannot store " + std::string(v.type_name()));
		static const char* hex = "0123456789abcdef";
		out += "\\\\x";
		for (unsigned char c : v.as_str()) {
			out += hex[c >> 4];
			out += hex[c & 15];
		}
		return;
	}
	case BaseType::SPoint:
	case BaseType::SCircle:
	case BaseType::SPoly:
	case BaseType::SBox:
		if (v.kind() == Kind::Str) {
			std::string_view s = trim_blank(v.as_str());
			if (!s.empty() && (s[0] == '(' || s[0] == '<' || s[0] == '{')) {
				append_copy_escaped(out, s);
				return;
			}
			append_copy_value(out, parse_literal(s, t), t);
			return;
		}
		if (v.kind() != Kind::List && v.kind() != Kind::Tuple)
			raise(PyExc::TypeError, "a " + type_label(t) + " column needs a sequence of degrees, not " +
			                            std::string(v.type_name()));
		append_geometry(out, flat_numbers(v, t), t, v);
		return;
	case BaseType::SMoc:
		append_copy_escaped(out, v.str_text());
		return;
	}
	append_copy_escaped(out, v.str_text());
}

} // namespace meles::rd::expr
