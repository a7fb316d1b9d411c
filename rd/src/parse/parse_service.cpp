// services: service, the core elements, condDesc, inputKey, inputTable, outputTable, outputField.
#include "did_you_mean.hpp"
#include "element_parsers.hpp"

#include "meles/core/common/strings.hpp"

#include <map>

namespace meles::rd::parse {

namespace {

const std::vector<std::string_view> kCoreChildren = {"condDesc",
                                                     "inputKey",
                                                     "inputTable",
                                                     "outputTable",
                                                     "property",
                                                     "coreProc",
                                                     "descriptorGenerator",
                                                     "metaMaker",
                                                     "dataFunction",
                                                     "dataFormatter",
                                                     "doc"};

// Extra options of the cores Meles checks strictly; other cores take any attribute.
const std::map<std::string_view, std::vector<std::string_view>>& core_options() {
	static const std::map<std::string_view, std::vector<std::string_view>> m = {
	    {"dbCore", {}},
	    {"scsCore", {}},
	    {"ssapCore", {}},
	    {"fancyQueryCore", {}},
	    {"nullCore", {}},
	    {"pythonCore", {}},
	    {"datalinkCore", {}},
	    {"fixedQueryCore", {"query", "timeout", "writable"}},
	    {"customCore", {"module"}},
	    {"uploadCore", {"destDD"}},
	};
	return m;
}

const CondDesc* find_cond_desc_in(const Resource& rd, std::string_view id) {
	if (auto* c = rd.find_cond_desc(id)) return c;
	auto in_core = [&](const CoreDef& core) -> const CondDesc* {
		for (auto& c : core.cond_descs)
			if (c.id == id) return &c;
		return nullptr;
	};
	for (auto& core : rd.cores)
		if (auto* c = in_core(core)) return c;
	for (auto& s : rd.services)
		if (s.core)
			if (auto* c = in_core(*s.core)) return c;
	return nullptr;
}

const TableDef* resolve_queried_table(ParseContext& ctx, const std::string& ref, const SourcePos& pos,
                                      TableRef& out) {
	auto s = ctx.split_ref(ref);
	out = TableRef{s.rd_id, s.path};
	// A table defined later in this RD is checked once everything is parsed (resolve.cpp).
	if (s.local && !ctx.rd.find_table(s.path)) return nullptr;
	return resolve_table_ref(ctx, ref, pos);
}

} // namespace

void parse_service_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rd = std::get_if<Resource*>(&t);
	if (!rd) {
		ctx.error(e.pos, "service is not allowed here");
		return;
	}
	Reader r(ctx, e);
	ServiceDef s;
	copy_original(
	    r, s, "service", [](const Resource& x) -> const auto& { return x.services; });
	s.pos = e.pos;
	s.id = r.required("id");
	if (r.has("allowed")) s.allowed = r.list("allowed");
	s.default_renderer = r.str("defaultRenderer", s.default_renderer);
	if (auto v = r.get("core")) s.core_ref = ctx.qualify(*v);
	s.limit_to = r.str("limitTo", s.limit_to);
	s.custom_page = r.str("customPage", s.custom_page);
	for (const RawElement* tpl : r.take_children("template"))
		if (s.template_path.empty()) s.template_path = std::string(trim(tpl->text));
	if (auto v = r.get("template")) s.template_path = *v;
	for (auto name : {"customRF", "customDF"})
		for (const RawElement* c : r.take_children(name))
			ctx.warning(c->pos, python::kept_message(python::Site::CustomRenderer, name));
	for (auto n : core_element_names())
		r.note_known_child(n);
	std::vector<const RawElement*> cores;
	for (const RawElement* c : r.unused_children())
		if (is_core_element(c->name)) cores.push_back(c);
	for (size_t i = 0; i < cores.size(); ++i) {
		r.mark_used(cores[i]);
		if (i > 0 || !s.core_ref.empty()) {
			ctx.error(cores[i]->pos, concat("service '", s.id, "' has more than one core"));
			continue;
		}
		parse_core_el(ctx, *cores[i], &s);
	}
	const TableDef* saved_qt = ctx.current_queried_table;
	if (s.core && !s.core->queried_table.empty()) {
		auto sr = ctx.split_ref(s.core->queried_table.to_string());
		if (const Resource* where = ctx.rd_for(sr, s.pos))
			ctx.current_queried_table = where->find_table(sr.path);
	}
	dispatch_children(r, &s, {"meta", "property", "publish", "inputKey", "outputTable", "doc"});
	ctx.current_queried_table = saved_qt;
	r.finish();
	if (!s.core && s.core_ref.empty()) ctx.error(e.pos, concat("service '", s.id, "' has no core"));
	(*rd)->services.push_back(std::move(s));
}

