// meles/services/tap/tap_service.hpp — the TAP service at /tap: /sync, /async (UWS),
// /availability, /capabilities (TAPRegExt), /tables (VODataService), /examples.
// Thread-safety: handlers run concurrently; shared state is the catalog (snapshots) and
// the job manager, both thread-safe.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/router/router.hpp"
#include "meles/services/tap/tap_catalog.hpp"
#include "meles/services/tap/tap_query.hpp"
#include "meles/services/uws/job_manager.hpp"
#include "meles/services/uws/uws_endpoint.hpp"

#include <memory>

namespace meles::services::tap {

// The TAP capability (TAPRegExt TableAccess: languages, formats, limits) and the DALI
// examples capability of the TAP service at base_url, for VOSI and registry records.
std::string tap_capability(const Config& config, const std::string& base_url);

class TapService {
public:
	TapService(Context& ctx, uws::JobManager& jobs);
	~TapService();
	void install(Router& router);
	TapCatalog& catalog() { return catalog_; }
	// Persistent user tables plug their catalog in here (issue: tap_user).
	void set_extra_catalog(ExtraCatalog extra) { extra_ = std::move(extra); }
	// ... and run CREATE TABLE tap_user.NAME AS ... here.
	void set_create_table(CreateTable create) { create_table_ = std::move(create); }

	std::string capabilities_document() const;
	std::string tables_document(bool with_columns) const;
	std::string table_document(const std::string& qualified) const;
	std::string examples_document() const;

private:
	class JobKind;
	void sync(net::Request& request, net::Response& response);
	std::string base_url() const { return ctx_.config.server_url() + "/tap"; }

	Context& ctx_;
	uws::JobManager& jobs_;
	TapCatalog catalog_;
	std::unique_ptr<JobKind> job_kind_;
	std::unique_ptr<uws::UwsEndpoint> async_;
	ExtraCatalog extra_;
	CreateTable create_table_;
	uint64_t max_upload_bytes_;
	net::FetchPolicy fetch_policy_;
};

} // namespace meles::services::tap
