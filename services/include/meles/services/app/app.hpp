// meles/services/app/app.hpp — the daemon's request handling: builds the router with
// every route (root page, protocol endpoints) over a Context.
// Thread-safety: handle() is called concurrently by the transport's workers.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/products/getproduct.hpp"
#include "meles/services/rdsvc/info_pages.hpp"
#include "meles/services/rdsvc/renderer_registry.hpp"
#include "meles/services/registry/oai_pmh.hpp"
#include "meles/services/router/router.hpp"
#include "meles/services/scs/scs_service.hpp"
#include "meles/services/siap/siap_service.hpp"
#include "meles/services/tap/tap_service.hpp"
#include "meles/services/user_tables/user_tables.hpp"
#include "meles/services/uws/job_manager.hpp"

#include <memory>

namespace meles::services {

class App {
public:
	explicit App(Context& context);
	~App();
	// Authenticates (HTTP Basic, optional everywhere) and routes.
	void handle(net::Request& request, net::Response& response);
	// Re-reads what can change without a restart (RDs).  Called on SIGHUP.
	void reload();

private:
	void root_page(net::Request& request, net::Response& response);
	// /tableinfo/<schema.table>: the info page of a table TAP serves.
	void table_info(net::Request& request, net::Response& response);
	void service_info(net::Request& request, net::Response& response,
	                  const std::shared_ptr<const rd::Resource>& rd, const rd::ServiceDef& service);
	// The TableInfo of a table TAP knows (nullopt otherwise), with statistics and coverage.
	std::optional<TableInfo> table_facts(const std::shared_ptr<const rd::Resource>& rd,
	                                     const rd::TableDef& table, const std::string& client);
	InfoSite info_site() const;
	// /<rd id>/<service>/<renderer>: everything the RD's services offer.
	void rd_service(net::Request& request, net::Response& response);
	// info, availability, capabilities and every protocol's renderers.
	void register_renderers();
	void unavailable(net::Request& request, net::Response& response, const std::string& rd_id,
	                 const std::string& renderer, const Error& error);
	Context& ctx_;
	Router router_;
	RendererRegistry renderers_;
	ScsService scs_;
	SiapService siap_;
	std::unique_ptr<uws::JobManager> jobs_;
	std::unique_ptr<tap::TapService> tap_;
	std::unique_ptr<user_tables::UserTables> user_tables_;
	registry::OaiPmh oai_;
	InfoFacts info_facts_;
	products::ProductService products_;
};

} // namespace meles::services
