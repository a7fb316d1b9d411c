// meles/services/uws/job_manager.hpp — runs UWS jobs: a queue with at most
// [async] maxTAPRunning executing at once, execution-duration enforcement, ABORT, a
// reaper for jobs past their destruction time, and blocking waits (WAIT) on phase
// changes.  The work itself is a JobKind (e.g. the TAP query runner).
// Thread-safety: all public members may be called from any thread.
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/services/uws/job_store.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace meles::services::uws {

class JobRun {
public:
	JobRun(const Job& job, std::filesystem::path dir, std::optional<TimePoint> deadline)
	    : job_(job), dir_(std::move(dir)), deadline_(deadline) {}
	const Job& job() const { return job_; }
	const std::filesystem::path& dir() const { return dir_; }
	// When the job must be done (execution duration); nullopt = unlimited.
	std::optional<TimePoint> deadline() const { return deadline_; }
	bool abort_requested() const { return aborted_ || timed_out_; }
	// Called from another thread on ABORT or when the deadline passes, e.g. to cancel
	// the running database statement.  Set it before blocking work.
	void set_canceller(std::function<void()> f);
	void add_result(JobResult r) { results_.push_back(std::move(r)); }
	const std::vector<JobResult>& results() const { return results_; }

private:
	friend class JobManager;
	void cancel(bool timeout);
	// Calls the canceller again (a cancel arriving between two statements is lost).
	void repeat_cancel();
	const Job& job_;
	std::filesystem::path dir_;
	std::optional<TimePoint> deadline_;
	std::vector<JobResult> results_;
	std::atomic<bool> aborted_{false}, timed_out_{false};
	std::mutex mutex_;
	std::function<void()> canceller_;
};

class JobKind {
public:
	virtual ~JobKind() = default;
	// Does the work; throws meles::Error to fail the job (the message becomes the
	// error summary, and <dir>/error.xml — a DALI document — its detail).
	virtual void execute(JobRun& run) = 0;
};

class JobManager {
public:
	JobManager(const Config& config, pg::Pool& admin_pool, std::filesystem::path jobs_dir);
	~JobManager();

	void register_kind(const std::string& name, JobKind* kind);
	// Creates tables, recovers after a restart, starts runner and reaper threads.
	void start();
	void stop();

	JobStore& store() { return store_; }
	std::filesystem::path job_dir(const std::string& id) const { return jobs_dir_ / id; }
	int64_t default_execution_duration() const { return default_duration_; }
	int64_t max_wait() const { return max_wait_; }

	// New PENDING job.  `files` (path, name in the job directory) are moved into the job
	// directory (uploads).
	Job create(const std::string& kind, std::vector<std::pair<std::string, std::string>> params,
	           std::optional<std::string> owner,
	           const std::vector<std::pair<std::filesystem::path, std::string>>& files);
	// PHASE=RUN: PENDING (or HELD) → QUEUED.  Throws Error(Validation) in other phases.
	void run(const std::string& kind, const std::string& id);
	// PHASE=ABORT.
	void abort(const std::string& kind, const std::string& id);
	// DELETE: aborts if needed, removes record and files.
	void destroy(const std::string& kind, const std::string& id);
	// Blocks until the job leaves its current phase (or `phase`), at most `seconds`
	// (capped at [async] maxWait); returns the job as it is then.
	std::optional<Job> wait(const std::string& kind, const std::string& id, int64_t seconds,
	                        std::optional<Phase> phase);
	// The same without blocking a thread (the HTTP WAIT parks its response instead):
	// a counter that changes with the job; read it before reading the job.
	uint64_t version(const std::string& id);
	// Calls `on_change` once (on whichever thread changes the job, or at once if the job
	// changed since `since`).  Returns a key for unwatch(), which must follow in any case.
	uint64_t watch(const std::string& id, uint64_t since, std::function<void()> on_change);
	void unwatch(const std::string& id, uint64_t key);
	// Blocking WAITs of one client at once are limited ([async] maxWaitsPerClient); false
	// when `client` has used them up.  Each true is followed by end_client_wait().
	bool begin_client_wait(const std::string& client);
	void end_client_wait(const std::string& client);
	// Number of jobs executing now / waiting in the queue.
	size_t running() const;
	size_t queued() const;
	// Jobs the manager keeps state for in memory (change counters, abort marks, watchers):
	// those that changed and still exist, never one per job ever made.
	size_t tracked_jobs() const;

private:
	void runner_loop();
	void housekeeping_loop();
	void execute(const std::string& id);
	void notify(const std::string& id);
	uint64_t version_locked(const std::string& id) const; // under mutex_
	void mark_queued_abort(const std::string& id);        // under mutex_

	const Config& config_;
	JobStore store_;
	std::filesystem::path jobs_dir_;
	int64_t default_duration_, default_lifetime_, max_wait_;
	size_t max_running_;
	std::map<std::string, JobKind*> kinds_;

	mutable std::mutex mutex_;
	std::condition_variable queue_cv_, change_cv_, housekeeping_cv_;
	std::deque<std::string> queue_;
	std::map<std::string, std::shared_ptr<JobRun>> running_;
	std::map<std::string, uint64_t> versions_;
	std::map<std::string, std::map<uint64_t, std::function<void()>>> watchers_;
	uint64_t next_watch_ = 0;
	std::map<std::string, int64_t> client_waits_;
	int64_t max_client_waits_;
	std::set<std::string> queued_aborts_;
	bool stopping_ = false;
	std::vector<std::thread> threads_;
};

// A fresh job id: 16 characters from [a-z0-9], unguessable.
std::string new_job_id();

} // namespace meles::services::uws
