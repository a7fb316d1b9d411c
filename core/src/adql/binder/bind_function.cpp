// Function calls and CAST: argument types, and the result's type, unit and UCD by the rule
// the function table gives.
#include "adql/binder/binder.hpp"
#include "adql/binder/derived_ucd.hpp"
#include "adql/binder/constants.hpp"
#include "adql/binder/type_resolution.hpp"
#include "adql/emit/sql_writer.hpp"
#include "adql/functions/function_table.hpp"
#include "adql/functions/sky_frames.hpp"
#include "adql/functions/sphere_geometry.hpp"
#include "adql/functions/stcs.hpp"
#include "adql/functions/unit_conversion.hpp"
#include "adql/lexer/lexer.hpp"

#include <array>
#include <cmath>
#include <numbers>

namespace meles::adql {

namespace {

const char* describe(const ValueInfo& v) {
	const auto& t = v.type;
	if (t.is_array) return "an array";
	if (t.is_numeric()) return "a number";
	if (t.is_string()) return "a string";
	switch (t.base) {
	case BaseType::Timestamp:
	case BaseType::Date:
	case BaseType::Time:
		return "a timestamp";
	case BaseType::SPoint:
		return "a point";
	case BaseType::SCircle:
		return "a circle";
	case BaseType::SPoly:
		return "a polygon";
	case BaseType::SBox:
		return "a box";
	default:
		return "a value of another type";
	}
}

SqlType result_type(ResultType t) {
	switch (t) {
	case ResultType::Integer:
		return SqlType{BaseType::Integer};
	case ResultType::Bigint:
		return SqlType{BaseType::BigInt};
	case ResultType::Text:
		return SqlType{BaseType::Text, 0};
	case ResultType::Point:
		return SqlType{BaseType::SPoint};
	case ResultType::Circle:
		return SqlType{BaseType::SCircle};
	case ResultType::Polygon:
		return SqlType{BaseType::SPoly};
	case ResultType::Box:
		return SqlType{BaseType::SBox};
	default:
		return SqlType{BaseType::Double};
	}
}

// Replaces a constant coordinate by a literal of its value in ICRS: everything after the
// binder (cone planning, constant shapes, the SQL) then sees plain ICRS numbers.
void set_number(ExprPtr& e, double v) {
	auto lit = std::make_unique<LiteralExpr>(e->pos, LiteralKind::Real);
	append_double(lit->storage, v);
	lit->text = lit->storage;
	lit->info.known = true;
	lit->info.constant = true;
	lit->info.type = SqlType{BaseType::Double};
	lit->info.pg_numeric = true;
	e = std::move(lit);
}

std::string shortest(double v) {
	std::string out;
	append_double(out, v);
	return out;
}

// BOX(ra, dec, w, h): ADQL's special polygon whose sides are great circles through the
// corners (ra -+ w/2, dec -+ h/2), in its own frame; corners go counter-clockwise.
std::vector<double> box_corners(double ra, double dec, double w, double h) {
	return {ra - w / 2, dec - h / 2, ra + w / 2, dec - h / 2,
	        ra + w / 2, dec + h / 2, ra - w / 2, dec + h / 2};
}

} // namespace

void Binder::require_numeric(const Expr& arg, std::string_view function) const {
	if (arg.info.known && !arg.info.type.is_numeric())
		fail(ErrorKind::Type, arg.pos,
		     concat(function, " expects a number here, found ", describe(arg.info)));
}

void Binder::require_geometry(const Expr& arg, std::string_view function) const {
	if (arg.info.known && !is_geometry(arg.info))
		fail(ErrorKind::Type, arg.pos,
		     concat(function, " expects a geometry (POINT, CIRCLE, POLYGON, ...), found ",
		            describe(arg.info)));
}

void Binder::require_point(const Expr& arg, std::string_view function) const {
	if (arg.info.known && !is_point(arg.info))
		fail(ErrorKind::Type, arg.pos, concat(function, " expects a point here, found ", describe(arg.info)));
}

void Binder::bind_function(FunctionExpr& f, Scope& scope, Clause clause) {
	const FunctionDef& d = *f.def;
	if (d.aggregate && (clause == Clause::Where || clause == Clause::On || clause == Clause::GroupBy))
		fail(ErrorKind::Syntax, f.pos,
		     concat("Aggregate functions such as ", d.name, " are not allowed in ",
		            clause == Clause::Where ? "WHERE (use HAVING)"
		            : clause == Clause::On  ? "ON"
		                                    : "GROUP BY"));
	bool constant = !d.aggregate && d.id != FunctionId::Rand;
	bool any_pg_numeric = false;
	for (auto& a : f.args) {
		bind_expr(*a, scope, d.aggregate ? Clause::Select : clause);
		constant &= a->info.constant;
		any_pg_numeric |= a->info.pg_numeric;
	}
	ValueInfo& v = f.info;
	v.constant = constant;
	v.known = true;
	const ValueInfo* a0 = f.args.empty() ? nullptr : &f.args[0]->info;
	if (d.numeric_args)
		for (auto& a : f.args)
			require_numeric(*a, d.name);

	switch (d.rule) {
	case ResultRule::Double:
		v.type = SqlType{BaseType::Double};
		// exp, ln, log, sqrt and power keep PostgreSQL's numeric for numeric input
		v.pg_numeric = any_pg_numeric &&
		               (d.id == FunctionId::Exp || d.id == FunctionId::Log || d.id == FunctionId::Log10 ||
		                d.id == FunctionId::Sqrt || d.id == FunctionId::Power);
		break;
	case ResultRule::KeepNumeric:
		v.unit = a0->unit;
		// a rounded quantity is still that quantity; ABS(dec) is no declination, MOD(id, 7) no id
		if (d.id != FunctionId::Abs && d.id != FunctionId::Mod) v.ucd = same_meaning_ucd(a0->ucd, true);
		if (d.id == FunctionId::Abs) {
			v.type = a0->known ? a0->type : SqlType{BaseType::Double};
			v.pg_numeric = a0->pg_numeric;
		} else if (d.id == FunctionId::Mod && a0->type.is_integer() && f.args[1]->info.type.is_integer() &&
		           a0->known && f.args[1]->info.known) {
			v.type = SqlType{rank_max(a0->type.base, f.args[1]->info.type.base)};
		} else {
			v.type = SqlType{BaseType::Double};
			// round/trunc with a precision and mod of non-integers are cast back to double
			v.pg_numeric = f.args.size() == 1 && a0->pg_numeric;
		}
		break;
	case ResultRule::AngleRad:
		v.type = SqlType{BaseType::Double};
		v.unit = "rad";
		break;
	case ResultRule::ToDegrees:
	case ResultRule::ToRadians:
		v.type = SqlType{BaseType::Double};
		v.unit = d.rule == ResultRule::ToDegrees ? "deg" : "rad";
		v.ucd = same_meaning_ucd(a0->ucd, true);
		break;
	case ResultRule::Count:
		v.type = SqlType{BaseType::BigInt};
		v.ucd = std::string(d.ucd);
		break;
	case ResultRule::MinMax:
		v.known = a0->known;
		v.type = a0->type;
		v.pg_numeric = a0->pg_numeric;
		v.unit = a0->unit;
		v.ucd = statistic_ucd(a0->ucd, d.id == FunctionId::Min ? "stat.min" : "stat.max");
		break;
	case ResultRule::Avg:
		require_numeric(*f.args[0], d.name);
		v.type = SqlType{BaseType::Double};
		v.pg_numeric = !a0->known || a0->pg_numeric || a0->type.is_integer();
		v.unit = a0->unit;
		v.ucd = statistic_ucd(a0->ucd, "stat.mean");
		break;
	case ResultRule::Sum:
		require_numeric(*f.args[0], d.name);
		v.unit = a0->unit; // a sum of magnitudes or positions means nothing: no UCD
		if (a0->known && (a0->type.base == BaseType::SmallInt || a0->type.base == BaseType::Integer)) {
			v.type = SqlType{BaseType::BigInt};
		} else if (a0->known && a0->type.base == BaseType::BigInt) {
			v.type = SqlType{BaseType::BigInt};
			v.pg_numeric = true;
		} else if (a0->known && a0->type.base == BaseType::Real && !a0->pg_numeric) {
			v.type = SqlType{BaseType::Real};
		} else {
			v.type = SqlType{BaseType::Double};
			v.pg_numeric = !a0->known || a0->pg_numeric;
		}
		break;
	case ResultRule::Geometry:
	case ResultRule::Flag:
	case ResultRule::Fixed:
		v.type = result_type(d.type);
		v.unit = std::string(d.unit);
		v.ucd = std::string(d.ucd);
		if (d.id == FunctionId::IvoIntervalOverlaps || d.id == FunctionId::IvoIntervalHas) break;
		bind_geometry(f);
		break;
	case ResultRule::KeepText:
		v.type = SqlType{BaseType::Text, 0};
		v.ucd = same_meaning_ucd(a0->ucd, false);
		if (a0->known && !a0->type.is_string())
			fail(ErrorKind::Type, f.args[0]->pos, concat(d.name, " expects a string, found ", describe(*a0)));
		break;
	case ResultRule::FirstArgument: {
		const ValueInfo* first = nullptr;
		for (auto& a : f.args)
			if (a->info.known) {
				first = &a->info;
				break;
			}
		if (!first) {
			v.known = false;
			v.type = SqlType{BaseType::Text, 0};
			break;
		}
		v.type = first->type;
		v.pg_numeric = first->pg_numeric;
		v.unit = first->unit;
		std::vector<const ValueInfo*> values;
		for (auto& a : f.args) {
			const ValueInfo& x = a->info;
			values.push_back(&x);
			if (!x.known) continue;
			if (first->type.is_numeric() != x.type.is_numeric() ||
			    first->type.is_string() != x.type.is_string())
				fail(ErrorKind::Type, a->pos,
				     concat("All arguments of ", d.name, " must have the same kind of type; found ",
				            describe(*first), " and ", describe(x)));
		}
		// NULLIF returns its first argument; the others merge like UNION columns
		if (d.id != FunctionId::Nullif) resolve_common_type(values, v);
		v.ucd = d.id == FunctionId::Nullif ? same_meaning_ucd(first->ucd, false) : common_ucd(values);
		break;
	}
	case ResultRule::InUnit: {
		require_numeric(*f.args[0], d.name);
		const std::string& target = as<LiteralExpr>(*f.args[1]).value;
		if (a0->unit.empty())
			fail(ErrorKind::Type, f.args[0]->pos,
			     "IN_UNIT needs a value with a known unit (a column with a unit, or an expression keeping "
			     "it)");
		UnitConversion conv = convert_unit(a0->unit, target);
		if (!conv.ok) fail(ErrorKind::Type, f.args[1]->pos, concat("IN_UNIT ", conv.error));
		f.unit_factor = conv.factor;
		v.type = SqlType{BaseType::Double};
		v.unit = target;
		v.ucd = same_meaning_ucd(a0->ucd, true);
		break;
	}
	case ResultRule::Unknown:
		v.known = false;
		v.type = SqlType{BaseType::Text, 0};
		break;
	}
}

BaseType Binder::rank_max(BaseType a, BaseType b) {
	auto r = [](BaseType x) { return x == BaseType::SmallInt ? 1 : x == BaseType::Integer ? 2 : 3; };
	return r(a) >= r(b) ? a : b;
}

void Binder::bind_geometry(FunctionExpr& f) {
	const FunctionDef& d = *f.def;
	auto& args = f.args;
	ValueInfo& v = f.info;
	auto numbers = [&](size_t from, size_t to) {
		for (size_t k = from; k < to && k < args.size(); ++k)
			require_numeric(*args[k], d.name);
	};
	switch (d.id) {
	case FunctionId::Point:
		numbers(0, 2);
		apply_frame(f);
		break;
	case FunctionId::Circle:
	case FunctionId::Box:
		if (f.form == GeometryForm::Points) {
			require_point(*args[0], d.name);
			numbers(1, args.size());
		} else {
			numbers(0, args.size());
		}
		apply_frame(f);
		break;
	case FunctionId::Polygon:
		if (f.form == GeometryForm::Unset)
			f.form = is_point(args[0]->info) ? GeometryForm::Points : GeometryForm::Numbers;
		if (f.form == GeometryForm::Points) {
			for (auto& a : args)
				require_point(*a, d.name);
		} else {
			numbers(0, args.size());
			if (args.size() < 6 || args.size() % 2)
				fail(ErrorKind::Type, f.pos,
				     "POLYGON needs at least three vertices given as pairs of numbers");
		}
		apply_frame(f);
		break;
	case FunctionId::Region: {
		StcsShape shape;
		std::string error;
		if (!parse_stcs(as<LiteralExpr>(*args[0]).value, shape, error))
			fail(ErrorKind::Type, args[0]->pos, error);
		auto frame = parse_coordsys(shape.coordsys, error);
		if (!frame) fail(ErrorKind::Type, args[0]->pos, "REGION: " + error);
		f.constants = std::move(shape.values);
		auto& c = f.constants;
		switch (shape.kind) {
		case StcsShape::Kind::Position:
			v.type = SqlType{BaseType::SPoint};
			break;
		case StcsShape::Kind::Circle:
			v.type = SqlType{BaseType::SCircle};
			break;
		case StcsShape::Kind::Box:
			check_box(c[1], c[2], c[3], args[0]->pos);
			c = box_corners(c[0], c[1], c[2], c[3]);
			v.type = SqlType{BaseType::SPoly};
			break;
		case StcsShape::Kind::Polygon:
			v.type = SqlType{BaseType::SPoly};
			break;
		}
		size_t pairs = v.type.base == BaseType::SCircle ? 1 : c.size() / 2;
		for (size_t k = 0; k < pairs; ++k)
			to_icrs(*frame, c[2 * k], c[2 * k + 1], c[2 * k], c[2 * k + 1]);
		break;
	}
	case FunctionId::Centroid: {
		const Expr& g = *args[0];
		require_geometry(g, d.name);
		if (!g.info.known) break;
		BaseType b = g.info.type.base;
		if (b == BaseType::SPoint || b == BaseType::SCircle) break;
		std::vector<double> vertices;
		bool constant = false;
		if (g.kind == ExprKind::Function) {
			const auto& shape = as<FunctionExpr>(g);
			if (shape.def->id == FunctionId::Region && b == BaseType::SPoly) {
				vertices = shape.constants;
				constant = true;
			} else {
				constant = constant_vertices(shape, vertices);
			}
		}
		if (!constant)
			fail(
			    ErrorKind::Type, g.pos,
			    "CENTROID is available for points, circles, and polygons or boxes with constant coordinates");
		SkyCap cap = vertex_cap(vertices);
		f.constants = {cap.ra, cap.dec};
		break;
	}
	case FunctionId::Area:
	case FunctionId::Coordsys:
		require_geometry(*args[0], d.name);
		break;
	case FunctionId::Coord1:
	case FunctionId::Coord2:
		require_point(*args[0], d.name);
		break;
	case FunctionId::Distance:
		if (args.size() == 2) {
			require_point(*args[0], d.name);
			require_point(*args[1], d.name);
		} else {
			numbers(0, 4);
		}
		break;
	case FunctionId::Contains:
	case FunctionId::Intersects:
		require_geometry(*args[0], d.name);
		require_geometry(*args[1], d.name);
		if (d.id == FunctionId::Contains && is_point(args[1]->info) && args[0]->info.known &&
		    !is_point(args[0]->info))
			fail(ErrorKind::Type, f.pos,
			     "CONTAINS(a, b) tests whether a lies within b, and nothing but a point lies within a point; "
			     "did you mean CONTAINS(point, shape)?");
		break;
	case FunctionId::IvoHealpixIndex:
		if (args.size() == 2)
			require_point(*args[1], d.name);
		else
			numbers(0, 3);
		require_numeric(*args[0], d.name);
		break;
	case FunctionId::IvoHealpixCenter:
		numbers(0, 2);
		break;
	default:
		break;
	}
}

void Binder::check_box(double dec, double w, double h, uint32_t pos) const {
	if (!(w > 0 && h > 0)) fail(ErrorKind::Type, pos, "BOX needs a positive width and height");
	if (w >= 180)
		fail(ErrorKind::Type, pos,
		     "BOX is a polygon with great-circle sides and must be narrower than 180 degrees; use a POLYGON "
		     "or several boxes");
	if (std::abs(dec) + h / 2 >= 90)
		fail(ErrorKind::Type, pos, "BOX reaches a pole (its corners are at dec -+ height/2); make it lower");
	// Near a pole, the great circles through wide corners bulge past the centre: such a
	// "box" would hold everything but what was meant.
	auto corners = box_corners(0, dec, w, h);
	auto unit = [](double ra, double de) {
		double a = ra * std::numbers::pi / 180, d = de * std::numbers::pi / 180;
		return std::array<double, 3>{std::cos(d) * std::cos(a), std::cos(d) * std::sin(a), std::sin(d)};
	};
	auto centre = unit(0, dec);
	for (size_t k = 0; k < 4; ++k) {
		auto p = unit(corners[2 * k], corners[2 * k + 1]);
		auto q = unit(corners[(2 * k + 2) % 8], corners[(2 * k + 3) % 8]);
		std::array<double, 3> n = {p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2],
		                           p[0] * q[1] - p[1] * q[0]};
		if (n[0] * centre[0] + n[1] * centre[1] + n[2] * centre[2] <= 0)
			fail(ErrorKind::Type, pos,
			     concat("BOX of width ", shortest(w), " at declination ", shortest(dec),
			            " does not contain its centre: the great circles through its corners bulge past it; "
			            "make it narrower or use a POLYGON"));
	}
}

