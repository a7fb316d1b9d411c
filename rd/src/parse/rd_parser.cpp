// Entry points: XML -> active tags -> resource -> references.
#include "meles/rd/parse/rd_parser.hpp"

#include "active_tags.hpp"
#include "element_parsers.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/parse/xml_loader.hpp"

namespace meles::rd {

namespace fs = std::filesystem;
using namespace parse;

namespace {

fs::path resolve_resdir(const std::string& text, const std::string& schema, const ParseOptions& opts,
                        const fs::path& rd_file) {
	fs::path base = opts.inputs_dir.empty() ? fs::current_path() : opts.inputs_dir;
	fs::path rd_dir = rd_file.empty() ? base : fs::absolute(rd_file).parent_path();
	if (text == "." || (opts.is_system && text.empty())) return rd_dir;
	if (text.empty()) return base / schema;
	fs::path p(text);
	return p.is_absolute() ? p : base / p;
}

void parse_resource(ParseContext& ctx, RawElement& root, const fs::path& rd_file) {
	Resource& rd = ctx.rd;
	if (root.name != "resource") {
		ctx.error(root.pos, concat("the root element of an RD must be resource, not ", root.name),
		          ErrorKind::Syntax);
		return;
	}
	// What replayed streams may need (\schema, \resdir, macDefs) is read before active tags
	// are expanded; the Reader below then checks the attributes properly.
	// (Both may also be written as child elements, <schema>x</schema>.)
	if (auto* a = root.attribute("schema"))
		rd.schema = std::string(trim(a->value));
	else if (auto* c = root.child("schema"))
		rd.schema = std::string(trim(c->text));
	if (auto* a = root.attribute("resdir"))
		rd.resdir_text = std::string(trim(a->value));
	else if (auto* c = root.child("resdir"))
		rd.resdir_text = std::string(trim(c->text));
	rd.resdir = resolve_resdir(rd.resdir_text, rd.schema, ctx.options, rd_file);
	for (auto& c : root.children)
		if (c.name == "macDef") parse_macdef_el(ctx, c, &rd);

	root.children = expand_active_tags(ctx, std::move(root.children));

	Reader r(ctx, root);
	rd.schema = r.required("schema");
	r.ignore("resdir");
	if (r.has("readProfiles")) rd.read_profiles = r.list("readProfiles");
	if (r.has("allProfiles")) rd.all_profiles = r.list("allProfiles");
	rd.require = r.list("require");
	if (!rd.require.empty())
		ctx.warning(r.pos_of("require"), python::kept_message(python::Site::Require, "require="));
	if (!rd.schema.empty()) {
		bool ok = std::isalpha(static_cast<unsigned char>(rd.schema[0])) || rd.schema[0] == '_';
		for (char c : rd.schema)
			ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
		if (!ok)
			ctx.error(r.pos_of("schema"), concat("schema '", rd.schema, "' is not a valid SQL identifier"));
	}
	r.take_children("macDef"); // parsed above
	// mixinDefs first, so that tables may use mixins defined further down.
	for (const RawElement* m : r.take_children("mixinDef"))
		parse_mixin_def_el(ctx, *m, &rd);
	for (auto n : core_element_names())
		r.note_known_child(n);
	for (const RawElement* c : r.unused_children())
		if (is_core_element(c->name)) {
			r.mark_used(c);
			parse_core_el(ctx, *c, &rd);
		}
	dispatch_children(r, &rd,
	                  {"meta", "table", "data", "service", "execute", "regSuite", "coverage", "procDef",
	                   "condDesc", "rowmaker", "outputTable", "resRec", "property", "doc"});
	r.finish();
	for (auto& [id, s] : ctx.streams)
		rd.streams.push_back(std::move(s));
	ctx.streams.clear();
	resolve_resource(ctx);
}

ParseResult parse_root(RawElement root, const fs::path& file, const std::string& source_name,
                       const ParseOptions& options) {
	ParseResult res;
	auto rd = std::make_shared<Resource>();
	rd->rd_id = options.rd_id.empty() ? fs::path(source_name).stem().string() : options.rd_id;
	rd->source_path = file;
	rd->is_system = options.is_system;
	rd->site_meta = options.site_meta;
	ParseContext ctx(options, res.diagnostics, *rd);
	parse_resource(ctx, root, file);
	res.resource = std::move(rd);
	return res;
}

} // namespace

ParseResult parse_rd_file(const fs::path& file, const ParseOptions& options) {
	std::string source = file.string();
	RawElement root;
	try {
		root = load_xml_file(file, source);
	} catch (const Error& e) {
		ParseResult res;
		res.diagnostics.add(e, SourcePos{source, 0, 0});
		return res;
	}
	return parse_root(std::move(root), file, source, options);
}

ParseResult parse_rd_text(std::string_view xml, const std::string& source_name, const ParseOptions& options) {
	RawElement root;
	try {
		root = load_xml_text(xml, source_name);
	} catch (const Error& e) {
		ParseResult res;
		res.diagnostics.add(e, SourcePos{source_name, 0, 0});
		return res;
	}
	return parse_root(std::move(root), fs::path(), source_name, options);
}

std::optional<std::string> default_config_value(std::string_view section, std::string_view item) {
	return default_config_value_impl(section, item);
}

} // namespace meles::rd
