// adql/functions/function_table.hpp — every function the translator knows, in one table:
// name, arity, how the result's type/unit/UCD is derived, and the TAPRegExt feature that
// declares it.  The parser checks calls against it, the binder types results from it,
// features.cpp generates the capabilities from it; only the SQL forms are code (emit/).
// Thread-safety: immutable static data.
#pragma once

#include "adql/lexer/keywords.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace meles::adql {

enum class FunctionId : uint8_t {
	// mathematical (ADQL 2.1 §2.3)
	Abs,
	Ceiling,
	Degrees,
	Exp,
	Floor,
	Log,
	Log10,
	Mod,
	Pi,
	Power,
	Radians,
	Rand,
	Round,
	Sqrt,
	Truncate,
	// trigonometrical
	Acos,
	Asin,
	Atan,
	Atan2,
	Cos,
	Cot,
	Sin,
	Tan,
	// aggregates
	Count,
	Avg,
	Min,
	Max,
	Sum,
	// geometry (§4.2)
	Area,
	Box,
	Centroid,
	Circle,
	Contains,
	Coord1,
	Coord2,
	Coordsys,
	Distance,
	Intersects,
	Point,
	Polygon,
	Region,
	// strings, conditionals, units (§4.4, 4.8, 4.9) and common SQL extras
	Lower,
	Upper,
	Coalesce,
	InUnit,
	Nullif,
	Greatest,
	Least,
	// user-defined functions (IVOA UDF catalogue), all emitted as plain SQL
	IvoHasword,
	IvoNocasematch,
	IvoHashlistHas,
	IvoStringAgg,
	IvoIntervalOverlaps,
	IvoIntervalHas,
	IvoToJd,
	IvoToMjd,
	IvoHealpixIndex,
	IvoHealpixCenter,
	// a function the caller declared through ParseOptions (parse_only): unknown semantics
	Declared,
};

// How the binder derives the result's type, unit and UCD.
enum class ResultRule : uint8_t {
	Double,        // double, no unit
	KeepNumeric,   // double (type of the argument for ABS/MOD of integers), unit and UCD of arg 1
	AngleRad,      // double in rad
	ToDegrees,     // double in deg, UCD of arg 1
	ToRadians,     // double in rad, UCD of arg 1
	Count,         // bigint, meta.number
	MinMax,        // type/unit of arg 1, UCD + ;stat.min/max
	Avg,           // double, unit of arg 1, UCD + ;stat.mean
	Sum,           // bigint for integers else double, unit and UCD of arg 1
	Geometry,      // the geometry type of the function (POINT -> spoint ...)
	Flag,          // integer 0/1
	Fixed,         // the table's type/unit/UCD
	KeepText,      // text, UCD of arg 1
	FirstArgument, // type, unit and UCD of the first typed argument
	InUnit,        // double in the requested unit
	Unknown,       // nothing known
};

enum class ResultType : uint8_t { None, Double, Integer, Bigint, Text, Point, Circle, Polygon, Box };

struct FunctionDef {
	FunctionId id;
	std::string_view name; // as documented: upper case for ADQL's, lower case for UDFs
	Keyword keyword;       // reserved word naming it, or None
	int8_t min_args;
	int8_t max_args; // -1: any number
	bool aggregate;
	bool geometry_value; // a geometry constructor: not an operand of arithmetic or ||
	bool numeric_args;   // every argument must be numeric (grammar: <numeric_value_expression>)
	ResultRule rule;
	ResultType type;               // for Fixed/Geometry
	std::string_view unit;         // for Fixed
	std::string_view ucd;          // for Fixed
	std::string_view feature_type; // "" for the mandatory language
	std::string_view form;         // TAPRegExt form (UDF signature) when declared
	std::string_view description;
};

std::span<const FunctionDef> function_table();
const FunctionDef& function_def(FunctionId id);
// By reserved word (ABS, POINT, COUNT...); null if the keyword is not a function.
const FunctionDef* find_function(Keyword kw) noexcept;
// By non-reserved name (ivo_hasword, greatest), case-insensitive; null if unknown.
const FunctionDef* find_function(std::string_view name) noexcept;
// The entry for functions declared through ParseOptions.
const FunctionDef& declared_function_def();

} // namespace meles::adql
