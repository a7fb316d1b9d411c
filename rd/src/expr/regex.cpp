// re.sub/match/search/findall/split on std::regex, with Python pattern syntax translated
// to ECMAScript (named groups, \A, \Z, inline flags).  Lookbehind is not available.
#include "expr/object.hpp"
#include "expr/runtime.hpp"

#include <regex>
#include <unordered_map>

namespace meles::rd::expr::rt {

namespace {

constexpr int kIgnoreCase = 2, kMultiline = 8, kDotAll = 16, kVerbose = 64;

struct CompiledRe {
	std::regex re;
	std::vector<std::pair<std::string, int>> names;
	unsigned groups = 0;
};

[[noreturn]] void re_error(const std::string& msg, std::string_view pattern) {
	raise(PyExc::ValueError, "regular expression " + Value::str(std::string(pattern)).repr() + ": " + msg);
}

CompiledRe translate(std::string_view py, int flags) {
	CompiledRe out;
	std::string es;
	std::size_t i = 0;
	// Leading inline flags: (?i), (?s), (?m), (?x) and combinations.
	while (i + 2 < py.size() && py[i] == '(' && py[i + 1] == '?' &&
	       std::string_view("imsxa").find(py[i + 2]) != std::string_view::npos) {
		std::size_t j = i + 2;
		while (j < py.size() && std::string_view("imsxaLu").find(py[j]) != std::string_view::npos) {
			if (py[j] == 'i') flags |= kIgnoreCase;
			if (py[j] == 's') flags |= kDotAll;
			if (py[j] == 'm') flags |= kMultiline;
			if (py[j] == 'x') flags |= kVerbose;
			++j;
		}
		if (j >= py.size() || py[j] != ')') break;
		i = j + 1;
	}
	bool in_class = false;
	for (; i < py.size(); ++i) {
		char c = py[i];
		if (c == '\\' && i + 1 < py.size()) {
			char n = py[i + 1];
			++i;
			if (!in_class && n == 'A')
				es += '^';
			else if (!in_class && n == 'Z')
				es += '$';
			else {
				es += '\\';
				es += n;
			}
			continue;
		}
		if (in_class) {
			if (c == ']') in_class = false;
			es += c;
			continue;
		}
		if ((flags & kVerbose) && (c == ' ' || c == '\t' || c == '\n')) continue;
		if ((flags & kVerbose) && c == '#') {
			while (i < py.size() && py[i] != '\n')
				++i;
			continue;
		}
		if (c == '[') {
			in_class = true;
			es += c;
			if (i + 1 < py.size() && py[i + 1] == '^') es += py[++i];
			if (i + 1 < py.size() && py[i + 1] == ']') es += "\\]", ++i;
			continue;
		}
		if (c == '.' && (flags & kDotAll)) {
			es += "[\\s\\S]";
			continue;
		}
		if (c == '{' && i + 1 < py.size() && py[i + 1] == ',') {
			es += "{0";
			continue;
		}
		if (c == '(') {
			if (i + 1 < py.size() && py[i + 1] == '?') {
				std::string_view rest = py.substr(i + 2);
				if (rest.substr(0, 2) == "P<") {
					auto close = rest.find('>');
					if (close == std::string_view::npos) re_error("unterminated group name", py);
					out.names.emplace_back(std::string(rest.substr(2, close - 2)),
					                       static_cast<int>(++out.groups));
					es += '(';
					i += 2 + close;
					continue;
				}
				if (rest.substr(0, 2) == "P=") {
					auto close = rest.find(')');
					if (close == std::string_view::npos) re_error("unterminated group reference", py);
					std::string name(rest.substr(2, close - 2));
					int g = -1;
					for (auto& [n, gi] : out.names)
						if (n == name) g = gi;
					if (g < 0) re_error("unknown group name '" + name + "'", py);
					es += "\\" + std::to_string(g);
					i += 2 + close;
					continue;
				}
				if (rest.substr(0, 2) == "<=" || rest.substr(0, 2) == "<!")
					re_error("lookbehind is not supported in rowmaker expressions", py);
				if (!rest.empty() && rest[0] == '#') {
					auto close = rest.find(')');
					i += 2 + (close == std::string_view::npos ? rest.size() : close);
					continue;
				}
				es += c;
				continue;
			}
			++out.groups;
		}
		es += c;
	}
	auto f = std::regex::ECMAScript;
	if (flags & kIgnoreCase) f |= std::regex::icase;
	if (flags & kMultiline) f |= std::regex::multiline;
	try {
		out.re = std::regex(es, f);
	} catch (const std::regex_error& e) {
		re_error(e.what(), py);
	}
	return out;
}

const CompiledRe& compiled(std::string_view pattern, int flags) {
	thread_local std::unordered_map<std::string, CompiledRe> cache;
	std::string key = std::to_string(flags) + ":" + std::string(pattern);
	auto it = cache.find(key);
	if (it != cache.end()) return it->second;
	if (cache.size() > 128) cache.clear();
	return cache.emplace(key, translate(pattern, flags)).first->second;
}

Value make_match(const std::cmatch& m, const CompiledRe& cre, std::string_view subject) {
	auto* mo = new detail::MatchObj();
	auto cp = [&](std::ptrdiff_t byte) {
		return cp_length(subject.substr(0, static_cast<std::size_t>(byte)));
	};
	for (std::size_t g = 0; g < m.size(); ++g) {
		if (m[g].matched) {
			mo->groups.emplace_back(m[g].str());
			std::ptrdiff_t b = m[g].first - subject.data();
			mo->spans.emplace_back(cp(b), cp(b + m[g].length()));
		} else {
			mo->groups.emplace_back(std::nullopt);
			mo->spans.emplace_back(-1, -1);
		}
	}
	mo->names = cre.names;
	return ValueAccess::wrap(mo);
}

std::string expand_template(std::string_view repl, const std::cmatch& m, const CompiledRe& cre) {
	std::string out;
	for (std::size_t i = 0; i < repl.size(); ++i) {
		char c = repl[i];
		if (c != '\\' || i + 1 >= repl.size()) {
			out += c;
			continue;
		}
		char n = repl[++i];
		if (std::isdigit(static_cast<unsigned char>(n))) {
			std::size_t g = static_cast<std::size_t>(n - '0');
			if (i + 1 < repl.size() && std::isdigit(static_cast<unsigned char>(repl[i + 1])))
				g = g * 10 + static_cast<std::size_t>(repl[++i] - '0');
			if (g >= m.size()) raise(PyExc::ValueError, "invalid group reference " + std::to_string(g));
			out += m[g].str();
		} else if (n == 'g' && i + 1 < repl.size() && repl[i + 1] == '<') {
			auto close = repl.find('>', i);
			if (close == std::string_view::npos) raise(PyExc::ValueError, "missing >, unterminated name");
			std::string name(repl.substr(i + 2, close - i - 2));
			std::size_t g = SIZE_MAX;
			if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) g = std::stoul(name);
			for (auto& [nm, gi] : cre.names)
				if (nm == name) g = static_cast<std::size_t>(gi);
			if (g >= m.size()) raise(PyExc::IndexError, "unknown group name '" + name + "'");
			out += m[g].str();
			i = close;
		} else if (n == 'n')
			out += '\n';
		else if (n == 't')
			out += '\t';
		else if (n == 'r')
			out += '\r';
		else if (n == '\\')
			out += '\\';
		else {
			out += '\\';
			out += n;
		}
	}
	return out;
}

std::string_view text(const Value& v, const char* what) {
	if (v.kind() != Kind::Str)
		raise(PyExc::TypeError, std::string(what) + " must be a string, not " + std::string(v.type_name()));
	return v.as_str();
}

} // namespace

