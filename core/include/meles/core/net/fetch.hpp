// meles/core/net/fetch.hpp — a small HTTP(S) client for fetching uploads by URL (TAP's
// UPLOAD=name,http://...).  Follows up to five redirects, verifies TLS certificates against
// the system's store, enforces a size limit and timeouts, and streams the body into a sink.
// Thread-safety: reentrant; each call uses its own connection.
#pragma once

#include "meles/core/common/byte_sink.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace meles::net {

// Throws Error(Validation) for unsupported URLs, Error(Io) for network problems and HTTP
// errors (naming the status), Error(Limit) when the body exceeds max_bytes.
void fetch(const std::string& url, uint64_t max_bytes, ByteSink& sink,
           std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace meles::net
