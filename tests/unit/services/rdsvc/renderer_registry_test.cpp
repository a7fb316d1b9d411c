#include "meles/services/rdsvc/renderer_registry.hpp"

#include "meles/core/config/config.hpp"

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

Renderer renderer(std::string name, std::string core_type) {
	Renderer r;
	r.name = std::move(name);
	if (!core_type.empty())
		r.applies = [core_type](const rd::ServiceDef& s) { return s.core && s.core->type == core_type; };
	r.handle = [](RenderCall&) {};
	return r;
}

} // namespace

TEST_CASE("renderer registry: a renderer serves a service that allows it and that it applies to") {
	RendererRegistry reg;
	reg.add(renderer("scs.xml", "scsCore"));
	Renderer info = renderer("info", "");
	info.implicit = true;
	reg.add(info);
	auto cone = service({"scs.xml", "form"}, "scsCore");
	auto other = service({"scs.xml"}, "dbCore");
	auto not_allowed = service({"form"}, "scsCore");
	CHECK(reg.find("scs.xml", cone) != nullptr);
	CHECK(reg.find("scs.xml", other) == nullptr);       // allowed, but not a cone core
	CHECK(reg.find("scs.xml", not_allowed) == nullptr); // a cone core that does not allow it
	CHECK(reg.find("info", not_allowed) != nullptr);    // implicit: every service
	CHECK(reg.find("siap.xml", cone) == nullptr);
	CHECK(reg.known("scs.xml"));
	CHECK_FALSE(reg.known("siap.xml"));
	// offered: the allowed names this server runs for the service, in `allowed` order
	CHECK(reg.offered(cone) == std::vector<std::string>{"scs.xml"});
	CHECK(reg.offered(other).empty());
}

TEST_CASE("renderer registry: renderers sharing a name are chosen by the service") {
	RendererRegistry reg;
	reg.add(renderer("form", "scsCore"));
	reg.add(renderer("form", "siapCore"));
	auto cone = service({"form", "scs.xml"}, "scsCore");
	auto siap = service({"form"}, "siapCore");
	REQUIRE(reg.find("form", cone) != nullptr);
	REQUIRE(reg.find("form", siap) != nullptr);
	CHECK(reg.find("form", cone) != reg.find("form", siap));
	CHECK(reg.find("form", service({"form"}, "dbCore")) == nullptr);
}

TEST_CASE(
    "renderer registry: capabilities are the registry records' for what the service allows and can serve") {
	RendererRegistry reg;
	Config config = Config::defaults("/tmp");
	rd::Resource rd;
	rd.rd_id = "x/q";
	auto cone = service({"form", "scs.xml"}, "scsCore");
	auto caps = reg.capabilities(config, rd, cone, "http://h/x/q/svc");
	REQUIRE(caps.size() == 2);
	CHECK(caps[0].find("ivo://ivoa.net/std/ConeSearch") != std::string::npos); // the table's order
	CHECK(caps[1].find("vr:WebBrowser") != std::string::npos);
	CHECK(caps[1].find("http://h/x/q/svc/form") != std::string::npos);
	// scs.xml allowed on a service that is no cone search: not advertised
	auto plain = service({"scs.xml"}, "dbCore");
	CHECK(reg.capabilities(config, rd, plain, "http://h/x/q/svc").empty());
}
