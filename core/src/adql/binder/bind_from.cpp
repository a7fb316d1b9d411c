// FROM items: catalog tables and CTE references, derived tables, joins with ON, USING and
// NATURAL (merged columns), and the SQL alias every named item gets.
#include "adql/binder/binder.hpp"

#include "adql/common/suggest.hpp"
#include "adql/emit/sql_writer.hpp"
#include "adql/lexer/lexer.hpp"
#include "meles/core/common/strings.hpp"

#include <algorithm>

namespace meles::adql {

std::string RangeVar::display() const {
	if (alias) return display_name(alias->name, alias->delimited);
	std::string out;
	if (table && !schema.empty()) out = display_name(schema, schema_delimited) + ".";
	return out + display_name(name, name_delimited);
}

void Binder::bind_from(SelectNode& sel, Scope& scope) {
	for (auto& ref : sel.from)
		bind_table_ref(*ref, scope, scope.visible);
}

void Binder::bind_table_ref(TableRef& ref, Scope& scope, std::vector<const BoundColumn*>& visible) {
	switch (ref.kind) {
	case TableRefKind::Base: {
		RangeVar& rv = bind_base_table(static_cast<BaseTableRef&>(ref), scope);
		for (const auto& c : rv.columns)
			visible.push_back(&c);
		break;
	}
	case TableRefKind::Derived: {
		RangeVar& rv = bind_derived_table(static_cast<DerivedTableRef&>(ref), scope);
		for (const auto& c : rv.columns)
			visible.push_back(&c);
		break;
	}
	case TableRefKind::Join:
		bind_join(static_cast<JoinRef&>(ref), scope, visible);
		break;
	}
}

CommonTable* Binder::lookup_cte(const BaseTableRef& ref) const {
	if (ref.parts.size() != 1) return nullptr;
	for (auto it = ctes_.rbegin(); it != ctes_.rend(); ++it)
		if (names_match(ref.parts[0], (*it)->name.name, (*it)->name.delimited)) return *it;
	return nullptr;
}

const TableEntry* Binder::lookup_table(const BaseTableRef& ref) {
	if (ref.parts.size() == 3)
		fail(ErrorKind::Name, ref.pos, "Catalog names are not supported; write schema.table");
	const Identifier& table = ref.parts.back();
	const Identifier* schema = ref.parts.size() == 2 ? &ref.parts[0] : nullptr;
	lookup_buffer_.clear();
	catalog_.find_tables(to_lower(table.name), lookup_buffer_);
	const TableEntry* found = nullptr;
	const TableEntry* needs_schema = nullptr;
	NameMatch best = NameMatch::None;
	std::string others;
	for (const TableEntry* t : lookup_buffer_) {
		NameMatch m = reference_match(table, t->name, t->name_delimited);
		if (schema) m = std::min(m, reference_match(*schema, t->schema, t->schema_delimited));
		if (m == NameMatch::None || m < best) continue;
		if (!schema && t->qualified_only) {
			needs_schema = t;
			continue;
		}
		if (m > best) {
			others.clear();
		} else if (found) {
			if (others.empty()) others = found->qualified_name();
			others += ", " + t->qualified_name();
		}
		best = m;
		found = t;
	}
	if (!others.empty())
		fail(ErrorKind::Name, ref.pos,
		     concat("Table '", table.name, "' is ambiguous (", others, "); qualify it with its schema"));
	if (found) return found;
	if (needs_schema)
		fail(ErrorKind::Name, ref.pos,
		     concat("Unknown table '", table.name, "'; did you mean ", needs_schema->qualified_name(),
		            "? (persistent user tables are always named with their schema)"));
	std::string written = schema ? display_name(schema->name, schema->delimited) + "." : "";
	written += display_name(table.name, table.delimited);
	Suggester s(schema ? std::string_view(written) : std::string_view(table.name));
	lookup_buffer_.clear();
	catalog_.all_tables(lookup_buffer_);
	for (const TableEntry* t : lookup_buffer_)
		s.offer(schema ? t->qualified_name() : t->name);
	for (const CommonTable* ct : ctes_)
		if (!schema) s.offer(ct->name.name);
	fail(ErrorKind::Name, ref.pos, concat("Unknown table '", written, "'"), s.suffix());
}

void Binder::register_range_var(RangeVar& rv, Scope& scope, uint32_t pos) {
	std::string_view exposed = rv.alias ? std::string_view(rv.alias->name) : rv.name;
	bool exposed_delimited = rv.alias ? rv.alias->delimited : rv.name_delimited;
	for (const RangeVar* other : scope.range_vars) {
		std::string_view oname = other->alias ? std::string_view(other->alias->name) : other->name;
		bool odelim = other->alias ? other->alias->delimited : other->name_delimited;
		if (!names_match(exposed, exposed_delimited, oname, odelim)) continue;
		bool distinguishable =
		    !rv.alias && !other->alias && rv.table && other->table &&
		    !names_match(rv.schema, rv.schema_delimited, other->schema, other->schema_delimited);
		if (!distinguishable)
			fail(ErrorKind::Name, pos,
			     concat("The name '", exposed,
			            "' is used twice in FROM; give one of the tables an alias (... AS other_name)"));
	}
	scope.range_vars.push_back(&rv);
	// SQL aliases are unique in the whole statement, so that no alias in a subquery can
	// capture a reference meant for an enclosing query.
	std::string base = exposed_delimited ? std::string(exposed) : to_lower(exposed);
	std::string candidate = base;
	for (int n = 2; !sql_aliases_.insert(candidate).second; ++n)
		candidate = base + "_" + std::to_string(n);
	rv.sql_alias.clear();
	append_identifier(rv.sql_alias, candidate, exposed_delimited);
}

RangeVar& Binder::bind_base_table(BaseTableRef& ref, Scope& scope) {
	RangeVar& rv = range_vars_.emplace_back();
	ref.range = &rv;
	rv.alias = ref.alias;
	if (CommonTable* cte = lookup_cte(ref)) {
		if (!ref.sample_percent.empty())
			fail(ErrorKind::Name, ref.pos, "TABLESAMPLE applies to database tables, not to WITH queries");
		rv.name = cte->name.name;
		rv.name_delimited = cte->name.delimited;
		rv.cte = cte;
		rv.columns.reserve(cte->query->outputs.size());
		for (const auto& o : cte->query->outputs)
			rv.columns.push_back(BoundColumn{o.name, o.delimited, &o.meta, &rv});
	} else {
		const TableEntry* t = lookup_table(ref);
		rv.table = t;
		rv.name = t->name;
		rv.name_delimited = t->name_delimited;
		rv.schema = t->schema;
		rv.schema_delimited = t->schema_delimited;
		rv.columns.reserve(t->columns.size());
		for (const auto& c : t->columns)
			rv.columns.push_back(BoundColumn{c.name, c.delimited, &c, &rv});
		auto column = [&](const std::string& name) -> const ColumnMeta* {
			for (const auto& c : t->columns)
				if (c.name == name) return &c;
			return nullptr;
		};
		for (const auto& p : t->q3c_indexes)
			if (auto ra = column(p.ra), dec = column(p.dec); ra && dec) rv.q3c.push_back({ra, dec});
		for (const auto& p : t->spoint_indexes)
			if (auto ra = column(p.ra), dec = column(p.dec); ra && dec) rv.spoint.push_back({ra, dec});
		for (const auto& g : t->gist_columns)
			if (auto c = column(g)) rv.gist.push_back(c);
		bool seen = false;
		for (const auto& u : tables_)
			seen |= u.entry == t;
		if (!seen) tables_.push_back(TableUse{t->schema, t->name, t->sql_name, t});
	}
	register_range_var(rv, scope, ref.pos);
	return rv;
}

RangeVar& Binder::bind_derived_table(DerivedTableRef& ref, Scope& scope) {
	// A subquery in FROM sees enclosing queries, not its sibling FROM items (no LATERAL).
	bind_query(*ref.query, scope.parent);
	RangeVar& rv = range_vars_.emplace_back();
	ref.range = &rv;
	rv.alias = ref.alias;
	rv.name = ref.alias.name;
	rv.name_delimited = ref.alias.delimited;
	rv.columns.reserve(ref.query->outputs.size());
	for (const auto& o : ref.query->outputs)
		rv.columns.push_back(BoundColumn{o.name, o.delimited, &o.meta, &rv});
	register_range_var(rv, scope, ref.pos);
	return rv;
}

void Binder::bind_join(JoinRef& join, Scope& scope, std::vector<const BoundColumn*>& visible) {
	std::vector<const BoundColumn*> left, right;
	size_t first_rv = scope.range_vars.size();
	bind_table_ref(*join.left, scope, left);
	bind_table_ref(*join.right, scope, right);

	if (join.on) {
		// ON sees the two sides of its join (and enclosing queries), as in SQL.
		Scope& on_scope = scopes_.emplace_back();
		on_scope.parent = scope.parent;
		on_scope.range_vars.assign(scope.range_vars.begin() + static_cast<std::ptrdiff_t>(first_rv),
		                           scope.range_vars.end());
		on_scope.visible = left;
		on_scope.visible.insert(on_scope.visible.end(), right.begin(), right.end());
		bind_expr(*join.on, on_scope, Clause::On);
	}

	auto find_one = [&](const std::vector<const BoundColumn*>& side, std::string_view name, bool delimited,
	                    uint32_t pos, const char* which) -> const BoundColumn* {
		const BoundColumn* hit = nullptr;
		for (const BoundColumn* c : side) {
			if (!names_match(name, delimited, c->name, c->delimited)) continue;
			if (hit)
				fail(
				    ErrorKind::Name, pos,
				    concat("Column '", name, "' appears more than once in the ", which, " side of the join"));
			hit = c;
		}
		return hit;
	};
	if (join.natural) {
		for (const BoundColumn* l : left)
			if (const BoundColumn* r = find_one(right, l->name, l->delimited, join.pos, "right")) {
				find_one(left, l->name, l->delimited, join.pos, "left");
				join.merged.emplace_back(l, r);
			}
	} else {
		for (const auto& id : join.using_columns) {
			for (const auto& m : join.merged)
				if (names_match(id, m.first->name, m.first->delimited))
					fail(ErrorKind::Name, id.pos, concat("Column '", id.name, "' is named twice in USING"));
			const BoundColumn* l = find_one(left, id.name, id.delimited, id.pos, "left");
			const BoundColumn* r = find_one(right, id.name, id.delimited, id.pos, "right");
			if (!l || !r)
				fail(ErrorKind::Name, id.pos,
				     concat("Column '", id.name, "' named in USING is not in the ", l ? "right" : "left",
				            "-hand table"));
			join.merged.emplace_back(l, r);
		}
	}
	// SELECT * order of SQL: the merged columns, then the rest of the left, then the right.
	for (const auto& [l, r] : join.merged) {
		BoundColumn m{l->name, l->delimited, join.type == JoinType::Right ? r->meta : l->meta, nullptr};
		m.merge = join.type;
		m.left = l;
		m.right = r;
		visible.push_back(&scope.merged.emplace_back(m));
	}
	auto is_merged = [&](const BoundColumn* c) {
		for (const auto& [l, r] : join.merged)
			if (c == l || c == r) return true;
		return false;
	};
	for (const BoundColumn* c : left)
		if (!is_merged(c)) visible.push_back(c);
	for (const BoundColumn* c : right)
		if (!is_merged(c)) visible.push_back(c);
}

} // namespace meles::adql
