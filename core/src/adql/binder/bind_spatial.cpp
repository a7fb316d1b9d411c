// Cones and crossmatches: recognise the comparisons that select points near a position and
// plan them so that a spatial index can be used — q3c when the (ra, dec) columns carry a
// q3c index (indexed columns in the slots q3c searches), else pg_sphere's @ with the
// GiST-indexed side on the left.
#include "adql/binder/binder.hpp"
#include "adql/binder/constants.hpp"
#include "adql/functions/function_table.hpp"
#include "adql/functions/sphere_geometry.hpp"

namespace meles::adql {

namespace {

const FunctionExpr* as_function(const Expr& e, FunctionId id) {
	if (e.kind != ExprKind::Function) return nullptr;
	const auto& f = as<FunctionExpr>(e);
	return f.def->id == id ? &f : nullptr;
}

PointOperand point_operand(const Expr& e) {
	PointOperand p;
	p.point = &e;
	// a POINT in another frame is converted in SQL: only the point value means ICRS
	if (const FunctionExpr* f = as_function(e, FunctionId::Point); f && f->frame == SkyFrame::Icrs) {
		p.ra = f->args[0].get();
		p.dec = f->args[1].get();
	}
	return p;
}

const BoundColumn* plain_column(const Expr* e) {
	if (!e || e->kind != ExprKind::ColumnRef) return nullptr;
	const BoundColumn* c = as<ColumnRefExpr>(*e).target;
	return c && c->owner ? c : nullptr;
}

// The FROM item whose q3c index covers this operand's (ra, dec), if any.
const RangeVar* q3c_owner(const PointOperand& o) {
	const BoundColumn* ra = plain_column(o.ra);
	const BoundColumn* dec = plain_column(o.dec);
	if (!ra || !dec || ra->owner != dec->owner) return nullptr;
	for (const auto& p : ra->owner->q3c)
		if (p.ra == ra->meta && p.dec == dec->meta) return ra->owner;
	return nullptr;
}

bool gist_indexed(const PointOperand& o) {
	if (const BoundColumn* ra = plain_column(o.ra), *dec = plain_column(o.dec);
	    ra && dec && ra->owner == dec->owner) {
		for (const auto& p : ra->owner->spoint)
			if (p.ra == ra->meta && p.dec == dec->meta) return true;
	}
	if (const BoundColumn* c = plain_column(o.point))
		for (const ColumnMeta* g : c->owner->gist)
			if (g == c->meta) return true;
	return false;
}

bool is_constant(const PointOperand& o) {
	if (o.ra) return o.ra->info.constant && o.dec->info.constant;
	return o.point->info.constant;
}

} // namespace

void Binder::plan_spatial(CompareExpr& e, const Scope& scope) {
	Expr* l = e.left.get();
	Expr* r = e.right.get();
	if (e.op == CompareOp::Eq || e.op == CompareOp::Ne) {
		// CONTAINS/INTERSECTS compared with 0 or 1
		const FunctionExpr* f = nullptr;
		const Expr* value = nullptr;
		for (auto [a, b] : {std::pair{l, r}, std::pair{r, l}}) {
			if (a->kind != ExprKind::Function) continue;
			auto id = as<FunctionExpr>(*a).def->id;
			if (id == FunctionId::Contains || id == FunctionId::Intersects) {
				f = &as<FunctionExpr>(*a);
				value = b;
				break;
			}
		}
		if (!f) return;
		auto n = constant_number(*value);
		if (!n || (*n != 0 && *n != 1)) return;
		bool negate = (*n == 0) != (e.op == CompareOp::Ne);
		const Expr* a = f->args[0].get();
		const Expr* b = f->args[1].get();
		if (f->def->id == FunctionId::Intersects && is_point(b->info) && !is_point(a->info)) std::swap(a, b);
		if (!is_point(a->info)) return;
		std::unique_ptr<SpatialPlan> plan;
		const FunctionExpr* circle = as_function(*b, FunctionId::Circle);
		if (circle && circle->frame != SkyFrame::Icrs) return; // centre converted in SQL
		const FunctionExpr* poly = as_function(*b, FunctionId::Polygon);
		if (!poly) poly = as_function(*b, FunctionId::Box);
		if (circle) {
			PointOperand centre;
			const Expr* radius;
			if (circle->form == GeometryForm::Points) {
				centre = point_operand(*circle->args[0]);
				radius = circle->args[1].get();
			} else {
				centre.ra = circle->args[0].get();
				centre.dec = circle->args[1].get();
				radius = circle->args[2].get();
			}
			plan = plan_cone(point_operand(*a), centre, radius, scope);
		} else if (poly) {
			plan = plan_polygon_prefilter(*f, point_operand(*a), *poly);
		}
		if (plan) {
			plan->negate = negate;
			e.spatial = std::move(plan);
		}
		return;
	}
	// DISTANCE(...) < r, <= r, r > DISTANCE(...), r >= DISTANCE(...)
	const FunctionExpr* d = nullptr;
	const Expr* radius = nullptr;
	if ((e.op == CompareOp::Lt || e.op == CompareOp::Le) && (d = as_function(*l, FunctionId::Distance)))
		radius = r;
	else if ((e.op == CompareOp::Gt || e.op == CompareOp::Ge) && (d = as_function(*r, FunctionId::Distance)))
		radius = l;
	if (!d) return;
	if (radius->info.known && !radius->info.type.is_numeric()) return;
	PointOperand p, q;
	if (d->args.size() == 4) {
		p.ra = d->args[0].get();
		p.dec = d->args[1].get();
		q.ra = d->args[2].get();
		q.dec = d->args[3].get();
	} else {
		p = point_operand(*d->args[0]);
		q = point_operand(*d->args[1]);
	}
	e.spatial = plan_cone(p, q, radius, scope);
}

std::unique_ptr<SpatialPlan> Binder::plan_cone(PointOperand p, PointOperand c, const Expr* radius,
                                               const Scope& scope) {
	auto plan = std::make_unique<SpatialPlan>();
	plan->radius = radius;
	const RangeVar* qp = q3c_owner(p);
	const RangeVar* qc = q3c_owner(c);
	if (qp && qc) {
		// Both indexed: search the table of this query level (an enclosing query's row is a
		// constant here) that comes later in FROM (usually the big one: FROM small JOIN big).
		auto position = [&](const RangeVar* rv) {
			for (size_t i = 0; i < scope.range_vars.size(); ++i)
				if (scope.range_vars[i] == rv) return static_cast<int>(i);
			return -1;
		};
		if (position(qc) > position(qp)) qp = nullptr;
	}
	if (qp || qc) {
		// Distance is symmetric: put the indexed pair where q3c looks for it.
		plan->indexed = qp ? p : c;
		plan->other = qp ? c : p;
		plan->form = is_constant(plan->other) ? SpatialPlan::Form::Q3cRadial : SpatialPlan::Form::Q3cJoin;
		uses_q3c_ = true;
		return plan;
	}
	bool swap = gist_indexed(c) && !gist_indexed(p);
	plan->indexed = swap ? c : p;
	plan->other = swap ? p : c;
	plan->form = SpatialPlan::Form::PointInCircle;
	return plan;
}

std::unique_ptr<SpatialPlan> Binder::plan_polygon_prefilter(const FunctionExpr& predicate, PointOperand p,
                                                            const FunctionExpr& polygon) {
	if (!q3c_owner(p)) return nullptr;
	std::vector<double> vertices;
	if (!constant_vertices(polygon, vertices)) return nullptr;
	SkyCap cap = vertex_cap(vertices);
	// A cap smaller than a hemisphere is convex, so it holds the polygon's great-circle edges.
	if (cap.radius >= 89) return nullptr;
	auto plan = std::make_unique<SpatialPlan>();
	plan->form = SpatialPlan::Form::Q3cCapThenExact;
	plan->indexed = p;
	plan->cap_ra = cap.ra;
	plan->cap_dec = cap.dec;
	plan->cap_radius = cap.radius * (1 + 1e-9) + 1e-9;
	plan->exact = &predicate;
	uses_q3c_ = true;
	return plan;
}

} // namespace meles::adql
