// meles/services/registry/capabilities.hpp — what each renderer contributes to a service's
// capabilities, for VOSI /capabilities and registry records alike: the one table a protocol
// registers its capability element in.  Simple Image Access (siap.xml, siap2.xml) and Simple
// Spectral Access (ssap.xml) add their rows here when they come (with the SIA/SSA prefixes,
// already declared on every record: see record_builder.cpp).
// Thread-safety: the table is immutable.
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/rd/model/resource.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::services::registry {

struct CapabilitySite {
	const Config& config;
	const rd::Resource& rd;
	const rd::ServiceDef& service;
	std::string service_url; // <serverURL>/<rd id>/<service id>
	std::string server_url;
};

struct RendererCapability {
	std::string_view renderer; // as in allowed= and <publish render=...>
	// Whether the renderer works for this service (a cone search needs a cone core, say);
	// the problem to tell the operator when not.
	std::function<std::string(const rd::ServiceDef&)> unusable;
	// The <capability> element(s), indented by two blanks.
	std::function<std::string(const CapabilitySite&)> write;
	// The service's record lists every table TAP serves (the TAP service itself).
	bool lists_tap_tables = false;
	// The record's VOSI capabilities point here instead of at the service URL ("" = there).
	std::function<std::string(const CapabilitySite&)> vosi_base;
};

// Every renderer that has a capability, in the order capabilities are written.
const std::vector<RendererCapability>& renderer_capabilities();
// nullptr when the renderer has no capability (it cannot be published).
const RendererCapability* find_renderer_capability(std::string_view renderer);
// The names, for messages.
std::vector<std::string> publishable_renderers();

} // namespace meles::services::registry
