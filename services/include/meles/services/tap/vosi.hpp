// meles/services/tap/vosi.hpp — the VOSI documents of the TAP service: capabilities
// (TAPRegExt, generated from the ADQL feature table and the output format table so they
// cannot promise more or less than the code does), availability, and the VODataService
// tableset built from TAP_SCHEMA.
// Thread-safety: pure functions.
#pragma once

#include "meles/services/tap/tap_catalog.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace meles::services::tap {

struct CapabilityFacts {
	std::string base_url; // public URL of the TAP service, e.g. http://host/tap
	int64_t default_maxrec = 0, hard_maxrec = 0;
	int64_t execution_duration = 0; // async default = hard, seconds
	int64_t retention = 0;          // async job lifetime, seconds
	int64_t max_upload_bytes = 0;
	bool examples = false; // /examples exists
};

std::string capabilities_document(const CapabilityFacts& facts);
std::string availability_document(bool available, std::chrono::system_clock::time_point up_since,
                                  const std::string& note);
// detail_min: tables without their columns (VOSI 1.1 detail=min).
std::string tableset_document(const TapSnapshot& snap, bool detail_min);
std::string table_document(const TapTable& table);

// The feature-type IVOID as TAPRegExt spells it ("...TAPRegExt#features-adqlgeo"): clients
// and validators compare these strings exactly.
std::string canonical_feature_type(std::string_view type);

} // namespace meles::services::tap