void parse_core_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	CoreDef c;
	copy_original(
	    r, c, "core", [](const Resource& x) -> const auto& { return x.cores; });
	c.type = e.name;
	c.pos = e.pos;
	c.element = e;
	if (auto v = r.get("id")) c.id = *v;
	const TableDef* queried = nullptr;
	if (auto v = r.get("queriedTable")) {
		c.queried_table_ref = *v;
		queried = resolve_queried_table(ctx, *v, r.pos_of("queriedTable"), c.queried_table);
	} else if (!c.queried_table.empty()) {
		auto s = ctx.split_ref(c.queried_table.to_string());
		if (const Resource* where = ctx.rd_for(s, c.pos)) queried = where->find_table(s.path);
	}
	if (auto v = r.integer("limit")) c.limit = static_cast<int>(*v);
	c.sort_key = r.str("sortKey", c.sort_key);
	c.distinct = r.flag("distinct", c.distinct);
	c.group_by = r.str("groupBy", c.group_by);
	auto known = core_options().find(e.name);
	if (known != core_options().end()) {
		for (auto opt : known->second)
			if (auto v = r.get(opt, Expand::Rd)) c.options[std::string(opt)] = *v;
	} else {
		for (auto& a : r.take_other_attributes())
			c.options[a.name] = ctx.expand(a.value, Expand::Rd, a.pos);
	}
	if (e.name == "pythonCore" || e.name == "customCore") {
		python::Site site = e.name == "pythonCore" ? python::Site::PythonCore : python::Site::CustomCore;
		if (!python::site_info(site).runs) ctx.warning(e.pos, python::kept_message(site, e.name));
	}
	const TableDef* saved = ctx.current_queried_table;
	ctx.current_queried_table = queried;
	dispatch_children(r, &c, kCoreChildren);
	if (known == core_options().end())
		for (const RawElement* other : r.unused_children())
			r.mark_used(other); // kept in c.element
	r.finish();
	ctx.current_queried_table = saved;
	if (auto** sv = std::get_if<ServiceDef*>(&t)) {
		(*sv)->core = std::move(c);
	} else if (auto** rd = std::get_if<Resource*>(&t)) {
		if (c.id.empty())
			ctx.error(e.pos,
			          concat("an RD-level ", e.name, " needs an id (service core=\"id\" refers to it)"));
		(*rd)->cores.push_back(std::move(c));
	} else {
		ctx.error(e.pos, concat(e.name, " is not allowed here"));
	}
}

void parse_cond_desc_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	CondDesc cd;
	if (auto orig = r.get("original")) {
		auto sr = ctx.split_ref(*orig);
		if (const Resource* where = ctx.rd_for(sr, r.pos_of("original"))) {
			if (auto* src = find_cond_desc_in(*where, sr.path)) {
				cd = *src;
				if (cd.original.empty()) cd.original = sr.rd_id + "#" + sr.path;
				cd.id.clear();
			} else {
				std::vector<std::string> ids;
				for (auto& x : where->cond_descs)
					ids.push_back(x.id);
				ctx.error(
				    r.pos_of("original"),
				    concat("no condDesc '", sr.path, "' in RD '", sr.rd_id, "'", did_you_mean(sr.path, ids)),
				    ErrorKind::NotFound);
			}
		}
	}
	cd.pos = e.pos;
	if (auto v = r.get("id")) cd.id = *v;
	if (auto v = r.get("buildFrom")) {
		cd.build_from = *v;
		if (auto* qt = ctx.current_queried_table; qt && !ctx.incomplete(qt) && !qt->find_column(*v)) {
			std::vector<std::string> names;
			for (auto& col : qt->columns)
				names.push_back(col.meta.name);
			ctx.error(r.pos_of("buildFrom"),
			          concat("condDesc buildFrom='", *v, "': table '", qt->id, "' has no such column",
			                 did_you_mean(*v, names)),
			          ErrorKind::NotFound);
		}
	}
	cd.required = r.flag("required", cd.required);
	cd.silent = r.flag("silent", cd.silent);
	cd.fixed_sql = r.str("fixedSQL", cd.fixed_sql, Expand::Rd);
	cd.combining = r.flag("combining", cd.combining);
	cd.joiner = r.str("joiner", cd.joiner);
	dispatch_children(r, &cd, {"inputKey", "phraseMaker", "property", "doc"});
	r.finish();

	if (auto** core = std::get_if<CoreDef*>(&t))
		(*core)->cond_descs.push_back(std::move(cd));
	else if (auto** rd = std::get_if<Resource*>(&t))
		(*rd)->cond_descs.push_back(std::move(cd));
	else
		ctx.error(e.pos, "condDesc is not allowed here");
}

