// adql/binder/spatial_plan.hpp — how a cone or crossmatch condition is to be written so that
// PostgreSQL can use a spatial index.  The binder recognises 1 = CONTAINS(POINT, CIRCLE),
// INTERSECTS with a point, and DISTANCE(...) < r (also <=, r >, r >=), looks up which side
// carries a q3c or pg_sphere index in the catalog, and leaves this plan on the comparison;
// the emitter writes it.
// Thread-safety: part of one translation's tree.
#pragma once

namespace meles::adql {

struct Expr;

// A position given either as a point value or as (ra, dec) in degrees.
struct PointOperand {
	const Expr* point = nullptr;
	const Expr* ra = nullptr;
	const Expr* dec = nullptr;
	bool has_coordinates() const { return ra != nullptr; }
};

struct SpatialPlan {
	enum class Form : unsigned char {
		Q3cRadial,       // centre is constant: emitted as q3c_join(other.ra, other.dec, idx.ra, idx.dec, r)
		Q3cJoin,         // q3c_join(other.ra, other.dec, idx.ra, idx.dec, r): centre from another table
		Q3cCapThenExact, // q3c_join over a bounding cap AND the exact pg_sphere test
		PointInCircle,   // indexed.point @ scircle(other, radians(r)): pg_sphere, GiST-usable
	};
	Form form = Form::PointInCircle;
	bool negate = false; // 0 = CONTAINS(...) and friends
	PointOperand indexed;
	PointOperand other;
	const Expr* radius = nullptr; // in degrees
	// Q3cCapThenExact: the cap (degrees) and the exact test (a CONTAINS/INTERSECTS call)
	double cap_ra = 0, cap_dec = 0, cap_radius = 0;
	const Expr* exact = nullptr;
};

} // namespace meles::adql
