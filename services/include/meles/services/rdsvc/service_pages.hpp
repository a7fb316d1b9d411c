// meles/services/rdsvc/service_pages.hpp — the HTML pages about resources: the root page
// listing every RD with its services and tables (linked to their info pages, info_pages.hpp).  What they
// show comes from the RDs' meta and table definitions.
// Thread-safety: pure functions.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/rd/model/resource.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace meles::services {

// `has_info_page(schema.table)`: whether the table has an info page (TAP knows it; a table of an
// RD not imported yet has none, and is listed without a link).
std::string root_page_html(const std::vector<std::shared_ptr<const rd::Resource>>& rds,
                           const std::string& server_url,
                           const std::function<bool(const std::string&)>& has_info_page);
// An HTML page saying the service is unavailable (for renderers that answer in HTML); the
// status is the caller's.
void send_unavailable_page(net::Response& response, const std::string& message);

} // namespace meles::services
