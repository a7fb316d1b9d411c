#include "meles/rd/regtest/runner.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/python/rd_code.hpp"
#include "meles/rd/regtest/request.hpp"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <mutex>
#include <thread>

namespace meles::rd::regtest {

namespace {

// One unit of work: a single test, or a sequential suite's tests in order.
struct Unit {
	const RegSuite* suite;
	std::vector<const RegTest*> tests;
};

std::string suite_name(const RegSuite& s) {
	return s.title.empty() ? (s.id.empty() ? "regSuite" : s.id) : s.title;
}

Status status_of(python::RegTestOutcome::Status s) {
	switch (s) {
	case python::RegTestOutcome::Status::Ok:
		return Status::Ok;
	case python::RegTestOutcome::Status::Fail:
		return Status::Fail;
	case python::RegTestOutcome::Status::Error:
		return Status::Error;
	}
	return Status::Error;
}

TestResult run_one(const std::shared_ptr<const Resource>& rd, const RegSuite& suite, const RegTest& test,
                   const RunOptions& o, std::optional<std::string>& base) {
	TestResult res;
	res.title = test.title;
	res.suite = suite_name(suite);
	res.pos = test.pos;
	res.where = test.pos;
	auto start = std::chrono::steady_clock::now();
	try {
		std::optional<HttpRequest> request;
		if (test.url) request = build_request(*test.url, o.server_url, rd->rd_id, base);
		base.reset();
		python::RegTestCall call;
		call.test = &test;
		call.request = request ? &*request : nullptr;
		call.timeout = o.timeout;
		call.sequential = suite.sequential;
		call.credentials_file = o.credentials_file;
		auto out = python::run_regtest(rd, call);
		res.status = status_of(out.status);
		res.message = out.message;
		res.where = out.where;
		res.url = out.url;
		res.http_status = out.http_status;
		res.data_excerpt = out.data_excerpt;
		base = out.next_base;
	} catch (const Error& e) {
		// what the test itself cannot help: an unreadable payload file, the runtime failing
		res.status = Status::Error;
		res.message = e.message();
		if (e.pos()) res.where = *e.pos();
	} catch (const std::exception& e) {
		res.status = Status::Error;
		res.message = e.what();
	}
	res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	return res;
}

} // namespace

namespace {

// As dachs test -k compares: lower case, punctuation dropped, split at blanks.
std::set<std::string> title_words(std::string_view text) {
	std::string clean;
	for (char c : text) {
		auto u = static_cast<unsigned char>(c);
		if (std::isalnum(u) || c == '_' || u >= 0x80)
			clean += static_cast<char>(std::tolower(u));
		else if (std::isspace(u))
			clean += ' ';
	}
	std::set<std::string> out;
	for (auto& w : split(clean, ' '))
		if (!w.empty()) out.insert(w);
	return out;
}

} // namespace

bool selected(const RegTest& test, const RunOptions& o) {
	if (!test.tags.empty()) {
		bool any = false;
		for (auto& t : test.tags)
			any = any || o.tags.count(t);
		if (!any) return false;
	}
	auto words = title_words(test.title);
	for (auto& k : o.keywords)
		for (auto& w : title_words(k))
			if (!words.count(w)) return false;
	return true;
}

namespace {

std::vector<Unit> units_of(const Resource& rd, const RunOptions& o) {
	std::vector<Unit> units;
	for (auto& s : rd.reg_suites) {
		if (s.sequential) {
			// a selected head pulls in the rest of its suite: later tests may depend on it
			Unit u{&s, {}};
			for (auto& t : s.tests)
				if (!u.tests.empty() || selected(t, o)) u.tests.push_back(&t);
			if (!u.tests.empty()) units.push_back(std::move(u));
		} else {
			for (auto& t : s.tests)
				if (selected(t, o)) units.push_back(Unit{&s, {&t}});
		}
	}
	return units;
}

} // namespace

int count_selected(const Resource& rd, const RunOptions& o) {
	int n = 0;
	for (auto& u : units_of(rd, o))
		n += static_cast<int>(u.tests.size());
	return n;
}

Summary run(const std::shared_ptr<const Resource>& rd, const RunOptions& o) {
	Summary sum;
	auto units = units_of(*rd, o);
	for (auto& u : units)
		sum.selected += static_cast<int>(u.tests.size());
	auto start = std::chrono::steady_clock::now();
	std::atomic<size_t> next{0};
	std::mutex report_mutex;
	auto worker = [&] {
		for (;;) {
			size_t i = next.fetch_add(1);
			if (i >= units.size()) return;
			std::optional<std::string> base;
			for (const RegTest* t : units[i].tests) {
				TestResult r = run_one(rd, *units[i].suite, *t, o, base);
				std::lock_guard lk(report_mutex);
				(r.status == Status::Ok ? sum.passed : r.status == Status::Fail ? sum.failed : sum.errors)++;
				if (o.report) o.report(r);
			}
		}
	};
	int n = std::clamp(o.concurrency, 1, 64);
	n = std::min<int>(n, static_cast<int>(std::max<size_t>(units.size(), 1)));
	std::vector<std::thread> threads;
	for (int i = 1; i < n; ++i)
		threads.emplace_back(worker);
	worker();
	for (auto& t : threads)
		t.join();
	sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	return sum;
}

} // namespace meles::rd::regtest
