// adql/ast/function_expr.hpp — any function call: math, aggregates, geometry constructors and
// predicates, string and conditional functions, user-defined functions.  Which one is given
// by its entry in the function table; geometry constructors keep their (deprecated)
// coordinate-system argument apart from the coordinates.
// Thread-safety: see expression.hpp.
#pragma once

#include "adql/ast/expression.hpp"
#include "adql/functions/sky_frames.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meles::adql {

struct FunctionDef;

// How the binder read a geometry constructor's arguments.
enum class GeometryForm : uint8_t {
	Unset,
	Numbers, // coordinates given as numbers (POINT(ra, dec), CIRCLE(ra, dec, r), POLYGON(x1, y1, ...))
	Points,  // centre/vertices given as point values (CIRCLE(p, r), POLYGON(p1, p2, p3))
};

struct FunctionExpr final : Expr {
	FunctionExpr(uint32_t p, const FunctionDef* d) : Expr(ExprKind::Function, p), def(d) {}
	const FunctionDef* def;
	std::string name; // lower-case name as called (for functions declared via ParseOptions)
	std::vector<ExprPtr> args;
	bool distinct = false;               // aggregates: COUNT(DISTINCT x)
	bool star = false;                   // COUNT(*)
	std::optional<std::string> coordsys; // geometry constructors: 'ICRS', or "" for NULL

	// binder notes
	GeometryForm form = GeometryForm::Unset;
	double unit_factor = 1.0; // IN_UNIT: multiply by this
	// REGION: the shape's coordinates (degrees; a box as its four corners); CENTROID of a
	// constant shape: ra, dec; BOX with constant arguments: its corners (ICRS, degrees)
	std::vector<double> constants;
	// POINT, CIRCLE, POLYGON, BOX whose coordinates are expressions in another frame: the SQL
	// turns them into ICRS (constant coordinates are converted by the binder instead)
	SkyFrame frame = SkyFrame::Icrs;
};

} // namespace meles::adql
