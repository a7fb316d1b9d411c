// meles/rd/regtest/runner.hpp — runs an RD's regression tests (regSuite/regTest) against a
// running server, as `meles test` does: each test's request resolved (request.hpp), fetched and
// its code run in the Python runtime (python::run_regtest), a bounded number at once; the tests
// of a sequential suite one after the other, in order.
// Thread-safety: run() may be called from any thread; it starts `concurrency` threads of its own
// and calls `report` from them one at a time.
#pragma once

#include "meles/rd/model/resource.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace meles::rd::regtest {

enum class Status { Ok, Fail, Error };

struct TestResult {
	Status status = Status::Ok;
	std::string title;
	std::string suite;
	SourcePos pos;   // the regTest element
	SourcePos where; // the failing code line (or the url, for requests that failed)
	std::string message;
	std::string url;
	std::optional<int> http_status;
	std::string data_excerpt;
	double seconds = 0;
};

struct RunOptions {
	std::string server_url;           // root of the server under test
	int concurrency = 4;              // tests at once (DaCHS: -n)
	std::chrono::seconds timeout{15}; // per request, and per test's code
	std::vector<std::string>
	    keywords; // -k: every word is a word of the title (as dachs test: case and punctuation ignored)
	std::set<std::string> tags;                    // tagged tests run only if one of their tags is here
	std::string credentials_file;                  // httpAuthKey lookups
	std::function<void(const TestResult&)> report; // called as each test ends (serialised)
};

struct Summary {
	int selected = 0;
	int passed = 0, failed = 0, errors = 0;
	double seconds = 0;
	bool all_passed() const { return failed == 0 && errors == 0; }
};

// The tests the options select, suite by suite (a sequential suite's tests from its first
// selected one on are kept together, as DaCHS runs them).
int count_selected(const Resource& rd, const RunOptions& options);
bool selected(const RegTest& test, const RunOptions& options);

Summary run(const std::shared_ptr<const Resource>& rd, const RunOptions& options);

} // namespace meles::rd::regtest
