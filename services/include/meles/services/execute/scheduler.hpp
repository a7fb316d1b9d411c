// meles/services/execute/scheduler.hpp — runs the `execute` jobs of the RDs below the inputs
// directory in the daemon (every=, at=, on="loaded"), without anyone requesting a page, and
// keeps each job's record (last run, outcome, error) in meles.execute_jobs; `meles exec` runs
// one by hand and reads those records.
// Thread-safety: Scheduler's members may be called from any thread; it runs one scheduling
// thread and [execute] threads job threads of its own, which hand the Python to the runtime.
#pragma once

#include "meles/core/common/error.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meles {
class Config;
}
namespace meles::pg {
class Connection;
class Pool;
} // namespace meles::pg
namespace meles::rd {
class RdStore;
struct Resource;
struct ExecuteDef;
} // namespace meles::rd

namespace meles::services::execute {

using TimePoint = std::chrono::system_clock::time_point;

// What is known of one job: its definition's summary and its last run.
struct JobRecord {
	std::string rd_id;
	std::string job;      // the execute element's id, else "title:<title>", else "#<n>"
	std::string title;    // for messages
	std::string schedule; // "every 3600 s", "at 7:30, w3 15:02", "on load"
	std::optional<TimePoint> last_start, last_end, next_run;
	std::string outcome = "never"; // never, running, ok, failed, timeout
	std::string error;             // of the last failed run
	long long runs = 0, failures = 0, skipped = 0;
};

// The job's name in records and on `meles exec RD#job`; index is its place in the RD.
std::string job_key(const rd::ExecuteDef& job, size_t index);
std::string describe_schedule(const rd::ExecuteDef& job);
// The job `name` (its id, else its title) of `rd`; throws Error(NotFound) listing the jobs.
const rd::ExecuteDef& find_job(const rd::Resource& rd, std::string_view name, size_t& index);

// meles.execute_jobs, made if missing.
void ensure_schema(pg::Connection& conn);
// The records of an RD's jobs (all RDs' for an empty rd_id), ordered by RD and job.
std::vector<JobRecord> load_records(pg::Connection& conn, const std::string& rd_id);

// Runs a job now in this thread's process (`meles exec`) and records the run when `conn` is
// given; throws the job's Error (naming RD, job title and RD line) when it fails.
void run_by_hand(pg::Connection* conn, const std::shared_ptr<const rd::Resource>& rd,
                 const rd::ExecuteDef& job, size_t index);

struct SchedulerOptions {
	std::chrono::milliseconds rescan{2000}; // how often the inputs are looked at for changed RDs
	int threads = 1;                        // jobs running at once ([execute] threads)
	std::chrono::seconds stop_wait{5};      // how long stop() waits for running jobs
	static SchedulerOptions from_config(const Config& config);
};

class Scheduler {
public:
	Scheduler(rd::RdStore& store, pg::Pool& admin_pool, SchedulerOptions options);
	~Scheduler();
	Scheduler(const Scheduler&) = delete;
	Scheduler& operator=(const Scheduler&) = delete;

	// Loads the RDs with execute elements, runs their on-loaded jobs and starts the timers.
	void start();
	// Stops scheduling; waits options.stop_wait for running jobs, then leaves them to finish
	// on their own (the process is about to end).
	void stop();
	// The RDs may have changed (meles serve reload, an import): look at them now.
	void poke();
	// The jobs scheduled now, with their in-memory state.
	std::vector<JobRecord> jobs() const;

	struct Impl;

private:
	std::shared_ptr<Impl> impl_;
};

} // namespace meles::services::execute