void Binder::apply_frame(FunctionExpr& f) {
	const FunctionDef& d = *f.def;
	SkyFrame frame = SkyFrame::Icrs;
	if (f.coordsys && !f.coordsys->empty()) {
		std::string error;
		auto parsed = parse_coordsys(*f.coordsys, error);
		if (!parsed) fail(ErrorKind::Type, f.pos, concat(d.name, ": ", error));
		frame = *parsed;
	}
	if (frame != SkyFrame::Icrs) {
		if (f.form == GeometryForm::Points)
			fail(ErrorKind::Type, f.pos,
			     concat(d.name, " made of points is in the coordinate system of its points; give '",
			            *f.coordsys, "' to the POINTs instead"));
		f.coordsys = "ICRS"; // the value is converted: from here on it is in ICRS
	}
	auto& a = f.args;
	if (d.id == FunctionId::Box) {
		if (f.form != GeometryForm::Numbers) return;
		double c[4];
		for (int i = 0; i < 4; ++i) {
			auto v = constant_number(*a[static_cast<size_t>(i)]);
			if (!v) {
				if (frame == SkyFrame::Fk4)
					fail(ErrorKind::Type, f.pos,
					     "FK4 coordinates are converted only when they are constants (the E-terms of "
					     "aberration depend on the position); give them in ICRS");
				f.frame = frame; // the SQL converts the corners
				return;
			}
			c[i] = *v;
		}
		check_box(c[1], c[2], c[3], f.pos);
		f.constants = box_corners(c[0], c[1], c[2], c[3]);
		for (size_t k = 0; k < 4; ++k)
			to_icrs(frame, f.constants[2 * k], f.constants[2 * k + 1], f.constants[2 * k],
			        f.constants[2 * k + 1]);
		return;
	}
	if (frame == SkyFrame::Icrs) return;
	size_t pairs = d.id == FunctionId::Polygon ? a.size() / 2 : 1;
	bool all_constant = true;
	for (size_t k = 0; k < 2 * pairs; ++k)
		all_constant &= constant_number(*a[k]).has_value();
	if (!all_constant) {
		if (frame == SkyFrame::Fk4)
			fail(ErrorKind::Type, f.pos,
			     "FK4 coordinates are converted only when they are constants (the E-terms of aberration "
			     "depend on the position); give them in ICRS");
		f.frame = frame;
		return;
	}
	for (size_t k = 0; k < pairs; ++k) {
		double ra = 0, dec = 0;
		to_icrs(frame, *constant_number(*a[2 * k]), *constant_number(*a[2 * k + 1]), ra, dec);
		set_number(a[2 * k], ra);
		set_number(a[2 * k + 1], dec);
	}
}