void parse_input_key_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	InputKey k;
	if (auto orig = r.get("original")) {
		std::string q;
		if (const Column* src =
		        resolve_column_ref(ctx, *orig, r.pos_of("original"), ctx.current_queried_table, &q)) {
			k.column = *src;
			k.original = q;
		}
	}
	k.pos = e.pos;
	k.column.pos = e.pos;
	read_column_attributes(r, k.column, true);
	if (k.column.meta.name.empty() && !r.has("original"))
		ctx.error(e.pos, "inputKey lacks required attribute 'name'");
	k.multiplicity = r.str("multiplicity");
	if (!k.multiplicity.empty() && k.multiplicity != "single" && k.multiplicity != "forced-single" &&
	    k.multiplicity != "multiple")
		ctx.error(r.pos_of("multiplicity"),
		          concat("bad multiplicity '", k.multiplicity, "' (single, forced-single or multiple)"));
	if (auto v = r.integer("showItems")) k.show_items = static_cast<int>(*v);
	k.std = r.flag("std", false);
	k.column.meta.std = k.std;
	k.input_unit = r.str("inputUnit");
	k.widget_factory = r.str("widgetFactory");
	r.ignore("preparse");
	if (auto v = r.get("value", Expand::Rd))
		k.value = *v;
	else if (r.has_text())
		k.value = std::string(trim(r.text(Expand::Rd)));
	dispatch_children(r, &k.column, {"values", "property"});
	r.finish();
	if (k.column.meta.name.empty()) return;
	if (auto** core = std::get_if<CoreDef*>(&t))
		(*core)->input_keys.push_back(std::move(k));
	else if (auto** cd = std::get_if<CondDesc*>(&t))
		(*cd)->input_keys.push_back(std::move(k));
	else if (auto** sv = std::get_if<ServiceDef*>(&t))
		(*sv)->input_keys.push_back(std::move(k));
	else
		ctx.error(e.pos, "inputKey is not allowed here");
}

void parse_input_table_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	r.ignore("id");
	dispatch_children(r, t, {"inputKey", "doc"});
	r.finish();
}

void parse_output_table_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	OutputTable ot;
	copy_original(
	    r, ot, "outputTable", [](const Resource& x) -> const auto& { return x.output_tables; });
	ot.pos = e.pos;
	if (auto v = r.get("id")) ot.id = *v;
	if (r.has("autoCols")) ot.auto_cols = r.list("autoCols");
	if (auto v = r.integer("verbLevel")) ot.verb_level = static_cast<int>(*v);
	const TableDef* saved = ctx.current_queried_table;
	if (auto np = r.get("namePath"))
		ctx.current_queried_table = name_path_table(ctx, ctx.qualify(*np), r.pos_of("namePath"));
	if (auto* qt = ctx.current_queried_table; qt && !ctx.incomplete(qt)) {
		std::vector<std::string> names;
		for (auto& c : qt->columns)
			names.push_back(c.meta.name);
		for (auto& ac : ot.auto_cols)
			if (ac.find_first_of("*?[") == std::string::npos && !qt->find_column(ac))
				ctx.error(r.pos_of("autoCols"),
				          concat("outputTable autoCols: table '", qt->id, "' has no column '", ac, "'",
				                 did_you_mean(ac, names)),
				          ErrorKind::NotFound);
	}
	dispatch_children(r, &ot, {"column", "outputField", "param", "property", "doc"});
	r.finish();
	ctx.current_queried_table = saved;
	if (auto** core = std::get_if<CoreDef*>(&t))
		(*core)->output_table = std::move(ot);
	else if (auto** sv = std::get_if<ServiceDef*>(&t))
		(*sv)->output_table = std::move(ot);
	else if (auto** rd = std::get_if<Resource*>(&t))
		(*rd)->output_tables.push_back(std::move(ot));
	else
		ctx.error(e.pos, "outputTable is not allowed here");
}

void parse_output_field_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** ot = std::get_if<OutputTable*>(&t);
	if (!ot) {
		ctx.error(e.pos, "outputField is not allowed here");
		return;
	}
	Reader r(ctx, e);
	OutputField f;
	if (auto orig = r.get("original")) {
		std::string q;
		if (const Column* src =
		        resolve_column_ref(ctx, *orig, r.pos_of("original"), ctx.current_queried_table, &q)) {
			f.column = *src;
			f.column.original = q;
		}
	}
	f.column.pos = e.pos;
	read_column_attributes(r, f.column, false);
	if (f.column.meta.name.empty() && !r.has("original"))
		ctx.error(e.pos, "outputField lacks required attribute 'name'");
	f.select = r.str("select", "", Expand::Rd);
	f.wants_row = r.flag("wantsRow", false);
	f.sets = r.list("sets");
	for (const RawElement* fm : r.take_children("formatter"))
		f.formatter = code_of(ctx, *fm);
	if (auto v = r.get("formatter")) f.formatter = PythonCode{*v, r.pos_of("formatter")};
	if (f.formatter && !f.formatter->empty() && !ctx.options.is_system) {
		if (!python::site_info(python::Site::Formatter).runs)
			ctx.warning(f.formatter->pos,
			            python::kept_message(python::Site::Formatter, "outputField formatter"));
		check_python(ctx, *f.formatter, python::CodeShape::FunctionBody);
	}
	dispatch_children(r, &f.column, {"values", "property"});
	r.finish();
	if (f.column.meta.name.empty()) return;
	(*ot)->fields.push_back(std::move(f));
}

} // namespace meles::rd::parse
