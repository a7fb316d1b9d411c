// meles/services/tap/uploads.hpp — TAP UPLOAD: VOTables from inline parts or http(s) URLs,
// read in streaming fashion into temporary tables of the query's transaction and offered
// to ADQL as TAP_UPLOAD.<name>.
// Thread-safety: one Uploads object per query; functions use only their arguments.
#pragma once

#include "meles/core/adql/catalog.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/services/dali/params.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace meles::services::tap {

struct UploadLimits {
	uint64_t max_bytes = 20 * 1024 * 1024; // all uploads of one query together
	int fetch_timeout_seconds = 60;
	std::filesystem::path spool_dir; // where fetched documents go while they are read
};

// Downloads `url` (http or https) into `dest` with curl, at most `max_bytes` (Error(Limit)
// beyond), within `timeout_seconds` (Error(Validation) naming the URL and the reason on
// failure: unreachable host, HTTP error status, timeout).
void fetch_url(const std::string& url, const std::filesystem::path& dest, uint64_t max_bytes,
               int timeout_seconds);

// The uploaded tables of one query.  Fetched files are removed with the object.
class Uploads {
public:
	Uploads() = default;
	Uploads(Uploads&&) = default;
	Uploads& operator=(Uploads&&) = default;
	~Uploads();

	// Resolves every UPLOAD entry to a local file: `param:NAME` through `part_file(NAME)`
	// (empty path: no such part → Error(Validation)), http(s) URLs by downloading.  Checks
	// the total size against limits.max_bytes (Error(Limit)).
	static Uploads resolve(const std::vector<UploadSpec>& specs,
	                       const std::function<std::filesystem::path(const std::string&)>& part_file,
	                       const UploadLimits& limits);

	bool empty() const { return items_.empty(); }
	// Creates one temporary table (ON COMMIT DROP) per upload in the connection's open
	// transaction, COPYs the rows in, ANALYZEs it, and adds TAP_UPLOAD.<name> to `catalog`.
	// Errors name the upload and the row/column at fault.
	void load(pg::Connection& conn, adql::SimpleCatalog& catalog) const;

private:
	struct Item {
		std::string table;
		std::filesystem::path file;
		bool owned = false; // fetched by us: delete afterwards
	};
	std::vector<Item> items_;
};

// The SQL relation an upload named `name` is stored in (a temporary table).
std::string upload_relation(std::string_view name);

} // namespace meles::services::tap
