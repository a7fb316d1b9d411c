// adql/binder/derived_ucd.hpp — which UCD a computed value may carry.  A UCD says what a value
// means; most computations change that (MOD(id, 7) is no identifier, ra / 3 no right
// ascension), so the binder keeps a UCD only where the value still means the same: a copy of a
// column, the same quantity rounded or in another unit, one of several equally labelled values
// (COALESCE, CASE), an extreme or mean of a quantity (with ;stat.min/max/mean).  meta.main is
// never kept: it marks the main value of a table, which only the column itself is.
// Thread-safety: pure functions.
#pragma once

#include "adql/ast/expression.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace meles::adql {

// The UCD of the same value transformed without changing its meaning (CAST, rounding, another
// unit): `ucd` without meta.main.  With `quantities_only`, UCDs led by meta.* (identifiers,
// codes, flags) give none: a rounded or averaged identifier identifies nothing.
std::string same_meaning_ucd(std::string_view ucd, bool quantities_only);

// MIN/MAX/AVG of a quantity: its UCD without meta.main plus `stat` (stat.min, ...); none for
// meta.* UCDs and for UCDs that already carry a stat.* word (MAX(em_min) is no stat.min).
std::string statistic_ucd(std::string_view ucd, std::string_view stat);

// One of several values (CASE branches, COALESCE arguments): their UCD if all known non-NULL
// ones have the same (without meta.main), else none.
std::string common_ucd(const std::vector<const ValueInfo*>& values);

} // namespace meles::adql
