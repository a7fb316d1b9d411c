// meles/core/adql/table_file.hpp — a small text format describing tables, read into a
// SimpleCatalog, so that `meles adql --tables FILE` and tests can translate against known
// columns without a database.
//
// Format (one directive per line, '#' starts a comment line, blank lines ignored):
//   table SCHEMA.NAME [sql=SQLNAME] [description="..."]
//   column NAME TYPE [unit=U] [ucd=U] [utype=U] [xtype=X] [description="..."]
//   q3c RA DEC           -- (ra, dec) pair with a q3c index
//   spoint RA DEC        -- pair with a GiST index on spoint(radians(ra), radians(dec))
//   gist COLUMN          -- geometry column with a GiST index
// column/q3c/spoint/gist lines belong to the latest table.  Names in double quotes are
// delimited identifiers ("plAin"); TYPE is an RD type (double, real, bigint, text, char(8),
// spoint, spoly, ...; quote types with blanks: "double precision").  Values may be quoted;
// "" inside quotes is a literal quote.  sql= defaults to SCHEMA.NAME.
// Thread-safety: pure function.
#pragma once

#include "meles/core/adql/catalog.hpp"

#include <string_view>

namespace meles::adql {

// Throws meles::Error(Syntax) naming `source` and the line for malformed input.
SimpleCatalog parse_table_file(std::string_view text, std::string_view source = "tables file");

} // namespace meles::adql
