// meles/services/siap/siap_service.hpp — Simple Image Access: the siap.xml renderer (SIAP 1.0)
// for services over a //siap#pgs table and siap2.xml (SIAP 2.0) for services over a table with
// ObsCore-named columns (//siap2#pgs), at DaCHS's URLs (/<rd>/<service>/siap.xml, .../siap2.xml).
//
// Parameters become SQL in services/query/siap_conditions (the footprint's GiST index serves the
// spatial part); rows stream through the shared query runner into a VOTable.  Each row gets the
// URL of its product (access_url, /getproduct/<accref>).  Errors are each standard's: SIAP 1 a
// VOTable with QUERY_STATUS ERROR and HTTP 200, SIAP 2 DALI's error VOTable with an HTTP error.
// Thread-safety: handlers run concurrently.
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/core/net/http.hpp"
#include "meles/rd/model/resource.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/rdsvc/renderer_registry.hpp"

#include <string>

namespace meles::services {

class SiapService {
public:
	explicit SiapService(Context& ctx) : ctx_(ctx) {}

	void register_renderers(RendererRegistry& registry);

	// SIAP 1: a core over //siap#protoInput, or a siapCutoutCore/siapCore.
	static bool is_siap1_service(const rd::ServiceDef& service);
	// SIAP 2: a core with the //siap2#parameters conditions (an inputKey POS next to BAND).
	static bool is_siap2_service(const rd::ServiceDef& service);

	void siap1(RenderCall& call);
	void siap2(RenderCall& call);

	static void send_siap1_error(net::Response& response, const std::string& message);
	static void send_siap2_error(net::Response& response, const std::string& message);

private:
	Context& ctx_;
};

// The SimpleImageAccess capabilities (SIA 1.0 and 2.0) for VOSI and registry records.
std::string siap1_capability(const Config& config, const rd::Resource& rd, const rd::ServiceDef& service,
                             const std::string& service_url);
std::string siap2_capability(const Config& config, const rd::Resource& rd, const rd::ServiceDef& service,
                             const std::string& service_url);

} // namespace meles::services
