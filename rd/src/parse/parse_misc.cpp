// Elements kept for later subsystems: execute, regSuite/regTest, coverage/updater; mixinDef.
#include "element_parsers.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/model/schedule.hpp"

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

void parse_reg_test_el(ParseContext& ctx, const RawElement& e, Target t) {
	auto** suite = std::get_if<RegSuite*>(&t);
	if (!suite) {
		ctx.error(e.pos, "regTest is not allowed here");
		return;
	}
	Reader r(ctx, e);
	RegTest rt;
	rt.pos = e.pos;
	rt.title = r.str("title");
	rt.tags = r.list("tags");
	r.ignore("id");
	for (const RawElement* u : r.take_children("url")) {
		RawElement url = *u;
		url.text = std::string(trim(ctx.expand(url.text, Expand::Rd, url.pos)));
		rt.url = std::move(url);
	}
	if (auto v = r.get("url")) {
		RawElement url;
		url.name = "url";
		url.text = *v;
		url.pos = r.pos_of("url");
		rt.url = std::move(url);
	}
	for (const RawElement* c : r.take_children("code"))
		rt.code = code_of(*c);
	r.finish();
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
