// meles/services/registry/record_builder.hpp — VOResource 1.1 records (ri:Resource) and
// their Dublin Core form for what RDs publish: services (vs:CatalogService with their
// capabilities: ConeSearch, TAP's TableAccess, web forms, ...), tables and data collections
// (vs:CatalogResource), the TAP service with every TAP table, and the registry's own records
// (vg:Registry, vg:Authority).  Metadata comes from the meta chain (element, RD, site),
// tablesets from the database's table metadata, coverage from `meles limits`.  Missing or
// invalid metadata is collected as problems with file:line; such records are not built.
// Thread-safety: functions use only what they are given.
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/rd/registry/registry_store.hpp"
#include "meles/rd/registry/resource_meta.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "meles/services/tap/tap_catalog.hpp"

#include <memory>
#include <string>
#include <vector>

namespace meles::services::registry {

// The pseudo RD the registry's own records belong to (DaCHS's //services).
inline constexpr const char* kRootRd = "//services";

struct BuildInput {
	const Config& config;
	rd::RdStore& store;
	pg::Connection& conn; // table metadata, coverage, earlier publications (admin role)
	// Every imported table (tap::load_snapshot(conn, true)).
	std::shared_ptr<const tap::CatalogSnapshot> tables;
};

struct Built {
	std::vector<rd::registry::RecordToStore> records;
	std::vector<rd::registry::MetaProblem> problems;
};

// The records the RD's <publish> elements ask for; an RD without any gives none.
Built build_rd_records(const BuildInput& in, const rd::Resource& rd);
// The registry's own records: the publishing registry at /oai.xml and the authority.
Built build_root_records(const BuildInput& in);

// The IVOID of the publishing registry and of the authority.
std::string registry_ivoid(const Config& config);
std::string authority_ivoid(const Config& config);

} // namespace meles::services::registry