Value re_call(std::string_view fn, Args a, KwNames) {
	std::string_view pattern = text(a[0], "pattern");
	auto flags_at = [&](std::size_t i) {
		return i < a.size() && !a[i].is_missing() ? static_cast<int>(to_int(a[i]).as_int()) : 0;
	};
	if (fn == "sub" || fn == "subn") {
		const CompiledRe& cre = compiled(pattern, flags_at(4));
		std::string_view s = text(a[2], "string");
		std::int64_t count = a.size() > 3 && !a[3].is_missing() ? to_int(a[3]).as_int() : 0;
		std::string out;
		const char* last = s.data();
		std::int64_t n = 0;
		for (std::cregex_iterator it(s.data(), s.data() + s.size(), cre.re), end; it != end; ++it) {
			if (count > 0 && n >= count) break;
			const auto& m = *it;
			out.append(last, m[0].first);
			if (a[1].kind() == Kind::Callable) {
				Value mv = make_match(m, cre, s);
				Value r = call_value(a[1], Args(&mv, 1), {});
				out += text(r, "replacement");
			} else {
				out += expand_template(text(a[1], "repl"), m, cre);
			}
			last = m[0].second;
			++n;
		}
		out.append(last, s.data() + s.size());
		if (fn == "subn") return Value::tuple({Value::str(std::move(out)), Value::integer(n)});
		return Value::str(std::move(out));
	}
	if (fn == "match" || fn == "search" || fn == "fullmatch") {
		const CompiledRe& cre = compiled(pattern, flags_at(2));
		std::string_view s = text(a[1], "string");
		std::cmatch m;
		bool ok;
		if (fn == "fullmatch")
			ok = std::regex_match(s.data(), s.data() + s.size(), m, cre.re);
		else if (fn == "match")
			ok = std::regex_search(s.data(), s.data() + s.size(), m, cre.re,
			                       std::regex_constants::match_continuous);
		else
			ok = std::regex_search(s.data(), s.data() + s.size(), m, cre.re);
		if (!ok) return Value();
		return make_match(m, cre, s);
	}
	if (fn == "findall") {
		const CompiledRe& cre = compiled(pattern, flags_at(2));
		std::string_view s = text(a[1], "string");
		std::vector<Value> out;
		for (std::cregex_iterator it(s.data(), s.data() + s.size(), cre.re), end; it != end; ++it) {
			const auto& m = *it;
			if (m.size() == 1)
				out.push_back(Value::str(m[0].str()));
			else if (m.size() == 2)
				out.push_back(Value::str(m[1].str()));
			else {
				std::vector<Value> t;
				for (std::size_t g = 1; g < m.size(); ++g)
					t.push_back(Value::str(m[g].str()));
				out.push_back(Value::tuple(std::move(t)));
			}
		}
		return Value::list(std::move(out));
	}
	if (fn == "split") {
		const CompiledRe& cre = compiled(pattern, flags_at(3));
		std::string_view s = text(a[1], "string");
		std::int64_t maxsplit = a.size() > 2 && !a[2].is_missing() ? to_int(a[2]).as_int() : 0;
		std::vector<Value> out;
		const char* last = s.data();
		std::int64_t n = 0;
		for (std::cregex_iterator it(s.data(), s.data() + s.size(), cre.re), end; it != end; ++it) {
			if (maxsplit > 0 && n >= maxsplit) break;
			const auto& m = *it;
			if (m[0].length() == 0 && m[0].first == s.data() + s.size()) break;
			out.push_back(Value::str(std::string(last, m[0].first)));
			for (std::size_t g = 1; g < m.size(); ++g)
				out.push_back(m[g].matched ? Value::str(m[g].str()) : Value());
			last = m[0].second;
			++n;
		}
		out.push_back(Value::str(std::string(last, s.data() + s.size())));
		return Value::list(std::move(out));
	}
	raise(PyExc::AttributeError, "module 're' has no attribute '" + std::string(fn) + "'");
}

} // namespace meles::rd::expr::rt
