#include "meles/services/execute/scheduler.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/common/time.hpp"
#include "meles/core/config/config.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/core/pg/pool.hpp"
#include "meles/rd/model/resource.hpp"
#include "meles/rd/model/schedule.hpp"
#include "meles/rd/python/rd_code.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace meles::services::execute {

// ------------------------------------------------------------------ jobs and records

std::string job_key(const rd::ExecuteDef& job, size_t index) {
	if (!job.id.empty()) return job.id;
	if (!job.title.empty()) return concat("title:", job.title);
	return concat("#", std::to_string(index + 1));
}

std::string describe_schedule(const rd::ExecuteDef& job) {
	std::vector<std::string> parts;
	if (job.on == "loaded") parts.push_back("on load");
	if (job.every) {
		if (*job.every < 0)
			parts.push_back(concat("on load, then every ", std::to_string(-*job.every), " s"));
		else
			parts.push_back(concat("every ", std::to_string(*job.every), " s"));
	}
	if (!job.at.empty()) parts.push_back(concat("at ", join(job.at, ", ")));
	return join(parts, "; ");
}

namespace {

std::string title_of(const rd::ExecuteDef& job, size_t index) {
	return job.title.empty() ? job_key(job, index) : job.title;
}

} // namespace

const rd::ExecuteDef& find_job(const rd::Resource& rd, std::string_view name, size_t& index) {
	for (size_t i = 0; i < rd.executes.size(); ++i)
		if (rd.executes[i].id == name || job_key(rd.executes[i], i) == name) {
			index = i;
			return rd.executes[i];
		}
	for (size_t i = 0; i < rd.executes.size(); ++i)
		if (rd.executes[i].title == name) {
			index = i;
			return rd.executes[i];
		}
	std::vector<std::string> names;
	for (size_t i = 0; i < rd.executes.size(); ++i)
		names.push_back(job_key(rd.executes[i], i));
	throw Error(ErrorKind::NotFound, rd.executes.empty()
	                                     ? concat("RD ", rd.rd_id, " has no execute elements")
	                                     : concat("RD ", rd.rd_id, " has no execute job '", name,
	                                              "' (it has: ", join(names, ", "), ")"));
}

void ensure_schema(pg::Connection& conn) {
	conn.exec(R"(CREATE TABLE IF NOT EXISTS meles.execute_jobs (
	rd_id text NOT NULL,
	job text NOT NULL,
	title text NOT NULL DEFAULT '',
	schedule text NOT NULL DEFAULT '',
	last_start timestamptz,
	last_end timestamptz,
	next_run timestamptz,
	outcome text NOT NULL DEFAULT 'never',
	error text NOT NULL DEFAULT '',
	runs bigint NOT NULL DEFAULT 0,
	failures bigint NOT NULL DEFAULT 0,
	skipped bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (rd_id, job)))");
}

namespace {

std::optional<std::string> epoch(std::optional<TimePoint> t) {
	if (!t) return std::nullopt;
	auto us = std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count();
	std::ostringstream o;
	o << us / 1000000 << "." << std::string(6 - std::to_string(us % 1000000).size(), '0') << us % 1000000;
	return o.str();
}

std::optional<TimePoint> from_epoch(const pg::Result& r, int row, int col) {
	if (r.is_null(row, col)) return std::nullopt;
	double s = std::stod(r.get(row, col));
	return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(s)));
}

// The job's row with its definition summary and next run, made if missing.
void record_next(pg::Connection& conn, const JobRecord& r) {
	conn.exec_params("INSERT INTO meles.execute_jobs (rd_id, job, title, schedule, next_run) "
	                 "VALUES ($1, $2, $3, $4, to_timestamp($5::double precision)) "
	                 "ON CONFLICT (rd_id, job) DO UPDATE SET title = $3, schedule = $4, "
	                 "next_run = to_timestamp($5::double precision)",
	                 {r.rd_id, r.job, r.title, r.schedule, epoch(r.next_run)});
}

