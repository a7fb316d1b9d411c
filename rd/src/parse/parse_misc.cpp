// Elements kept for later subsystems: execute, regSuite/regTest, coverage/updater; mixinDef.
#include "element_parsers.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/model/schedule.hpp"

#include <cctype>
#include <filesystem>

namespace meles::rd::parse {

void parse_execute_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rd = std::get_if<Resource*>(&t);
	if (!rd) {
		ctx.error(e.pos, "execute is not allowed here");
		return;
	}
	Reader r(ctx, e);
	ExecuteDef x;
	x.pos = e.pos;
	x.id = r.str("id");
	x.title = r.str("title");
	x.every = r.integer("every");
	x.at = r.list("at");
	x.on = r.str("on");
	x.debug = r.flag("debug", false);
	x.job.element = "job";
	x.job.pos = e.pos;
	dispatch_children(r, &x, {"job", "doc"});
	r.finish();
	int triggers = (x.every ? 1 : 0) + (!x.at.empty() ? 1 : 0) + (!x.on.empty() ? 1 : 0);
	if (triggers == 0) ctx.error(e.pos, "execute needs every=, at= or on=\"loaded\"");
	if (!x.on.empty() && x.on != "loaded")
		ctx.error(r.pos_of("on"), concat("bad on='", x.on, "' (only \"loaded\")"));
	if (x.every && !x.at.empty()) ctx.error(e.pos, "execute takes every= or at=, not both (as in DaCHS)");
	if (x.every && *x.every == 0)
		ctx.error(r.pos_of("every"), "every=\"0\" would run the job without pause; give the seconds between "
		                             "runs (negative: also once when the RD is loaded)");
	for (auto& spec : x.at) {
		try {
			parse_at_time(spec);
		} catch (const Error& err) {
			ctx.error(r.pos_of("at"), err.message());
		}
	}
	(*rd)->executes.push_back(std::move(x));
}

void parse_reg_suite_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rd = std::get_if<Resource*>(&t);
	if (!rd) {
		ctx.error(e.pos, "regSuite is not allowed here");
		return;
	}
	Reader r(ctx, e);
	RegSuite s;
	s.pos = e.pos;
	s.id = r.str("id");
	s.title = r.str("title");
	s.sequential = r.flag("sequential", false);
	dispatch_children(r, &s, {"regTest", "doc"});
	r.finish();
	(*rd)->reg_suites.push_back(std::move(s));
}

