// table and what it contains: column, param, values, option, index, foreignKey, stc, group,
// dm; mixin application and the completion of a table (late macro expansion, checks).
#include "active_tags.hpp"
#include "did_you_mean.hpp"
#include "element_parsers.hpp"
#include "native_mixins.hpp"

#include "meles/core/common/strings.hpp"

#include <map>
#include <regex>

namespace meles::rd::parse {

namespace {

const std::vector<std::string_view> kTableChildren = {
    "column", "param", "index", "foreignKey", "stc", "group", "dm", "publish", "script", "meta", "property"};

// DaCHS input-only pseudo types and what they are stored as.
const std::map<std::string, std::string>& pseudo_types() {
	static const std::map<std::string, std::string> m = {
	    {"vexpr-float", "double precision"},
	    {"vexpr-string", "text"},
	    {"vexpr-date", "date"},
	    {"vexpr-mjd", "double precision"},
	    {"pql-float", "double precision"},
	    {"pql-string", "text"},
	    {"pql-date", "date"},
	    {"pql-int", "integer"},
	    {"pql-upload", "text"},
	};
	return m;
}

void set_column_name(Reader& r, Column& c, std::string name) {
	c.meta.delimited = false;
	if (name.starts_with("quoted/")) {
		name = name.substr(7);
		c.meta.delimited = true;
	} else if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
		name = name.substr(1, name.size() - 2);
		c.meta.delimited = true;
	}
	if (name.empty()) {
		r.ctx().error(r.pos_of("name"), concat("empty column name on ", r.element().name));
		return;
	}
	if (!c.meta.delimited) {
		bool ok = std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_';
		for (char ch : name)
			ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
		if (!ok)
			r.ctx().error(r.pos_of("name"),
			              concat(r.element().name, " name '", name,
			                     "' is not a valid SQL identifier (letters, digits and _; write quoted/",
			                     name, " for a delimited identifier)"));
	}
	c.meta.name = std::move(name);
}

const TableDef* target_name_path(ParseContext& ctx, Target t, const SourcePos& pos) {
	if (auto** td = std::get_if<TableDef*>(&t))
		return (*td)->name_path.empty() ? nullptr : name_path_table(ctx, (*td)->name_path, pos);
	return ctx.current_queried_table;
}

bool same_definition(const Column& a, const Column& b) {
	auto& x = a.meta;
	auto& y = b.meta;
	return iequals(x.name, y.name) && x.type == y.type && x.unit == y.unit && x.ucd == y.ucd &&
	       x.description == y.description && x.tablehead == y.tablehead && x.verb_level == y.verb_level &&
	       x.required == y.required && x.utype == y.utype && x.xtype == y.xtype;
}

std::string sanitize_index_name(std::string s) {
	for (auto& ch : s)
		if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') ch = '_';
	return s;
}

} // namespace

void read_column_attributes(Reader& r, Column& c, bool allow_pseudo_types) {
	auto& ctx = r.ctx();
	if (auto v = r.get("name")) set_column_name(r, c, *v);
	if (auto v = r.get("type", Expand::Rd)) {
		c.type_text = *v;
		std::string t = to_lower(*v);
		if (allow_pseudo_types)
			if (auto it = pseudo_types().find(t); it != pseudo_types().end()) t = it->second;
		try {
			c.meta.type = SqlType::parse(t);
		} catch (const Error& e) {
			ctx.error(r.pos_of("type"), concat(describe(r.element()), ": ", e.message()), ErrorKind::Type);
		}
	}
	if (auto v = r.get("unit")) c.meta.unit = *v;
	if (auto v = r.get("ucd")) c.meta.ucd = *v;
	// Meles trims attributes, as DaCHS does with units; DaCHS keeps the blanks around a UCD and
	// warns about it in `dachs val`, so say so.
	if (auto* ucd = r.element().attribute("ucd");
	    ucd && r.element().name == "column" && !trim(ucd->value).empty() && trim(ucd->value) != ucd->value)
		ctx.warning(ucd->pos, concat("UCD '", ucd->value, "' of column '", c.meta.name,
		                             "' has blanks around it, which UCD1+ does not allow (DaCHS 2.7 warns)"));
	if (auto v = r.get("utype")) c.meta.utype = *v;
	if (auto v = r.get("tablehead")) c.meta.tablehead = *v;
	if (auto v = r.get("description")) c.meta.description = normalize_space(*v);
	if (auto v = r.integer("verbLevel")) c.meta.verb_level = static_cast<int>(*v);
	c.meta.required = r.flag("required", c.meta.required);
	if (auto v = r.get("xtype")) c.meta.xtype = *v;
	if (auto v = r.get("displayHint")) {
		c.display_hint_text = *v;
		c.display_hint.clear();
		for (auto& item : split_list(*v)) {
			auto eq = item.find('=');
			if (eq == std::string::npos) {
				ctx.error(r.pos_of("displayHint"),
				          concat("bad displayHint item '", item, "' (expected key=value)"));
				continue;
			}
			c.display_hint[std::string(trim(item.substr(0, eq)))] = std::string(trim(item.substr(eq + 1)));
		}
	}
	if (auto v = r.get("note")) c.note = *v;
	if (auto v = r.get("fixup")) c.fixup = Expr{*v, r.pos_of("fixup")};
	if (auto v = r.get("stcUtype")) c.stc_utype = *v;
	r.ignore("stc");
	c.hidden = r.flag("hidden", c.hidden);
	if (auto v = r.get("id")) c.id = *v;
	c.meta.principal = c.meta.verb_level <= 10;
}

