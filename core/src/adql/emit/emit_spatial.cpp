// Cones and crossmatches as planned by the binder: q3c calls with the indexed (ra, dec) in
// the slots q3c's index serves, or pg_sphere's @ with the indexed point on the left.
#include "adql/emit/emitter.hpp"
#include "adql/emit/sql_writer.hpp"

namespace meles::adql {

void Emitter::coordinate(const PointOperand& p, bool dec) {
	if (p.ra) {
		operand(dec ? *p.dec : *p.ra);
		return;
	}
	out_ += dec ? "degrees(lat(" : "degrees(long(";
	expr(*p.point);
	out_ += "))";
}

void Emitter::point_operand(const PointOperand& p) {
	if (p.point) {
		operand(*p.point);
		return;
	}
	out_ += "spoint(radians(";
	expr(*p.ra);
	out_ += "), radians(";
	expr(*p.dec);
	out_ += "))";
}

void Emitter::spatial(const SpatialPlan& p) {
	if (p.negate) out_ += "NOT (";
	switch (p.form) {
	case SpatialPlan::Form::Q3cRadial:
	case SpatialPlan::Form::Q3cJoin: {
		bool join = p.form == SpatialPlan::Form::Q3cJoin;
		const PointOperand& first = join ? p.other : p.indexed;
		const PointOperand& second = join ? p.indexed : p.other;
		out_ += join ? "q3c_join(" : "q3c_radial_query(";
		coordinate(first, false);
		out_ += ", ";
		coordinate(first, true);
		out_ += ", ";
		coordinate(second, false);
		out_ += ", ";
		coordinate(second, true);
		out_ += ", ";
		expr(*p.radius);
		out_ += ')';
		break;
	}
	case SpatialPlan::Form::Q3cCapThenExact:
		out_ += "(q3c_radial_query(";
		coordinate(p.indexed, false);
		out_ += ", ";
		coordinate(p.indexed, true);
		out_ += ", ";
		append_double(out_, p.cap_ra);
		out_ += ", ";
		append_double(out_, p.cap_dec);
		out_ += ", ";
		append_double(out_, p.cap_radius);
		out_ += ") AND ";
		bool_function(as<FunctionExpr>(*p.exact));
		out_ += ')';
		break;
	case SpatialPlan::Form::PointInCircle:
		point_operand(p.indexed);
		out_ += " @ scircle(";
		point_operand(p.other);
		out_ += ", radians(";
		expr(*p.radius);
		out_ += "))";
		break;
	}
	if (p.negate) out_ += ')';
}

} // namespace meles::adql
