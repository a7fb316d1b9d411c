// data and ingestion: data, sources, ignoreSources, grammars, make, rowmaker/parmaker, map,
// var, apply and the other procedure applications, bind, code, setup, ignoreOn, procDef.
#include "did_you_mean.hpp"
#include "element_parsers.hpp"

#include "meles/rd/ingest/grammar_registry.hpp"

#include "meles/core/common/strings.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <algorithm>
#include <map>

namespace meles::rd::parse {

namespace {

// The expression in an element's text, trimmed, positioned at the line where it starts.
Expr expression_of(Reader& r) {
	std::string raw = r.text(Expand::Row);
	SourcePos pos = r.pos();
	size_t first = raw.find_first_not_of(" \t\r\n");
	if (first != std::string::npos && pos.line > 0)
		pos.line += static_cast<int>(std::count(raw.begin(), raw.begin() + static_cast<long>(first), '\n'));
	return Expr{dedent(raw), pos};
}

std::optional<std::string> key_or(Reader& r, std::string_view a, std::string_view b) {
	auto x = r.get(a);
	auto y = r.get(b);
	if (x && y && *x != *y)
		r.ctx().error(r.pos_of(b),
		              concat(r.element().name, " has both ", a, "=\"", *x, "\" and ", b, "=\"", *y, "\""));
	return x ? x : y;
}

// Grammar children are kept generically, with macros expanded (rowmaker macros kept) except
// inside Python code.
void expand_generic(ParseContext& ctx, RawElement& e) {
	static const std::vector<std::string_view> code_like = {"code", "setup", "iterator", "pargetter",
	                                                        "codeItems"};
	if (std::find(code_like.begin(), code_like.end(), e.name) != code_like.end()) return;
	e.text = ctx.expand(e.text, Expand::Row, e.pos);
	for (auto& a : e.attributes)
		a.value = ctx.expand(a.value, Expand::Row, a.pos);
	for (auto& c : e.children)
		expand_generic(ctx, c);
}

IgnoreCondition::Kind condition_kind(std::string_view name) {
	if (name == "keyIs") return IgnoreCondition::Kind::KeyIs;
	if (name == "keyMissing") return IgnoreCondition::Kind::KeyMissing;
	if (name == "keyNull") return IgnoreCondition::Kind::KeyNull;
	if (name == "keyPresent") return IgnoreCondition::Kind::KeyPresent;
	if (name == "not") return IgnoreCondition::Kind::Not;
	return IgnoreCondition::Kind::And;
}

const std::vector<std::string_view> kConditions = {"keyIs",      "keyMissing", "keyNull",
                                                   "keyPresent", "not",        "and"};

RowmakerDef parse_rowmaker(ParseContext& ctx, const RawElement& e) {
	Reader r(ctx, e);
	RowmakerDef rm;
	copy_original(
	    r, rm, "rowmaker", [](const Resource& x) -> const auto& { return x.rowmakers; });
	rm.pos = e.pos;
	rm.implicit = false;
	if (auto v = r.get("id")) rm.id = *v;
	if (r.has("idmaps")) {
		for (auto& item : r.list("idmaps"))
			for (auto& w : split(normalize_space(item), ' '))
				if (!w.empty()) rm.idmaps.push_back(w);
	}
	if (r.has("simplemaps")) {
		for (auto& item : r.list("simplemaps", ',', Expand::Rd)) {
			auto colon = item.find(':');
			if (colon == std::string::npos) {
				ctx.error(r.pos_of("simplemaps"),
				          concat("bad simplemaps item '", item, "' (expected column:rawkey)"));
				continue;
			}
			rm.simplemaps.emplace_back(std::string(trim(item.substr(0, colon))),
			                           std::string(trim(item.substr(colon + 1))));
		}
	}
	dispatch_children(r, &rm, {"map", "var", "apply", "ignoreOn", "doc"});
	r.finish();
	return rm;
}

} // namespace

// ----- data -----

void parse_data_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rd = std::get_if<Resource*>(&t);
	if (!rd) {
		ctx.error(e.pos, "data is not allowed here");
		return;
	}
	Reader r(ctx, e);
	DataDesc d;
	copy_original(
	    r, d, "data", [](const Resource& x) -> const auto& { return x.data; });
	d.pos = e.pos;
	if (auto v = r.get("id")) d.id = *v;
	d.auto_import = r.flag("auto", d.auto_import);
	d.updating = r.flag("updating", d.updating);
	d.remake_on_data_change = r.flag("remakeOnDataChange", d.remake_on_data_change);
	for (auto& [v, p] : r.all("recreateAfter"))
		for (auto& ref : split_list(v))
			d.recreate_after.push_back(ctx.qualify(ref));
	for (auto& ref : r.list("dependents"))
		d.recreate_after.push_back(ctx.qualify(ref));
	// Grammars go through the table too; only one is allowed.
	for (auto n : grammar_element_names())
		r.note_known_child(n);
	std::vector<const RawElement*> grammars;
	for (const RawElement* c : r.unused_children())
		if (is_grammar_element(c->name)) grammars.push_back(c);
	for (size_t i = 0; i < grammars.size(); ++i) {
		r.mark_used(grammars[i]);
		if (i > 0) {
			ctx.error(grammars[i]->pos, concat("data '", d.id, "' has more than one grammar (",
			                                   grammars[0]->name, " at ", grammars[0]->pos.to_string(), ")"));
			continue;
		}
		parse_grammar_el(ctx, *grammars[i], &d);
	}
	dispatch_children(r, &d, {"sources", "make", "publish", "property", "meta", "param", "doc"});
	r.finish();
	if (d.makes.empty() && !d.grammar && !d.sources)
		ctx.warning(e.pos, concat("data '", d.id, "' has neither make nor grammar; it does nothing"));
	(*rd)->data.push_back(std::move(d));
}