namespace {

// column/param/inputKey/outputField start from their original= when given.
Column column_base(Reader& r, Target t) {
	Column c;
	if (auto orig = r.get("original")) {
		std::string q;
		const TableDef* name_path = target_name_path(r.ctx(), t, r.pos_of("original"));
		auto** td = std::get_if<TableDef*>(&t);
		const Column* src = nullptr;
		if (!(td && !(*td)->name_path.empty() && !name_path)) // else the namePath's problem is reported
			src = resolve_column_ref(r.ctx(), *orig, r.pos_of("original"), name_path, &q);
		if (src) {
			c = *src;
			c.original = q;
		} else if (td) {
			// Checks on this table's columns would only repeat the problem.
			r.ctx().incomplete_tables.insert((*td)->rd_id + "#" + (*td)->id);
		}
	}
	c.pos = r.pos();
	return c;
}

} // namespace

void parse_column_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	Column c = column_base(r, t);
	read_column_attributes(r, c, false);
	if (c.meta.name.empty() && !r.has("original")) ctx.error(e.pos, "column lacks required attribute 'name'");
	dispatch_children(r, &c, {"values", "property"});
	r.finish();
	if (c.meta.name.empty()) return; // reported above (or the original= it copies is)
	if (auto** td = std::get_if<TableDef*>(&t)) {
		// <column original="x" .../> naming a column of this very table refines it in place
		// (used after LOOPs and FEEDs to adjust single columns).
		std::string own = concat(ctx.rd.rd_id, "#", (*td)->id, ".");
		Column* existing = (*td)->find_column(c.meta.name);
		if (existing && c.original.starts_with(own) &&
		    iequals(c.original.substr(own.size()), existing->meta.name)) {
			c.original = existing->original;
			*existing = std::move(c);
		} else if (existing && same_definition(*existing, c)) {
			// The same column arriving twice (two mixins FEEDing one STREAM) is kept once.
		} else if (existing && existing->pos.source != c.pos.source) {
			// A column of this RD redefining one a mixin from another RD brought in replaces
			// it in place, as in DaCHS (where a later column of the same name always does).
			*existing = std::move(c);
		} else {
			(*td)->columns.push_back(std::move(c));
		}
	} else if (auto** ot = std::get_if<OutputTable*>(&t)) {
		OutputField f;
		f.column = std::move(c);
		(*ot)->fields.push_back(std::move(f));
	} else {
		ctx.error(e.pos, "column is not allowed here");
	}
}

