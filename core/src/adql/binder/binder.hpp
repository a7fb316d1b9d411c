// adql/binder/binder.hpp — resolves a parsed statement's names against a Catalog and infers
// each value's type, unit and UCD, annotating the tree in place (columns, outputs, spatial
// plans); split by node family into binder.cpp and bind_*.cpp.
// Thread-safety: one Binder per translation.
#pragma once

#include "adql/ast/ast.hpp"
#include "adql/binder/scope.hpp"
#include "adql/binder/spatial_plan.hpp"
#include "meles/core/adql/catalog.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"

#include <deque>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace meles::adql {

class Binder {
public:
	Binder(std::string_view source, const Catalog& catalog) : src_(source), catalog_(catalog) {}

	void bind(Statement& st);

	const std::vector<TableUse>& tables_used() const { return tables_; }
	bool uses_q3c() const { return uses_q3c_; }

private:
	std::string_view src_;
	const Catalog& catalog_;
	std::deque<RangeVar> range_vars_;
	std::deque<Scope> scopes_;
	std::vector<CommonTable*> ctes_; // visible common table expressions
	std::vector<TableUse> tables_;
	std::vector<const TableEntry*> lookup_buffer_;
	std::unordered_set<std::string> sql_aliases_; // every SQL alias of the statement
	bool uses_q3c_ = false;

	[[noreturn]] void fail(ErrorKind kind, uint32_t offset, std::string message,
	                       std::string_view suffix = {}) const;

	// --- queries (binder.cpp)
	void bind_query(QueryNode& q, Scope* outer);
	void bind_select(SelectNode& sel, Scope* outer);
	void bind_set_op(SetOpNode& node, Scope* outer);
	void bind_ordered(OrderedNode& node, Scope* outer);
	void build_outputs(SelectNode& sel, Scope& scope);
	void bind_group_by(SelectNode& sel, Scope& scope);
	void bind_order_item(OrderItem& item, QueryNode& body, Scope* scope);
	static void finish_output_names(std::vector<OutputColumn>& outputs);

	// --- FROM (bind_from.cpp)
	void bind_from(SelectNode& sel, Scope& scope);
	void bind_table_ref(TableRef& ref, Scope& scope, std::vector<const BoundColumn*>& visible);
	RangeVar& bind_base_table(BaseTableRef& ref, Scope& scope);
	RangeVar& bind_derived_table(DerivedTableRef& ref, Scope& scope);
	void bind_join(JoinRef& join, Scope& scope, std::vector<const BoundColumn*>& visible);
	const TableEntry* lookup_table(const BaseTableRef& ref);
	CommonTable* lookup_cte(const BaseTableRef& ref) const;
	void register_range_var(RangeVar& rv, Scope& scope, uint32_t pos);

	// --- expressions (bind_expression.cpp)
	void bind_expr(Expr& e, Scope& scope, Clause clause);
	void bind_column_ref(ColumnRefExpr& ref, Scope& scope, Clause clause);
	const BoundColumn* find_column(const ColumnRefExpr& ref, Scope& scope);
	const BoundColumn* find_in_range_var(const RangeVar& rv, const Identifier& column, uint32_t pos) const;
	const Expr* find_select_alias(const ColumnRefExpr& ref, Scope& scope) const;
	[[noreturn]] void fail_unknown_column(const ColumnRefExpr& ref, Scope& scope, Clause clause) const;
	void bind_binary(BinaryExpr& e);
	void bind_compare(CompareExpr& e, const Scope& scope);
	void bind_subquery(QueryNode& q, Scope& scope, uint32_t pos, bool single_column);

	// --- functions (bind_function.cpp)
	void bind_function(FunctionExpr& f, Scope& scope, Clause clause);
	void bind_geometry(FunctionExpr& f);
	void apply_frame(FunctionExpr& f); // converts to ICRS, makes BOX a polygon
	void check_box(double dec, double w, double h, uint32_t pos) const;
	void bind_cast(CastExpr& c);
	static BaseType rank_max(BaseType a, BaseType b);
	void require_numeric(const Expr& arg, std::string_view function) const;
	void require_geometry(const Expr& arg, std::string_view function) const;
	void require_point(const Expr& arg, std::string_view function) const;

	// --- cones and crossmatches (bind_spatial.cpp)
	void plan_spatial(CompareExpr& e, const Scope& scope);
	std::unique_ptr<SpatialPlan> plan_cone(PointOperand p, PointOperand c, const Expr* radius,
	                                       const Scope& scope);
	std::unique_ptr<SpatialPlan> plan_polygon_prefilter(const FunctionExpr& predicate, PointOperand p,
	                                                    const FunctionExpr& polygon);
};

// Geometry-ness of a bound value, for the function rules and the emitter.
bool is_point(const ValueInfo& v);
bool is_geometry(const ValueInfo& v);

} // namespace meles::adql
