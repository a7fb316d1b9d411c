// Function calls: ADQL's math with PostgreSQL's names (LOG is ln, LOG10 is log; ROUND and
// TRUNCATE with a precision go through numeric), aggregates, geometry in pg_sphere terms
// (degrees in, radians inside), and the user-defined functions as plain SQL expressions.
#include "adql/binder/binder.hpp"
#include "adql/binder/constants.hpp"
#include "adql/emit/emitter.hpp"
#include "adql/emit/sql_writer.hpp"
#include "adql/functions/function_table.hpp"
#include "adql/functions/sky_frames.hpp"

#include <numbers>

namespace meles::adql {

namespace {
constexpr double kDegToRad = std::numbers::pi / 180;
// square degrees per steradian
constexpr std::string_view kSquareDegrees = "3282.806350011744";
} // namespace

void Emitter::args(const FunctionExpr& f, std::string_view name) {
	out_ += name;
	out_ += '(';
	if (f.distinct) out_ += "DISTINCT ";
	for (size_t i = 0; i < f.args.size(); ++i) {
		if (i) out_ += ", ";
		expr(*f.args[i]);
	}
	out_ += ')';
}

void Emitter::radians(const Expr& e) {
	out_ += "radians(";
	expr(e);
	out_ += ')';
}

void Emitter::point_value(const Expr& e) {
	operand(e);
}

void Emitter::spoint_literal(double ra, double dec) {
	out_ += "spoint(";
	append_double(out_, ra * kDegToRad);
	out_ += ", ";
	append_double(out_, dec * kDegToRad);
	out_ += ')';
}

void Emitter::constant_polygon(const std::vector<double>& v) {
	// pg_sphere has no polygon constructor from numbers, only its literal syntax
	out_ += "spoly '{";
	for (size_t i = 0; i + 1 < v.size(); i += 2) {
		if (i) out_ += ',';
		out_ += '(';
		append_double(out_, v[i] * kDegToRad);
		out_ += ',';
		append_double(out_, v[i + 1] * kDegToRad);
		out_ += ')';
	}
	out_ += "}'";
}

void Emitter::frame_start(const FunctionExpr& f) {
	if (f.frame != SkyFrame::Icrs) out_ += '(';
}

void Emitter::frame_end(const FunctionExpr& f) {
	if (f.frame == SkyFrame::Icrs) return;
	// pg_sphere's Euler transformation: exactly the rotation into ICRS
	auto e = strans_to_icrs(f.frame);
	out_ += " + strans(";
	for (int i = 0; i < 3; ++i) {
		append_double(out_, e[static_cast<size_t>(i)]);
		out_ += ", ";
	}
	out_ += "'ZXZ'))";
}

void Emitter::numbers_point(const FunctionExpr& f, const Expr& ra, const Expr& dec) {
	frame_start(f);
	out_ += "spoint(";
	radians(ra);
	out_ += ", ";
	radians(dec);
	out_ += ')';
	frame_end(f);
}

void Emitter::polygon(const FunctionExpr& f) {
	std::vector<double> v;
	if (constant_vertices(f, v)) {
		constant_polygon(v);
		return;
	}
	// vertices from expressions: pg_sphere's spoly aggregate over the points, in order
	out_ += "(SELECT spoly(q.p ORDER BY q.i) FROM (VALUES ";
	size_t n = f.form == GeometryForm::Points ? f.args.size() : f.args.size() / 2;
	for (size_t k = 0; k < n; ++k) {
		if (k) out_ += ", ";
		out_ += '(' + std::to_string(k + 1) + ", ";
		if (f.form == GeometryForm::Points) {
			point_value(*f.args[k]);
		} else {
			numbers_point(f, *f.args[2 * k], *f.args[2 * k + 1]);
		}
		out_ += ')';
	}
	out_ += ") AS q(i, p))";
}

void Emitter::bool_function(const FunctionExpr& f) {
	const auto& a = f.args;
	out_ += '(';
	switch (f.def->id) {
	case FunctionId::Contains:
	case FunctionId::Intersects: {
		const Expr* x = a[0].get();
		const Expr* y = a[1].get();
		bool px = is_point(x->info), py = is_point(y->info);
		const char* op = " @ ";
		if (px && py)
			op = " = ";
		else if (f.def->id == FunctionId::Intersects) {
			if (py)
				std::swap(x, y);
			else if (!px)
				op = " && ";
		}
		point_value(*x);
		out_ += op;
		point_value(*y);
		break;
	}
	case FunctionId::IvoHasword:
		out_ += "to_tsvector('english', ";
		expr(*a[0]);
		out_ += ") @@ plainto_tsquery('english', ";
		expr(*a[1]);
		out_ += ')';
		break;
	case FunctionId::IvoNocasematch:
		operand(*a[0]);
		out_ += " ILIKE ";
		operand(*a[1]);
		break;
	case FunctionId::IvoHashlistHas:
		out_ += "lower(";
		expr(*a[1]);
		out_ += ") = ANY (string_to_array(lower(";
		expr(*a[0]);
		out_ += "), '#'))";
		break;
	case FunctionId::IvoIntervalOverlaps:
		operand(*a[1]);
		out_ += " >= ";
		operand(*a[2]);
		out_ += " AND ";
		operand(*a[3]);
		out_ += " >= ";
		operand(*a[0]);
		break;
	case FunctionId::IvoIntervalHas:
		operand(*a[0]);
		out_ += " BETWEEN (";
		expr(*a[1]);
		out_ += ")[1] AND (";
		expr(*a[1]);
		out_ += ")[2]";
		break;
	default:
		break;
	}
	out_ += ')';
}

void Emitter::function(const FunctionExpr& f) {
	const auto& a = f.args;
	switch (f.def->id) {
	case FunctionId::Abs:
		args(f, "abs");
		return;
	case FunctionId::Ceiling:
		args(f, "ceiling");
		return;
	case FunctionId::Degrees:
		args(f, "degrees");
		return;
	case FunctionId::Exp:
		args(f, "exp");
		return;
	case FunctionId::Floor:
		args(f, "floor");
		return;
	case FunctionId::Log:
		args(f, "ln");
		return;
	case FunctionId::Log10:
		args(f, "log");
		return;
	case FunctionId::Pi:
		out_ += "pi()";
		return;
	case FunctionId::Power:
		args(f, "power");
		return;
	case FunctionId::Radians:
		args(f, "radians");
		return;
	case FunctionId::Rand:
		out_ += "random()";
		return;
	case FunctionId::Sqrt:
		args(f, "sqrt");
		return;
	case FunctionId::Mod:
		if (f.info.type.is_integer()) {
			args(f, "mod");
			return;
		}
		out_ += "CAST(mod(CAST(";
		expr(*a[0]);
		out_ += " AS numeric), CAST(";
		expr(*a[1]);
		out_ += " AS numeric)) AS double precision)";
		return;
	case FunctionId::Round:
	case FunctionId::Truncate: {
		const char* name = f.def->id == FunctionId::Round ? "round" : "trunc";
		if (a.size() == 1) {
			args(f, name);
			return;
		}
		out_ += "CAST(";
		out_ += name;
		out_ += "(CAST(";
		expr(*a[0]);
		out_ += " AS numeric), CAST(";
		expr(*a[1]);
		out_ += " AS integer)) AS double precision)";
		return;
	}
	case FunctionId::Acos:
		args(f, "acos");
		return;
	case FunctionId::Asin:
		args(f, "asin");
		return;
	case FunctionId::Atan:
		args(f, "atan");
		return;
	case FunctionId::Atan2:
		args(f, "atan2");
		return;
	case FunctionId::Cos:
		args(f, "cos");
		return;
	case FunctionId::Cot:
		args(f, "cot");
		return;
	case FunctionId::Sin:
		args(f, "sin");
		return;
	case FunctionId::Tan:
		args(f, "tan");
		return;
	case FunctionId::Count:
		if (f.star)
			out_ += "count(*)";
		else
			args(f, "count");
		return;
	case FunctionId::Avg:
		args(f, "avg");
		return;
	case FunctionId::Min:
		args(f, "min");
		return;
	case FunctionId::Max:
		args(f, "max");
		return;
	case FunctionId::Sum:
		args(f, "sum");
		return;

	case FunctionId::Point:
		numbers_point(f, *a[0], *a[1]);
		return;
	case FunctionId::Circle:
		out_ += "scircle(";
		if (f.form == GeometryForm::Points)
			point_value(*a[0]);
		else
			numbers_point(f, *a[0], *a[1]);
		out_ += ", ";
		radians(*a.back());
		out_ += ')';
		return;
	case FunctionId::Box: {
		// ADQL's BOX is a polygon: great circles through the corners (ra -+ w/2, dec -+ h/2)
		if (f.constants.size() == 8) { // the binder's corners, in ICRS
			constant_polygon(f.constants);
			return;
		}
		static constexpr const char* kSigns[4][2] = {{"-", "-"}, {"+", "-"}, {"+", "+"}, {"-", "+"}};
		out_ += "(SELECT spoly(q.p ORDER BY q.i) FROM (VALUES ";
		for (int k = 0; k < 4; ++k) {
			const char* sx = kSigns[k][0];
			const char* sy = kSigns[k][1];
			out_ += k ? ", (" : "(";
			out_ += std::to_string(k + 1) + ", ";
			if (f.form == GeometryForm::Points) {
				out_ += "spoint(long(";
				point_value(*a[0]);
				out_ += concat(") ", sx, " radians(");
				expr(*a[1]);
				out_ += ") / 2, lat(";
				point_value(*a[0]);
				out_ += concat(") ", sy, " radians(");
				expr(*a[2]);
				out_ += ") / 2)";
			} else {
				frame_start(f);
				out_ += "spoint(radians(";
				operand(*a[0]);
				out_ += concat(" ", sx, " ");
				operand(*a[2]);
				out_ += " / 2.0), radians(";
				operand(*a[1]);
				out_ += concat(" ", sy, " ");
				operand(*a[3]);
				out_ += " / 2.0))";
				frame_end(f);
			}
			out_ += ')';
		}
		out_ += ") AS q(i, p))";
		return;
	}
	case FunctionId::Polygon:
		polygon(f);
		return;
	case FunctionId::Region: {
		const auto& v = f.constants;
		switch (f.info.type.base) {
		case BaseType::SPoint:
			spoint_literal(v[0], v[1]);
			return;
		case BaseType::SCircle:
			out_ += "scircle(";
			spoint_literal(v[0], v[1]);
			out_ += ", ";
			append_double(out_, v[2] * kDegToRad);
			out_ += ')';
			return;
		default:
			constant_polygon(v);
			return;
		}
	}
	case FunctionId::Centroid:
		if (f.constants.size() == 2) {
			spoint_literal(f.constants[0], f.constants[1]);
		} else if (a[0]->info.type.base == BaseType::SCircle) {
			out_ += "(@@ ";
			operand(*a[0]);
			out_ += ')';
		} else {
			expr(*a[0]);
		}
		return;
	case FunctionId::Area:
		if (a[0]->info.known && a[0]->info.type.base == BaseType::SPoint) {
			out_ += "CAST(0 AS double precision)";
			return;
		}
		out_ += "(area(";
		expr(*a[0]);
		out_ += ") * ";
		out_ += kSquareDegrees;
		out_ += ')';
		return;
	case FunctionId::Coord1:
	case FunctionId::Coord2:
		out_ += f.def->id == FunctionId::Coord1 ? "degrees(long(" : "degrees(lat(";
		expr(*a[0]);
		out_ += "))";
		return;
	case FunctionId::Coordsys: {
		const Expr& g = *a[0];
		std::string sys = "ICRS";
		if (g.kind == ExprKind::Function && as<FunctionExpr>(g).coordsys &&
		    !as<FunctionExpr>(g).coordsys->empty())
			sys = *as<FunctionExpr>(g).coordsys;
		append_string_literal(out_, sys);
		return;
	}
	case FunctionId::Distance:
		out_ += "degrees(";
		if (a.size() == 2) {
			point_value(*a[0]);
			out_ += " <-> ";
			point_value(*a[1]);
		} else {
			out_ += "spoint(";
			radians(*a[0]);
			out_ += ", ";
			radians(*a[1]);
			out_ += ") <-> spoint(";
			radians(*a[2]);
			out_ += ", ";
			radians(*a[3]);
			out_ += ')';
		}
		out_ += ')';
		return;
	case FunctionId::Contains:
	case FunctionId::Intersects:
	case FunctionId::IvoHasword:
	case FunctionId::IvoNocasematch:
	case FunctionId::IvoHashlistHas:
	case FunctionId::IvoIntervalOverlaps:
	case FunctionId::IvoIntervalHas:
		out_ += "CAST(";
		bool_function(f);
		out_ += " AS integer)";
		return;
	case FunctionId::Lower:
		args(f, "lower");
		return;
	case FunctionId::Upper:
		args(f, "upper");
		return;
	case FunctionId::Coalesce:
		args(f, "COALESCE");
		return;
	case FunctionId::Nullif:
		args(f, "NULLIF");
		return;
	case FunctionId::Greatest:
		args(f, "GREATEST");
		return;
	case FunctionId::Least:
		args(f, "LEAST");
		return;
	case FunctionId::InUnit:
		out_ += "(CAST(";
		expr(*a[0]);
		out_ += " AS double precision) * ";
		append_double(out_, f.unit_factor);
		out_ += ')';
		return;
	case FunctionId::IvoStringAgg:
		out_ += f.distinct ? "string_agg(DISTINCT CAST(" : "string_agg(CAST(";
		expr(*a[0]);
		out_ += " AS text), ";
		expr(*a[1]);
		out_ += ')';
		return;
	case FunctionId::IvoToJd:
	case FunctionId::IvoToMjd:
		out_ += "(CAST(EXTRACT(EPOCH FROM CAST(";
		expr(*a[0]);
		out_ += " AS timestamp)) AS double precision) / 86400 + ";
		out_ += f.def->id == FunctionId::IvoToJd ? "2440587.5)" : "40587)";
		return;
	case FunctionId::IvoHealpixIndex:
		out_ += "healpix_nest(CAST(";
		expr(*a[0]);
		out_ += " AS integer), ";
		if (a.size() == 2) {
			point_value(*a[1]);
		} else {
			out_ += "spoint(";
			radians(*a[1]);
			out_ += ", ";
			radians(*a[2]);
			out_ += ')';
		}
		out_ += ')';
		return;
	case FunctionId::IvoHealpixCenter:
		out_ += "center_of_healpix_nest(CAST(";
		expr(*a[0]);
		out_ += " AS integer), CAST(";
		expr(*a[1]);
		out_ += " AS bigint))";
		return;
	case FunctionId::Declared:
		args(f, f.name);
		return; // parse_only declarations: never translated
	}
}

} // namespace meles::adql
