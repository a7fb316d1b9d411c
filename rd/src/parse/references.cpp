// Resolution of references used while parsing: tables (original=, namePath, make table=)
// and columns (original="//ssap#instance.ssa_dateObs", bare names through namePath).
#include "did_you_mean.hpp"
#include "element_parsers.hpp"

#include "meles/core/common/strings.hpp"

namespace meles::rd::parse {

namespace {

std::vector<std::string> table_ids(const Resource& rd) {
	std::vector<std::string> out;
	for (auto& t : rd.tables)
		out.push_back(t.id);
	return out;
}

std::vector<std::string> column_names(const TableDef& t) {
	std::vector<std::string> out;
	for (auto& c : t.columns)
		out.push_back(c.meta.name);
	return out;
}

const TableDef* find_table_in(ParseContext& ctx, const Resource& rd, std::string_view id) {
	if (auto* t = rd.find_table(id)) return t;
	// The table being parsed is not in rd.tables yet.
	if (&rd == &ctx.rd && ctx.current_table && ctx.current_table->id == id) return ctx.current_table;
	return nullptr;
}

} // namespace

const TableDef* resolve_table_ref(ParseContext& ctx, std::string_view ref, const SourcePos& pos,
                                  std::string* qualified) {
	auto s = ctx.split_ref(ref);
	if (qualified) *qualified = s.rd_id + "#" + s.path;
	const Resource* where = ctx.rd_for(s, pos);
	if (!where) return nullptr;
	if (auto* t = find_table_in(ctx, *where, s.path)) return t;
	ctx.error(pos,
	          concat("no table '", s.path, "' in ", s.local ? "this RD" : "RD '" + s.rd_id + "'",
	                 did_you_mean(s.path, table_ids(*where))),
	          ErrorKind::NotFound);
	return nullptr;
}

const TableDef* name_path_table(ParseContext& ctx, const std::string& name_path, const SourcePos& pos) {
	return resolve_table_ref(ctx, name_path, pos);
}

const Column* resolve_column_ref(ParseContext& ctx, std::string_view ref, const SourcePos& pos,
                                 const TableDef* name_path, std::string* qualified) {
	std::string r(trim(ref));
	auto s = ctx.split_ref(r);
	bool has_hash = r.find('#') != std::string::npos;
	auto dot = s.path.find('.');
	if (dot != std::string::npos) {
		// table.column, in this or another RD
		std::string table_id = s.path.substr(0, dot), col = s.path.substr(dot + 1);
		std::string q;
		const TableDef* t = resolve_table_ref(ctx, s.rd_id + "#" + table_id, pos, &q);
		if (!t) return nullptr;
		if (qualified) *qualified = q + "." + col;
		if (auto* c = t->find_column(col)) return c;
		if (ctx.incomplete(t)) return nullptr;
		ctx.error(
		    pos,
		    concat("table '", table_id, "' has no column '", col, "'", did_you_mean(col, column_names(*t))),
		    ErrorKind::NotFound);
		return nullptr;
	}
	if (!has_hash && name_path) {
		if (qualified) *qualified = concat(name_path->rd_id, "#", name_path->id, ".", s.path);
		if (auto* c = name_path->find_column(s.path)) return c;
		if (ctx.incomplete(name_path)) return nullptr;
		ctx.error(pos,
		          concat("no column '", s.path, "' in table '", name_path->id, "' (the namePath)",
		                 did_you_mean(s.path, column_names(*name_path))),
		          ErrorKind::NotFound);
		return nullptr;
	}
	// A bare name: a column of the table being built, else a column with that id anywhere.
	if (!has_hash && ctx.current_table)
		if (auto* c = ctx.current_table->find_column(s.path)) {
			if (qualified) *qualified = concat(ctx.rd.rd_id, "#", ctx.current_table->id, ".", c->meta.name);
			return c;
		}
	const Resource* where = ctx.rd_for(s, pos);
	if (!where) return nullptr;
	for (auto& t : where->tables)
		for (auto& c : t.columns)
			if (c.id == s.path) {
				if (qualified) *qualified = concat(s.rd_id, "#", t.id, ".", c.meta.name);
				return &c;
			}
	if (ctx.incomplete(ctx.current_table)) return nullptr; // probably a column of a mixin that failed
	ctx.error(pos,
	          concat("cannot resolve column reference '", r,
	                 "' (use table.column, rd#table.column, or set namePath on the table)"),
	          ErrorKind::NotFound);
	return nullptr;
}

} // namespace meles::rd::parse
