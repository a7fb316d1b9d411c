// user_tables/index_job.hpp — indexing a user table as a UWS job (the first open question of
// the persistent-upload proposal): INDEX=ra,dec builds a spherical index (q3c or pg_sphere, as
// [ivoa] userTableSpatialIndex says) and clusters the table on it; INDEX=col a B-tree (a GiST
// index for a geometry column).  The catalog then carries the index facts, so the translator
// writes index-using SQL for cones and crossmatches on the table.
// Thread-safety: execute() runs on job threads; plan_index() is a pure function.
#pragma once

#include "meles/services/user_tables/user_tables.hpp"
#include "meles/services/uws/job_manager.hpp"

#include <optional>
#include <string>

namespace meles::services::user_tables {

struct IndexPlan {
	UserIndex index;        // name, kind, column positions
	std::string create_sql; // CREATE INDEX ...
	bool cluster = false;   // CLUSTER the table on it afterwards
	std::string summary;    // "q3c index on (ra, dec), table clustered"
};

// Parses INDEX (comma-separated column names, ADQL spelling: "quoted" names exactly, others
// case-insensitively) and the optional KIND (q3c, pgsphere, btree) against the table.
// Throws Error(Validation/Name) naming what is wrong.
IndexPlan plan_index(const UserTable& table, std::string_view spec, const std::optional<std::string>& kind,
                     IndexKind spatial_default);

class UserTables::IndexJob final : public uws::JobKind {
public:
	explicit IndexJob(UserTables& tables) : tables_(tables) {}
	void execute(uws::JobRun& run) override;

private:
	UserTables& tables_;
};

} // namespace meles::services::user_tables