void parse_sources_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** dd = std::get_if<DataDesc*>(&t);
	if (!dd) {
		ctx.error(e.pos, "sources is not allowed here");
		return;
	}
	Reader r(ctx, e);
	SourcesDef s;
	s.pos = e.pos;
	for (auto& [v, p] : r.all("pattern", Expand::Rd))
		for (auto& w : split(normalize_space(v), ' '))
			if (!w.empty()) s.patterns.push_back(w);
	// <sources>data/*.csv</sources>: the content is a pattern too.
	if (r.has_text())
		for (auto& w : split(normalize_space(r.text(Expand::Rd)), ' '))
			if (!w.empty()) s.patterns.push_back(w);
	s.recurse = r.flag("recurse", false);
	for (auto& [v, p] : r.all("item", Expand::Rd))
		s.items.push_back(v);
	SourcesDef* saved = &s;
	dispatch_children(r, saved, {"ignoreSources"});
	r.finish();
	if (s.patterns.empty() && s.items.empty())
		ctx.error(e.pos, "sources needs a pattern (attribute, pattern child or content) or item children");
	(*dd)->sources = std::move(s);
}

void parse_ignore_sources_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** s = std::get_if<SourcesDef*>(&t);
	if (!s) {
		ctx.error(e.pos, "ignoreSources is not allowed here");
		return;
	}
	Reader r(ctx, e);
	IgnoreSources ig;
	ig.pos = e.pos;
	ig.from_db = r.str("fromdb", "", Expand::Rd);
	ig.from_db_updating = r.str("fromdbUpdating", "", Expand::Rd);
	ig.from_file = r.str("fromfile", "", Expand::Rd);
	for (auto& [v, p] : r.all("pattern", Expand::Rd))
		ig.patterns.push_back(v);
	for (auto& p : r.list("patterns", ',', Expand::Rd))
		ig.patterns.push_back(p);
	r.finish();
	(*s)->ignore = std::move(ig);
}

