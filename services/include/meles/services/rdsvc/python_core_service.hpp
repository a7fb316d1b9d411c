// meles/services/rdsvc/python_core_service.hpp — RD services whose core is a pythonCore:
// the request's parameters become the core's typed input keys, the RD's coreProc runs in the
// embedded Python (meles/rd/python, on the runtime's threads: the HTTP thread only waits), and
// its table goes out as the service's renderer asks: `api` in the format RESPONSEFORMAT names
// (a VOTable by default), `form` as an HTML page with the input form.  A (mime, bytes) answer
// is sent as it is.
// Thread-safety: stateless; any number of requests at once.
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/core/net/http.hpp"
#include "meles/rd/model/resource.hpp"

#include <memory>

namespace meles::services {

// True for services this renders.
bool is_python_core_service(const rd::ServiceDef& service);

void python_core_request(const Config& config, const std::shared_ptr<const rd::Resource>& rd,
                         const rd::ServiceDef& service, const std::string& renderer, net::Request& request,
                         net::Response& response);

} // namespace meles::services
