// Function calls (checked against the function table: name, arity, and the argument forms
// ADQL's grammar prescribes for geometry functions), CAST and CASE.
#include "adql/common/suggest.hpp"
#include "adql/lexer/lexer.hpp"
#include "adql/parser/parser.hpp"
#include "meles/core/common/strings.hpp"

#include <algorithm>

namespace meles::adql {

namespace {

bool is_string_literal(const Expr& e) {
	return e.kind == ExprKind::Literal && as<LiteralExpr>(e).lit == LiteralKind::String;
}

bool is_coordsys_candidate(const Expr& e) {
	return e.kind == ExprKind::Literal &&
	       (as<LiteralExpr>(e).lit == LiteralKind::String || as<LiteralExpr>(e).lit == LiteralKind::Null);
}

bool is_udf(const FunctionDef* d) {
	return d->id >= FunctionId::IvoHasword;
}

// ADQL <coord_value>: a point constructor, CENTROID, a UDF, or a column reference.
bool point_like(const Expr& e) {
	if (e.kind == ExprKind::ColumnRef) return true;
	if (e.kind == ExprKind::Cast) return as<CastExpr>(e).target == CastTarget::Point;
	if (e.kind != ExprKind::Function) return false;
	const FunctionDef* d = as<FunctionExpr>(e).def;
	return d->id == FunctionId::Point || d->id == FunctionId::Centroid || is_udf(d);
}

// ADQL <geometry_value_expression>: a primary or a geometry function, not arithmetic.
bool geometry_operand(const Expr& e) {
	return e.kind != ExprKind::Unary && e.kind != ExprKind::Binary && !e.is_condition();
}

std::string arity_text(const FunctionDef& d) {
	auto args = [](int n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); };
	if (d.max_args < 0) return "at least " + args(d.min_args);
	if (d.min_args == d.max_args) return args(d.min_args);
	if (d.max_args == d.min_args + 1) return std::to_string(d.min_args) + " or " + args(d.max_args);
	return std::to_string(d.min_args) + " to " + args(d.max_args);
}

} // namespace

const FunctionDef* Parser::lookup_function(const Token& name_token) const {
	std::string_view name = text(name_token);
	if (const FunctionDef* d = find_function(name)) return d;
	if (options_) {
		if (!options_->udfs) {
			// ADQL 2.1 (4.3): user-defined functions carry a prefix naming who defines them
			size_t underscore = name.find('_');
			if (underscore != std::string_view::npos && underscore > 0 && underscore + 1 < name.size())
				return &declared_function_def();
		} else {
			for (const auto& udf : *options_->udfs)
				if (iequals(udf, name)) return &declared_function_def();
		}
	}
	Suggester s(name);
	for (const auto& f : function_table())
		s.offer(f.keyword == Keyword::None ? f.name : to_lower(f.name));
	throw_at(ErrorKind::Name, src_, name_token.offset, concat("Unknown function '", name, "'"), s.suffix());
}

ExprPtr Parser::parse_function_call(const FunctionDef* def, const Token& name_token) {
	advance(); // name
	const Token& open = expect(TokenKind::LParen, "'('");
	Descend d(*this, open.offset);
	auto f = std::make_unique<FunctionExpr>(name_token.offset, def);
	if (def->id == FunctionId::Declared) f->name = to_lower(text(name_token));
	if (def->aggregate) {
		if (accept(Keyword::Distinct))
			f->distinct = true;
		else
			accept(Keyword::All);
	}
	if (def->id == FunctionId::Count && at(TokenKind::Star)) {
		advance();
		f->star = true;
	} else if (!at(TokenKind::RParen)) {
		do {
			ExprPtr arg = parse_value("a function argument");
			grow(f->height, arg->height, f->pos);
			f->args.push_back(std::move(arg));
		} while (accept(TokenKind::Comma));
	}
	expect(TokenKind::RParen, concat("',' or ')' in the arguments of ", text(name_token)));
	check_function_arguments(*f, name_token);
	return f;
}