namespace {

// The url options DaCHS defines; every other attribute is a request parameter.
bool is_url_option(std::string_view name) {
	return name == "httpMethod" || name == "parSet" || name == "postPayload" || name == "httpAuthKey" ||
	       name == "httpHonorRedirects" || name == "httpChunkSize";
}

std::string resdir_path(ParseContext& ctx, const std::string& value) {
	std::filesystem::path p(value);
	if (p.is_relative()) p = ctx.rd.resdir / p;
	return p.lexically_normal().string();
}

RegTestUpload parse_upload(ParseContext& ctx, const RawElement& e) {
	RegTestUpload u;
	u.pos = e.pos;
	u.file_name = "upload.dat";
	for (auto& a : e.attributes) {
		if (a.name == "name")
			u.name = a.value;
		else if (a.name == "fileName")
			u.file_name = a.value;
		else if (a.name == "source")
			u.source = resdir_path(ctx, std::string(trim(a.value)));
		else
			ctx.error(a.pos, concat("httpUpload has no attribute '", a.name, "' (name, fileName, source)"));
	}
	for (auto& c : e.children)
		ctx.error(c.pos, concat("httpUpload has no child element '", c.name, "'"));
	if (!trim(e.text).empty()) u.content = std::string(trim(e.text));
	if (u.name.empty()) ctx.error(e.pos, "httpUpload needs name= (the upload parameter)");
	if (u.source.has_value() == u.content.has_value())
		ctx.error(e.pos, "httpUpload needs exactly one of source= and inline data");
	if (u.source && !std::filesystem::is_regular_file(*u.source))
		ctx.warning(e.pos, concat("httpUpload source ", *u.source, " does not exist (yet)"));
	return u;
}

RegTestUrl parse_url(ParseContext& ctx, const RawElement& e) {
	RegTestUrl u;
	u.pos = e.pos;
	std::string text = ctx.expand(e.text, Expand::Rd, e.pos);
	// DaCHS drops every whitespace character, so long URLs may be broken anywhere
	for (char c : text)
		if (!std::isspace(static_cast<unsigned char>(c))) u.path += c;
	for (auto& a : e.attributes) {
		if (!is_url_option(a.name)) {
			u.params.emplace_back(a.name, a.value);
			continue;
		}
		std::string v(trim(a.value));
		if (a.name == "httpMethod") {
			u.method = v;
			for (char c : v)
				if (!std::isalpha(static_cast<unsigned char>(c)) ||
				    !std::isupper(static_cast<unsigned char>(c)))
					ctx.error(a.pos, concat("bad httpMethod '", v, "' (GET, POST, ...)"));
			if (v.empty()) ctx.error(a.pos, "httpMethod is empty (GET, POST, ...)");
		} else if (a.name == "parSet") {
			u.par_set = v;
			if (v != "form" && v != "TAP") ctx.error(a.pos, concat("bad parSet '", v, "' (form or TAP)"));
		} else if (a.name == "postPayload") {
			u.post_payload = resdir_path(ctx, v);
			if (!std::filesystem::is_regular_file(*u.post_payload))
				ctx.warning(a.pos, concat("postPayload ", *u.post_payload, " does not exist (yet)"));
		} else if (a.name == "httpAuthKey") {
			u.auth_key = v;
		} else if (a.name == "httpHonorRedirects") {
			std::string l = to_lower(v);
			if (l == "true" || l == "yes" || l == "1")
				u.honor_redirects = true;
			else if (l != "false" && l != "no" && l != "0")
				ctx.error(a.pos, concat("httpHonorRedirects must be True or False, not '", v, "'"));
		} else if (a.name == "httpChunkSize") {
			try {
				size_t used = 0;
				long long n = std::stoll(v, &used);
				if (used != v.size() || n <= 0) throw std::invalid_argument(v);
				u.chunk_size = n;
			} catch (...) {
				ctx.error(a.pos, concat("httpChunkSize must be a positive number of bytes, not '", v, "'"));
			}
		}
	}
	for (auto& c : e.children) {
		if (c.name == "httpHeader") {
			const RawAttribute* key = c.attribute("key");
			if (!key || trim(key->value).empty())
				ctx.error(c.pos, "httpHeader needs key= (the header name)");
			else
				u.headers.emplace_back(std::string(trim(key->value)), std::string(trim(c.text)));
		} else if (c.name == "httpUpload") {
			u.uploads.push_back(parse_upload(ctx, c));
		} else if (is_url_option(c.name)) {
			ctx.error(c.pos, concat("write ", c.name, " as an attribute of url"));
		} else {
			// a parameter too long for an attribute (an ADQL query, say)
			u.params.emplace_back(c.name, std::string(trim(ctx.expand(c.text, Expand::Rd, c.pos))));
		}
	}
	// DaCHS refuses these combinations when the RD loads
	if (u.post_payload) {
		if (!u.params.empty() || !u.par_set.empty())
			ctx.error(e.pos, "url with postPayload can have no parameters (nor parSet)");
		if (u.method != "POST") ctx.error(e.pos, "url with postPayload needs httpMethod=\"POST\"");
	}
	if (!u.uploads.empty() && u.method != "POST")
		ctx.error(e.pos, "url with httpUpload needs httpMethod=\"POST\"");
	if (u.chunk_size && u.uploads.empty())
		ctx.warning(e.pos, "httpChunkSize only applies to uploads (there are none)");
	if (u.path.empty()) ctx.warning(e.pos, "url is empty: the test fetches the RD's own directory");
	return u;
}

} // namespace

