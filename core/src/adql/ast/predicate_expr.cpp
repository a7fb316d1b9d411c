#include "adql/ast/predicate_expr.hpp"

#include "adql/binder/spatial_plan.hpp"

namespace meles::adql {

CompareExpr::CompareExpr(uint32_t p, CompareOp o, ExprPtr l, ExprPtr r)
    : Expr(ExprKind::Compare, p), op(o), left(std::move(l)), right(std::move(r)) {}

CompareExpr::~CompareExpr() = default;

} // namespace meles::adql