void record_start(pg::Connection& conn, const JobRecord& r) {
	conn.exec_params(
	    "INSERT INTO meles.execute_jobs (rd_id, job, title, schedule, next_run, last_start, outcome) "
	    "VALUES ($1, $2, $3, $4, to_timestamp($5::double precision), "
	    "to_timestamp($6::double precision), 'running') "
	    "ON CONFLICT (rd_id, job) DO UPDATE SET title = $3, schedule = $4, "
	    "next_run = to_timestamp($5::double precision), "
	    "last_start = to_timestamp($6::double precision), outcome = 'running'",
	    {r.rd_id, r.job, r.title, r.schedule, epoch(r.next_run), epoch(r.last_start)});
}

void record_end(pg::Connection& conn, const JobRecord& r, bool failed) {
	conn.exec_params(
	    concat("UPDATE meles.execute_jobs SET last_start = to_timestamp($3::double precision), "
	           "last_end = to_timestamp($4::double precision), outcome = $5, error = $6, "
	           "next_run = to_timestamp($7::double precision), runs = runs + 1",
	           failed ? ", failures = failures + 1" : "", " WHERE rd_id = $1 AND job = $2"),
	    {r.rd_id, r.job, epoch(r.last_start), epoch(r.last_end), r.outcome, r.error, epoch(r.next_run)});
}

void record_skip(pg::Connection& conn, const JobRecord& r) {
	conn.exec_params("UPDATE meles.execute_jobs SET skipped = skipped + 1, "
	                 "next_run = to_timestamp($3::double precision) WHERE rd_id = $1 AND job = $2",
	                 {r.rd_id, r.job, epoch(r.next_run)});
}

// What a run's Error says in the records: the message without server paths is the operator's
// own RD file (relative to the inputs), so the full message is kept.
std::string outcome_of(const Error& e) {
	return e.kind() == ErrorKind::Timeout ? "timeout" : "failed";
}

} // namespace

std::vector<JobRecord> load_records(pg::Connection& conn, const std::string& rd_id) {
	auto res = conn.exec_params(
	    "SELECT rd_id, job, title, schedule, extract(epoch FROM last_start), extract(epoch FROM last_end), "
	    "extract(epoch FROM next_run), outcome, error, runs, failures, skipped FROM meles.execute_jobs "
	    "WHERE $1 = '' OR rd_id = $1 ORDER BY rd_id, job",
	    {rd_id});
	std::vector<JobRecord> out;
	for (int i = 0; i < res.rows(); ++i) {
		JobRecord r;
		r.rd_id = res.get(i, 0);
		r.job = res.get(i, 1);
		r.title = res.get(i, 2);
		r.schedule = res.get(i, 3);
		r.last_start = from_epoch(res, i, 4);
		r.last_end = from_epoch(res, i, 5);
		r.next_run = from_epoch(res, i, 6);
		r.outcome = res.get(i, 7);
		r.error = res.get(i, 8);
		r.runs = std::stoll(res.get(i, 9));
		r.failures = std::stoll(res.get(i, 10));
		r.skipped = std::stoll(res.get(i, 11));
		out.push_back(std::move(r));
	}
	return out;
}

void run_by_hand(pg::Connection* conn, const std::shared_ptr<const rd::Resource>& rd,
                 const rd::ExecuteDef& job, size_t index) {
	JobRecord r;
	r.rd_id = rd->rd_id;
	r.job = job_key(job, index);
	r.title = title_of(job, index);
	r.schedule = describe_schedule(job);
	r.last_start = std::chrono::system_clock::now();
	r.outcome = "running";
	if (conn) {
		ensure_schema(*conn);
		// keep the daemon's next run: read it first
		for (auto& old : load_records(*conn, r.rd_id))
			if (old.job == r.job) r.next_run = old.next_run;
		record_start(*conn, r);
	}
	std::optional<Error> failure;
	try {
		rd::python::run_job(rd, job);
	} catch (const Error& e) {
		failure = e;
	}
	r.last_end = std::chrono::system_clock::now();
	r.outcome = failure ? outcome_of(*failure) : "ok";
	r.error = failure ? failure->full_message() : "";
	if (conn) record_end(*conn, r, failure.has_value());
	if (failure) throw *failure;
}

