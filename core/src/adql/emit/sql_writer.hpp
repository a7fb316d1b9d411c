// adql/emit/sql_writer.hpp — the only functions that put names and literal values into SQL
// text.  Identifiers follow the normalisation of ast/identifier.hpp (regular -> lower case,
// bare when PostgreSQL would read them back unchanged, else double-quoted); strings are
// single-quoted with quotes doubled, and E'' with doubled backslashes when a backslash
// occurs, so the result is the same whatever standard_conforming_strings says.
// Thread-safety: pure functions.
#pragma once

#include "meles/core/adql/identifiers.hpp" // is_pg_keyword

#include <string>
#include <string_view>

namespace meles::adql {

void append_identifier(std::string& out, std::string_view name, bool delimited);
void append_string_literal(std::string& out, std::string_view value);
// Shortest text that reads back as the same double ("0.1", "1e-07", "-3").
void append_double(std::string& out, double v);

} // namespace meles::adql
