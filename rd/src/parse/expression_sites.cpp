#include "meles/rd/parse/expression_sites.hpp"

#include "meles/core/common/error.hpp"

namespace meles::rd {

std::string_view expression_kind_name(ExpressionKind kind) {
	switch (kind) {
	case ExpressionKind::Map:
		return "map";
	case ExpressionKind::Var:
		return "var";
	case ExpressionKind::Bind:
		return "bind";
	case ExpressionKind::NullExpr:
		return "nullExpr";
	case ExpressionKind::ParDefault:
		return "par default";
	case ExpressionKind::Fixup:
		return "fixup";
	}
	return "expression";
}

namespace {

struct Collector {
	const Resource& rd;
	std::vector<ExpressionSite> out;

	void add(ExpressionKind kind, const Expr& e, const std::string& key, std::string context,
	         const DataDesc* d, const MakeDef* m, const TableDef* t) {
		if (e.empty()) return;
		out.push_back({kind, &e, key, std::move(context), d, m, t});
	}

	void apply(const ApplyDef& a, const std::string& where, const DataDesc* d, const MakeDef* m,
	           const TableDef* t) {
		std::string what = a.proc_ref.empty() ? a.element : concat(a.element, " ", a.proc_ref);
		for (auto& b : a.binds)
			add(ExpressionKind::Bind, b.expr, b.key, concat("bind '", b.key, "' of ", what, where), d, m, t);
		for (auto& p : a.setup_pars)
			if (p.default_value)
				add(ExpressionKind::ParDefault, *p.default_value, p.key,
				    concat("par '", p.key, "' of ", what, where), d, m, t);
	}

	void rowmaker(const RowmakerDef& rm, const std::string& where, const DataDesc* d, const MakeDef* m,
	              const TableDef* t) {
		for (auto& v : rm.vars) {
			if (v.expr) add(ExpressionKind::Var, *v.expr, v.key, concat("var '", v.key, "'", where), d, m, t);
			if (v.null_expr)
				add(ExpressionKind::NullExpr, *v.null_expr, v.key,
				    concat("nullExpr of var '", v.key, "'", where), d, m, t);
		}
		for (auto& a : rm.applies)
			apply(a, where, d, m, t);
		for (auto& mp : rm.maps) {
			if (mp.expr)
				add(ExpressionKind::Map, *mp.expr, mp.key, concat("map '", mp.key, "'", where), d, m, t);
			if (mp.null_expr)
				add(ExpressionKind::NullExpr, *mp.null_expr, mp.key,
				    concat("nullExpr of map '", mp.key, "'", where), d, m, t);
		}
	}
};

} // namespace

std::vector<ExpressionSite> collect_expression_sites(const Resource& rd) {
	Collector c{rd, {}};
	for (auto& d : rd.data) {
		std::string in_data = concat(" of data '", d.id, "'");
		if (d.grammar) {
			for (auto& rf : d.grammar->rowfilters)
				c.apply(rf, " in the grammar" + in_data, &d, nullptr, nullptr);
			if (d.grammar->source_fields)
				c.apply(*d.grammar->source_fields, " in the grammar" + in_data, &d, nullptr, nullptr);
		}
		for (auto& m : d.makes) {
			const TableDef* t = m.table.rd_id == rd.rd_id ? rd.find_table(m.table.table_id) : nullptr;
			std::string where = concat(" in make table='", m.table_ref, "'", in_data);
			c.rowmaker(m.rowmaker, where, &d, &m, t);
			if (m.parmaker)
				c.rowmaker(*m.parmaker, " in the parmaker of make table='" + m.table_ref + "'" + in_data, &d,
				           &m, t);
		}
	}
	for (auto& rm : rd.rowmakers)
		c.rowmaker(rm, concat(" in rowmaker '", rm.id, "'"), nullptr, nullptr, nullptr);
	for (auto& p : rd.procdefs)
		for (auto& par : p.pars)
			if (par.default_value)
				c.add(ExpressionKind::ParDefault, *par.default_value, par.key,
				      concat("par '", par.key, "' of procDef '", p.id, "'"), nullptr, nullptr, nullptr);
	for (auto& t : rd.tables)
		for (auto& col : t.columns)
			if (col.fixup)
				c.add(ExpressionKind::Fixup, *col.fixup, col.meta.name,
				      concat("fixup of column '", col.meta.name, "' in table '", t.id, "'"), nullptr, nullptr,
				      &t);
	return std::move(c.out);
}

void check_expressions(const Resource& rd, const ExpressionChecker& checker, Diagnostics& diagnostics) {
	if (!checker) return;
	for (auto& site : collect_expression_sites(rd))
		checker(site, diagnostics);
}

} // namespace meles::rd
