// Elements that occur under many parents: meta, macDef, property, script, publish, doc, resRec.
#include "element_parsers.hpp"

#include "meles/core/common/strings.hpp"

#include <algorithm>

namespace meles::rd::parse {

namespace {

void parse_meta_into(ParseContext& ctx, const RawElement& e, MetaBag& bag) {
	std::optional<std::string> name;
	std::string format = "plain";
	std::map<std::string, std::string> attrs;
	for (auto& a : e.attributes) {
		if (a.name == "name")
			name = std::string(trim(a.value));
		else if (a.name == "format")
			format = std::string(trim(a.value));
		else
			attrs[a.name] = a.value;
	}
	if (format != "plain" && format != "rst" && format != "raw" && format != "literal")
		ctx.error(e.pos, concat("unknown meta format '", format, "' (use plain, rst, raw or literal)"));
	if (!name) {
		if (!attrs.empty())
			ctx.error(e.pos,
			          concat("meta element with attributes (", attrs.begin()->first, "=...) needs a name"));
		// A meta stream: "key: value" lines; macros are expanded in the values.
		try {
			// A stream value is one line: a <br/> in it can only be a blank.
			std::string text = e.text;
			std::replace(text.begin(), text.end(), kMetaLineBreak, ' ');
			parse_meta_stream(text, e.pos, bag, [&](std::string_view v, const SourcePos& pos) {
				return ctx.expand(v, Expand::Rd, pos);
			});
		} catch (const Error& err) {
			ctx.diags.add(err, e.pos);
		}
		for (auto& c : e.children) {
			if (c.name == "meta")
				parse_meta_into(ctx, c, bag);
			else
				ctx.error(c.pos, concat("unknown element '", c.name, "' in meta"), ErrorKind::Name);
		}
		return;
	}
	if (!e.inline_markup.empty())
		ctx.warning(
		    e.pos,
		    concat("meta '", *name, "' contains markup (<", join(e.inline_markup, ">, <"),
		           ">): Meles keeps its text, but DaCHS 2.7 refuses elements other than <br/> in meta"));
	MetaValue v;
	v.content = dedent(ctx.expand(e.text, Expand::Rd, e.pos));
	std::replace(v.content.begin(), v.content.end(), kMetaLineBreak, '\n');
	v.format = format;
	v.attributes = std::move(attrs);
	v.pos = e.pos;
	for (auto& c : e.children) {
		if (c.name == "meta")
			parse_meta_into(ctx, c, v.children);
		else
			ctx.error(c.pos, concat("unknown element '", c.name, "' in meta"), ErrorKind::Name);
	}
	try {
		bag.add(*name, std::move(v));
	} catch (const Error& err) {
		ctx.diags.add(err, e.pos);
	}
}

} // namespace

void parse_meta_el(ParseContext& ctx, const RawElement& e, Target t) {
	MetaBag* bag = meta_of(t);
	if (!bag) {
		ctx.error(e.pos, "meta is not allowed here");
		return;
	}
	parse_meta_into(ctx, e, *bag);
}

void parse_macdef_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	MacDef m;
	m.name = r.required("name");
	m.pos = e.pos;
	if (!m.name.empty() && m.name.size() < 2)
		ctx.error(r.pos_of("name"),
		          concat("macro name '", m.name, "' is too short (macros need two characters)"));
	m.content = std::string(trim(r.text(Expand::Rd)));
	r.finish();
	if (auto** rd = std::get_if<Resource*>(&t)) (*rd)->macdefs.push_back(std::move(m));
}

void parse_property_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	Property p;
	auto key = r.get("key");
	auto name = r.get("name");
	p.key = key ? *key : name ? *name : "";
	if (p.key.empty()) ctx.error(e.pos, "property lacks required attribute 'key'");
	if (auto v = r.get("value"))
		p.value = *v;
	else
		p.value = std::string(trim(r.text(Expand::Rd)));
	p.pos = e.pos;
	r.finish();
	if (auto* props = properties_of(t))
		props->push_back(std::move(p));
	else
		ctx.error(e.pos, "property is not allowed here");
}

void parse_script_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	ScriptDef s;
	s.type = r.required("type");
	s.lang = r.str("lang", "SQL");
	s.name = r.str("name");
	s.notify = r.flag("notify", true);
	s.pos = e.pos;
	static const std::vector<std::string> types = {"preImport",    "newSource", "preIndex",   "preCreation",
	                                               "postCreation", "afterMeta", "beforeDrop", "sourceDone"};
	if (!s.type.empty() && std::find(types.begin(), types.end(), s.type) == types.end())
		ctx.error(r.pos_of("type"),
		          concat("unknown script type '", s.type, "' (one of ", join(types, ", "), ")"));
	bool sql = iequals(s.lang, "SQL") || iequals(s.lang, "AC_SQL");
	if (!sql && !iequals(s.lang, "python"))
		ctx.error(r.pos_of("lang"), concat("unknown script lang '", s.lang, "' (SQL, AC_SQL or python)"));
	if (sql) {
		s.content = dedent(r.text(Expand::Rd));
	} else {
		// Python: run at the script's lifecycle point by the importer (meles/rd/python).
		r.text();
		PythonCode code = code_of(ctx, e);
		s.content = code.text;
		s.pos = code.pos;
		if (!python::site_info(python::Site::Script).runs)
			ctx.warning(e.pos,
			            python::kept_message(python::Site::Script, concat("python script '", s.name, "'")));
		check_python(ctx, code, python::CodeShape::Statements);
	}
	r.finish();
	if (auto** td = std::get_if<TableDef*>(&t))
		(*td)->scripts.push_back(std::move(s));
	else if (auto** mk = std::get_if<MakeDef*>(&t))
		(*mk)->scripts.push_back(std::move(s));
	else
		ctx.error(e.pos, "script is not allowed here");
}

void parse_publish_el(ParseContext& ctx, const RawElement& e, Target t) {
	Reader r(ctx, e);
	PublishDef p;
	p.render = r.list("render");
	p.sets = r.list("sets");
	if (p.sets.empty()) p.sets = {"ivo_managed"};
	p.service = r.str("service");
	p.auxiliary = r.flag("auxiliary", false);
	p.pos = e.pos;
	r.finish();
	if (auto** td = std::get_if<TableDef*>(&t))
		(*td)->publish.push_back(std::move(p));
	else if (auto** dd = std::get_if<DataDesc*>(&t))
		(*dd)->publish.push_back(std::move(p));
	else if (auto** sv = std::get_if<ServiceDef*>(&t))
		(*sv)->publish.push_back(std::move(p));
	else
		ctx.error(e.pos, "publish is not allowed here");
}

void parse_resrec_el(ParseContext&, const RawElement& e, Target t) {
	if (auto** rd = std::get_if<Resource*>(&t)) (*rd)->res_recs.push_back(e);
}

void parse_doc_el(ParseContext&, const RawElement&, Target) {}

} // namespace meles::rd::parse