SchedulerOptions SchedulerOptions::from_config(const Config& config) {
	SchedulerOptions o;
	o.threads = static_cast<int>(config.get_int("execute", "threads"));
	o.rescan = std::chrono::milliseconds(config.get_int("execute", "rescan") * 1000);
	return o;
}

// ------------------------------------------------------------------ the scheduler

namespace {

struct Job {
	JobRecord record; // rd_id, job, title, schedule, last_start, next_run
	std::shared_ptr<const rd::Resource> rd;
	const rd::ExecuteDef* def = nullptr; // inside *rd
	std::optional<long long> every;
	std::vector<rd::AtTime> at;
	bool busy = false; // queued or running
};

struct Task {
	std::string key; // a job's, or "" for an RD's on-loaded jobs
	std::shared_ptr<const rd::Resource> rd;
	const rd::ExecuteDef* def = nullptr;
	size_t index = 0;
};

} // namespace

struct Scheduler::Impl {
	rd::RdStore& store;
	pg::Pool& pool;
	SchedulerOptions options;

	mutable std::mutex mutex;
	std::condition_variable wake; // the scheduling thread: a poke, stop, a finished job
	std::condition_variable work; // job threads: a task, stop
	std::condition_variable idle; // stop(): a job thread left
	bool stopping = false;
	bool poked = false;
	std::map<std::string, Job> jobs; // "rd#job"
	std::deque<Task> tasks;
	std::map<std::string, std::shared_ptr<const rd::Resource>> rds; // RDs with execute elements
	std::map<std::string, std::string> load_problems;               // RD id -> last logged problem
	std::map<fs::path, std::pair<fs::file_time_type, bool>> files;  // RD file -> (mtime, has execute)
	int threads_alive = 0;
	// on-loaded outcomes reported on Python threads, written by the scheduling thread
	std::vector<JobRecord> loaded_outcomes;

	Impl(rd::RdStore& s, pg::Pool& p, SchedulerOptions o) : store(s), pool(p), options(o) {}

	// Set when stop() gave up waiting for a job: the pool may be gone by the time it ends.
	bool abandoned = false;

	template <class F> void with_db(std::string_view what, F&& f) {
		{
			std::lock_guard lock(mutex);
			if (abandoned) return;
		}
		try {
			auto lease = pool.acquire(std::chrono::seconds(10));
			f(lease.get());
		} catch (const std::exception& e) {
			log::warn(concat("execute: cannot record ", what, ": ", e.what()));
		}
	}