// customGrammar module="res/mygrammar": DaCHS imports <resdir>/res/mygrammar.py when the RD
// loads; its absence or a syntax error in it make the RD fail.
void check_custom_grammar(ParseContext& ctx, GrammarDef& g) {
	const RawElement& e = g.element;
	SourcePos at = e.pos;
	std::string module;
	if (auto* a = e.attribute("module")) {
		module = std::string(trim(a->value));
		at = a->pos;
	} else if (auto* c = e.child("module")) {
		module = std::string(trim(c->text));
		at = c->pos;
	}
	if (module.empty()) {
		ctx.error(e.pos, "customGrammar needs module= (the Python file with the row iterator, without .py)");
		return;
	}
	g.module = module;
	std::filesystem::path file = std::filesystem::path(module + ".py");
	if (file.is_relative()) file = ctx.rd.resdir / file;
	std::ifstream in(file);
	if (!in) {
		ctx.error(at,
		          concat("customGrammar module '", module, "' not found (looked for ", file.string(), ")"),
		          ErrorKind::NotFound);
		return;
	}
	std::stringstream text;
	text << in.rdbuf();
	check_python(ctx, PythonCode{text.str(), SourcePos{file.string(), 1, 0}}, python::CodeShape::Statements);
}

void parse_grammar_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** dd = std::get_if<DataDesc*>(&t);
	if (!dd) {
		ctx.error(e.pos, concat(e.name, " is not allowed here"));
		return;
	}
	GrammarDef g;
	g.type = e.name;
	g.pos = e.pos;
	g.element = e;
	expand_generic(ctx, g.element);
	// Options are the grammar's own to check (its record, through make_grammar), so that
	// `meles val` and `meles imp` judge them alike; here only what needs no grammar.  Python
	// grammars are made by the Python runtime, which takes any attribute: unknown ones are
	// only warned about here, their code is checked.
	if (const auto* rec = ingest::find_grammar(e.name);
	    rec && rec->support == ingest::GrammarSupport::Python) {
		python::Site site =
		    e.name == "embeddedGrammar" ? python::Site::EmbeddedGrammar : python::Site::CustomGrammar;
		if (!python::site_info(site).runs) ctx.warning(e.pos, python::kept_message(site, e.name));
		if (e.name == "customGrammar") check_custom_grammar(ctx, g);
		std::vector<std::string_view> known = {"id", "original", "notify"};
		for (auto& o : rec->options)
			known.push_back(o.name);
		for (auto c : rec->children)
			known.push_back(c);
		for (auto c : ingest::common_grammar_children())
			known.push_back(c);
		auto check = [&](const std::string& name, const SourcePos& pos) {
			if (name.starts_with("xmlns") || std::find(known.begin(), known.end(), name) != known.end())
				return;
			std::vector<std::string> names(known.begin(), known.end());
			ctx.warning(pos,
			            concat("option '", name, "' is not known for ", e.name, did_you_mean(name, names)));
		};
		for (auto& a : e.attributes)
			check(a.name, a.pos);
		for (auto& c : g.element.children)
			check(c.name, c.pos);
	}
	for (auto& c : g.element.children) {
		if (c.name == "rowfilter") {
			g.rowfilters.push_back(parse_apply(ctx, c));
		} else if (c.name == "sourceFields") {
			g.source_fields = parse_apply(ctx, c);
		} else if (c.name == "ignoreOn") {
			g.ignore_on.push_back(parse_ignore_on(ctx, c));
		} else if (e.name == "embeddedGrammar" && (c.name == "iterator" || c.name == "pargetter")) {
			(c.name == "iterator" ? g.iterator : g.pargetter) = parse_apply(ctx, c);
		}
	}
	(*dd)->grammar = std::move(g);
}

