#include "meles/core/pg/pool.hpp"
#include "meles/services/uws/job_manager.hpp"
#include "test_db.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <thread>

using namespace meles;
using namespace meles::services::uws;
using meles::testing::TestDb;
namespace fs = std::filesystem;

namespace {

// A job whose behaviour its parameters choose: SLEEP (ms), FAIL (message), RESULT (text).
class ScriptedKind : public JobKind {
public:
	void execute(JobRun& run) override {
		if (auto f = run.job().parameter("FAIL")) throw Error(ErrorKind::Validation, *f);
		int ms = std::stoi(run.job().parameter("SLEEP").value_or("0"));
		std::atomic<bool> cancelled{false};
		run.set_canceller([&] { cancelled = true; });
		for (int i = 0; i < ms / 10 && !cancelled; ++i)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		if (cancelled) throw Error(ErrorKind::Timeout, "cancelled");
		std::ofstream(run.dir() / "out.txt") << run.job().parameter("RESULT").value_or("");
		run.add_result({"result", "text/plain", "out.txt", 1});
		++executed;
	}
	std::atomic<int> executed{0};
};

Config test_config(const fs::path& dir, int max_running, int exec_time) {
	Config c = Config::defaults(dir);
	c.set("async", "maxTAPRunning", std::to_string(max_running));
	c.set("async", "defaultExecTime", std::to_string(exec_time));
	c.set("async", "maxWait", "5");
	return c;
}

// A fresh database with the meles schema, and a JobManager for the scripted kind "t" on it
// (not started: settings may still change).
struct Setup {
	TestDb db;
	fs::path dir;
	Config cfg;
	pg::Pool pool;
	ScriptedKind kind;
	std::unique_ptr<JobManager> manager;
	Setup(const std::string& name, int max_running, int exec_time)
	    : db(name), dir(fs::temp_directory_path() / ("meles_" + name + "_" + std::to_string(getpid()))),
	      cfg(test_config(dir, max_running, exec_time)), pool(db.admin(), 4) {
		pg::Connection su(db.superuser(db.name()));
		su.exec("CREATE SCHEMA meles AUTHORIZATION meles_admin");
	}
	JobManager& start() {
		manager = std::make_unique<JobManager>(cfg, pool, dir / "jobs");
		manager->register_kind("t", &kind);
		manager->start();
		return *manager;
	}
	~Setup() {
		if (manager) manager->stop();
		manager.reset();
		fs::remove_all(dir);
	}
};

Phase wait_final(JobManager& m, const std::string& id) {
	for (int i = 0; i < 100; ++i) {
		auto j = m.wait("t", id, 1, std::nullopt);
		if (j && !is_active(j->phase)) return j->phase;
	}
	return Phase::Unknown;
}

} // namespace

TEST_CASE("uws: jobs run, fail, abort, time out and are queued beyond the limit") {
	TestDb db("uws_manager");
	{
		pg::Connection su(db.superuser(db.name()));
		su.exec("CREATE SCHEMA meles AUTHORIZATION meles_admin");
	}
	fs::path dir = fs::temp_directory_path() / ("meles_uws_test_" + std::to_string(getpid()));
	Config cfg = test_config(dir, 1, 1);
	pg::Pool pool(db.admin(), 4);
	ScriptedKind kind;
	JobManager m(cfg, pool, dir / "jobs");
	m.register_kind("t", &kind);
	m.start();

	auto ok = m.create("t", {{"result", "hello"}, {"RUNID", "r1"}}, std::nullopt, {});
	CHECK(ok.phase == Phase::Pending);
	CHECK(ok.run_id == "r1");
	CHECK(ok.parameter("RESULT") == "hello");
	m.run("t", ok.id);
	CHECK(wait_final(m, ok.id) == Phase::Completed);
	auto done = m.store().get("t", ok.id);
	REQUIRE(done->results.size() == 1);
	CHECK(done->start_time);
	CHECK(done->end_time);

	auto bad = m.create("t", {{"FAIL", "no such table"}}, std::nullopt, {});
	m.run("t", bad.id);
	CHECK(wait_final(m, bad.id) == Phase::Error);
	CHECK(m.store().get("t", bad.id)->error_message == "no such table");
	CHECK(fs::exists(m.job_dir(bad.id) / "error.xml"));
	CHECK_THROWS_AS(m.run("t", bad.id), Error);

	// one slot: the second long job waits QUEUED and can be aborted there
	auto slow = m.create("t", {{"SLEEP", "600"}}, std::nullopt, {});
	auto waiting = m.create("t", {{"SLEEP", "10"}}, std::nullopt, {});
	m.run("t", slow.id);
	m.run("t", waiting.id);
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	CHECK(m.store().get("t", waiting.id)->phase == Phase::Queued);
	m.abort("t", waiting.id);
	CHECK(m.store().get("t", waiting.id)->phase == Phase::Aborted);
	CHECK(wait_final(m, slow.id) == Phase::Completed);

	// execution duration (1 s) enforced
	auto forever = m.create("t", {{"SLEEP", "30000"}}, std::nullopt, {});
	m.run("t", forever.id);
	CHECK(wait_final(m, forever.id) == Phase::Error);
	CHECK(m.store().get("t", forever.id)->error_message->find("execution duration") != std::string::npos);

	// abort while executing
	auto running = m.create("t", {{"SLEEP", "30000"}}, std::nullopt, {});
	m.run("t", running.id);
	m.wait("t", running.id, 2, Phase::Queued);
	m.abort("t", running.id);
	CHECK(wait_final(m, running.id) == Phase::Aborted);

	// destroy removes the record and the files
	m.destroy("t", ok.id);
	CHECK_FALSE(m.store().get("t", ok.id));
	CHECK_FALSE(fs::exists(m.job_dir(ok.id)));

	// listing with filters
	JobFilter f;
	f.phases = {Phase::Aborted};
	CHECK(m.store().list("t", f).size() == 2);
	f.phases.clear();
	f.last = 1;
	CHECK(m.store().list("t", f).size() == 1);
	m.stop();
	fs::remove_all(dir);
}

