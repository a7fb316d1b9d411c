#include "adql/functions/function_table.hpp"

#include "meles/core/adql/features.hpp"

#include <array>

namespace meles::adql {

namespace {

using K = Keyword;
using R = ResultRule;
using T = ResultType;
namespace ft = feature_type;

constexpr FunctionDef kTable[] = {
    // id, name, keyword, min, max, aggregate, geometry_value, numeric_args, rule, type, unit, ucd, feature,
    // form, description
    {FunctionId::Abs, "ABS", K::Abs, 1, 1, false, false, true, R::KeepNumeric, T::None, "", "", "", "", ""},
    {FunctionId::Ceiling, "CEILING", K::Ceiling, 1, 1, false, false, true, R::KeepNumeric, T::None, "", "",
     "", "", ""},
    {FunctionId::Degrees, "DEGREES", K::Degrees, 1, 1, false, false, true, R::ToDegrees, T::None, "", "", "",
     "", ""},
    {FunctionId::Exp, "EXP", K::Exp, 1, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Floor, "FLOOR", K::Floor, 1, 1, false, false, true, R::KeepNumeric, T::None, "", "", "", "",
     ""},
    {FunctionId::Log, "LOG", K::Log, 1, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Log10, "LOG10", K::Log10, 1, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Mod, "MOD", K::Mod, 2, 2, false, false, true, R::KeepNumeric, T::None, "", "", "", "", ""},
    {FunctionId::Pi, "PI", K::Pi, 0, 0, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Power, "POWER", K::Power, 2, 2, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Radians, "RADIANS", K::Radians, 1, 1, false, false, true, R::ToRadians, T::None, "", "", "",
     "", ""},
    {FunctionId::Rand, "RAND", K::Rand, 0, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Round, "ROUND", K::Round, 1, 2, false, false, true, R::KeepNumeric, T::None, "", "", "", "",
     ""},
    {FunctionId::Sqrt, "SQRT", K::Sqrt, 1, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Truncate, "TRUNCATE", K::Truncate, 1, 2, false, false, true, R::KeepNumeric, T::None, "", "",
     "", "", ""},
    {FunctionId::Acos, "ACOS", K::Acos, 1, 1, false, false, true, R::AngleRad, T::None, "", "", "", "", ""},
    {FunctionId::Asin, "ASIN", K::Asin, 1, 1, false, false, true, R::AngleRad, T::None, "", "", "", "", ""},
    {FunctionId::Atan, "ATAN", K::Atan, 1, 1, false, false, true, R::AngleRad, T::None, "", "", "", "", ""},
    {FunctionId::Atan2, "ATAN2", K::Atan2, 2, 2, false, false, true, R::AngleRad, T::None, "", "", "", "",
     ""},
    {FunctionId::Cos, "COS", K::Cos, 1, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Cot, "COT", K::Cot, 1, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Sin, "SIN", K::Sin, 1, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},
    {FunctionId::Tan, "TAN", K::Tan, 1, 1, false, false, true, R::Double, T::None, "", "", "", "", ""},

    {FunctionId::Count, "COUNT", K::Count, 1, 1, true, false, false, R::Count, T::Bigint, "", "meta.number",
     "", "", ""},
    {FunctionId::Avg, "AVG", K::Avg, 1, 1, true, false, false, R::Avg, T::None, "", "", "", "", ""},
    {FunctionId::Min, "MIN", K::Min, 1, 1, true, false, false, R::MinMax, T::None, "", "", "", "", ""},
    {FunctionId::Max, "MAX", K::Max, 1, 1, true, false, false, R::MinMax, T::None, "", "", "", "", ""},
    {FunctionId::Sum, "SUM", K::Sum, 1, 1, true, false, false, R::Sum, T::None, "", "", "", "", ""},

    {FunctionId::Area, "AREA", K::Area, 1, 1, false, false, false, R::Fixed, T::Double, "deg**2",
     "phys.angArea", ft::geometry, "AREA", "Area of a geometry in square degrees"},
    {FunctionId::Box, "BOX", K::Box, 3, 5, false, true, false, R::Geometry, T::Polygon, "deg", "",
     ft::geometry, "BOX",
     "A box (deprecated in ADQL 2.1): the polygon with great-circle sides through its corners"},
    {FunctionId::Centroid, "CENTROID", K::Centroid, 1, 1, false, true, false, R::Geometry, T::Point, "deg",
     "pos", ft::geometry, "CENTROID", "Centre of a point, circle, box or constant polygon"},
    {FunctionId::Circle, "CIRCLE", K::Circle, 2, 4, false, true, false, R::Geometry, T::Circle, "deg", "",
     ft::geometry, "CIRCLE", ""},
    {FunctionId::Contains, "CONTAINS", K::Contains, 2, 2, false, false, false, R::Flag, T::Integer, "", "",
     ft::geometry, "CONTAINS", ""},
    {FunctionId::Coord1, "COORD1", K::Coord1, 1, 1, false, false, false, R::Fixed, T::Double, "deg",
     "pos.eq.ra", ft::geometry, "COORD1", ""},
    {FunctionId::Coord2, "COORD2", K::Coord2, 1, 1, false, false, false, R::Fixed, T::Double, "deg",
     "pos.eq.dec", ft::geometry, "COORD2", ""},
    {FunctionId::Coordsys, "COORDSYS", K::Coordsys, 1, 1, false, false, false, R::Fixed, T::Text, "",
     "meta.ref;pos.frame", ft::geometry, "COORDSYS",
     "The coordinate system given to a constructor, else ICRS (deprecated in ADQL 2.1)"},
    {FunctionId::Distance, "DISTANCE", K::Distance, 2, 4, false, false, false, R::Fixed, T::Double, "deg",
     "pos.angDistance", ft::geometry, "DISTANCE", ""},
    {FunctionId::Intersects, "INTERSECTS", K::Intersects, 2, 2, false, false, false, R::Flag, T::Integer, "",
     "", ft::geometry, "INTERSECTS", ""},
    {FunctionId::Point, "POINT", K::Point, 2, 3, false, true, false, R::Geometry, T::Point, "deg", "pos",
     ft::geometry, "POINT", ""},
    {FunctionId::Polygon, "POLYGON", K::Polygon, 3, -1, false, true, false, R::Geometry, T::Polygon, "deg",
     "", ft::geometry, "POLYGON", ""},
    {FunctionId::Region, "REGION", K::Region, 1, 1, false, true, false, R::Geometry, T::Polygon, "deg", "",
     ft::geometry, "REGION", "STC-S Position, Circle, Box and Polygon given as a string literal"},

    {FunctionId::Lower, "LOWER", K::Lower, 1, 1, false, false, false, R::KeepText, T::Text, "", "",
     ft::string, "LOWER", ""},
    {FunctionId::Upper, "UPPER", K::Upper, 1, 1, false, false, false, R::KeepText, T::Text, "", "",
     ft::string, "UPPER", ""},
    {FunctionId::Coalesce, "COALESCE", K::Coalesce, 1, -1, false, false, false, R::FirstArgument, T::None, "",
     "", ft::conditional, "COALESCE", ""},
    {FunctionId::InUnit, "IN_UNIT", K::InUnit, 2, 2, false, false, false, R::InUnit, T::Double, "", "",
     ft::unit, "IN_UNIT", ""},
    {FunctionId::Nullif, "NULLIF", K::Nullif, 2, 2, false, false, false, R::FirstArgument, T::None, "", "",
     "", "", ""},
    {FunctionId::Greatest, "GREATEST", K::None, 1, -1, false, false, false, R::FirstArgument, T::None, "", "",
     "", "", ""},
    {FunctionId::Least, "LEAST", K::None, 1, -1, false, false, false, R::FirstArgument, T::None, "", "", "",
     "", ""},

    {FunctionId::IvoHasword, "ivo_hasword", K::None, 2, 2, false, false, false, R::Flag, T::Integer, "", "",
     ft::udf, "ivo_hasword(haystack TEXT, needle TEXT) -> INTEGER",
     "1 if needle occurs as a word in haystack (case-insensitive, PostgreSQL English full-text matching), "
     "else 0"},
    {FunctionId::IvoNocasematch, "ivo_nocasematch", K::None, 2, 2, false, false, false, R::Flag, T::Integer,
     "", "", ft::udf, "ivo_nocasematch(value TEXT, pattern TEXT) -> INTEGER",
     "1 if value matches the LIKE pattern ignoring case, else 0"},
    {FunctionId::IvoHashlistHas, "ivo_hashlist_has", K::None, 2, 2, false, false, false, R::Flag, T::Integer,
     "", "", ft::udf, "ivo_hashlist_has(hashlist TEXT, item TEXT) -> INTEGER",
     "1 if item is one of the #-separated items of hashlist (ignoring case), else 0"},
    {FunctionId::IvoStringAgg, "ivo_string_agg", K::None, 2, 2, true, false, false, R::Fixed, T::Text, "", "",
     ft::udf, "ivo_string_agg(expr TEXT, delimiter TEXT) -> TEXT",
     "Aggregate: the values of expr joined by delimiter"},
    {FunctionId::IvoIntervalOverlaps, "ivo_interval_overlaps", K::None, 4, 4, false, false, true, R::Flag,
     T::Integer, "", "", ft::udf,
     "ivo_interval_overlaps(l1 NUMERIC, h1 NUMERIC, l2 NUMERIC, h2 NUMERIC) -> INTEGER",
     "1 if the closed intervals [l1, h1] and [l2, h2] overlap, else 0"},
    {FunctionId::IvoIntervalHas, "ivo_interval_has", K::None, 2, 2, false, false, false, R::Flag, T::Integer,
     "", "", ft::udf, "ivo_interval_has(val NUMERIC, iv INTERVAL) -> INTEGER",
     "1 if val lies in the closed interval iv (an array of lower and upper bound), else 0"},
    {FunctionId::IvoToJd, "ivo_to_jd", K::None, 1, 1, false, false, false, R::Fixed, T::Double, "d",
     "time.epoch", ft::udf, "ivo_to_jd(d TIMESTAMP) -> DOUBLE PRECISION",
     "The Julian Date of the timestamp d"},
    {FunctionId::IvoToMjd, "ivo_to_mjd", K::None, 1, 1, false, false, false, R::Fixed, T::Double, "d",
     "time.epoch", ft::udf, "ivo_to_mjd(d TIMESTAMP) -> DOUBLE PRECISION",
     "The Modified Julian Date of the timestamp d"},
    {FunctionId::IvoHealpixIndex, "ivo_healpix_index", K::None, 2, 3, false, false, false, R::Fixed,
     T::Bigint, "", "pos.healpix", ft::udf,
     "ivo_healpix_index(hpxOrder INTEGER, ra DOUBLE PRECISION, dec DOUBLE PRECISION) -> BIGINT",
     "NESTED HEALPix index at hpxOrder of the position (ra, dec) in degrees; also "
     "ivo_healpix_index(hpxOrder, point)"},
    {FunctionId::IvoHealpixCenter, "ivo_healpix_center", K::None, 2, 2, false, true, false, R::Geometry,
     T::Point, "deg", "pos", ft::udf, "ivo_healpix_center(hpxOrder INTEGER, hpxIndex BIGINT) -> POINT",
     "Centre of the NESTED HEALPix cell hpxIndex at hpxOrder"},
};

constexpr FunctionDef kDeclared = {FunctionId::Declared, "",      K::None, 0,  -1, false, false, false,
                                   R::Unknown,           T::None, "",      "", "", "",    ""};

inline char fold(char c) {
	return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool iequal(std::string_view a, std::string_view b) {
	if (a.size() != b.size()) return false;
	for (size_t i = 0; i < a.size(); ++i)
		if (fold(a[i]) != fold(b[i])) return false;
	return true;
}

} // namespace

std::span<const FunctionDef> function_table() {
	return kTable;
}

const FunctionDef& function_def(FunctionId id) {
	if (id == FunctionId::Declared) return kDeclared;
	return kTable[static_cast<size_t>(id)];
}

const FunctionDef* find_function(Keyword kw) noexcept {
	if (kw == Keyword::None) return nullptr;
	// A direct index would need a second enum mapping; the table is short and this runs
	// once per call token.
	for (const auto& f : kTable)
		if (f.keyword == kw) return &f;
	return nullptr;
}

const FunctionDef* find_function(std::string_view name) noexcept {
	for (const auto& f : kTable)
		if (f.keyword == Keyword::None && iequal(f.name, name)) return &f;
	return nullptr;
}

const FunctionDef& declared_function_def() {
	return kDeclared;
}

} // namespace meles::adql
