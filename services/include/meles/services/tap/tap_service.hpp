// meles/services/tap/tap_service.hpp — the TAP service at /tap: /sync, /async (UWS 1.1
// jobs run by the TAP JobKind through the same QueryRunner as /sync), /availability,
// /capabilities, /tables[/schema.table], /examples.
// Thread-safety: handle() is called concurrently by the transport's workers.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/tap/tap_catalog.hpp"
#include "meles/services/tap/tap_query.hpp"
#include "meles/services/uws/job_manager.hpp"
#include "meles/services/uws/uws_endpoint.hpp"

#include <memory>
#include <string>

namespace meles::services::tap {

class TapService {
public:
	// `prefix` is where the service is mounted ("/tap").  Starts the job manager (which
	// also recovers jobs interrupted by a restart).
	TapService(Context& context, std::string prefix = "/tap");
	~TapService();

	void handle(net::Request& request, net::Response& response);

	// Largest request body the route must accept (uploads), for the router.
	uint64_t body_limit() const;

	TapCatalog& catalog() { return catalog_; }
	uws::JobManager& jobs() { return *jobs_; }

private:
	class JobKind;
	void sync(net::Request& request, net::Response& response);
	void vosi_tables(net::Request& request, net::Response& response, std::string_view rest);
	void send_examples(net::Response& response);
	void send_xml(net::Response& response, std::string body,
	              std::string_view content_type = "text/xml; charset=utf-8");
	bool has_examples();

	Context& ctx_;
	std::string prefix_, base_url_;
	TapCatalog catalog_;
	QueryRunner runner_;
	rd::RdStore rd_store_;
	int64_t sync_timeout_, max_upload_, max_sync_upload_, fetch_timeout_;
	std::filesystem::path spool_dir_;
	std::unique_ptr<JobKind> kind_;
	std::unique_ptr<uws::JobManager> jobs_;
	std::unique_ptr<uws::UwsEndpoint> uws_;
};

} // namespace meles::services::tap
