#include "meles/core/adql/identifiers.hpp"

#include "lexer/keywords.hpp"

#include <cctype>

namespace meles::adql {

bool is_reserved_word(std::string_view name) {
	return lookup_keyword(name) != Keyword::None;
}

bool is_regular_identifier(std::string_view name) {
	if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
	for (char c : name)
		if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
	return !is_reserved_word(name);
}

} // namespace meles::adql
