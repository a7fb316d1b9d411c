// meles/rd/regtest/request.hpp — the HTTP request a regTest's `url` stands for, resolved as
// DaCHS's `dachs test` resolves it: relative to the RD (`svc/renderer` → server/rdId/svc/...),
// to the server (`/tap/sync`) or absolute; parameters appended to GET URLs (after `&` when the
// text has a `?` already) or sent urlencoded / multipart (uploads) in a POST body.
// Thread-safety: pure functions.
#pragma once

#include "meles/rd/model/execute_def.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meles::rd::regtest {

struct HttpRequest {
	std::string method = "GET";
	std::string url; // absolute
	std::vector<std::pair<std::string, std::string>> headers;
	std::optional<std::string> body; // POST payload, if any
	std::optional<long long> chunk_size;
	bool honor_redirects = false;
	std::string auth_key; // to look up in the credentials file
};

// The parameters sent, parSet's included (form: DaCHS's form markers, TAP: LANG and REQUEST).
std::vector<std::pair<std::string, std::string>> request_params(const RegTestUrl& url);

// Resolves `url` against `server_url` (no trailing slash needed) for the RD `rd_id`.  `base`,
// when given, replaces the url's text (what pointNextToLocation of the previous test of a
// sequential suite chose).  Reads postPayload and upload files: Error(NotFound) when one is
// missing, naming it.
HttpRequest build_request(const RegTestUrl& url, std::string_view server_url, std::string_view rd_id,
                          const std::optional<std::string>& base = std::nullopt);

} // namespace meles::rd::regtest
