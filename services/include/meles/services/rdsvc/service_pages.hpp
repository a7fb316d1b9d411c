// meles/services/rdsvc/service_pages.hpp — the HTML pages about resources: the root page
// listing every RD with its services and tables (linked to their info pages, info_pages.hpp).  What they
// show comes from the RDs' meta and table definitions.
// Thread-safety: pure functions.
#pragma once

#include "meles/rd/model/resource.hpp"

#include <memory>
#include <string>
#include <vector>

namespace meles::services {

std::string root_page_html(const std::vector<std::shared_ptr<const rd::Resource>>& rds,
                           const std::string& server_url);

} // namespace meles::services
