// meles/core/net/http_date.hpp — the HTTP date form (RFC 9110 IMF-fixdate) of an instant,
// for Date and Last-Modified headers.
// Thread-safety: pure function.
#pragma once

#include <ctime>
#include <string>

namespace meles::net {

std::string http_date(std::time_t t);

} // namespace meles::net
