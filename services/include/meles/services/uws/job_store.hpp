// meles/services/uws/job_store.hpp — UWS jobs in PostgreSQL (table meles.uws_jobs),
// so jobs survive daemon restarts.  Every method takes a connection from the admin pool.
// Thread-safety: safe to use from several threads (each call leases its own connection).
#pragma once

#include "meles/core/pg/pool.hpp"
#include "meles/services/uws/job.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meles::services::uws {

struct JobFilter {
	std::vector<Phase> phases;        // OR; empty = all
	std::optional<TimePoint> after;   // creation_time > after
	std::optional<int64_t> last;      // newest N by creation time
	std::optional<std::string> owner; // nullopt: anonymous jobs only (owner IS NULL)
};

class JobStore {
public:
	explicit JobStore(pg::Pool& admin_pool) : pool_(admin_pool) {}

	// Creates the table if needed.
	void ensure_schema();

	void insert(const Job& job);
	std::optional<Job> get(const std::string& kind, const std::string& id);
	std::optional<Job> get_any(const std::string& id); // whatever its kind
	std::vector<Job> list(const std::string& kind, const JobFilter& filter);
	// Compare-and-set of the phase; false when the job is gone or not in `from`.
	bool transition(const std::string& id, Phase from, Phase to);
	void set_phase(const std::string& id, Phase to);
	void set_started(const std::string& id);
	void finish(const std::string& id, Phase phase, const std::vector<JobResult>& results,
	            const std::optional<std::string>& error, const std::string& error_type);
	void set_parameters(const std::string& id, const std::vector<std::pair<std::string, std::string>>& params,
	                    const std::optional<std::string>& run_id);
	void set_destruction(const std::string& id, TimePoint when);
	void set_execution_duration(const std::string& id, int64_t seconds);
	void remove(const std::string& id);

	// Jobs whose destruction time has passed.
	std::vector<std::string> expired(TimePoint now);
	// After a restart: EXECUTING jobs become ERROR; returns QUEUED ids (oldest first).
	std::vector<std::pair<std::string, std::string>> recover(); // (kind, id)

private:
	pg::Pool& pool_;
};

} // namespace meles::services::uws
