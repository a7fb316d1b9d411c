#include "meles/services/rdsvc/renderer_registry.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::services;

namespace {

rd::ServiceDef service(std::vector<std::string> allowed, std::string core = "dbCore") {
	rd::ServiceDef s;
	s.id = "svc";
	s.allowed = std::move(allowed);
	s.core.emplace();
	s.core->type = std::move(core);
	return s;
}

Renderer renderer(std::string name, std::string core_type, std::string capability = "") {
	Renderer r;
	r.name = std::move(name);
	if (!core_type.empty())
		r.applies = [core_type](const rd::ServiceDef& s) { return s.core && s.core->type == core_type; };
	if (!capability.empty())
		r.capability = [capability](const rd::Resource&, const rd::ServiceDef&, const std::string& url) {
			return capability + "@" + url;
		};
	r.handle = [](RenderCall&) {};
	return r;
}

}  // namespace

TEST_CASE("renderer registry: a renderer serves a service that allows it and that it applies to") {
	RendererRegistry reg;
	reg.add(renderer("scs.xml", "scsCore", "cone"));
	Renderer info = renderer("info", "");
	info.implicit = true;
	reg.add(info);
	auto cone = service({"scs.xml", "form"}, "scsCore");
	auto other = service({"scs.xml"}, "dbCore");
	auto not_allowed = service({"form"}, "scsCore");
	CHECK(reg.find("scs.xml", cone) != nullptr);
	CHECK(reg.find("scs.xml", other) == nullptr);        // allowed, but not a cone core
	CHECK(reg.find("scs.xml", not_allowed) == nullptr);  // a cone core that does not allow it
	CHECK(reg.find("info", not_allowed) != nullptr);     // implicit: every service
	CHECK(reg.find("siap.xml", cone) == nullptr);
	CHECK(reg.known("scs.xml"));
	CHECK_FALSE(reg.known("siap.xml"));
	// offered: the allowed names this server runs for the service, in `allowed` order
	CHECK(reg.offered(cone) == std::vector<std::string>{"scs.xml"});
	CHECK(reg.offered(other).empty());
}

TEST_CASE("renderer registry: renderers sharing a name are chosen by the service, capabilities once each") {
	RendererRegistry reg;
	reg.add(renderer("form", "scsCore", "coneform"));
	reg.add(renderer("form", "siapCore", "siapform"));
	reg.add(renderer("scs.xml", "scsCore", "cone"));
	rd::Resource rd;
	auto cone = service({"form", "scs.xml"}, "scsCore");
	auto siap = service({"form"}, "siapCore");
	REQUIRE(reg.find("form", cone) != nullptr);
	REQUIRE(reg.find("form", siap) != nullptr);
	CHECK(reg.find("form", cone) != reg.find("form", siap));
	CHECK(reg.capabilities(rd, cone, "U") == std::vector<std::string>{"coneform@U", "cone@U"});
	CHECK(reg.capabilities(rd, siap, "U") == std::vector<std::string>{"siapform@U"});
	// a service allowing nothing this server runs has no capabilities beyond VOSI's own
	CHECK(reg.capabilities(rd, service({"ssap.xml"}, "ssapCore"), "U").empty());
}

TEST_CASE("renderer registry: the browser capability names the form's full URL") {
	auto c = web_browser_capability("http://x/a&b/form");
	CHECK(c.find("vr:WebBrowser") != std::string::npos);
	CHECK(c.find("<accessURL use=\"full\">http://x/a&amp;b/form</accessURL>") != std::string::npos);
}
