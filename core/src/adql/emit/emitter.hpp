// adql/emit/emitter.hpp — writes the bound syntax tree as one line of PostgreSQL SQL, from
// the tree only (names and literals through sql_writer.hpp), degrees turned into pg_sphere
// radians and cones/crossmatches as the binder's SpatialPlan says.
// Thread-safety: one Emitter per translation.
#pragma once

#include "adql/ast/ast.hpp"
#include "adql/binder/scope.hpp"
#include "adql/binder/spatial_plan.hpp"

#include <optional>
#include <string>

namespace meles::adql {

class Emitter {
public:
	// `limit` replaces the TOP of the outermost query (the caller merged TOP and MAXREC).
	std::string emit(const Statement& st, std::optional<int64_t> limit);

private:
	std::string out_;

	// --- queries (emit_query.cpp)
	void query(const QueryNode& q, std::optional<int64_t> limit);
	void select(const SelectNode& s, const OrderedNode* ordered, std::optional<int64_t> limit);
	void set_operand(const QueryNode& q);
	void order_by(const OrderedNode& o, const QueryNode& body);
	void output(const OutputColumn& o);
	void table_ref(const TableRef& t);

	// --- expressions (emit_expression.cpp)
	void expr(const Expr& e);
	void child(const Expr& e, bool parens);
	void operand(const Expr& e); // parenthesised unless a primary
	void column(const BoundColumn& c);
	void literal(const LiteralExpr& l);
	void cast(const CastExpr& c);
	void compare(const CompareExpr& c);
	void sql_type(const SqlType& t);

	// --- functions and geometry (emit_function.cpp)
	void function(const FunctionExpr& f);
	void bool_function(const FunctionExpr& f); // CONTAINS, ivo_hasword... as SQL booleans
	void args(const FunctionExpr& f, std::string_view name);
	void point_value(const Expr& e); // spoint-valued SQL
	void radians(const Expr& e);
	void spoint_literal(double ra_deg, double dec_deg);
	void polygon(const FunctionExpr& f);
	void constant_polygon(const std::vector<double>& lonlat);
	// a point from two numbers, converted to ICRS when f is in another frame
	void numbers_point(const FunctionExpr& f, const Expr& ra, const Expr& dec);
	void frame_start(const FunctionExpr& f);
	void frame_end(const FunctionExpr& f);

	// --- cones and crossmatches (emit_spatial.cpp)
	void spatial(const SpatialPlan& p);
	void point_operand(const PointOperand& p);
	void coordinate(const PointOperand& p, bool dec);
};

} // namespace meles::adql
