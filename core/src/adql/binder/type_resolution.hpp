// adql/binder/type_resolution.hpp — the type PostgreSQL gives to values that come together
// from several branches: UNION/EXCEPT/INTERSECT columns, CASE results, COALESCE, GREATEST,
// LEAST.  (Not operators: real * numeric is double, but COALESCE(real, numeric) is real.)
// Thread-safety: pure functions.
#pragma once

#include "adql/ast/expression.hpp"

#include <vector>

namespace meles::adql {

// Merges the known numeric/string types among `values` into `out` (type and pg_numeric);
// leaves `out` alone when the values are of other kinds or mixed.
void resolve_common_type(const std::vector<const ValueInfo*>& values, ValueInfo& out);

} // namespace meles::adql