void parse_make_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** dd = std::get_if<DataDesc*>(&t);
	if (!dd) {
		ctx.error(e.pos, "make is not allowed here");
		return;
	}
	Reader r(ctx, e);
	MakeDef m;
	m.pos = e.pos;
	m.table_ref = r.required("table");
	if (auto v = r.attr("rowmaker")) m.rowmaker_ref = ctx.qualify(*v);
	m.role = r.str("role");
	m.row_source = r.str("rowSource", "rows");
	if (m.row_source != "rows" && m.row_source != "parameters")
		ctx.error(r.pos_of("rowSource"), concat("bad rowSource '", m.row_source, "' (rows or parameters)"));
	m.rowmaker.implicit = true;
	m.rowmaker.idmaps = {"*"};
	m.rowmaker.pos = e.pos;
	dispatch_children(r, &m, {"rowmaker", "parmaker", "script", "doc"});
	r.finish();
	if (!m.rowmaker_ref.empty() && !m.rowmaker.implicit)
		ctx.error(e.pos, "make has both a rowmaker attribute and a rowmaker element");
	(*dd)->makes.push_back(std::move(m));
}

void parse_rowmaker_el(ParseContext& ctx, const RawElement& e, Target t) {
	RowmakerDef rm = parse_rowmaker(ctx, e);
	if (auto** mk = std::get_if<MakeDef*>(&t)) {
		if (!(*mk)->rowmaker.implicit) ctx.error(e.pos, "make has more than one rowmaker");
		(*mk)->rowmaker = std::move(rm);
	} else if (auto** rd = std::get_if<Resource*>(&t)) {
		if (rm.id.empty())
			ctx.error(e.pos, "an RD-level rowmaker needs an id (make rowmaker=\"id\" refers to it)");
		(*rd)->rowmakers.push_back(std::move(rm));
	} else {
		ctx.error(e.pos, "rowmaker is not allowed here");
	}
}

void parse_parmaker_el(ParseContext& ctx, const RawElement& e, Target t) {
	RowmakerDef rm = parse_rowmaker(ctx, e);
	if (auto** mk = std::get_if<MakeDef*>(&t))
		(*mk)->parmaker = std::move(rm);
	else
		ctx.error(e.pos, "parmaker is not allowed here");
}

void parse_map_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rm = std::get_if<RowmakerDef*>(&t);
	if (!rm) {
		ctx.error(e.pos, "map is not allowed here");
		return;
	}
	Reader r(ctx, e);
	MapDef m;
	m.pos = e.pos;
	auto key = key_or(r, "key", "dest");
	if (!key || key->empty())
		ctx.error(e.pos, "map lacks required attribute 'key' (or 'dest')");
	else
		m.key = *key;
	if (auto v = r.get("source")) m.source = *v;
	if (auto v = r.get("nullExpr", Expand::Row)) m.null_expr = Expr{*v, r.pos_of("nullExpr")};
	m.null_excs = r.list("nullExcs");
	if (r.has_text()) {
		Expr ex = expression_of(r);
		if (m.source)
			ctx.error(e.pos,
			          concat("map '", m.key, "' has both source=\"", *m.source, "\" and an expression"));
		else
			m.expr = std::move(ex);
	}
	if (!m.source && !m.expr) m.source = m.key;
	r.finish();
	(*rm)->maps.push_back(std::move(m));
}

void parse_var_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rm = std::get_if<RowmakerDef*>(&t);
	if (!rm) {
		ctx.error(e.pos, "var is not allowed here");
		return;
	}
	Reader r(ctx, e);
	VarDef v;
	v.pos = e.pos;
	auto key = key_or(r, "key", "name");
	if (!key || key->empty())
		ctx.error(e.pos, "var lacks required attribute 'key' (or 'name')");
	else
		v.key = *key;
	if (auto s = r.get("source")) v.source = *s;
	if (auto x = r.get("nullExpr", Expand::Row)) v.null_expr = Expr{*x, r.pos_of("nullExpr")};
	v.null_excs = r.list("nullExcs");
	if (r.has_text()) {
		Expr ex = expression_of(r);
		if (v.source)
			ctx.error(e.pos,
			          concat("var '", v.key, "' has both source=\"", *v.source, "\" and an expression"));
		else
			v.expr = std::move(ex);
	}
	if (!v.source && !v.expr) ctx.error(e.pos, concat("var '", v.key, "' needs an expression or a source"));
	r.finish();
	(*rm)->vars.push_back(std::move(v));
}

