// meles/core/adql/features.hpp — the ADQL language features translate() implements, in
// TAPRegExt's shape (type IVOID, form, description), generated from the function table, so
// capabilities never promise more or less.  Thread-safety: immutable static data.
#pragma once

#include <string_view>
#include <vector>

namespace meles::adql {

namespace feature_type {
inline constexpr std::string_view geometry = "ivo://ivoa.net/std/TAPRegExt#features-adqlgeo";
inline constexpr std::string_view string = "ivo://ivoa.net/std/TAPRegExt#features-adql-string";
inline constexpr std::string_view common_table = "ivo://ivoa.net/std/TAPRegExt#features-adql-common-table";
inline constexpr std::string_view sets = "ivo://ivoa.net/std/TAPRegExt#features-adql-sets";
inline constexpr std::string_view type = "ivo://ivoa.net/std/TAPRegExt#features-adql-type";
inline constexpr std::string_view conditional = "ivo://ivoa.net/std/TAPRegExt#features-adql-conditional";
inline constexpr std::string_view unit = "ivo://ivoa.net/std/TAPRegExt#features-adql-unit";
inline constexpr std::string_view offset = "ivo://ivoa.net/std/TAPRegExt#features-adql-offset";
inline constexpr std::string_view udf = "ivo://ivoa.net/std/TAPRegExt#features-udf";
// DaCHS's IVOID for its ADQL extensions (TABLESAMPLE).  TABLESAMPLE is accepted but not
// declared: validators warn about every non-standard feature type (docs/adql.md).
inline constexpr std::string_view gavo_extra = "ivo://org.gavo.dc/std/exts#extra-adql-keywords";
} // namespace feature_type

struct LanguageFeature {
	std::string_view type;        // one of feature_type::*
	std::string_view form;        // "CONTAINS", "UNION", or a UDF signature "ivo_hasword(...) -> INTEGER"
	std::string_view description; // may be empty for standard features
};

// All features, grouped by type in a stable order.
const std::vector<LanguageFeature>& language_features();

// SQL that must exist in the database for the UDFs to work.  Empty: every UDF is emitted
// as plain PostgreSQL/pg_sphere/q3c expressions, nothing needs installing.
inline constexpr std::string_view udf_install_sql = "";

} // namespace meles::adql
