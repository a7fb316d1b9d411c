// meles/rd/expr/literals.hpp — type-directed literal parsing and PostgreSQL COPY text.
//
// idmaps/simplemaps (and `map source=`) turn a grammar's raw string into a value of the
// target column's type the way DaCHS does (empty means NULL for every non-text type);
// the importer then writes values in COPY text format.  append_copy_literal is the fast
// path from raw text straight to COPY text, for the millions-of-rows case.
// Errors are ExprError(ValueError/TypeError) naming the bad literal and the type; the
// caller adds column and row.  Thread-safety: pure functions.
#pragma once

#include "meles/core/common/types.hpp"
#include "meles/rd/expr/value.hpp"

#include <string>
#include <string_view>

namespace meles::rd::expr {

// Raw literal -> Value for a column of `type`:
//   smallint/integer/bigint: Python int() syntax ("12", " -3 ", "1_000"), range-checked;
//   real/double: Python float() syntax plus Fortran exponents ("1.5D3") and nan/inf;
//   boolean: true/false, t/f, yes/no, on/off, enabled/disabled, 1/0 (any case);
//   date: YYYY-MM-DD (a date-time gives its date); timestamp: ISO 8601 forms with 'T' or
//   blank, optional fraction and Z/+00:00, compact 19981214T133012; time: HH:MM[:SS[.f]];
//   char/text/unicode: the text unchanged (also when empty); bytea: the bytes;
//   spoint: "ra, dec" / "ra dec" in degrees or sexagesimal ("12 15 30.5 +52 18 27.5") ->
//   a 2-tuple of degrees; scircle/spoly: simple STC-S ("Circle ICRS 10 20 1") -> a list of
//   degrees; pg_sphere literals ("(1d,2d)", "<...>", "{...}") and arrays ("{1,2}") stay text.
// Empty (or blank, for numbers) input gives None for all non-text types.
Value parse_literal(std::string_view raw, const SqlType& type);

// Appends the COPY text field for a raw literal of a column of `type`; the same as
// append_copy_value(out, parse_literal(raw, type), type) but copies well-formed numbers
// verbatim instead of re-formatting them.
void append_copy_literal(std::string& out, std::string_view raw, const SqlType& type);

// Appends `v` as a COPY text field for a column of `type`: \N for None; numbers in a form
// PostgreSQL reads back exactly (shortest round-trip for floats, NaN/Infinity);
// booleans t/f; ISO dates and times; bytea as \\x hex; arrays as {...}; spoint from a
// pair of degrees as (ad,bd), scircle from (ra, dec, r) as <(ad,bd),rd>, spoly from 2n
// numbers or n pairs as {(ad,bd),...}, sbox from 4 numbers.  Strings given for
// non-text columns are parsed as literals first.
void append_copy_value(std::string& out, const Value& v, const SqlType& type);

// COPY text escaping: backslash, tab, newline, carriage return and the other C0 controls
// that have COPY escapes.
void append_copy_escaped(std::string& out, std::string_view s);

} // namespace meles::rd::expr