TEST_CASE("uws: a restart turns executing jobs into errors and keeps queued ones") {
	TestDb db("uws_restart");
	{
		pg::Connection su(db.superuser(db.name()));
		su.exec("CREATE SCHEMA meles AUTHORIZATION meles_admin");
	}
	fs::path dir = fs::temp_directory_path() / ("meles_uws_restart_" + std::to_string(getpid()));
	Config cfg = test_config(dir, 1, 60);
	pg::Pool pool(db.admin(), 4);
	ScriptedKind kind;
	std::string executing, queued;
	{
		JobManager m(cfg, pool, dir / "jobs");
		m.register_kind("t", &kind);
		m.start();
		executing = m.create("t", {{"SLEEP", "5000"}}, std::nullopt, {}).id;
		queued = m.create("t", {{"RESULT", "x"}}, std::nullopt, {}).id;
		m.run("t", executing);
		m.wait("t", executing, 2, Phase::Queued);
		m.run("t", queued);
		// simulate a crash: the database still says EXECUTING/QUEUED
		m.stop();
		m.store().set_phase(executing, Phase::Executing);
		m.store().set_phase(queued, Phase::Queued);
	}
	JobManager m2(cfg, pool, dir / "jobs");
	m2.register_kind("t", &kind);
	m2.start();
	auto e = m2.store().get("t", executing);
	CHECK(e->phase == Phase::Error);
	CHECK(e->error_message->find("restarted") != std::string::npos);
	CHECK(wait_final(m2, queued) == Phase::Completed);
	m2.stop();
	fs::remove_all(dir);
}

TEST_CASE("uws: watchers fire once on the next change, also one that came before they registered, and waits "
          "per client are bounded") {
	Setup setup("uws_watch", 1, 60);
	setup.cfg.set("async", "maxWaitsPerClient", "2");
	JobManager& m = setup.start();
	auto job = m.create("t", {{"RESULT", "x"}}, std::nullopt, {});
	std::atomic<int> fired{0}, removed{0};
	uint64_t v = m.version(job.id);
	m.watch(job.id, v, [&] { ++fired; });
	auto key = m.watch(job.id, v, [&] { ++removed; });
	m.unwatch(job.id, key);
	CHECK(fired == 0);
	m.run("t", job.id);
	CHECK(wait_final(m, job.id) == Phase::Completed);
	CHECK(fired == 1); // once, although the job changed several times
	CHECK(removed == 0);
	// A change between reading the version and watching fires at once.
	m.watch(job.id, v, [&] { ++fired; });
	CHECK(fired == 2);

	CHECK(m.begin_client_wait("10.0.0.1"));
	CHECK(m.begin_client_wait("10.0.0.1"));
	CHECK_FALSE(m.begin_client_wait("10.0.0.1"));
	CHECK(m.begin_client_wait("10.0.0.2"));
	m.end_client_wait("10.0.0.1");
	CHECK(m.begin_client_wait("10.0.0.1"));
}

TEST_CASE("uws: deleted jobs leave nothing behind in memory, whatever phase they were in") {
	Setup setup("uws_forget", 1, 60);
	JobManager& m = setup.start();
	std::vector<std::string> ids;
	for (int i = 0; i < 12; ++i)
		ids.push_back(m.create("t", {{"RESULT", "x"}}, std::nullopt, {}).id);
	for (int i = 0; i < 4; ++i)
		m.run("t", ids[i]); // completed
	for (int i = 0; i < 4; ++i)
		CHECK(wait_final(m, ids[i]) == Phase::Completed);
	for (int i = 4; i < 6; ++i)
		m.abort("t", ids[i]); // aborted while pending
	// A watcher that fired, another still registered when its job is deleted.
	std::atomic<int> fired{0};
	auto key = m.watch(ids[6], m.version(ids[6]), [&] { ++fired; });
	m.run("t", ids[6]);
	CHECK(wait_final(m, ids[6]) == Phase::Completed);
	m.unwatch(ids[6], key);
	m.watch(ids[7], m.version(ids[7]), [&] { ++fired; });
	// Versions asked for ids that never existed are not remembered.
	CHECK(m.version("nosuchjob") == 0);
	CHECK(m.tracked_jobs() > 0);
	for (auto& id : ids)
		m.destroy("t", id);
	CHECK(fired == 2);
	// Before: a change counter per job that ever changed, an abort mark per deleted job.
	CHECK(m.tracked_jobs() == 0);
}