void parse_param_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	Param p;
	p.column = column_base(r, t);
	read_column_attributes(r, p.column, false);
	if (p.column.meta.name.empty() && !r.has("original"))
		ctx.error(e.pos, "param lacks required attribute 'name'");
	if (auto v = r.get("value", Expand::Rd)) {
		p.value = *v;
	} else if (r.has_text()) {
		p.value = std::string(trim(r.text(Expand::Rd)));
	}
	if (p.value == "__NULL__") p.value.reset();
	dispatch_children(r, &p.column, {"values", "property"});
	r.finish();
	if (p.column.meta.name.empty()) return;
	if (auto** td = std::get_if<TableDef*>(&t))
		(*td)->params.push_back(std::move(p));
	else if (auto** ot = std::get_if<OutputTable*>(&t))
		(*ot)->params.push_back(std::move(p));
	else if (auto** dd = std::get_if<DataDesc*>(&t))
		(*dd)->params.push_back(std::move(p));
	else
		ctx.error(e.pos, "param is not allowed here");
}

void parse_values_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** col = std::get_if<Column*>(&t);
	if (!col) {
		ctx.error(e.pos, "values is not allowed here");
		return;
	}
	Reader r(ctx, e);
	Values v = (*col)->values.value_or(Values{});
	v.pos = e.pos;
	if (auto x = r.get("min", Expand::Rd)) v.min = *x;
	if (auto x = r.get("max", Expand::Rd)) v.max = *x;
	if (auto x = r.get("nullLiteral", Expand::Rd)) v.null_literal = *x;
	if (auto x = r.get("default", Expand::Rd)) v.default_value = *x;
	v.caseless = r.flag("caseless", v.caseless);
	v.multi_ok = r.flag("multiOk", v.multi_ok);
	if (auto x = r.get("fromdb", Expand::Rd)) v.from_db = *x;
	if (auto x = r.get("fillFactor")) v.fill_factor = *x;
	if (auto x = r.get("median")) v.median = *x;
	if (auto x = r.get("percentile03")) v.percentile03 = *x;
	if (auto x = r.get("percentile97")) v.percentile97 = *x;
	dispatch_children(r, &v, {"option"});
	r.finish();
	if (v.null_literal) (*col)->meta.null_literal = v.null_literal;
	(*col)->values = std::move(v);
}

void parse_option_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** vals = std::get_if<Values*>(&t);
	if (!vals) {
		ctx.error(e.pos, "option is not allowed here");
		return;
	}
	Reader r(ctx, e);
	ValuesOption o;
	o.title = r.str("title");
	if (auto v = r.get("value"))
		o.value = *v;
	else
		o.value = std::string(trim(r.text(Expand::Rd)));
	r.finish();
	(*vals)->options.push_back(std::move(o));
}

void parse_index_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** td = std::get_if<TableDef*>(&t);
	if (!td) {
		ctx.error(e.pos, "index is not allowed here");
		return;
	}
	Reader r(ctx, e);
	IndexDef ix;
	ix.pos = e.pos;
	ix.name = r.str("name");
	// Column names and content may use table macros (\nameForUCD); they are expanded when the
	// table is complete (finish_indexes).
	ix.columns = r.list("columns");
	ix.method = r.str("method");
	ix.cluster = r.flag("cluster", false);
	ix.kind = r.str("kind");
	ix.meta_only = r.flag("metaOnly", false);
	for (const RawElement* opt : r.take_children("option")) {
		std::string type;
		for (auto key : {"type", "name", "key"})
			if (auto* a = opt->attribute(key)) type = std::string(trim(a->value));
		ix.options.emplace_back(type, std::string(trim(opt->text)));
	}
	ix.content = r.text();
	r.finish();
	if (ix.columns.empty() && trim(ix.content).empty())
		ctx.error(e.pos, "index needs columns or an SQL expression as content");
	(*td)->indexes.push_back(std::move(ix));
}

void parse_foreign_key_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** td = std::get_if<TableDef*>(&t);
	if (!td) {
		ctx.error(e.pos, "foreignKey is not allowed here");
		return;
	}
	Reader r(ctx, e);
	ForeignKey fk;
	fk.pos = e.pos;
	fk.in_table = r.required("inTable");
	fk.source = r.list("source");
	if (fk.source.empty()) ctx.error(e.pos, "foreignKey lacks required attribute 'source'");
	fk.dest = r.list("dest");
	if (fk.dest.empty()) fk.dest = fk.source;
	fk.meta_only = r.flag("metaOnly", false);
	r.finish();
	if (fk.dest.size() != fk.source.size())
		ctx.error(e.pos, concat("foreignKey: ", std::to_string(fk.source.size()), " source column(s) but ",
		                        std::to_string(fk.dest.size()), " dest column(s)"));
	(*td)->foreign_keys.push_back(std::move(fk));
}