void Binder::bind_cast(CastExpr& c) {
	const ValueInfo& o = c.operand->info;
	ValueInfo& v = c.info;
	v.known = true;
	v.constant = o.constant;
	bool numeric_target = false;
	switch (c.target) {
	case CastTarget::Smallint:
		v.type = SqlType{BaseType::SmallInt};
		numeric_target = true;
		break;
	case CastTarget::Integer:
		v.type = SqlType{BaseType::Integer};
		numeric_target = true;
		break;
	case CastTarget::Bigint:
		v.type = SqlType{BaseType::BigInt};
		numeric_target = true;
		break;
	case CastTarget::Real:
		v.type = SqlType{BaseType::Real};
		numeric_target = true;
		break;
	case CastTarget::Double:
		v.type = SqlType{BaseType::Double};
		numeric_target = true;
		break;
	case CastTarget::Char:
		v.type = c.length > 0 ? SqlType{BaseType::Char, c.length} : SqlType{BaseType::Text, 0};
		break;
	case CastTarget::Varchar:
		v.type = SqlType{BaseType::Text, 0};
		break;
	case CastTarget::Timestamp:
		v.type = SqlType{BaseType::Timestamp};
		break;
	case CastTarget::Point:
		v.type = SqlType{BaseType::SPoint};
		break;
	case CastTarget::Circle:
		v.type = SqlType{BaseType::SCircle};
		break;
	case CastTarget::Polygon:
		v.type = SqlType{BaseType::SPoly};
		break;
	}
	if (numeric_target) {
		if (o.known && !o.type.is_numeric() && !o.type.is_string())
			fail(ErrorKind::Type, c.pos, concat("Cannot CAST ", describe(o), " to a number"));
		if (o.known && o.type.is_numeric()) {
			v.unit = o.unit;
			v.ucd = same_meaning_ucd(o.ucd, false);
		}
		return;
	}
	if (c.target == CastTarget::Timestamp) {
		if (o.known && !o.type.is_string() && o.type.base != BaseType::Timestamp &&
		    o.type.base != BaseType::Date)
			fail(ErrorKind::Type, c.pos,
			     concat("Only strings can be CAST to TIMESTAMP, found ", describe(o)));
		return;
	}
	if (c.target == CastTarget::Point || c.target == CastTarget::Circle || c.target == CastTarget::Polygon) {
		if (o.is_null) return;
		if (c.operand->kind != ExprKind::Literal || as<LiteralExpr>(*c.operand).lit != LiteralKind::String)
			fail(ErrorKind::Type, c.operand->pos,
			     "CAST to a geometry needs a string literal in DALI form, e.g. CAST('12.3 45.6' AS POINT)");
		// The numbers are checked (and converted) when the SQL is written.
		std::vector<double> values;
		std::string_view s = as<LiteralExpr>(*c.operand).value;
		size_t i = 0;
		while (i < s.size()) {
			while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
				++i;
			if (i >= s.size()) break;
			size_t start = i;
			while (i < s.size() && s[i] != ' ' && s[i] != '\t')
				++i;
			std::string word(s.substr(start, i - start));
			char* end = nullptr;
			double x = std::strtod(word.c_str(), &end);
			if (!end || *end || !std::isfinite(x))
				fail(ErrorKind::Type, c.operand->pos,
				     concat("'", word, "' is not a number in the DALI geometry string"));
			values.push_back(x);
		}
		size_t n = values.size();
		bool ok = c.target == CastTarget::Point    ? n == 2
		          : c.target == CastTarget::Circle ? n == 3
		                                           : (n >= 6 && n % 2 == 0);
		if (!ok)
			fail(ErrorKind::Type, c.operand->pos,
			     c.target == CastTarget::Point ? "A DALI point is two numbers: 'ra dec'"
			     : c.target == CastTarget::Circle
			         ? "A DALI circle is three numbers: 'ra dec radius'"
			         : "A DALI polygon is at least three vertices: 'ra1 dec1 ra2 dec2 ra3 dec3 ...'");
		c.constants = std::move(values);
		return;
	}
	// strings: anything castable
}

} // namespace meles::adql
