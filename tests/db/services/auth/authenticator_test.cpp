// HTTP Basic authentication against hostile credentials (issue 10): control characters and
// invalid UTF-8, the lockout, and the bounded number of concurrent password checks.
#include "meles/core/pg/pool.hpp"
#include "meles/services/auth/users.hpp"
#include "test_db.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <latch>
#include <thread>

using namespace meles;
using namespace meles::services;
using meles::testing::TestDb;
using namespace std::string_literals;

namespace {

net::Request basic(const std::string& credentials) {
	static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	std::string out;
	int val = 0, bits = -6;
	for (unsigned char c : credentials) {
		val = (val << 8) + c;
		bits += 8;
		while (bits >= 0) {
			out += b64[(val >> bits) & 0x3F];
			bits -= 6;
		}
	}
	if (bits > -6) out += b64[((val << 8) >> (bits + 8)) & 0x3F];
	while (out.size() % 4)
		out += '=';
	net::Request r;
	r.method = "GET";
	r.remote = "192.0.2.1";
	r.headers.push_back({"Authorization", "Basic " + out});
	return r;
}

// The error authenticate() throws, or kind Internal with "accepted: NAME" when it let the request in.
Error outcome(Authenticator& a, const std::string& credentials) {
	try {
		auto user = a.authenticate(basic(credentials));
		return Error(ErrorKind::Internal, "accepted: " + user.value_or("(anonymous)"));
	} catch (const Error& e) {
		return e;
	}
}

// Each test case its own database: ctest runs them in parallel.
struct Accounts {
	TestDb db;
	pg::Pool pool{db.admin(), 4};
	UserStore users{pool};
	explicit Accounts(const std::string& name) : db(name) {
		pg::Connection su(db.superuser(db.name()));
		su.exec("CREATE SCHEMA meles AUTHORIZATION meles_admin");
		users.ensure_schema();
		users.add("acc1", "acc1pw");
	}
};

} // namespace

TEST_CASE("auth: credentials with control characters or invalid UTF-8 are refused and counted") {
	Accounts acc("auth_controls");
	Authenticator a(acc.users);
	CHECK(outcome(a, "acc1:acc1pw").message() == "accepted: acc1");
	a.forget("acc1");
	// "acc1\0" used to be looked up as acc1 (libpq sends C strings) but counted apart.
	for (auto creds :
	     {"acc1\0:acc1pw"s, "acc1\0\0\0:acc1pw"s, "acc1:acc1pw\0"s, "acc1\x01:acc1pw"s, "acc1:acc1\tpw"s}) {
		CAPTURE(creds);
		auto e = outcome(a, creds);
		CHECK(e.kind() == ErrorKind::Permission);
		CHECK(e.message().find("control characters") != std::string::npos);
	}
	// Invalid UTF-8 is refused the same way, not passed to PostgreSQL ("invalid byte sequence").
	auto e = outcome(a, "acc1\xff:x");
	CHECK(e.kind() == ErrorKind::Permission);
	CHECK(e.message().find("byte sequence") == std::string::npos);
	// Those six attempts were failures of acc1: the account is blocked now, the right password too.
	auto blocked = outcome(a, "acc1:acc1pw");
	CHECK(blocked.kind() == ErrorKind::Permission);
	CHECK(blocked.message().find("too many failed logins for 'acc1'") != std::string::npos);
}

TEST_CASE("auth: five wrong passwords still block, NULs or not") {
	Accounts acc("auth_lockout");
	Authenticator a(acc.users);
	for (int i = 0; i < 4; ++i)
		CHECK(outcome(a, "acc1:wrong").message() == "wrong user name or password");
	CHECK(outcome(a, "acc1\0:wrong"s).kind() == ErrorKind::Permission);
	CHECK(outcome(a, "acc1:acc1pw").message().find("too many failed logins") != std::string::npos);
}

TEST_CASE("auth: hostile credentials never reach the database") {
	Accounts acc("auth_no_db");
	// A user store whose database does not exist: any lookup would throw a DbError.
	auto params = acc.db.admin();
	params.conninfo += "_absent";
	pg::Pool nowhere(params, 1);
	UserStore users(nowhere);
	Authenticator a(users);
	for (auto creds : {"acc1\0:x"s, "acc1\xff:x"s, "\xc3\x28:x"s, "acc1:\xff"s, "x\x7f:y"s,
	                   // Names no account can have are not looked up either (and cost a dummy check).
	                   "a b:x"s, "'; DROP TABLE x; --:y"s, std::string(65, 'a') + ":x"}) {
		CAPTURE(creds);
		auto e = outcome(a, creds);
		CHECK(e.kind() == ErrorKind::Permission); // a lookup would have failed with kind Database
	}
	// A well-formed name is looked up, which fails here: the check above is not vacuous.
	CHECK_THROWS_AS(a.authenticate(basic("acc1:x")), pg::DbError);
}

namespace {

// Runs n wrong logins at the same moment; counts how they ended.
struct Outcomes {
	int busy = 0, wrong = 0, other = 0;
};
Outcomes simultaneous_logins(Authenticator& a, int n) {
	std::latch start(n);
	std::atomic<int> busy{0}, wrong{0}, other{0};
	std::vector<std::thread> threads;
	for (int i = 0; i < n; ++i)
		threads.emplace_back([&, i] {
			start.arrive_and_wait();
			try {
				// A known account (fewer than five times: no block) and unknown names.
				a.authenticate(
				    basic(i % 2 ? "acc1:wrong" + std::to_string(i) : "nobody" + std::to_string(i) + ":x"));
				++other;
			} catch (const AuthBusy& e) {
				(e.kind() == ErrorKind::Unavailable ? busy : other)++;
			} catch (const Error& e) {
				(e.kind() == ErrorKind::Permission ? wrong : other)++;
			}
		});
	for (auto& t : threads)
		t.join();
	return {busy, wrong, other};
}

} // namespace

TEST_CASE("auth: concurrent password checks are bounded, the rest wait, then get AuthBusy") {
	Accounts acc("auth_gate");
	// One check at a time, nobody may wait: of simultaneous wrong logins only some are checked.
	Authenticator a(acc.users, AuthLimits{1, 0, std::chrono::milliseconds(0)});
	auto o = simultaneous_logins(a, 8);
	CHECK(o.other == 0);
	CHECK(o.busy >= 1);
	CHECK(o.wrong >= 1);
	CHECK(o.busy + o.wrong == 8);
	// With room to wait, everybody gets a turn.
	Authenticator b(acc.users, AuthLimits{1, 8, std::chrono::seconds(60)});
	o = simultaneous_logins(b, 8);
	CHECK(o.busy == 0);
	CHECK(o.other == 0);
	CHECK(o.wrong == 8);
}
