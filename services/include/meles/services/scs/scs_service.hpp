// meles/services/scs/scs_service.hpp — Simple Cone Search 1.03 (the scs.xml renderer) and
// the HTML cone form, for RD services with an scsCore (or a dbCore over //scs conditions).
//
// The cone becomes SQL that the table's positional index serves (q3c_radial_query for a q3c
// index, the spoint expression of a pg_sphere index), with a leading _r distance column;
// rows stream from PostgreSQL straight into the VOTable.  Errors are SCS error documents
// (VOTable with INFO name="Error", HTTP 200 as SCS 1.03 wants).
// Thread-safety: handle() runs concurrently.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/rd/model/resource.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/rdsvc/renderer_registry.hpp"

#include <memory>

namespace meles::services {

class ScsService {
public:
	explicit ScsService(Context& ctx) : ctx_(ctx) {}

	// scs.xml and the cone form, for cone services.
	void register_renderers(RendererRegistry& registry);

	// Whether a service answers cone searches (scsCore, or conditions from //scs).
	static bool is_cone_service(const rd::ServiceDef& service);

	void scs_xml(const rd::Resource& rd, const rd::ServiceDef& service, const rd::TableDef& table,
	             net::Request& request, net::Response& response);
	void form(const rd::Resource& rd, const rd::ServiceDef& service, const rd::TableDef& table,
	          net::Request& request, net::Response& response);
	// Sends an SCS error document (VOTable with INFO name="Error" and QUERY_STATUS) with the
	// status the response already has.
	static void send_error(net::Response& response, const std::string& message);

private:
	Context& ctx_;
};

// The ConeSearch capability (SimpleDALRegExt cs:ConeSearch) of a cone service at service_url,
// for VOSI capabilities and registry records.
std::string scs_capability(const Config& config, const rd::Resource& rd, const rd::ServiceDef& service,
                           const std::string& service_url);

} // namespace meles::services
