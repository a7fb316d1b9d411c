// meles/core/adql/identifiers.hpp — ADQL naming rules other parts need: whether a name is
// a reserved word and whether it can be written without double quotes.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace meles::adql {

// ADQL 2.1 reserved words (SQL-92's and ADQL's own), case-insensitively.
bool is_reserved_word(std::string_view name);
// A regular identifier: a letter, then letters, digits and '_', and not a reserved word.
bool is_regular_identifier(std::string_view name);

} // namespace meles::adql
