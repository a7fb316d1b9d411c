// meles/services/rdsvc/renderer_registry.hpp — the renderers of RD services (the last part of
// /<rd>/<service>/<renderer>), by name: which services each one serves, its handler and how it
// tells a client that the service cannot be used right now.  App fills one registry at start;
// every protocol (SCS, SIAP, SSAP, DataLink, ...) adds its renderers instead of a branch in the
// app.  The capability a renderer contributes to VOSI /capabilities and to registry records is
// its row in services/registry/capabilities (the same name), which `meles pub` reads without a
// daemon; capabilities() below puts the two together.
// Thread-safety: filled before serving, then only read (concurrently).
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/core/net/http.hpp"
#include "meles/rd/model/resource.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace meles::services {

// One request for a renderer of an RD service.
struct RenderCall {
	const rd::Resource& rd;
	// The same RD, for handlers that keep it beyond the call or hand it on (info pages).
	const std::shared_ptr<const rd::Resource>& shared_rd;
	const rd::ServiceDef& service;
	// The core's queried table, resolved (nullptr when the core has none or the renderer
	// does not ask for it).
	const rd::TableDef* table;
	std::string service_url; // absolute, without the renderer
	std::string rest;        // the path after the renderer ("" or "/...")
	net::Request& request;
	net::Response& response;
};

struct Renderer {
	std::string name; // as services list it in `allowed` ("scs.xml")
	// Whether this renderer serves `service` (e.g. scs.xml: services with a cone core).  Several
	// renderers may share a name with different predicates (a cone form, a SIAP form); the first
	// registered that applies wins.  Empty: every service.
	std::function<bool(const rd::ServiceDef&)> applies;
	// Offered by every service without being listed in `allowed` (info, VOSI).
	bool implicit = false;
	// The handler needs the core's queried table (resolved from another RD if need be).
	bool needs_table = false;
	std::function<void(RenderCall&)> handle;
	// Sends `message` in the protocol's own error form (status already set) when the service's
	// RD does not load; empty: plain text.
	std::function<void(net::Response&, const std::string& message)> unavailable;
};

class RendererRegistry {
public:
	void add(Renderer renderer);

	// The renderer `name` that serves `service`: implicit ones always, others when the service
	// lists the name in `allowed` and the renderer applies.  nullptr otherwise.
	const Renderer* find(std::string_view name, const rd::ServiceDef& service) const;
	// The first renderer registered under `name` (for services whose RD does not load).
	const Renderer* find_name(std::string_view name) const;
	// Whether any renderer has this name.
	bool known(std::string_view name) const { return find_name(name) != nullptr; }

	// The capability elements of the service (VOSI capabilities): those of
	// registry::renderer_capabilities() for the renderers it allows that can serve it — the
	// same as its registry record has.
	std::vector<std::string> capabilities(const Config& config, const rd::Resource& rd,
	                                      const rd::ServiceDef& service,
	                                      const std::string& service_url) const;
	// Names of the allowed renderers this server can run for the service, in `allowed` order.
	std::vector<std::string> offered(const rd::ServiceDef& service) const;

	// Tells the client, in the renderer's form, that the service is unavailable (503).
	void send_unavailable(std::string_view name, net::Response& response, const std::string& message) const;

	const std::vector<Renderer>& all() const { return renderers_; }

private:
	std::vector<Renderer> renderers_;
};

} // namespace meles::services
