// meles/services/rdsvc/info_pages.hpp — the info pages of services (/<rd>/<svc>/info) and of
// published tables (/tableinfo/<schema.table>, DaCHS's URL): what the RD says (descriptions,
// columns, creators, rights, dates, renderers with the URLs to copy) and what `meles limits`
// stored (row counts, column statistics, coverage).
//
// Gathering (InfoFacts, which reads the database) and rendering (pure functions over
// TableInfo/ServiceInfo) are apart, so that other faces of the same facts (a form page, the
// ADQL page's table browser) can reuse them.  Every text from an RD or the database is
// HTML-escaped.  Thread-safety: the render functions are pure; InfoFacts may be called from
// any thread.
#pragma once

#include "meles/services/execute/scheduler.hpp"

#include "meles/core/pg/pool.hpp"
#include "meles/rd/limits/limits.hpp"
#include "meles/rd/model/resource.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::services {

// The info page of a table: server_url + "/tableinfo/" + the table's name (percent-encoded
// where needed).  Registry records (table_reference) and the root page link here.
std::string table_info_url(const std::string& server_url, std::string_view qualified_name);

// Site-wide facts the pages show.
struct InfoSite {
	std::string server_url; // "http://host:port", no trailing slash
	std::string authority;  // [ivoa] authority, for the IVOIDs
};

// What the database knows of a table beyond its RD.
struct TableFacts {
	// Row count: from `meles limits` (table_stats) else from the catalogue (tablemeta.nrows).
	std::optional<int64_t> nrows;
	// Column statistics; null when the table was never run through `meles limits`.
	std::shared_ptr<const rd::limits::TableStats> stats;
	std::string imported; // when `meles imp` last wrote the table (ISO 8601), "" if unknown
};

struct TableInfo {
	std::shared_ptr<const rd::Resource> rd;
	const rd::TableDef* table = nullptr;
	bool tap = false; // queryable and listed in TAP (adql="True")
	TableFacts facts;
	std::shared_ptr<const rd::limits::Coverage> coverage; // of the RD; null when none
};

struct ServiceInfo {
	std::shared_ptr<const rd::Resource> rd;
	const rd::ServiceDef* service = nullptr;
	std::optional<TableInfo> queried; // the table the core queries, if any and published
	std::shared_ptr<const rd::limits::Coverage> coverage;
	// The RD's execute jobs as the scheduler recorded them (services/execute).
	std::vector<execute::JobRecord> jobs;
};

std::string table_info_html(const TableInfo& info, const InfoSite& site);
std::string service_info_html(const ServiceInfo& info, const InfoSite& site);

// Statistics and coverage as stored by `meles limits`, cached until the TAP catalogue version
// changes (`meles limits` and `meles imp` bump it), so that a page hit costs no query and a
// huge table no count(*).  Entries are per published table and per RD, so the cache is bounded
// by what is published, not by what clients ask for.
class InfoFacts {
public:
	explicit InfoFacts(pg::Pool& pool) : pool_(pool) {}
	// `catalog_nrows`: the catalogue's row count, used when limits never ran.
	TableFacts table(const std::string& qualified_lower, int64_t catalog_version,
	                 std::optional<int64_t> catalog_nrows, const std::string& client);
	std::shared_ptr<const rd::limits::Coverage> coverage(const std::shared_ptr<const rd::Resource>& rd,
	                                                     int64_t catalog_version, const std::string& client);
	// The scheduler's records of an RD's execute jobs: one small query, only for RDs that have
	// jobs (they change with every run, so they are not cached).
	std::vector<execute::JobRecord> jobs(const rd::Resource& rd, const std::string& client);

private:
	pg::Pool::Lease lease(const std::string& client);
	pg::Pool& pool_;
	std::mutex mutex_;
	struct StatsEntry {
		int64_t version;
		std::shared_ptr<const rd::limits::TableStats> stats;
		std::string imported;
	};
	struct CoverageEntry {
		int64_t version;
		std::weak_ptr<const rd::Resource> rd; // a changed RD is a new Resource
		std::shared_ptr<const rd::limits::Coverage> coverage;
	};
	std::map<std::string, StatsEntry> stats_;
	std::map<std::string, CoverageEntry> coverage_;
};

} // namespace meles::services
