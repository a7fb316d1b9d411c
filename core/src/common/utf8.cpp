#include "meles/core/common/utf8.hpp"

#include "formats/unicode.hpp"

namespace meles {

size_t invalid_utf8_offset(std::string_view s) {
	for (size_t i = 0; i < s.size();) {
		if (static_cast<unsigned char>(s[i]) < 0x80) {
			++i;
			continue;
		}
		size_t before = i;
		// U+FFFD is what next_code_point answers for malformed input; the real one is EF BF BD.
		if (formats::next_code_point(s, i) == 0xFFFD && s.substr(before, 3) != "\xEF\xBF\xBD") return before;
	}
	return std::string_view::npos;
}

size_t control_char_offset(std::string_view s) {
	for (size_t i = 0; i < s.size(); ++i)
		if (static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7F) return i;
	return std::string_view::npos;
}

} // namespace meles
