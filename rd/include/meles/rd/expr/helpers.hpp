// meles/rd/expr/helpers.hpp — DaCHS's rowmaker helper functions, callable from C++.
//
// The same code backs hmsToDeg(...), dateTimeToMJD(...) etc. inside expressions; grammars
// and mixins (e.g. a native //scs or //products implementation) may call it directly.
// Semantics follow DaCHS 2.7's documented behaviour; deviations are listed in
// docs/rowmaker-expressions.md.  Errors are ExprError(ValueError/TypeError).
// Thread-safety: pure functions.
#pragma once

#include "meles/rd/expr/value.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace meles::rd::expr {

// Sexagesimal angles.  sep: nullopt splits at whitespace, "" means fixed columns
// (hhmmss.s), anything else splits at that string.  A leading sign applies to the whole
// angle ("-00 30 00" is -0.5 degrees).
double hms_to_deg(std::string_view hms, std::optional<std::string_view> sep = std::nullopt);
double dms_to_deg(std::string_view dms, std::optional<std::string_view> sep = std::nullopt);
// "hh mm ss.sss" and "+dd mm ss.ss"; second_fracs < 1 gives whole seconds.
std::string deg_to_hms(double deg, std::string_view sep = " ", int second_fracs = 3);
std::string deg_to_dms(double deg, std::string_view sep = " ", int second_fracs = 2);

// Julian dates (dateTimeToJdn returns a fractional Julian Date despite its name).
double datetime_to_jd(const Value& date_or_datetime);
double datetime_to_mjd(const Value& date_or_datetime);
double datetime_to_jyear(const Value& date_or_datetime);
Value jd_to_datetime(double jd);
Value mjd_to_datetime(double mjd);
Value jyear_to_datetime(double jyear);
Value byear_to_datetime(double byear);

// parseISODT: "1998-12-14", "1998-12-14T13:30:12.224Z", "19981214T133012", "... +00:00".
Value parse_iso_datetime(std::string_view literal);

// Python-compatible number parsing as float()/int() do it (blanks, '_' between digits,
// inf/nan); false when the text is not a number.
bool parse_python_float(std::string_view text, double& out);
bool parse_python_int(std::string_view text, std::int64_t& out);

} // namespace meles::rd::expr