void parse_stc_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	std::string text = normalize_space(r.text(Expand::Rd));
	r.finish();
	if (auto** td = std::get_if<TableDef*>(&t))
		(*td)->stc = text;
	else
		ctx.error(e.pos, "stc is not allowed here");
}

void parse_group_el(ParseContext& ctx, const RawElement& e, Target t) {
	if (auto** td = std::get_if<TableDef*>(&t))
		(*td)->groups.push_back(e);
	else
		ctx.error(e.pos, "group is not allowed here");
}

void parse_dm_el(ParseContext& ctx, const RawElement& e, Target t) {
	if (auto** td = std::get_if<TableDef*>(&t))
		(*td)->dms.push_back(e);
	else
		ctx.error(e.pos, "dm is not allowed here");
}

// ----- table -----

namespace {

AdqlAccess parse_adql(Reader& r) {
	auto v = r.get("adql");
	if (!v) return AdqlAccess::No;
	if (iequals(*v, "hidden")) return AdqlAccess::Hidden;
	bool b = false;
	if (!parse_bool_text(*v, b)) {
		r.ctx().error(r.pos_of("adql"), concat("bad value '", *v, "' for adql (True, False or hidden)"));
		return AdqlAccess::No;
	}
	return b ? AdqlAccess::Yes : AdqlAccess::No;
}

DupePolicy parse_dupe_policy(Reader& r) {
	auto v = r.get("dupePolicy");
	if (!v) return DupePolicy::Check;
	if (*v == "check") return DupePolicy::Check;
	if (*v == "drop") return DupePolicy::Drop;
	if (*v == "dropOld") return DupePolicy::DropOld;
	if (*v == "overwrite") return DupePolicy::Overwrite;
	r.ctx().error(r.pos_of("dupePolicy"),
	              concat("bad dupePolicy '", *v, "' (check, drop, dropOld or overwrite)",
	                     did_you_mean(*v, {"check", "drop", "dropOld", "overwrite"})));
	return DupePolicy::Check;
}

// Expands macros of indexes [from, end) now that the columns are known.
void finish_indexes(ParseContext& ctx, TableDef& td, size_t from) {
	for (size_t i = from; i < td.indexes.size(); ++i) {
		auto& ix = td.indexes[i];
		std::vector<std::string> cols;
		for (auto& c : ix.columns)
			for (auto& part : split_list(ctx.expand(c, Expand::Rd, ix.pos)))
				cols.push_back(part);
		ix.columns = std::move(cols);
		ix.content = std::string(trim(ctx.expand(ix.content, Expand::Rd, ix.pos)));
		ix.name = ctx.expand(ix.name, Expand::Rd, ix.pos);
		if (ix.name.empty()) ix.name = sanitize_index_name(td.id + "_" + join(ix.columns, "_"));
	}
}

// Replays a mixin's events (or lateEvents) into the table.  A failing macro (e.g. no column
// with the UCD an index needs) is reported once, at the mixin's use, and the mixin skipped.
void replay_mixin(ParseContext& ctx, TableDef& td, const MixinDef& m, const MixinUse& use, bool late) {
	const auto& events = late ? m.late_events : m.events;
	if (events.empty()) return;
	std::map<std::string, std::string> macros;
	for (auto& p : m.pars) {
		if (auto it = use.params.find(p.key); it != use.params.end())
			macros[p.key] = it->second;
		else if (p.default_value)
			macros[p.key] = *p.default_value;
	}
	TableMacroScope ts(td, ctx.rd_scope());
	MapMacroScope scope(macros, &ts);
	ExpandOptions opts;
	opts.keep_unknown = true;
	opts.keep_row_macros = true;
	bool failed = false;
	std::function<RawElement(const RawElement&)> copy = [&](const RawElement& e) {
		RawElement out;
		out.name = e.name;
		out.pos = e.pos;
		auto expand = [&](const std::string& s, const SourcePos& pos) {
			if (failed || !may_contain_macros(s)) return s;
			try {
				return expand_macros(s, scope, opts, pos);
			} catch (const Error& err) {
				failed = true;
				ctx.incomplete_tables.insert(td.rd_id + "#" + td.id);
				ctx.error(use.pos, concat("mixin ", use.ref, ": ", err.message()), err.kind());
				return s;
			}
		};
		out.text = expand(e.text, e.pos);
		for (auto& a : e.attributes)
			out.attributes.push_back({a.name, expand(a.value, a.pos), a.pos});
		for (auto& c : e.children)
			out.children.push_back(copy(c));
		return out;
	};
	std::vector<RawElement> copies;
	for (auto& ev : events)
		copies.push_back(copy(ev));
	if (failed) return;
	RawElement holder;
	holder.name = concat("mixin ", use.ref);
	holder.pos = use.pos;
	holder.children = expand_active_tags(ctx, std::move(copies));
	Reader r(ctx, holder);
	// Events may mix in further mixins (DaCHS's SIAP and SSAP mixins bring //products#table).
	static const std::vector<std::string_view> event_children = [] {
		auto v = kTableChildren;
		v.push_back("mixin");
		return v;
	}();
	dispatch_children(r, &td, event_children);
	r.finish();
}

void check_table(ParseContext& ctx, TableDef& td) {
	// The same column arriving twice (e.g. from two mixins FEEDing one STREAM) is kept once.
	for (size_t i = 0; i < td.columns.size(); ++i)
		for (size_t j = i + 1; j < td.columns.size();)
			if (same_definition(td.columns[i], td.columns[j]))
				td.columns.erase(td.columns.begin() + static_cast<long>(j));
			else
				++j;
	std::map<std::string, const Column*> seen;
	for (auto& c : td.columns) {
		std::string key = c.meta.delimited ? c.meta.name : to_lower(c.meta.name);
		if (key.empty()) continue;
		auto [it, fresh] = seen.emplace(key, &c);
		if (!fresh)
			ctx.error(c.pos, concat("duplicate column name '", c.meta.name, "' in table '", td.id,
			                        "' (first defined at ", it->second->pos.to_string(), ")"));
	}
	std::map<std::string, const Param*> pseen;
	for (auto& p : td.params) {
		auto [it, fresh] = pseen.emplace(to_lower(p.column.meta.name), &p);
		if (!fresh)
			ctx.error(p.column.pos,
			          concat("duplicate param name '", p.column.meta.name, "' in table '", td.id, "'"));
	}
	std::vector<std::string> names;
	for (auto& c : td.columns)
		names.push_back(c.meta.name);
	bool complete = !ctx.incomplete(&td);
	for (auto& pk : td.primary)
		if (complete)
			if (!td.find_column(pk))
				ctx.error(td.pos, concat("primary key column '", pk, "' is not a column of table '", td.id,
				                         "'", did_you_mean(pk, names)));
	for (auto& ix : td.indexes)
		for (auto& col : ix.columns)
			if (complete && !td.find_column(col))
				ctx.error(ix.pos, concat("index '", ix.name, "' names column '", col, "', which table '",
				                         td.id, "' does not have", did_you_mean(col, names)));
	for (auto& fk : td.foreign_keys)
		for (auto& col : fk.source)
			if (complete && !td.find_column(col))
				ctx.error(fk.pos, concat("foreignKey source column '", col, "' is not a column of table '",
				                         td.id, "'", did_you_mean(col, names)));
	if (td.dupe_policy != DupePolicy::Check && td.primary.empty())
		ctx.error(td.pos, concat("table '", td.id, "': dupePolicy needs a primary key"));
	// Positional indexes (//scs#q3cindex, //scs#pgs-pos-index, hand-written ones) compute on
	// their columns as degrees: a text or date column there would only fail in PostgreSQL, at
	// import, with a message about functions that do not exist.
	for (auto& ix : td.indexes) {
		std::string flat;
		for (char ch : to_lower(ix.content))
			if (!std::isspace(static_cast<unsigned char>(ch))) flat += ch;
		const char* fn = flat.starts_with("q3c_ang2ipix(")           ? "q3c_ang2ipix"
		                 : flat.find("spoint(") != std::string::npos ? "spoint"
		                                                             : nullptr;
		if (!fn || !complete) continue;
		for (auto& col : ix.columns) {
			const Column* c = td.find_column(col);
			if (!c || c->meta.type.is_numeric()) continue;
			bool from_mixin = ix.pos.source != td.pos.source;
			ctx.error(c->pos.line ? c->pos : td.pos,
			          concat("column '", c->meta.name, "' is ", c->meta.type.rd_name(), ", but index '",
			                 ix.name, "'",
			                 from_mixin ? " (from a mixin of table '" + td.id + "')" : std::string(),
			                 " passes it to ", fn,
			                 ", which needs a number (degrees); declare it double precision"));
		}
	}
	// TAP_SCHEMA `indexed`: every column in an index or the primary key.
	for (auto& c : td.columns)
		c.meta.indexed = false;
	for (auto& pk : td.primary)
		if (auto* c = td.find_column(pk)) c->meta.indexed = true;
	for (auto& ix : td.indexes)
		for (auto& col : ix.columns)
			if (auto* c = td.find_column(col)) c->meta.indexed = true;
}

} // namespace

