#include "meles/services/uws/job_manager.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/services/dali/error_status.hpp"

#include <algorithm>
#include <fstream>
#include <random>

namespace fs = std::filesystem;

namespace meles::services::uws {

std::string new_job_id() {
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	std::random_device rd; // /dev/urandom on Linux
	std::string id;
	for (int i = 0; i < 16; ++i)
		id += alphabet[rd() % 36];
	return id;
}

void JobRun::set_canceller(std::function<void()> f) {
	std::lock_guard lock(mutex_);
	canceller_ = std::move(f);
	if (canceller_ && (aborted_ || timed_out_)) canceller_();
}

void JobRun::repeat_cancel() {
	std::lock_guard lock(mutex_);
	if (canceller_) canceller_();
}

void JobRun::cancel(bool timeout) {
	(timeout ? timed_out_ : aborted_) = true;
	std::lock_guard lock(mutex_);
	if (canceller_) canceller_();
}

JobManager::JobManager(const Config& config, pg::Pool& admin_pool, fs::path jobs_dir)
    : config_(config), store_(admin_pool), jobs_dir_(std::move(jobs_dir)),
      default_duration_(config.get_int("async", "defaultExecTime")),
      default_lifetime_(config.get_int("async", "defaultLifetime")),
      max_wait_(config.get_int("async", "maxWait")),
      max_running_(static_cast<size_t>(config.get_int("async", "maxTAPRunning"))),
      max_client_waits_(config.get_int("async", "maxWaitsPerClient")) {}

JobManager::~JobManager() {
	stop();
}

void JobManager::register_kind(const std::string& name, JobKind* kind) {
	kinds_[name] = kind;
}

void JobManager::start() {
	store_.ensure_schema();
	fs::create_directories(jobs_dir_);
	for (auto& [kind, id] : store_.recover()) {
		std::lock_guard lock(mutex_);
		queue_.push_back(id);
	}
	for (size_t i = 0; i < max_running_; ++i)
		threads_.emplace_back([this] { runner_loop(); });
	threads_.emplace_back([this] { housekeeping_loop(); });
}

void JobManager::stop() {
	{
		std::lock_guard lock(mutex_);
		if (stopping_) return;
		stopping_ = true;
		// Jobs still executing are cancelled; on the next start they are reported as
		// interrupted (ERROR) by recover().
		for (auto& [id, run] : running_)
			run->cancel(false);
	}
	queue_cv_.notify_all();
	change_cv_.notify_all();
	housekeeping_cv_.notify_all();
	// A cancel that arrived between two statements of a job is lost: repeat it until every
	// job has returned, so that a shutdown never waits for a long query to end by itself.
	for (;;) {
		{
			std::lock_guard lock(mutex_);
			if (running_.empty()) break;
			for (auto& [id, run] : running_)
				run->repeat_cancel();
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	for (auto& t : threads_)
		t.join();
	threads_.clear();
}

void JobManager::notify(const std::string& id) {
	std::map<uint64_t, std::function<void()>> fire;
	{
		std::lock_guard lock(mutex_);
		++versions_[id];
		if (auto it = watchers_.find(id); it != watchers_.end()) {
			fire.swap(it->second);
			watchers_.erase(it);
		}
	}
	change_cv_.notify_all();
	for (auto& [key, f] : fire)
		f();
}

uint64_t JobManager::version_locked(const std::string& id) const {
	auto it = versions_.find(id); // never inserts: ids come from clients
	return it == versions_.end() ? 0 : it->second;
}

uint64_t JobManager::version(const std::string& id) {
	std::lock_guard lock(mutex_);
	return version_locked(id);
}

uint64_t JobManager::watch(const std::string& id, uint64_t since, std::function<void()> on_change) {
	uint64_t key;
	{
		std::lock_guard lock(mutex_);
		key = ++next_watch_;
		if (version_locked(id) == since && !stopping_) {
			watchers_[id][key] = std::move(on_change);
			return key;
		}
	}
	on_change(); // changed already
	return key;
}

void JobManager::unwatch(const std::string& id, uint64_t key) {
	std::lock_guard lock(mutex_);
	auto it = watchers_.find(id);
	if (it == watchers_.end()) return;
	it->second.erase(key);
	if (it->second.empty()) watchers_.erase(it);
}

bool JobManager::begin_client_wait(const std::string& client) {
	std::lock_guard lock(mutex_);
	auto& n = client_waits_[client];
	if (n >= max_client_waits_) {
		if (n == 0) client_waits_.erase(client);
		return false;
	}
	++n;
	return true;
}

void JobManager::end_client_wait(const std::string& client) {
	std::lock_guard lock(mutex_);
	auto it = client_waits_.find(client);
	if (it != client_waits_.end() && --it->second <= 0) client_waits_.erase(it);
}

Job JobManager::create(const std::string& kind, std::vector<std::pair<std::string, std::string>> params,
                       std::optional<std::string> owner,
                       const std::vector<std::pair<fs::path, std::string>>& files) {
	Job j;
	j.id = new_job_id();
	j.kind = kind;
	j.owner = std::move(owner);
	j.phase = Phase::Pending;
	j.creation_time = std::chrono::system_clock::now();
	j.execution_duration = default_duration_;
	j.destruction = j.creation_time + std::chrono::seconds(default_lifetime_);
	for (auto& [k, v] : params) {
		std::string key = to_upper(k);
		if (key == "PHASE" || key == "ACTION") continue; // commands, not parameters
		if (key == "RUNID") j.run_id = v;
		if (key == "EXECUTIONDURATION") continue;
		if (key == "DESTRUCTION") continue;
		bool replaced = false;
		for (auto& p : j.parameters)
			if (p.first == key && key != "UPLOAD") {
				p.second = v;
				replaced = true;
			}
		if (!replaced) j.parameters.emplace_back(key, v);
	}
	for (auto& [k, v] : params) {
		std::string key = to_upper(k);
		if (key == "EXECUTIONDURATION") {
			int64_t d = 0;
			try {
				d = std::stoll(v);
			} catch (...) {
				throw Error(ErrorKind::Validation,
				            concat("EXECUTIONDURATION must be an integer number of seconds, not '", v, "'"));
			}
			if (d > 0 && d < default_duration_) j.execution_duration = d;
		} else if (key == "DESTRUCTION") {
			auto t = parse_iso(v);
			if (!t)
				throw Error(ErrorKind::Validation,
				            concat("DESTRUCTION must be an ISO 8601 time, not '", v, "'"));
			if (*t < j.creation_time) throw Error(ErrorKind::Validation, "DESTRUCTION lies in the past");
			if (*t < j.destruction) j.destruction = *t;
		}
	}
	fs::path dir = job_dir(j.id);
	fs::create_directories(dir);
	for (auto& [f, name] : files) {
		std::error_code ec;
		fs::rename(f, dir / name, ec);
		if (ec) {
			fs::copy_file(f, dir / name, ec);
			fs::remove(f, ec);
		}
	}
	store_.insert(j);
	return j;
}

void JobManager::run(const std::string& kind, const std::string& id) {
	auto j = store_.get(kind, id);
	if (!j) throw Error(ErrorKind::NotFound, concat("no job ", id));
	if (j->phase == Phase::Queued || j->phase == Phase::Executing) return; // already running: harmless
	if (j->phase != Phase::Pending && j->phase != Phase::Held)
		throw Error(ErrorKind::Validation,
		            concat("job ", id, " is ", phase_name(j->phase), " and cannot be run again"));
	if (!store_.transition(id, j->phase, Phase::Queued)) return;
	{
		std::lock_guard lock(mutex_);
		queue_.push_back(id);
	}
	queue_cv_.notify_one();
	notify(id);
}

void JobManager::abort(const std::string& kind, const std::string& id) {
	auto j = store_.get(kind, id);
	if (!j) throw Error(ErrorKind::NotFound, concat("no job ", id));
	if (!is_active(j->phase)) return; // finished jobs stay as they are
	std::shared_ptr<JobRun> r;
	{
		std::lock_guard lock(mutex_);
		auto it = running_.find(id);
		if (it != running_.end())
			r = it->second;
		else
			mark_queued_abort(id);
	}
	if (r) {
		r->cancel(false); // the runner records ABORTED when the work returns
		return;
	}
	if (store_.transition(id, j->phase, Phase::Aborted)) {
		store_.finish(id, Phase::Aborted, {}, std::nullopt, "fatal");
		notify(id);
	}
}

void JobManager::destroy(const std::string& kind, const std::string& id) {
	auto j = store_.get(kind, id);
	if (!j) throw Error(ErrorKind::NotFound, concat("no job ", id));
	{
		std::lock_guard lock(mutex_);
		auto it = running_.find(id);
		if (it != running_.end())
			it->second->cancel(false);
		else
			mark_queued_abort(id);
	}
	store_.remove(id);
	std::error_code ec;
	fs::remove_all(job_dir(id), ec);
	notify(id);
	// The job is gone: so is its change counter (else one entry per job ever made).  Its
	// watchers have just fired; a WAIT that read the counter before the DELETE and registers
	// after it waits until its time is up and then finds no job.
	std::lock_guard lock(mutex_);
	if (!watchers_.count(id)) versions_.erase(id);
}

void JobManager::mark_queued_abort(const std::string& id) {
	// Only a job in the queue needs the mark (the runner skips it); a job that is not
	// there fails its transition to EXECUTING anyway, and a mark nobody takes would stay.
	if (std::find(queue_.begin(), queue_.end(), id) != queue_.end()) queued_aborts_.insert(id);
}

size_t JobManager::tracked_jobs() const {
	std::lock_guard lock(mutex_);
	return versions_.size() + queued_aborts_.size() + watchers_.size();
}

std::optional<Job> JobManager::wait(const std::string& kind, const std::string& id, int64_t seconds,
                                    std::optional<Phase> phase) {
	// The version is read before the job: a change between the two then still ends the wait.
	uint64_t v0;
	{
		std::lock_guard lock(mutex_);
		v0 = version_locked(id);
	}
	auto j = store_.get(kind, id);
	if (!j || !is_active(j->phase)) return j;
	if (phase && *phase != j->phase) return j;
	if (seconds < 0 || seconds > max_wait_) seconds = max_wait_;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
	std::unique_lock lock(mutex_);
	while (!stopping_ && version_locked(id) == v0) {
		if (change_cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
	}
	lock.unlock();
	return store_.get(kind, id);
}

size_t JobManager::running() const {
	std::lock_guard lock(mutex_);
	return running_.size();
}

size_t JobManager::queued() const {
	std::lock_guard lock(mutex_);
	return queue_.size();
}

void JobManager::runner_loop() {
	for (;;) {
		std::string id;
		{
			std::unique_lock lock(mutex_);
			queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
			if (stopping_) return;
			id = queue_.front();
			queue_.pop_front();
			if (queued_aborts_.erase(id)) continue;
		}
		try {
			execute(id);
		} catch (const std::exception& e) {
			log::error(concat("job ", id, ": ", e.what()));
		}
	}
}

void JobManager::execute(const std::string& id) {
	if (!store_.transition(id, Phase::Queued, Phase::Executing)) return; // aborted or deleted meanwhile
	store_.set_started(id);
	auto job = store_.get_any(id);
	if (!job) return;
	notify(id);
	auto kit = kinds_.find(job->kind);
	std::optional<TimePoint> deadline;
	if (job->execution_duration > 0)
		deadline = std::chrono::system_clock::now() + std::chrono::seconds(job->execution_duration);
	auto run = std::make_shared<JobRun>(*job, job_dir(id), deadline);
	{
		std::lock_guard lock(mutex_);
		running_[id] = run;
		if (stopping_) run->cancel(false); // started while the manager stops: stop it at once
	}
	Phase outcome = Phase::Completed;
	std::optional<std::string> message;
	std::string type = "fatal";
	try {
		if (kit == kinds_.end())
			throw Error(ErrorKind::Internal, concat("no runner for jobs of kind ", job->kind));
		fs::create_directories(run->dir());
		kit->second->execute(*run);
		if (run->timed_out_) throw Error(ErrorKind::Timeout, "");
		if (run->aborted_) outcome = Phase::Aborted;
	} catch (const Error& e) {
		bool shutting_down;
		{
			std::lock_guard lock(mutex_);
			shutting_down = stopping_;
		}
		if (run->aborted_ && shutting_down) {
			// Not the user's ABORT: the daemon is stopping.  Say so, like after a crash.
			outcome = Phase::Error;
			type = "transient";
			message = "The service was shut down while this job was executing; please submit it again.";
			std::ofstream(run->dir() / "error.xml") << dali_error_document(Error(ErrorKind::Io, *message));
		} else if (run->aborted_) {
			outcome = Phase::Aborted;
		} else {
			outcome = Phase::Error;
			// The database's statement_timeout (set from the deadline) usually fires before the
			// watchdog does; either way the job ran out of its execution duration.
			bool out_of_time =
			    run->timed_out_ ||
			    (e.kind() == ErrorKind::Timeout && run->deadline() &&
			     std::chrono::system_clock::now() + std::chrono::milliseconds(200) >= *run->deadline());
			Error over(ErrorKind::Timeout, concat("The job exceeded its execution duration of ",
			                                      std::to_string(job->execution_duration),
			                                      " seconds and was stopped; make the query cheaper or "
			                                      "ask for a longer EXECUTIONDURATION."));
			// A reference, not a copy: public_message needs the DbError behind a database failure.
			const Error& shown = out_of_time ? over : e;
			if (shown.kind() == ErrorKind::Internal) log::error(concat("job ", id, ": ", shown.what()));
			message = public_message(shown);
			if (shown.kind() == ErrorKind::Timeout || shown.kind() == ErrorKind::Database ||
			    shown.kind() == ErrorKind::Unavailable)
				type = "transient";
			std::ofstream(run->dir() / "error.xml") << dali_error_document(shown);
		}
	} catch (const std::exception& e) {
		outcome = Phase::Error;
		log::error(concat("job ", id, ": ", e.what()));
		Error shown(ErrorKind::Internal, e.what());
		message = public_message(shown);
		std::ofstream(run->dir() / "error.xml") << dali_error_document(shown);
	}
	{
		std::lock_guard lock(mutex_);
		running_.erase(id);
		queued_aborts_.erase(id);
	}
	store_.finish(id, outcome, outcome == Phase::Completed ? run->results() : std::vector<JobResult>{},
	              message, type);
	notify(id);
}

void JobManager::housekeeping_loop() {
	auto next_reap = std::chrono::steady_clock::now();
	for (;;) {
		{
			std::unique_lock lock(mutex_);
			housekeeping_cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_; });
			if (stopping_) return;
			auto now = std::chrono::system_clock::now();
			for (auto& [id, run] : running_) {
				if (run->deadline() && now > *run->deadline() && !run->timed_out_)
					run->cancel(true);
				else if (run->abort_requested())
					run->repeat_cancel(); // in case the first one was lost
			}
		}
		if (std::chrono::steady_clock::now() >= next_reap) {
			next_reap = std::chrono::steady_clock::now() + std::chrono::seconds(30);
			try {
				for (auto& id : store_.expired(std::chrono::system_clock::now())) {
					log::info(concat("job ", id, " reached its destruction time; removing it"));
					auto j = store_.get_any(id);
					if (j) destroy(j->kind, id);
				}
			} catch (const std::exception& e) {
				log::warn(concat("job reaper: ", e.what()));
			}
		}
	}
}

} // namespace meles::services::uws
