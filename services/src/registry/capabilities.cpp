#include "meles/services/registry/capabilities.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/services/scs/scs_service.hpp"
#include "meles/services/siap/siap_service.hpp"
#include "meles/services/tap/tap_service.hpp"

namespace meles::services::registry {

const std::vector<RendererCapability>& renderer_capabilities() {
	static const std::vector<RendererCapability> table = {
	    {"scs.xml",
	     [](const rd::ServiceDef& s) {
		     return ScsService::is_cone_service(s)
		                ? std::string()
		                : std::string("is not a cone search (it needs an scsCore or the //scs conditions)");
	     },
	     [](const CapabilitySite& c) { return scs_capability(c.config, c.rd, c.service, c.service_url); },
	     false,
	     {}},
	    {"form",
	     [](const rd::ServiceDef&) { return std::string(); },
	     [](const CapabilitySite& c) {
		     return concat(
		         "  <capability>\n    <interface xsi:type=\"vr:WebBrowser\">\n      <accessURL use=\"full\">",
		         xml_escape(c.service_url + "/form"), "</accessURL>\n    </interface>\n  </capability>\n");
	     },
	     false,
	     {}},
	    {"tap", [](const rd::ServiceDef&) { return std::string(); },
	     [](const CapabilitySite& c) { return tap::tap_capability(c.config, c.server_url + "/tap"); }, true,
	     [](const CapabilitySite& c) { return c.server_url + "/tap"; }},
	    {"siap.xml",
	     [](const rd::ServiceDef& s) {
		     return SiapService::is_siap1_service(s)
		                ? std::string()
		                : std::string("is not a SIAP 1 service (it needs the //siap#protoInput conditions)");
	     },
	     [](const CapabilitySite& c) { return siap1_capability(c.config, c.rd, c.service, c.service_url); },
	     false,
	     {}},
	    {"siap2.xml",
	     [](const rd::ServiceDef& s) {
		     return SiapService::is_siap2_service(s)
		                ? std::string()
		                : std::string("is not a SIAP 2 service (it needs the //siap2#parameters conditions)");
	     },
	     [](const CapabilitySite& c) { return siap2_capability(c.config, c.rd, c.service, c.service_url); },
	     false,
	     {}},
	    // ssap.xml (SSA, ssa:SimpleSpectralAccess) goes here with its protocol.
	};
	return table;
}

const RendererCapability* find_renderer_capability(std::string_view renderer) {
	for (auto& r : renderer_capabilities())
		if (r.renderer == renderer) return &r;
	return nullptr;
}

std::vector<std::string> publishable_renderers() {
	std::vector<std::string> out;
	for (auto& r : renderer_capabilities())
		out.emplace_back(r.renderer);
	return out;
}

} // namespace meles::services::registry