	// RD files below the inputs that mention execute; the text test spares loading RDs
	// that have no jobs.
	std::vector<fs::path> candidate_files() {
		std::vector<fs::path> out;
		std::error_code ec;
		const fs::path& root = store.options().inputs_dir;
		std::set<fs::path> seen;
		for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec),
		     end;
		     !ec && it != end; it.increment(ec)) {
			if (!it->is_regular_file(ec) || it->path().extension() != ".rd") continue;
			auto mtime = fs::last_write_time(it->path(), ec);
			if (ec) continue;
			seen.insert(it->path());
			auto& entry = files[it->path()];
			if (entry.first != mtime) {
				std::ifstream in(it->path(), std::ios::binary);
				std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
				entry = {mtime, text.find("<execute") != std::string::npos};
			}
			if (entry.second) out.push_back(it->path());
		}
		std::erase_if(files, [&](auto& kv) { return !seen.contains(kv.first); });
		return out;
	}

	// Loads the RDs with jobs (off the lock: loading reads files and may run Python) and
	// brings the job table up to date.
	void scan() {
		std::map<std::string, std::shared_ptr<const rd::Resource>> found;
		for (auto& file : candidate_files()) {
			std::string id;
			try {
				id = store.rd_id_for(file.string());
				auto rd = store.get(id);
				if (!rd->executes.empty()) found[id] = rd;
				load_problems.erase(id);
			} catch (const Error& e) {
				auto& last = load_problems[id.empty() ? file.string() : id];
				if (last != e.full_message()) {
					log::error(concat("execute: RD ", id,
					                  " does not load, its jobs are not scheduled: ", e.full_message()));
					last = e.full_message();
				}
			}
		}
		// Records of jobs that are new to this daemon: their last runs decide the first one.
		std::map<std::string, JobRecord> known;
		bool any_new = false;
		{
			std::lock_guard lock(mutex);
			for (auto& [id, rd] : found)
				for (size_t i = 0; i < rd->executes.size(); ++i)
					if (!jobs.contains(concat(id, "#", job_key(rd->executes[i], i)))) any_new = true;
		}
		if (any_new)
			with_db("the jobs' last runs", [&](pg::Connection& c) {
				for (auto& r : load_records(c, ""))
					known[concat(r.rd_id, "#", r.job)] = r;
			});
		std::vector<JobRecord> to_record;
		auto now = std::chrono::system_clock::now();
		std::lock_guard lock(mutex);
		for (auto& [id, rd] : found) {
			auto old = rds.find(id);
			bool fresh = old == rds.end() || old->second != rd;
			if (fresh && !rd::python::loaded_jobs(*rd).empty()) tasks.push_back({"", rd, nullptr, 0});
			if (fresh)
				log::info(concat("execute: RD ", id, " loaded with ", std::to_string(rd->executes.size()),
				                 " job(s)"));
		}
		std::set<std::string> current;
		for (auto& [id, rd] : found) {
			for (size_t i = 0; i < rd->executes.size(); ++i) {
				const rd::ExecuteDef& x = rd->executes[i];
				if (!x.every && x.at.empty()) continue; // on="loaded" only
				std::string key = concat(id, "#", job_key(x, i));
				current.insert(key);
				auto it = jobs.find(key);
				std::string schedule = describe_schedule(x);
				if (it != jobs.end()) {
					Job& j = it->second;
					bool changed = j.record.schedule != schedule;
					j.rd = rd;
					j.def = &x;
					j.record.title = title_of(x, i);
					if (!changed) continue;
					j.record.schedule = schedule;
				} else {
					it = jobs.emplace(key, Job{}).first;
					it->second.record.rd_id = id;
					it->second.record.job = job_key(x, i);
					it->second.record.title = title_of(x, i);
					it->second.record.schedule = schedule;
					if (auto k = known.find(key); k != known.end()) {
						it->second.record.last_start = k->second.last_start;
						it->second.record.runs = k->second.runs;
					}
				}
				Job& j = it->second;
				j.rd = rd;
				j.def = &x;
				j.every = x.every;
				j.at.clear();
				for (auto& spec : x.at)
					j.at.push_back(rd::parse_at_time(spec)); // checked when the RD loaded
				j.record.next_run = j.every ? rd::first_every(*j.every, j.record.last_start, now)
				                            : rd::first_at(j.at, j.record.last_start, now);
				log::info(concat("execute: '", j.record.title, "' of RD ", id, " (", schedule, ") next runs ",
				                 format_local(*j.record.next_run)));
				to_record.push_back(j.record);
			}
		}
		for (auto it = jobs.begin(); it != jobs.end();) {
			if (current.contains(it->first)) {
				++it;
				continue;
			}
			log::info(concat("execute: '", it->second.record.title, "' of RD ", it->second.record.rd_id,
			                 " is no longer scheduled"));
			it = jobs.erase(it);
		}
		rds = std::move(found);
		if (!tasks.empty()) work.notify_all();
		pending_next = std::move(to_record);
	}
	std::vector<JobRecord> pending_next;

	// Runs on the job threads.
	void run_task(Task& t) {
		if (!t.def) {
			// A new RD object: its on-loaded jobs run when its Python object is made.
			try {
				rd::python::ensure_loaded(t.rd);
			} catch (const Error& e) {
				log::error(concat("execute: on-loaded jobs of RD ", t.rd->rd_id, ": ", e.full_message()));
			}
			return;
		}
		JobRecord r;
		{
			std::lock_guard lock(mutex);
			auto it = jobs.find(t.key);
			if (it != jobs.end()) {
				it->second.record.last_start = std::chrono::system_clock::now();
				it->second.record.outcome = "running";
				r = it->second.record;
			}
		}
		if (r.job.empty()) return; // gone meanwhile
		with_db("a job's start", [&](pg::Connection& c) { record_start(c, r); });
		log::debug(concat("execute: '", r.title, "' of RD ", r.rd_id, " starts"));
		std::optional<Error> failure;
		try {
			rd::python::run_job(t.rd, *t.def);
		} catch (const Error& e) {
			failure = e;
		} catch (const std::exception& e) {
			failure = Error(ErrorKind::Internal, e.what());
		}
		r.last_end = std::chrono::system_clock::now();
		r.outcome = failure ? outcome_of(*failure) : "ok";
		r.error = failure ? failure->full_message() : "";
		if (failure)
			log::error(concat("execute: '", r.title, "' of RD ", r.rd_id, " failed: ", r.error));
		else
			log::info(concat("execute: '", r.title, "' of RD ", r.rd_id, " ran in ",
			                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
			                                    *r.last_end - *r.last_start)
			                                    .count()),
			                 " ms"));
		{
			std::lock_guard lock(mutex);
			auto it = jobs.find(t.key);
			if (it != jobs.end()) {
				it->second.busy = false;
				it->second.record.last_end = r.last_end;
				it->second.record.outcome = r.outcome;
				it->second.record.error = r.error;
				it->second.record.runs++;
				if (failure) it->second.record.failures++;
				r.next_run = it->second.record.next_run;
			}
		}
		with_db("a job's outcome", [&](pg::Connection& c) { record_end(c, r, failure.has_value()); });
	}

	void job_thread() {
		for (;;) {
			Task t;
			{
				std::unique_lock lock(mutex);
				work.wait(lock, [&] { return stopping || !tasks.empty(); });
				if (stopping) break;
				t = std::move(tasks.front());
				tasks.pop_front();
			}
			run_task(t);
		}
		std::lock_guard lock(mutex);
		--threads_alive;
		idle.notify_all();
	}

	void schedule_thread() {
		auto next_scan = std::chrono::steady_clock::now();
		for (;;) {
			std::vector<JobRecord> next_records, skipped, loaded;
			{
				std::unique_lock lock(mutex);
				if (stopping) break;
				bool scan_now = poked || std::chrono::steady_clock::now() >= next_scan;
				if (scan_now) {
					poked = false;
					lock.unlock();
					scan();
					next_scan = std::chrono::steady_clock::now() + options.rescan;
					lock.lock();
					next_records = std::move(pending_next);
					if (stopping) break;
				}
				auto now = std::chrono::system_clock::now();
				TimePoint soonest = now + std::chrono::seconds(1);
				for (auto& [key, j] : jobs) {
					if (*j.record.next_run <= now) {
						TimePoint planned = *j.record.next_run;
						j.record.next_run =
						    j.every ? rd::next_every(*j.every, planned, now) : rd::next_at(j.at, now);
						if (j.busy) {
							// A job never overlaps itself: this run is left out.
							j.record.skipped++;
							log::warn(concat("execute: '", j.record.title, "' of RD ", j.record.rd_id,
							                 " is still running (since ",
							                 j.record.last_start ? format_local(*j.record.last_start) : "",
							                 "); this run is skipped"));
							skipped.push_back(j.record);
						} else {
							j.busy = true;
							tasks.push_back({key, j.rd, j.def, 0});
							work.notify_one();
						}
					}
					soonest = std::min(soonest, *j.record.next_run);
				}
				if (!tasks.empty()) work.notify_all();
				loaded = std::move(loaded_outcomes);
				loaded_outcomes.clear();
				if (next_records.empty() && skipped.empty() && loaded.empty()) {
					auto wait =
					    std::min<TimePoint::duration>(soonest - std::chrono::system_clock::now(),
					                                  std::chrono::duration_cast<TimePoint::duration>(
					                                      next_scan - std::chrono::steady_clock::now()));
					if (wait > TimePoint::duration::zero()) wake.wait_for(lock, wait);
					continue;
				}
			}
			if (!next_records.empty() || !skipped.empty() || !loaded.empty())
				with_db("the jobs' schedule", [&](pg::Connection& c) {
					ensure_schema(c);
					for (auto& r : next_records)
						record_next(c, r);
					for (auto& r : skipped)
						record_skip(c, r);
					for (auto& r : loaded) {
						record_start(c, r);
						record_end(c, r, r.outcome != "ok");
					}
				});
		}
	}
};

