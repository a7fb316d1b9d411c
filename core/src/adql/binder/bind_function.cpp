// Function calls and CAST: argument types, and the result's type, unit and UCD by the rule
// the function table gives.
#include "adql/binder/binder.hpp"
#include "adql/binder/constants.hpp"
#include "adql/binder/type_resolution.hpp"
#include "adql/functions/function_table.hpp"
#include "adql/functions/sphere_geometry.hpp"
#include "adql/functions/stcs.hpp"
#include "adql/functions/unit_conversion.hpp"
#include "adql/lexer/lexer.hpp"

#include <cmath>

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

std::string with_stat(const std::string& ucd, const char* stat) {
	if (ucd.empty()) return {};
	return ucd + ";" + stat;
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
		v.ucd = a0->ucd;
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
		v.ucd = a0->ucd;
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
		v.ucd = with_stat(a0->ucd, d.id == FunctionId::Min ? "stat.min" : "stat.max");
		break;
	case ResultRule::Avg:
		require_numeric(*f.args[0], d.name);
		v.type = SqlType{BaseType::Double};
		v.pg_numeric = !a0->known || a0->pg_numeric || a0->type.is_integer();
		v.unit = a0->unit;
		v.ucd = with_stat(a0->ucd, "stat.mean");
		break;
	case ResultRule::Sum:
		require_numeric(*f.args[0], d.name);
		v.unit = a0->unit;
		v.ucd = a0->ucd;
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
		v.ucd = a0->ucd;
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
		v.ucd = first->ucd;
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
		v.ucd = a0->ucd;
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
		break;
	case FunctionId::Circle:
	case FunctionId::Box:
		if (f.form == GeometryForm::Points) {
			require_point(*args[0], d.name);
			numbers(1, args.size());
		} else {
			numbers(0, args.size());
		}
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
		break;
	case FunctionId::Region: {
		StcsShape shape;
		std::string error;
		if (!parse_stcs(as<LiteralExpr>(*args[0]).value, shape, error))
			fail(ErrorKind::Type, args[0]->pos, error);
		f.constants = std::move(shape.values);
		switch (shape.kind) {
		case StcsShape::Kind::Position:
			v.type = SqlType{BaseType::SPoint};
			break;
		case StcsShape::Kind::Circle:
			v.type = SqlType{BaseType::SCircle};
			break;
		case StcsShape::Kind::Box:
			v.type = SqlType{BaseType::SBox};
			break;
		case StcsShape::Kind::Polygon:
			v.type = SqlType{BaseType::SPoly};
			break;
		}
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
			if (shape.def->id == FunctionId::Region && (b == BaseType::SPoly || b == BaseType::SBox)) {
				vertices = shape.constants;
				if (b == BaseType::SBox) {
					const auto& c = shape.constants;
					vertices = {c[0] - c[2] / 2, c[1] - c[3] / 2, c[0] + c[2] / 2, c[1] - c[3] / 2,
					            c[0] + c[2] / 2, c[1] + c[3] / 2, c[0] - c[2] / 2, c[1] + c[3] / 2};
				}
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
			v.ucd = o.ucd;
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