void Parser::check_function_arguments(FunctionExpr& f, const Token& name_token) {
	const FunctionDef& d = *f.def;
	std::string name = d.id == FunctionId::Declared ? std::string(text(name_token)) : std::string(d.name);
	switch (d.id) {
	case FunctionId::Point:
	case FunctionId::Circle:
	case FunctionId::Box:
	case FunctionId::Polygon:
		check_geometry_arguments(f);
		return;
	default:
		break;
	}
	size_t n = f.args.size() + (f.star ? 1 : 0);
	if (n < static_cast<size_t>(d.min_args) || (d.max_args >= 0 && n > static_cast<size_t>(d.max_args)))
		fail(f.pos, concat(name, " takes ", arity_text(d), ", found ", std::to_string(n)));
	if (d.numeric_args)
		for (auto& a : f.args)
			require_arithmetic_operand(*a, name);
	switch (d.id) {
	case FunctionId::InUnit:
		require_arithmetic_operand(*f.args[0], name);
		if (!is_string_literal(*f.args[1]))
			fail(f.args[1]->pos, "IN_UNIT expects the unit as a string literal, e.g. 'deg'");
		break;
	case FunctionId::Region:
		if (!is_string_literal(*f.args[0]))
			fail(f.args[0]->pos, "REGION expects a string literal, e.g. 'Circle ICRS 10 20 1'");
		break;
	case FunctionId::Coord1:
	case FunctionId::Coord2:
		if (!point_like(*f.args[0]))
			fail(f.args[0]->pos,
			     concat(name, " expects a point: POINT(...), CENTROID(...) or a point column"));
		break;
	case FunctionId::Distance:
		if (n == 3) fail(f.pos, "DISTANCE takes two points or four numbers, found 3 arguments");
		if (n == 2) {
			for (auto& a : f.args)
				if (!point_like(*a))
					fail(a->pos, "DISTANCE with two arguments expects points: POINT(...), CENTROID(...) or "
					             "point columns");
		} else {
			for (auto& a : f.args)
				require_arithmetic_operand(*a, name);
		}
		break;
	case FunctionId::Centroid:
	case FunctionId::Area:
	case FunctionId::Coordsys:
	case FunctionId::Contains:
	case FunctionId::Intersects:
		for (auto& a : f.args)
			if (!geometry_operand(*a))
				fail(a->pos, concat(name, " expects geometries (POINT, CIRCLE, POLYGON, ... or geometry "
				                          "columns), not an arithmetic expression"));
		break;
	case FunctionId::IvoHealpixIndex:
		if (n == 2 && !point_like(*f.args[1]))
			fail(f.args[1]->pos, "ivo_healpix_index(order, p) expects a point as its second argument");
		break;
	default:
		break;
	}
}

void Parser::check_geometry_arguments(FunctionExpr& f) {
	const FunctionDef& d = *f.def;
	auto& args = f.args;
	size_t n = args.size();
	auto take_coordsys = [&] {
		const auto& lit = as<LiteralExpr>(*args[0]);
		f.coordsys = lit.lit == LiteralKind::Null ? std::string() : lit.value;
		args.erase(args.begin());
	};
	auto numbers = [&](size_t from, size_t to) {
		for (size_t k = from; k < to && k < args.size(); ++k)
			require_arithmetic_operand(*args[k], d.name);
	};
	auto need_point = [&](size_t k, const char* what) {
		if (!point_like(*args[k]))
			fail(args[k]->pos,
			     concat(d.name, " expects ", what, " here: POINT(...), CENTROID(...) or a point column"));
	};
	switch (d.id) {
	case FunctionId::Point:
		if (n == 3) {
			if (!is_coordsys_candidate(*args[0]))
				fail(args[0]->pos,
				     "POINT takes two coordinates, optionally after a coordinate system string");
			take_coordsys();
		} else if (n == 2 && is_coordsys_candidate(*args[0])) {
			// a leading string is the coordinate system, whatever follows
			fail(f.pos, "POINT takes two coordinates after its coordinate system string, found one");
		} else if (n != 2) {
			fail(f.pos,
			     concat("POINT takes two coordinates (optionally after a coordinate system string), found ",
			            std::to_string(n), " arguments"));
		}
		numbers(0, 2);
		f.form = GeometryForm::Numbers;
		break;
	case FunctionId::Circle:
		if (n == 4 || (n == 3 && is_coordsys_candidate(*args[0]))) {
			if (!is_coordsys_candidate(*args[0]))
				fail(args[0]->pos, "The first of four CIRCLE arguments must be a coordinate system string");
			take_coordsys();
		} else if (n < 2 || n > 4) {
			fail(f.pos, concat("CIRCLE takes a centre (two numbers or a point) and a radius, found ",
			                   std::to_string(n), " arguments"));
		}
		if (args.size() == 2) {
			need_point(0, "a centre point");
			numbers(1, 2);
			f.form = GeometryForm::Points;
		} else {
			numbers(0, 3);
			f.form = GeometryForm::Numbers;
		}
		break;
	case FunctionId::Box:
		if (n == 5 || (n == 4 && is_coordsys_candidate(*args[0]))) {
			if (!is_coordsys_candidate(*args[0]))
				fail(args[0]->pos, "The first of five BOX arguments must be a coordinate system string");
			take_coordsys();
		} else if (n < 3 || n > 5) {
			fail(f.pos, concat("BOX takes a centre (two numbers or a point), a width and a height, found ",
			                   std::to_string(n), " arguments"));
		}
		if (args.size() == 3) {
			need_point(0, "a centre point");
			numbers(1, 3);
			f.form = GeometryForm::Points;
		} else {
			numbers(0, 4);
			f.form = GeometryForm::Numbers;
		}
		break;
	case FunctionId::Polygon: {
		if (n > 0 && is_coordsys_candidate(*args[0])) take_coordsys();
		size_t m = args.size();
		bool all_points =
		    std::all_of(args.begin(), args.end(), [](const ExprPtr& a) { return point_like(*a); });
		bool any_constructor = std::any_of(args.begin(), args.end(), [](const ExprPtr& a) {
			return a->kind == ExprKind::Function && as<FunctionExpr>(*a).def->geometry_value;
		});
		if (all_points && m >= 3) {
			// Column references and UDFs may be numbers or points: with an even count of
			// six or more their types decide (binder).
			f.form = (any_constructor || m % 2 == 1 || m < 6) ? GeometryForm::Points : GeometryForm::Unset;
		} else if (m >= 6 && m % 2 == 0) {
			numbers(0, m);
			f.form = GeometryForm::Numbers;
		} else {
			fail(f.pos,
			     concat(
			         "POLYGON needs at least three vertices, given as points or as pairs of numbers; found ",
			         std::to_string(m), all_points ? " points" : " coordinates"));
		}
		break;
	}
	default:
		break;
	}
}