// ----- procedures -----

ApplyDef parse_apply(ParseContext& ctx, const RawElement& e) {
	Reader r(ctx, e);
	ApplyDef a;
	a.element = e.name;
	a.pos = e.pos;
	if (auto v = r.get("procDef")) a.proc_ref = ctx.qualify(*v);
	a.name = r.str("name");
	if (e.name == "metaMaker")
		if (auto v = r.get("semantics")) a.options["semantics"] = *v;
	r.ignore("original"); // DaCHS allows it on phraseMaker; the copy is not needed for kept code
	dispatch_children(r, &a, {"bind", "code", "setup", "doc"});
	r.finish();
	return a;
}

void parse_apply_el(ParseContext& ctx, const RawElement& e, Target t) {
	ApplyDef a = parse_apply(ctx, e);
	if (auto** rm = std::get_if<RowmakerDef*>(&t)) {
		(*rm)->applies.push_back(std::move(a));
	} else if (auto** cd = std::get_if<CondDesc*>(&t)) {
		(*cd)->phrase_maker = std::move(a);
	} else if (auto** core = std::get_if<CoreDef*>(&t)) {
		(*core)->procs.push_back(std::move(a));
	} else if (auto** ex = std::get_if<ExecuteDef*>(&t)) {
		(*ex)->job = std::move(a);
	} else {
		ctx.error(e.pos, concat(e.name, " is not allowed here"));
	}
}

void parse_bind_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** a = std::get_if<ApplyDef*>(&t);
	if (!a) {
		ctx.error(e.pos, "bind is not allowed here");
		return;
	}
	Reader r(ctx, e);
	BindDef b;
	b.pos = e.pos;
	auto key = key_or(r, "key", "name");
	if (!key || key->empty())
		ctx.error(e.pos, "bind lacks required attribute 'key' (or 'name')");
	else
		b.key = *key;
	b.expr = expression_of(r);
	if (b.expr.empty())
		ctx.error(e.pos, concat("bind '", b.key,
		                        "' has no value (write a Python expression, e.g. \"text\" or @key)"));
	r.finish();
	(*a)->binds.push_back(std::move(b));
}

void parse_code_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	r.text();
	r.finish();
	PythonCode c = code_of(ctx, e);
	if (auto** a = std::get_if<ApplyDef*>(&t))
		(*a)->code = std::move(c);
	else if (auto** p = std::get_if<ProcDef*>(&t))
		(*p)->code = std::move(c);
	else
		ctx.error(e.pos, "code is not allowed here");
}

void parse_setup_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	std::vector<ProcPar> pars;
	std::vector<std::string> imports = r.list("imports");
	r.ignore("original");
	r.ignore("id");
	std::optional<PythonCode> code;
	for (const RawElement* c : r.take_children("code")) {
		Reader cr(ctx, *c);
		cr.text();
		cr.finish();
		code = code_of(ctx, *c);
	}
	for (const RawElement* pe : r.take_children("par")) {
		Reader pr(ctx, *pe);
		ProcPar p;
		p.pos = pe->pos;
		auto key = key_or(pr, "key", "name");
		if (!key || key->empty())
			ctx.error(pe->pos, "par lacks required attribute 'key' (or 'name')");
		else
			p.key = *key;
		p.late = pr.flag("late", false);
		p.description = normalize_space(pr.str("description"));
		Expr def = expression_of(pr);
		if (!def.empty()) p.default_value = std::move(def);
		pr.finish();
		pars.push_back(std::move(p));
	}
	dispatch_children(r, t, {"doc"});
	r.finish();
	if (auto** a = std::get_if<ApplyDef*>(&t)) {
		auto& ad = **a;
		for (auto& p : pars)
			ad.setup_pars.push_back(std::move(p));
		ad.imports.insert(ad.imports.end(), imports.begin(), imports.end());
		if (code) ad.setup_code = std::move(code);
	} else if (auto** pd = std::get_if<ProcDef*>(&t)) {
		auto& p = **pd;
		for (auto& par : pars)
			p.pars.push_back(std::move(par));
		p.imports.insert(p.imports.end(), imports.begin(), imports.end());
		if (code) p.setup_code = std::move(code);
	} else {
		ctx.error(e.pos, "setup is not allowed here");
	}
}

