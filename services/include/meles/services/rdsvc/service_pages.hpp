// meles/services/rdsvc/service_pages.hpp — the HTML pages about resources: the root page
// listing every RD with its services and tables, and a service's info page.  What they
// show comes from the RDs' meta and table definitions.
// Thread-safety: pure functions.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/rd/model/resource.hpp"

#include <memory>
#include <string>
#include <vector>

namespace meles::services {

std::string root_page_html(const std::vector<std::shared_ptr<const rd::Resource>>& rds,
                           const std::string& server_url);
std::string service_info_html(const rd::Resource& rd, const rd::ServiceDef& service,
                              const std::string& service_url);
// An HTML page saying the service is unavailable (for renderers that answer in HTML); the
// status is the caller's.
void send_unavailable_page(net::Response& response, const std::string& message);

} // namespace meles::services
