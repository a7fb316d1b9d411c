// meles/core/common/utf8.hpp — checks text from outside (request parameters, credentials)
// before it reaches anything that insists on well-formed UTF-8: PostgreSQL, which would
// answer with its own message, and the XML of responses that echo it.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace meles {

// Offset of the first byte that does not belong to well-formed UTF-8 (no overlong forms,
// surrogates or code points above U+10FFFF), or npos when all of `s` is well-formed.
size_t invalid_utf8_offset(std::string_view s);

// Offset of the first control character (U+0000–U+001F, U+007F), or npos.
size_t control_char_offset(std::string_view s);

} // namespace meles
