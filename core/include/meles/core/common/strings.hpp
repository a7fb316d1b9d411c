// meles/core/common/strings.hpp — small string helpers used across the code base.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace meles {

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with_ci(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);
// Splits on a single character; keeps empty fields.
std::vector<std::string> split(std::string_view s, char sep);
// Splits on sep and trims each item; drops empty items ("a, b,,c" -> a b c).
std::vector<std::string> split_list(std::string_view s, char sep = ',');
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Collapses runs of whitespace to one blank and trims (DaCHS normalises descriptions so).
std::string normalize_space(std::string_view s);
// What an error message may quote of a client's text: at most `max` bytes (cut at a UTF-8
// character boundary) followed by "..." when longer, so that a megabyte name sent by a client
// is never echoed back whole.
std::string excerpt(std::string_view s, std::size_t max = 60);

// Escapes &, <, >, " and ' for XML text and attribute values; drops characters that
// XML 1.0 cannot represent at all (most C0 controls) and replaces bytes that are not UTF-8
// by U+FFFD, so that echoing hostile input never breaks a document.
std::string xml_escape(std::string_view s);
void append_xml_escaped(std::string& out, std::string_view s);

// Percent-decoding for application/x-www-form-urlencoded ('+' becomes a blank).
std::string url_decode(std::string_view s);
std::string url_encode(std::string_view s);

} // namespace meles