IgnoreOn parse_ignore_on(ParseContext& ctx, const RawElement& e) {
	Reader r(ctx, e);
	IgnoreOn ig;
	ig.pos = e.pos;
	ig.bail = r.flag("bail", false);
	dispatch_children(r, &ig, kConditions);
	r.finish();
	if (ig.conditions.empty())
		ctx.error(e.pos, "ignoreOn needs at least one condition (keyIs, keyMissing, ...)");
	return ig;
}

void parse_ignore_on_el(ParseContext& ctx, const RawElement& e, Target t) {
	IgnoreOn ig = parse_ignore_on(ctx, e);
	if (auto** rm = std::get_if<RowmakerDef*>(&t))
		(*rm)->ignore_on.push_back(std::move(ig));
	else
		ctx.error(e.pos, "ignoreOn is not allowed here");
}

void parse_condition_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	IgnoreCondition c;
	c.kind = condition_kind(e.name);
	c.pos = e.pos;
	if (c.kind == IgnoreCondition::Kind::Not || c.kind == IgnoreCondition::Kind::And) {
		dispatch_children(r, &c, kConditions);
		if (c.children.empty()) ctx.error(e.pos, concat(e.name, " needs conditions inside"));
	} else {
		c.key = r.required("key");
		if (c.kind == IgnoreCondition::Kind::KeyIs) {
			auto v = r.get("value", Expand::Rd);
			if (!v)
				ctx.error(e.pos, "keyIs lacks required attribute 'value'");
			else
				c.value = *v;
		}
	}
	r.finish();
	if (auto** ig = std::get_if<IgnoreOn*>(&t))
		(*ig)->conditions.push_back(std::move(c));
	else if (auto** parent = std::get_if<IgnoreCondition*>(&t))
		(*parent)->children.push_back(std::move(c));
	else
		ctx.error(e.pos, concat(e.name, " is not allowed here"));
}

void parse_procdef_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rd = std::get_if<Resource*>(&t);
	if (!rd) {
		ctx.error(e.pos, "procDef is not allowed here");
		return;
	}
	Reader r(ctx, e);
	ProcDef p;
	copy_original(
	    r, p, "procDef", [](const Resource& x) -> const auto& { return x.procdefs; });
	p.pos = e.pos;
	p.id = r.required("id");
	p.type = r.str("type", p.type);
	static const std::vector<std::string> types = {
	    "apply",        "rowfilter",     "sourceFields", "phraseMaker", "descriptorGenerator",
	    "dataFunction", "dataFormatter", "metaMaker",    "iterator",    "pargetter",
	    "regTest",      "mixinProc",     "t_t",          "coreProc",    "job"};
	if (!p.type.empty() && std::find(types.begin(), types.end(), p.type) == types.end())
		ctx.error(r.pos_of("type"),
		          concat("unknown procDef type '", p.type, "'", did_you_mean(p.type, types)));
	for (const RawElement* d : r.take_children("doc"))
		p.doc = dedent(d->text);
	if (auto v = r.get("doc")) p.doc = *v;
	dispatch_children(r, &p, {"setup", "code"});
	r.finish();
	(*rd)->procdefs.push_back(std::move(p));
}

} // namespace meles::rd::parse
