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
		// Constant centres use q3c_join too: with q3c 2.0, q3c_radial_query's finer pixel
		// list costs about 4 ms of planning, ten times the whole q3c_join query.
		const PointOperand& first = p.other;
		const PointOperand& second = p.indexed;
		out_ += "q3c_join(";
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
		out_ += "(q3c_join(";
		append_double(out_, p.cap_ra);
		out_ += ", ";
		append_double(out_, p.cap_dec);
		out_ += ", ";
		coordinate(p.indexed, false);
		out_ += ", ";
		coordinate(p.indexed, true);
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
