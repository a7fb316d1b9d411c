// meles/services/registry/publisher.hpp — `meles pub`: builds the registry records of RDs and
// stores them for the OAI-PMH endpoint, all or nothing.  Every run also refreshes the
// registry's own records and, when it is published, the TAP service's record (whose
// tableset lists every TAP table), so that they never lag behind what was published.
// Unchanged records keep their datestamps: harvesters are sent only what changed.
// Thread-safety: one call at a time per connection.
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/rd/registry/registry_store.hpp"
#include "meles/rd/registry/resource_meta.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <string>
#include <vector>

namespace meles::services::registry {

struct RdOutcome {
	std::string rd_id;
	rd::registry::StoreOutcome store;
};

struct PubReport {
	// Everything that keeps a record from being published, with file:line; when not empty,
	// nothing was written.
	std::vector<rd::registry::MetaProblem> problems;
	std::vector<RdOutcome> outcomes;
	std::vector<std::string> notes; // "stars/q: no <publish> element; nothing to publish"
};

// Publishes the RDs (ids or paths; "//services" stands for the registry's own records, "//tap"
// for the TAP service), replacing what they published before.
PubReport publish(const Config& config, rd::RdStore& store, pg::Connection& conn,
                  const std::vector<std::string>& rds);
// Marks every record of the RDs deleted (they stay, as deleted, for harvesters).
PubReport unpublish(const Config& config, rd::RdStore& store, pg::Connection& conn,
                    const std::vector<std::string>& rds);
// The RDs `pub -a` publishes: every RD below the inputs directory with a <publish>
// element (problems for those that do not load), and //tap.
std::vector<std::string> publishable_rds(rd::RdStore& store,
                                         std::vector<rd::registry::MetaProblem>& problems);

// For `meles limits` and `meles drop`: re-publishes (or unpublishes) an RD only if it is
// published now; returns notes for the operator.
std::vector<std::string> refresh_if_published(const Config& config, rd::RdStore& store, pg::Connection& conn,
                                              const std::string& rd_id);

} // namespace meles::services::registry
