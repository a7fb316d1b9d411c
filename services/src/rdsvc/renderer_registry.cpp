#include "meles/services/rdsvc/renderer_registry.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/services/registry/capabilities.hpp"

#include <algorithm>

namespace meles::services {

namespace {

bool allows(const rd::ServiceDef& s, std::string_view name) {
	return std::find(s.allowed.begin(), s.allowed.end(), name) != s.allowed.end();
}

bool serves(const Renderer& r, const rd::ServiceDef& s) {
	return r.implicit || (allows(s, r.name) && (!r.applies || r.applies(s)));
}

} // namespace

void RendererRegistry::add(Renderer renderer) {
	renderers_.push_back(std::move(renderer));
}

const Renderer* RendererRegistry::find(std::string_view name, const rd::ServiceDef& service) const {
	for (auto& r : renderers_)
		if (r.name == name && serves(r, service)) return &r;
	return nullptr;
}

const Renderer* RendererRegistry::find_name(std::string_view name) const {
	for (auto& r : renderers_)
		if (r.name == name) return &r;
	return nullptr;
}

std::vector<std::string> RendererRegistry::capabilities(const Config& config, const rd::Resource& rd,
                                                        const rd::ServiceDef& service,
                                                        const std::string& service_url) const {
	std::vector<std::string> out;
	registry::CapabilitySite site{config, rd, service, service_url, config.server_url()};
	for (auto& cap : registry::renderer_capabilities())
		if (allows(service, cap.renderer) && cap.unusable(service).empty()) out.push_back(cap.write(site));
	return out;
}

std::vector<std::string> RendererRegistry::offered(const rd::ServiceDef& service) const {
	std::vector<std::string> out;
	for (auto& name : service.allowed)
		if (find(name, service)) out.push_back(name);
	return out;
}

void RendererRegistry::send_unavailable(std::string_view name, net::Response& response,
                                        const std::string& message) const {
	response.set_status(503);
	if (const Renderer* r = find_name(name); r && r->unavailable) {
		r->unavailable(response, message);
		return;
	}
	response.set_header("Content-Type", "text/plain; charset=utf-8");
	response.send(message + "\n");
}

} // namespace meles::services