Scheduler::Scheduler(rd::RdStore& store, pg::Pool& admin_pool, SchedulerOptions options)
    : impl_(std::make_shared<Impl>(store, admin_pool, options)) {}

Scheduler::~Scheduler() {
	stop();
}

void Scheduler::start() {
	{
		auto lease = impl_->pool.acquire();
		ensure_schema(lease.get());
	}
	std::weak_ptr<Impl> weak = impl_;
	rd::python::set_loaded_job_observer(
	    [weak](const std::string& rd_id, const rd::ExecuteDef& x, TimePoint started, const Error* error) {
		    auto impl = weak.lock();
		    if (!impl) return;
		    JobRecord r;
		    r.rd_id = rd_id;
		    // the index only names jobs without id and title; find it by address
		    size_t index = 0;
		    {
			    std::lock_guard lock(impl->mutex);
			    if (auto it = impl->rds.find(rd_id); it != impl->rds.end())
				    for (size_t i = 0; i < it->second->executes.size(); ++i)
					    if (&it->second->executes[i] == &x) index = i;
		    }
		    r.job = job_key(x, index);
		    r.title = title_of(x, index);
		    r.schedule = describe_schedule(x);
		    r.last_start = started;
		    r.last_end = std::chrono::system_clock::now();
		    r.outcome = error ? outcome_of(*error) : "ok";
		    r.error = error ? error->full_message() : "";
		    std::lock_guard lock(impl->mutex);
		    impl->loaded_outcomes.push_back(std::move(r));
		    impl->wake.notify_all();
	    });
	auto impl = impl_;
	int n = std::max(1, impl->options.threads);
	{
		std::lock_guard lock(impl->mutex);
		impl->threads_alive = n + 1;
	}
	for (int i = 0; i < n; ++i)
		std::thread([impl] { impl->job_thread(); }).detach();
	std::thread([impl] {
		impl->schedule_thread();
		std::lock_guard lock(impl->mutex);
		--impl->threads_alive;
		impl->idle.notify_all();
	}).detach();
}

void Scheduler::stop() {
	if (!impl_) return;
	rd::python::set_loaded_job_observer({});
	std::unique_lock lock(impl_->mutex);
	if (impl_->stopping && impl_->threads_alive == 0) return;
	impl_->stopping = true;
	impl_->wake.notify_all();
	impl_->work.notify_all();
	if (!impl_->idle.wait_for(lock, impl_->options.stop_wait, [&] { return impl_->threads_alive == 0; })) {
		impl_->abandoned = true;
		for (auto& [key, j] : impl_->jobs)
			if (j.busy)
				log::warn(concat("execute: '", j.record.title, "' of RD ", j.record.rd_id,
				                 " is still running at shutdown; it is left to end with the process"));
	}
}

void Scheduler::poke() {
	std::lock_guard lock(impl_->mutex);
	impl_->poked = true;
	impl_->wake.notify_all();
}

std::vector<JobRecord> Scheduler::jobs() const {
	std::lock_guard lock(impl_->mutex);
	std::vector<JobRecord> out;
	for (auto& [key, j] : impl_->jobs)
		out.push_back(j.record);
	return out;
}

} // namespace meles::services::execute