// Runs a mixin's processEarly/processLate (Python) on the table; meta it sets is kept.
static void run_mixin_code(ParseContext& ctx, TableDef& td, const MixinDef& m, const MixinUse& use,
                           bool late) {
	const PythonCode& code = late ? *m.process_late : *m.process_early;
	std::map<std::string, std::string> pars;
	for (auto& p : m.pars)
		if (p.default_value) pars[p.key] = *p.default_value;
	for (auto& [k, v] : use.params)
		pars[k] = v;
	try {
		auto res = python::run_mixin_proc(code, late, td, pars, load_hooks(ctx, use.pos));
		for (auto& [k, v] : res.meta)
			td.meta.set(k, MetaValue{v, "plain", {}, {}, use.pos});
	} catch (const Error& e) {
		ctx.diags.add(e, use.pos);
	}
}

// Mixes `use` into the table now (DaCHS replays a mixin's events where it is given: the
// mixin attribute before the table's children, a <mixin> child at its place) and remembers
// it for the lateEvents at completion.
void mix_in(ParseContext& ctx, TableDef& td, MixinUse use) {
	// A mixin that another one brings along (//products#table through hackProductsData), or
	// one given twice, applies once; this also ends mixins that would mix in themselves.
	for (auto& done : td.mixins)
		if (done.ref == use.ref) return;
	const MixinDef* m = ctx.find_mixin(use.ref, use.pos);
	if (m) {
		size_t errors_before = ctx.diags.error_count();
		std::vector<std::string> keys;
		for (auto& p : m->pars)
			keys.push_back(p.key);
		for (auto& [k, v] : use.params)
			if (std::find(keys.begin(), keys.end(), k) == keys.end())
				ctx.error(use.pos,
				          concat("mixin ", use.ref, " has no parameter '", k, "'", did_you_mean(k, keys)),
				          ErrorKind::Name);
		for (auto& p : m->pars)
			if (!p.default_value && !use.params.count(p.key))
				ctx.error(use.pos, concat("mixin ", use.ref, " needs parameter '", p.key,
				                          "' (give it as attribute: <mixin ", p.key, "=\"...\">", use.ref,
				                          "</mixin>)"));
		if (ctx.diags.error_count() > errors_before) m = nullptr; // do not replay a misused mixin
	}
	if (!m) ctx.incomplete_tables.insert(td.rd_id + "#" + td.id);
	td.mixins.push_back(use);
	ctx.table_mixins.push_back(m);
	if (!m) return;
	replay_mixin(ctx, td, *m, td.mixins.back(), false);
	// processEarly runs where the mixin is applied (mixins with a native implementation have
	// theirs done natively).
	const NativeMixin* native = find_native_mixin(use.ref);
	if (native && native->on_early) {
		std::map<std::string, std::string> pars;
		for (auto& p : m->pars)
			if (p.default_value) pars[p.key] = *p.default_value;
		for (auto& [k, v] : td.mixins.back().params)
			pars[k] = v;
		native->on_early(ctx, td, td.mixins.back(), pars);
	} else if (m->process_early && !native) {
		run_mixin_code(ctx, td, *m, td.mixins.back(), false);
	}
}

