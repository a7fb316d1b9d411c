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
// True for words PostgreSQL 15 reserves in any way (all categories but "unreserved"): such a
// name must be double-quoted in SQL even when lower case.  The one list, for the ADQL
// translator's SQL and the DDL of imported tables alike.
bool is_pg_keyword(std::string_view lower_word) noexcept;

} // namespace meles::adql