ExprPtr Parser::parse_cast() {
	const Token& t = advance(); // CAST
	const Token& open = expect(TokenKind::LParen, "'(' after CAST");
	Descend d(*this, open.offset);
	auto c = std::make_unique<CastExpr>(t.offset, parse_value("CAST"));
	grow(c->height, c->operand->height, c->pos);
	expect(Keyword::As);
	const Token& ty = peek();
	auto length = [&] {
		if (accept(TokenKind::LParen)) {
			int64_t n = unsigned_integer("'('");
			if (n < 1 || n > 10485760)
				fail(ty.offset, "The length of a character type must be between 1 and 10485760");
			c->length = static_cast<int>(n);
			expect(TokenKind::RParen, "')'");
		}
	};
	switch (ty.kw) {
	case Keyword::Smallint:
		advance();
		c->target = CastTarget::Smallint;
		break;
	case Keyword::Integer:
	case Keyword::Int:
		advance();
		c->target = CastTarget::Integer;
		break;
	case Keyword::Bigint:
		advance();
		c->target = CastTarget::Bigint;
		break;
	case Keyword::Real:
		advance();
		c->target = CastTarget::Real;
		break;
	case Keyword::Double:
		advance();
		expect(Keyword::Precision);
		c->target = CastTarget::Double;
		break;
	case Keyword::Char:
	case Keyword::Character:
		advance();
		if (accept(Keyword::Varying))
			c->target = CastTarget::Varchar;
		else
			c->target = CastTarget::Char;
		length();
		break;
	case Keyword::Varchar:
		advance();
		c->target = CastTarget::Varchar;
		length();
		break;
	case Keyword::Timestamp:
		advance();
		c->target = CastTarget::Timestamp;
		break;
	case Keyword::Point:
		advance();
		c->target = CastTarget::Point;
		break;
	case Keyword::Circle:
		advance();
		c->target = CastTarget::Circle;
		break;
	case Keyword::Polygon:
		advance();
		c->target = CastTarget::Polygon;
		break;
	case Keyword::Float:
		fail(ty.offset, "CAST to FLOAT is not supported; use REAL or DOUBLE PRECISION");
	default:
		fail_expected("a type (SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, CHAR, VARCHAR, TIMESTAMP, "
		              "POINT, CIRCLE, POLYGON)");
	}
	if (ty.kind != TokenKind::Keyword) fail(ty.offset, "Expected a type after AS");
	expect(TokenKind::RParen, "')' closing CAST");
	return c;
}

ExprPtr Parser::parse_case() {
	const Token& t = advance(); // CASE
	Descend d(*this, t.offset);
	auto c = std::make_unique<CaseExpr>(t.offset);
	if (!at(Keyword::When)) {
		c->operand = parse_value("CASE");
		grow(c->height, c->operand->height, c->pos);
	}
	if (!at(Keyword::When)) fail_expected("WHEN");
	while (accept(Keyword::When)) {
		ExprPtr cond = c->operand ? parse_value("WHEN") : parse_condition("WHEN");
		expect(Keyword::Then);
		ExprPtr value = parse_value("THEN");
		grow(c->height, std::max(cond->height, value->height), c->pos);
		c->whens.emplace_back(std::move(cond), std::move(value));
	}
	if (accept(Keyword::Else)) {
		c->otherwise = parse_value("ELSE");
		grow(c->height, c->otherwise->height, c->pos);
	}
	expect(Keyword::End);
	return c;
}

} // namespace meles::adql