void parse_mixin_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** td = std::get_if<TableDef*>(&t);
	if (!td) {
		ctx.error(e.pos, "mixin is not allowed here");
		return;
	}
	MixinUse use;
	use.ref = ctx.qualify(trim(e.text));
	use.pos = e.pos;
	for (auto& a : e.attributes)
		use.params[a.name] = a.value;
	for (auto& c : e.children)
		use.params[c.name] = c.text; // parameters may be child elements, too
	if (trim(e.text).empty()) {
		ctx.error(e.pos, "mixin element needs the mixin reference as content");
		return;
	}
	mix_in(ctx, **td, std::move(use));
}

// Completion: lateEvents and native behaviours of the mixins applied to the table, then the
// macros of the indexes (which may name columns by UCD).
void complete_mixins(ParseContext& ctx, TableDef& td, size_t first_new_mixin) {
	size_t first_late_index = td.indexes.size();
	finish_indexes(ctx, td, 0);
	for (size_t i = first_new_mixin; i < td.mixins.size(); ++i) {
		const MixinDef* m = ctx.table_mixins[i - first_new_mixin];
		if (!m) continue;
		replay_mixin(ctx, td, *m, td.mixins[i], true);
		if (const NativeMixin* native = find_native_mixin(td.mixins[i].ref))
			native->on_table(ctx, td, td.mixins[i]);
		else if (m->process_late)
			run_mixin_code(ctx, td, *m, td.mixins[i], true);
	}
	finish_indexes(ctx, td, first_late_index);
}