void parse_reg_test_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** suite = std::get_if<RegSuite*>(&t);
	if (!suite) {
		ctx.error(e.pos, "regTest is not allowed here");
		return;
	}
	Reader r(ctx, e);
	RegTest rt;
	rt.pos = e.pos;
	rt.title = normalize_space(r.str("title"));
	rt.tags = r.list("tags");
	rt.id = r.str("id");
	for (const RawElement* u : r.take_children("url"))
		rt.url = parse_url(ctx, *u);
	if (auto* a = e.attribute("url")) {
		// url="..." as an attribute: only the address
		RawElement url;
		url.name = "url";
		url.text = a->value;
		url.pos = a->pos;
		rt.url = parse_url(ctx, url);
		r.ignore("url");
	}
	for (const RawElement* c : r.take_children("code"))
		rt.code = code_of(ctx, *c);
	r.finish();
	if (rt.title.empty()) ctx.error(e.pos, "regTest needs a title (what it exercises)");
	if (rt.code) check_python(ctx, *rt.code, python::CodeShape::FunctionBody);
	(*suite)->tests.push_back(std::move(rt));
}

void parse_coverage_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rd = std::get_if<Resource*>(&t);
	if (!rd) {
		ctx.error(e.pos, "coverage is not allowed here");
		return;
	}
	Reader r(ctx, e);
	CoverageDef c;
	c.pos = e.pos;
	c.spatial = normalize_space(r.str("spatial"));
	c.temporal = normalize_space(r.str("temporal"));
	c.spectral = normalize_space(r.str("spectral"));
	dispatch_children(r, &c, {"updater", "doc"});
	r.finish();
	(*rd)->coverage = std::move(c);
}

void parse_updater_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** cov = std::get_if<CoverageDef*>(&t);
	if (!cov) {
		ctx.error(e.pos, "updater is not allowed here");
		return;
	}
	Reader r(ctx, e);
	CoverageUpdater u;
	u.pos = e.pos;
	u.source_table = r.str("sourceTable");
	u.space_table = r.str("spaceTable");
	u.time_table = r.str("timeTable");
	u.spectral_table = r.str("spectralTable");
	if (auto v = r.integer("mocOrder")) u.moc_order = static_cast<int>(*v);
	r.finish();
	(*cov)->updater = std::move(u);
}

void parse_mixin_def_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** rd = std::get_if<Resource*>(&t);
	if (!rd) {
		ctx.error(e.pos, "mixinDef is not allowed here");
		return;
	}
	Reader r(ctx, e);
	MixinDef m;
	m.pos = e.pos;
	m.id = r.required("id");
	if (auto v = r.get("doc")) m.doc = dedent(*v);
	for (const RawElement* ev : r.take_children("events"))
		m.events.insert(m.events.end(), ev->children.begin(), ev->children.end());
	for (const RawElement* ev : r.take_children("lateEvents"))
		m.late_events.insert(m.late_events.end(), ev->children.begin(), ev->children.end());
	for (const RawElement* pe : r.take_children("mixinPar")) {
		Reader pr(ctx, *pe);
		MixinPar p;
		p.pos = pe->pos;
		auto key = pr.get("key");
		auto name = pr.get("name");
		p.key = key ? *key : name ? *name : "";
		if (p.key.size() < 2)
			ctx.error(pe->pos, "mixinPar needs a key of at least two characters (it becomes a macro)");
		p.late = pr.flag("late", false);
		p.description = normalize_space(pr.str("description"));
		std::string def(trim(pr.text()));
		if (def == "__EMPTY__")
			p.default_value = "";
		else if (!def.empty())
			p.default_value = def;
		pr.finish();
		m.pars.push_back(std::move(p));
	}
	for (auto which : {"processEarly", "processLate"}) {
		for (const RawElement* pe : r.take_children(which)) {
			PythonCode code = code_of(ctx, *pe);
			if (auto* c = pe->child("code")) code = code_of(ctx, *c);
			(std::string_view(which) == "processEarly" ? m.process_early : m.process_late) = std::move(code);
		}
	}
	dispatch_children(r, &m, {"doc"});
	r.finish();
	(*rd)->mixins.push_back(std::move(m));
}

} // namespace meles::rd::parse
