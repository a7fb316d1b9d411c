// unicode.hpp — UTF-8 validation and UTF-8 <-> UTF-16 for unicodeChar columns.
//
// VOTable's BINARY unicodeChar is UCS-2/UTF-16 big-endian; everything else in Meles is UTF-8.
// Invalid input bytes become U+FFFD rather than failing a half-sent response.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace meles::formats {

// Decodes one code point at s[i], advancing i; U+FFFD for a malformed sequence.
inline char32_t next_code_point(std::string_view s, std::size_t& i) {
	auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
	unsigned char c = b(i);
	if (c < 0x80) {
		++i;
		return c;
	}
	int n = c >= 0xF5 ? -1 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : -1;
	if (n < 0 || i + static_cast<std::size_t>(n) >= s.size()) {
		++i;
		return 0xFFFD;
	}
	char32_t cp = c & (0x3F >> n);
	for (int k = 1; k <= n; ++k) {
		unsigned char t = b(i + k);
		if ((t & 0xC0) != 0x80) {
			++i;
			return 0xFFFD;
		}
		cp = (cp << 6) | (t & 0x3F);
	}
	static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
	if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		++i;
		return 0xFFFD;
	}
	i += n + 1;
	return cp;
}

inline void append_utf8(std::string& out, char32_t cp) {
	if (cp < 0x80) {
		out += static_cast<char>(cp);
	} else if (cp < 0x800) {
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

// True when s is well-formed UTF-8 (no overlongs, no surrogates).
inline bool is_valid_utf8(std::string_view s) {
	std::size_t i = 0;
	while (i < s.size()) {
		if (static_cast<unsigned char>(s[i]) < 0x80) {
			++i;
			continue;
		}
		std::size_t before = i;
		char32_t cp = next_code_point(s, i);
		if (cp == 0xFFFD) {
			// A literal U+FFFD is EF BF BD; anything else that decoded to it was malformed.
			if (i - before != 3 || s.substr(before, 3) != "\xEF\xBF\xBD") return false;
		}
	}
	return true;
}

} // namespace meles::formats
