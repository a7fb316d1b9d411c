// meles/rd/registry/registry_store.hpp — the registry records `meles pub` wrote, as the
// OAI-PMH endpoint serves them: table meles.resources, one row per IVOID with the rendered
// VOResource record (ivo_vor) and its Dublin Core form (oai_dc), the OAI sets, the datestamp
// of the last change and whether it was deleted (deleted records stay, as OAI-PMH's
// deletedRecord=persistent promises).  Records are rendered when published, so serving them
// is a scan of stored text.
// Thread-safety: functions use only the connection they are given.
#pragma once

#include "meles/core/common/time.hpp"
#include "meles/core/pg/connection.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd::registry {

// In a record given to store_records, this stands where the record's `updated` timestamp
// goes; the store fills in the datestamp (kept when the record did not change).
inline constexpr std::string_view kUpdatedPlaceholder = "@@MELES_UPDATED@@";

struct RecordToStore {
	std::string ivoid;    // as written in the record
	std::string rd_id;    // the RD it belongs to ("//services" for the root records)
	std::string res_id;   // the element's id in the RD ("" for the RD itself)
	std::string res_type; // the xsi:type, "vs:CatalogService"
	std::string title;
	std::vector<std::string> sets; // OAI setSpecs, at least one
	std::string ivo_vor;           // <ri:Resource ...>, with kUpdatedPlaceholder
	std::string oai_dc;            // <oai_dc:dc ...>
};

struct StoreOutcome {
	std::vector<std::string> added, changed, unchanged, deleted; // IVOIDs
};

// Creates meles.resources if missing and lets `read_role` (the daemon's web role) read it.
void ensure_registry_tables(pg::Connection& conn, const std::string& read_role);

// In the caller's transaction: makes `records` the published records of `rd_id`.  A record
// that is new, changed (anything but its timestamp) or was deleted gets `now` as datestamp;
// an unchanged one keeps its datestamp, so harvesters are not sent it again.  The RD's other
// records are marked deleted.  Records whose IVOID another RD publishes are not touched:
// check with owners() first.
StoreOutcome store_records(pg::Connection& conn, const std::string& rd_id,
                           const std::vector<RecordToStore>& records, TimePoint now);

// Marks every live record of rd_id deleted (datestamp now); returns their IVOIDs.
std::vector<std::string> unpublish(pg::Connection& conn, const std::string& rd_id, TimePoint now);

// For each IVOID (compared case-insensitively) that a live record of an RD other than
// `rd_id` has: (ivoid, that RD).
std::vector<std::pair<std::string, std::string>> owners(pg::Connection& conn, const std::string& rd_id,
                                                        const std::vector<std::string>& ivoids);

// RDs with live records, sorted.
std::vector<std::string> published_rds(pg::Connection& conn);
// Whether rd_id has live records.
bool is_published(pg::Connection& conn, const std::string& rd_id);
// When the record was first stored (for records whose creation date is their publication).
std::optional<TimePoint> first_published(pg::Connection& conn, std::string_view ivoid);

// ---- reading, for the OAI-PMH endpoint

// One record as the database streams it; the views are valid during the callback only.
struct RecordView {
	std::string_view ivoid, datestamp; // datestamp as YYYY-MM-DDThh:mm:ssZ
	std::string_view sets;             // setSpecs separated by blanks
	bool deleted = false;
	std::string_view metadata; // the requested format; empty for deleted records or headers only
};

struct RecordQuery {
	std::string metadata_prefix; // "ivo_vor", "oai_dc", or "" for headers only
	std::optional<std::string> set;
	std::optional<TimePoint> from, until;  // inclusive
	std::optional<std::string> identifier; // one record (compared case-insensitively)
	std::string after;                     // resume after this key (lower-case IVOID)
	size_t limit = 500;
};

// Streams the matching records in key order (at most query.limit) into `each`; returns how
// many there were.  Memory stays at one record whatever the page size.
size_t for_each_record(pg::Connection& conn, const RecordQuery& query,
                       const std::function<void(const RecordView&)>& each);
// How many records match (for completeListSize), and whether any matched from `after` on.
int64_t count_records(pg::Connection& conn, const RecordQuery& query);
// The datestamp of the oldest record (Identify's earliestDatestamp); nullopt when none.
std::optional<TimePoint> earliest_datestamp(pg::Connection& conn);
// Every setSpec used by a record, sorted.
std::vector<std::string> all_sets(pg::Connection& conn);
// The live record of one type ("vg:Registry"), if published.
std::optional<std::string> record_of_type(pg::Connection& conn, std::string_view res_type);

// The key records are ordered and resumed by: the IVOID in lower case.
std::string record_key(std::string_view ivoid);

} // namespace meles::rd::registry
