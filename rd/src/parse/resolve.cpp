// After the whole resource is built: references that may point forward or into other RDs,
// cross-element checks, the Python policy and native fix-ups.
#include "did_you_mean.hpp"
#include "element_parsers.hpp"
#include "native_mixins.hpp"

#include "meles/core/common/strings.hpp"

#include <fnmatch.h>

#include <map>

namespace meles::rd::parse {

namespace {

struct IdUse {
	std::string kind;
	SourcePos pos;
};

void check_duplicate_ids(ParseContext& ctx) {
	std::map<std::string, IdUse> seen;
	auto note = [&](const std::string& id, std::string_view kind, const SourcePos& pos) {
		if (id.empty()) return;
		auto [it, fresh] = seen.emplace(id, IdUse{std::string(kind), pos});
		if (!fresh)
			ctx.error(pos, concat("duplicate id '", id, "' (", kind, "; already used by the ",
			                      it->second.kind, " at ", it->second.pos.to_string(), ")"));
	};
	Resource& rd = ctx.rd;
	for (auto& t : rd.tables)
		note(t.id, "table", t.pos);
	for (auto& d : rd.data)
		note(d.id, "data", d.pos);
	for (auto& s : rd.services)
		note(s.id, "service", s.pos);
	for (auto& p : rd.procdefs)
		note(p.id, "procDef", p.pos);
	for (auto& m : rd.mixins)
		note(m.id, "mixinDef", m.pos);
	for (auto& c : rd.cond_descs)
		note(c.id, "condDesc", c.pos);
	for (auto& r : rd.rowmakers)
		note(r.id, "rowmaker", r.pos);
	for (auto& o : rd.output_tables)
		note(o.id, "outputTable", o.pos);
	for (auto& c : rd.cores)
		note(c.id, c.type, c.pos);
	for (auto& x : rd.executes)
		note(x.id, "execute", x.pos);
	for (auto& s : rd.reg_suites)
		note(s.id, "regSuite", s.pos);
}

std::string_view expected_proc_type(std::string_view element) {
	if (element == "apply") return "apply";
	if (element == "rowfilter") return "rowfilter";
	if (element == "sourceFields") return "sourceFields";
	if (element == "phraseMaker") return "phraseMaker";
	if (element == "descriptorGenerator") return "descriptorGenerator";
	if (element == "metaMaker") return "metaMaker";
	if (element == "dataFunction") return "dataFunction";
	if (element == "dataFormatter") return "dataFormatter";
	if (element == "iterator") return "iterator";
	if (element == "pargetter") return "pargetter";
	if (element == "coreProc") return "coreProc";
	if (element == "job") return "job";
	return "";
}

// Checks a procedure application: its procDef, its binds and its Python code (syntax; and
// whether Meles runs code at that site, which meles/rd/python decides).
void check_apply(ParseContext& ctx, const ApplyDef& a) {
	std::vector<std::string> par_keys;
	std::vector<const ProcPar*> pars;
	for (auto& p : a.setup_pars)
		pars.push_back(&p);
	std::string what = a.proc_ref.empty() ? a.element : concat(a.element, " of ", a.proc_ref);
	if (!a.proc_ref.empty()) {
		auto s = ctx.split_ref(a.proc_ref);
		const Resource* where = ctx.rd_for(s, a.pos);
		if (!where) return;
		const ProcDef* pd = where->find_procdef(s.path);
		if (!pd) {
			std::vector<std::string> ids;
			for (auto& p : where->procdefs)
				ids.push_back(p.id);
			ctx.error(a.pos,
			          concat(a.element, ": no procDef '", s.path, "' in ",
			                 s.local ? "this RD" : "RD '" + s.rd_id + "'", did_you_mean(s.path, ids)),
			          ErrorKind::NotFound);
			return;
		}
		auto want = expected_proc_type(a.element);
		if (!want.empty() && !pd->type.empty() && pd->type != want)
			ctx.error(a.pos, concat(a.element, " uses procDef ", a.proc_ref, ", which is of type '", pd->type,
			                        "' (expected '", want, "')"));
		for (auto& p : pd->pars)
			pars.push_back(&p);
		if (pd->has_python() && !python::site_info(site_of_application(a.element)).runs)
			ctx.warning(a.pos, python::kept_message(site_of_application(a.element), what));
	}
	for (auto* p : pars)
		par_keys.push_back(p->key);
	if (!a.proc_ref.empty() || !a.setup_pars.empty()) {
		for (auto& b : a.binds)
			if (std::find(par_keys.begin(), par_keys.end(), b.key) == par_keys.end())
				ctx.error(b.pos,
				          concat(what, " has no parameter '", b.key, "'", did_you_mean(b.key, par_keys)),
				          ErrorKind::Name);
		for (auto* p : pars) {
			if (p->default_value) continue;
			bool bound = false;
			for (auto& b : a.binds)
				bound = bound || b.key == p->key;
			if (!bound) ctx.error(a.pos, concat(what, " needs a bind for parameter '", p->key, "'"));
		}
	}
	check_application_code(ctx, a, what);
}

bool matches_pattern(const std::string& pattern, const std::string& name) {
	return fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0;
}

const TableDef* table_of(ParseContext& ctx, const TableRef& ref, const SourcePos& pos) {
	if (ref.empty()) return nullptr;
	auto s = ctx.split_ref(ref.rd_id + "#" + ref.table_id);
	const Resource* where = s.local ? &ctx.rd : ctx.rd_for(s, pos);
	return where ? where->find_table(ref.table_id) : nullptr;
}

void check_make(ParseContext& ctx, DataDesc& d, MakeDef& m) {
	std::string q;
	const TableDef* td = nullptr;
	if (!m.table_ref.empty()) {
		auto s = ctx.split_ref(m.table_ref);
		const Resource* where = ctx.rd_for(s, m.pos);
		if (where) {
			td = where->find_table(s.path);
			if (td) {
				m.table = TableRef{s.rd_id, s.path};
			} else {
				std::vector<std::string> ids;
				for (auto& t : where->tables)
					ids.push_back(t.id);
				ctx.error(m.pos,
				          concat("make table='", m.table_ref, "' names no table",
				                 s.local ? "" : concat(" in RD '", s.rd_id, "'"), did_you_mean(s.path, ids)),
				          ErrorKind::NotFound);
			}
		}
	}
	if (!m.rowmaker_ref.empty()) {
		auto s = ctx.split_ref(m.rowmaker_ref);
		if (const Resource* where = ctx.rd_for(s, m.pos)) {
			if (const RowmakerDef* src = find_with_id(where->rowmakers, s.path))
				m.rowmaker = *src;
			else
				ctx.error(m.pos, concat("make rowmaker='", s.path, "' names no rowmaker"),
				          ErrorKind::NotFound);
		}
	}
	if (td && !ctx.incomplete(td)) {
		std::vector<std::string> names;
		for (auto& c : td->columns)
			names.push_back(c.meta.name);
		auto check_column = [&](const std::string& col, const SourcePos& pos, std::string_view what) {
			if (!td->find_column(col))
				ctx.error(pos,
				          concat(what, " '", col, "' is not a column of table '", td->id, "'",
				                 did_you_mean(col, names)),
				          ErrorKind::Name);
		};
		for (auto& mp : m.rowmaker.maps)
			check_column(mp.key, mp.pos, "map key");
		for (auto& [dest, src] : m.rowmaker.simplemaps)
			check_column(dest, m.rowmaker.pos, "simplemaps destination");
		if (!m.rowmaker.implicit)
			for (auto& pat : m.rowmaker.idmaps) {
				if (pat.find_first_of("*?[") == std::string::npos) {
					check_column(pat, m.rowmaker.pos, "idmaps name");
					continue;
				}
				bool any = false;
				for (auto& n : names)
					any = any || matches_pattern(pat, n);
				if (!any)
					ctx.warning(m.rowmaker.pos, concat("idmaps pattern '", pat,
					                                   "' matches no column of table '", td->id, "'"));
			}
		if (td->behaviours.count("products")) {
			bool has_define = false;
			if (d.grammar)
				for (auto& rf : d.grammar->rowfilters)
					has_define = has_define || rf.proc_ref == "//products#define";
			if (!has_define)
				ctx.warning(m.pos, concat("table '", td->id,
				                          "' mixes in //products#table; its data element should have "
				                          "<rowfilter procDef=\"//products#define\"> in the grammar"));
		}
	}
	for (auto& a : m.rowmaker.applies)
		check_apply(ctx, a);
	if (m.parmaker)
		for (auto& a : m.parmaker->applies)
			check_apply(ctx, a);
}

void check_service(ParseContext& ctx, ServiceDef& s) {
	if (!s.core_ref.empty()) {
		auto sr = ctx.split_ref(s.core_ref);
		if (const Resource* where = ctx.rd_for(sr, s.pos)) {
			if (const CoreDef* src = find_with_id(where->cores, sr.path))
				s.core = *src;
			else
				ctx.error(s.pos, concat("service '", s.id, "': core='", sr.path, "' names no core"),
				          ErrorKind::NotFound);
		}
	}
	if (s.core) {
		auto& c = *s.core;
		if (!c.queried_table.empty() && !table_of(ctx, c.queried_table, c.pos)) {
			std::vector<std::string> ids;
			for (auto& t : ctx.rd.tables)
				ids.push_back(t.id);
			ctx.error(c.pos,
			          concat(c.type, " queriedTable='", c.queried_table_ref, "' names no table",
			                 did_you_mean(c.queried_table.table_id, ids)),
			          ErrorKind::NotFound);
		}
		for (auto& a : c.procs)
			check_apply(ctx, a);
		for (auto& cd : c.cond_descs)
			if (cd.phrase_maker) check_apply(ctx, *cd.phrase_maker);
	}
	for (auto& p : s.publish)
		if (!p.service.empty() && !ctx.rd.find_service(p.service))
			ctx.error(p.pos, concat("publish service='", p.service, "' names no service of this RD"),
			          ErrorKind::NotFound);
	if (!s.default_renderer.empty() && !s.allowed.empty() &&
	    std::find(s.allowed.begin(), s.allowed.end(), s.default_renderer) == s.allowed.end())
		ctx.warning(s.pos, concat("service '", s.id, "': defaultRenderer '", s.default_renderer,
		                          "' is not among the allowed renderers"));
}

void check_foreign_keys(ParseContext& ctx, TableDef& t) {
	for (auto& fk : t.foreign_keys) {
		std::string q;
		const TableDef* dest = resolve_table_ref(ctx, fk.in_table, fk.pos, &q);
		if (!dest) continue;
		auto hash = q.find('#');
		fk.dest_table = TableRef{q.substr(0, hash), q.substr(hash + 1)};
		std::vector<std::string> names;
		for (auto& c : dest->columns)
			names.push_back(c.meta.name);
		for (auto& col : fk.dest)
			if (!dest->find_column(col))
				ctx.error(fk.pos,
				          concat("foreignKey dest column '", col, "' is not a column of table '", dest->id,
				                 "'", did_you_mean(col, names)),
				          ErrorKind::Name);
	}
}

} // namespace

void resolve_resource(ParseContext& ctx) {
	Resource& rd = ctx.rd;
	check_duplicate_ids(ctx);
	for (auto& t : rd.tables) {
		ctx.current_table = nullptr;
		check_foreign_keys(ctx, t);
	}
	for (auto& d : rd.data) {
		for (auto& m : d.makes)
			check_make(ctx, d, m);
		for (auto& ref : d.recreate_after) {
			auto s = ctx.split_ref(ref);
			if (const Resource* where = ctx.rd_for(s, d.pos); where && !where->find_data(s.path))
				ctx.error(d.pos, concat("recreateAfter: no data '", s.path, "'"), ErrorKind::NotFound);
		}
		if (d.grammar) {
			for (auto& rf : d.grammar->rowfilters)
				check_apply(ctx, rf);
			if (d.grammar->source_fields) check_apply(ctx, *d.grammar->source_fields);
			for (auto* it : {&d.grammar->iterator, &d.grammar->pargetter})
				if (*it) check_apply(ctx, **it);
		}
	}
	for (auto& c : rd.cores) {
		for (auto& a : c.procs)
			check_apply(ctx, a);
	}
	for (auto& s : rd.services)
		check_service(ctx, s);
	for (auto& p : rd.procdefs) {
		std::string_view at = p.type == "apply" ? "vars" : p.type == "rowfilter" ? "row" : "";
		if (p.code) check_python(ctx, *p.code, python::CodeShape::FunctionBody, at);
		if (p.setup_code) check_python(ctx, *p.setup_code, python::CodeShape::Statements);
	}
	for (auto& x : rd.executes) {
		check_application_code(
		    ctx, x.job, x.title.empty() ? concat("execute ", x.id) : concat("execute '", x.title, "'"));
		if (!x.job.proc_ref.empty()) {
			auto s = ctx.split_ref(x.job.proc_ref);
			if (const Resource* where = ctx.rd_for(s, x.pos); where && !where->find_procdef(s.path))
				ctx.error(x.pos, concat("execute job: no procDef '", s.path, "'"), ErrorKind::NotFound);
		}
	}
	if (rd.coverage && rd.coverage->updater) {
		auto& u = *rd.coverage->updater;
		for (auto* ref : {&u.source_table, &u.space_table, &u.time_table, &u.spectral_table})
			if (!ref->empty()) resolve_table_ref(ctx, *ref, u.pos);
	}
	apply_native_fixups(ctx);
}

} // namespace meles::rd::parse