void parse_table_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rd = std::get_if<Resource*>(&t);
	if (!rd) {
		ctx.error(e.pos, "table is not allowed here");
		return;
	}
	Reader r(ctx, e);
	TableDef td;
	size_t inherited_mixins = 0;
	if (auto orig = r.get("original")) {
		std::string q;
		if (const TableDef* src = resolve_table_ref(ctx, *orig, r.pos_of("original"), &q)) {
			td = *src;
			td.original = q;
			inherited_mixins = td.mixins.size();
		}
	}
	td.pos = e.pos;
	td.rd_id = ctx.rd.rd_id;
	td.schema = ctx.rd.schema;
	td.id = r.required("id");
	td.on_disk = r.flag("onDisk", td.on_disk);
	if (r.has("adql")) td.adql = parse_adql(r);
	if (r.has("primary")) td.primary = r.list("primary");
	td.force_unique = r.flag("forceUnique", td.force_unique);
	if (r.has("dupePolicy")) td.dupe_policy = parse_dupe_policy(r);
	std::optional<std::string> view = r.get("viewStatement");
	if (auto v = r.get("namePath")) {
		td.name_path = ctx.qualify(*v);
		name_path_table(ctx, td.name_path, r.pos_of("namePath"));
	}
	td.temporary = r.flag("temporary", td.temporary);
	td.system = r.flag("system", td.system);
	if (auto v = r.integer("nrows")) td.nrows = *v;
	if (r.has("readProfiles")) td.read_profiles = r.list("readProfiles");
	if (r.has("allProfiles")) td.all_profiles = r.list("allProfiles");
	r.ignore("description"); // DaCHS takes it as meta; see below
	if (auto* d = e.attribute("description")) {
		MetaValue v;
		v.content = normalize_space(d->value);
		v.pos = d->pos;
		td.meta.set("description", std::move(v));
	}
	TableDef* saved_table = ctx.current_table;
	ctx.current_table = &td;
	std::vector<const MixinDef*> saved_mixins = std::move(ctx.table_mixins);
	ctx.table_mixins.clear();
	{
		TableMacroScope scope(td, ctx.rd_scope());
		ScopeGuard guard(ctx, &scope);
		// The mixin attribute (a comma list) is applied before the children, <mixin> children
		// where they stand.
		if (auto refs = r.attr("mixin"))
			for (auto& ref : split_list(*refs))
				mix_in(ctx, td, MixinUse{ctx.qualify(ref), {}, r.pos_of("mixin")});
		std::vector<std::string_view> children = kTableChildren;
		children.push_back("mixin");
		dispatch_children(r, &td, children);
		r.finish();
		complete_mixins(ctx, td, inherited_mixins);
		if (view)
			td.view_statement = std::string(trim(ctx.expand(*view, Expand::Rd, r.pos_of("viewStatement"))));
		check_table(ctx, td);
	}
	ctx.current_table = saved_table;
	ctx.table_mixins = std::move(saved_mixins);
	(*rd)->tables.push_back(std::move(td));
}

} // namespace meles::rd::parse
