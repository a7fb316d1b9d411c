#include "meles/core/common/strings.hpp"

#include "meles/core/common/error.hpp"

#include "formats/unicode.hpp"

#include <cctype>

namespace meles {

std::string to_lower(std::string_view s) {
	std::string out(s);
	for (auto& c : out)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

std::string to_upper(std::string_view s) {
	std::string out(s);
	for (auto& c : out)
		c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	return out;
}

bool iequals(std::string_view a, std::string_view b) {
	if (a.size() != b.size()) return false;
	for (size_t i = 0; i < a.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
			return false;
	return true;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
	return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
	size_t b = 0, e = s.size();
	while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
		++b;
	while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
		--e;
	return s.substr(b, e - b);
}

std::vector<std::string> split(std::string_view s, char sep) {
	std::vector<std::string> out;
	size_t start = 0;
	for (;;) {
		size_t p = s.find(sep, start);
		if (p == std::string_view::npos) {
			out.emplace_back(s.substr(start));
			return out;
		}
		out.emplace_back(s.substr(start, p - start));
		start = p + 1;
	}
}

std::vector<std::string> split_list(std::string_view s, char sep) {
	std::vector<std::string> out;
	for (auto& part : split(s, sep)) {
		auto t = trim(part);
		if (!t.empty()) out.emplace_back(t);
	}
	return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
	std::string out;
	for (size_t i = 0; i < parts.size(); ++i) {
		if (i) out += sep;
		out += parts[i];
	}
	return out;
}

std::string normalize_space(std::string_view s) {
	std::string out;
	bool pending_space = false;
	for (char c : s) {
		if (std::isspace(static_cast<unsigned char>(c))) {
			pending_space = !out.empty();
		} else {
			if (pending_space) out += ' ';
			pending_space = false;
			out += c;
		}
	}
	return out;
}

std::string excerpt(std::string_view s, std::size_t max) {
	if (s.size() <= max) return std::string(s);
	std::size_t n = max;
	while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
		--n; // s[n] continues a character: cut before that character
	return concat(s.substr(0, n), "...");
}

void append_xml_escaped(std::string& out, std::string_view s) {
	for (size_t i = 0; i < s.size(); ++i) {
		char ch = s[i];
		auto c = static_cast<unsigned char>(ch);
		switch (ch) {
		case '&':
			out += "&amp;";
			break;
		case '<':
			out += "&lt;";
			break;
		case '>':
			out += "&gt;";
			break;
		case '"':
			out += "&quot;";
			break;
		case '\'':
			out += "&apos;";
			break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') break; // not representable in XML 1.0
			if (c >= 0x80) {
				// Bytes that are not UTF-8 (a path or name echoed in an error) would make the
				// whole document unreadable; they become U+FFFD.
				size_t from = i;
				char32_t cp = formats::next_code_point(s, i);
				if (cp == 0xFFFD && s.substr(from, 3) != "\xEF\xBF\xBD")
					out += "\xEF\xBF\xBD";
				else
					out.append(s.substr(from, i - from));
				--i;
				break;
			}
			out += ch;
		}
	}
}

std::string xml_escape(std::string_view s) {
	std::string out;
	out.reserve(s.size() + 8);
	append_xml_escaped(out, s);
	return out;
}

static int hexval(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

std::string url_decode(std::string_view s) {
	std::string out;
	out.reserve(s.size());
	for (size_t i = 0; i < s.size(); ++i) {
		char c = s[i];
		if (c == '+') {
			out += ' ';
		} else if (c == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out += c;
		}
	}
	return out;
}

std::string url_encode(std::string_view s) {
	static const char* hex = "0123456789ABCDEF";
	std::string out;
	for (char ch : s) {
		auto c = static_cast<unsigned char>(ch);
		if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			out += ch;
		} else {
			out += '%';
			out += hex[c >> 4];
			out += hex[c & 15];
		}
	}
	return out;
}

} // namespace meles
