// meles/core/adql/table_file.hpp — reads a small text description of tables into a
// SimpleCatalog, so `meles adql --tables FILE` and tests translate against known columns
// without a database.  Format: docs/adql.md, "The tables file"; example:
// tests/adql/catalog.tables.  Thread-safety: pure function.
#pragma once

#include "meles/core/adql/catalog.hpp"

#include <string_view>

namespace meles::adql {

// Throws meles::Error(Syntax) naming `source` and the line for malformed input.
SimpleCatalog parse_table_file(std::string_view text, std::string_view source = "tables file");

} // namespace meles::adql
