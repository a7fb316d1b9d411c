// meles/services/app/context.hpp — what every renderer may use: configuration, the
// database connection pools, and the daemon's start time.
// Thread-safety: the members are thread-safe (pools) or immutable after start.
#pragma once

#include "meles/core/common/strings.hpp"
#include "meles/core/config/config.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/core/pg/pool.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "meles/services/auth/users.hpp"
#include "meles/services/rdsvc/service_directory.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

namespace meles::services {

struct Context {
	const Config& config;
	pg::Database& database;
	pg::Pool read_pool;  // role [db] readRole: every web query
	pg::Pool admin_pool; // role [db] adminRole: bookkeeping (jobs, user tables)
	std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
	UserStore users{admin_pool};
	Authenticator authenticator{users, AuthLimits::from_config(config)};
	rd::RdStore rds;
	ServiceDirectory directory{rds};

private:
	size_t read_share_;
	std::chrono::milliseconds acquire_timeout_;

public:
	// Web queries get the synchronous time limit on every connection, so a one-statement
	// query needs no transaction (one round trip); longer work sets its own SET LOCAL.
	static pg::ConnectParams read_params(const Config& c, pg::Database& db) {
		auto p = db.read_only();
		p.on_connect.push_back(concat("SET statement_timeout = ",
		                              std::to_string(c.get_int("async", "defaultExecTimeSync") * 1000)));
		return p;
	}

	Context(const Config& c, pg::Database& db)
	    : config(c), database(db),
	      read_pool(read_params(c, db), static_cast<size_t>(c.get_int("db", "poolSize"))),
	      admin_pool(db.admin(), static_cast<size_t>(c.get_int("db", "adminPoolSize"))),
	      rds(daemon_store_options(c)), read_share_(client_share(c)),
	      acquire_timeout_(std::chrono::seconds(c.get_int("db", "acquireTimeout"))) {}

	// A read-role connection for a web request from `client` (its address): at most the
	// client's share of the pool ([db] maxPerClient), so that others always find one; after
	// [db] acquireTimeout without one, Error(Unavailable) — a 503 with Retry-After.
	pg::Pool::Lease acquire_read(const std::string& client) {
		return read_pool.acquire_for(client, read_share_, acquire_timeout_);
	}

	// [db] maxPerClient, 0 meaning all but one (a client that runs as many queries as there are
	// connections, like a benchmark, then waits for just one: a smaller default share cost a
	// quarter of the tiny queries' throughput of `scripts/bench tap`, wrk -c8 from one address).
	static size_t client_share(const Config& c) {
		auto size = static_cast<size_t>(c.get_int("db", "poolSize"));
		auto share = static_cast<size_t>(c.get_int("db", "maxPerClient"));
		if (share == 0) share = size > 1 ? size - 1 : 1;
		return std::clamp<size_t>(share, 1, size);
	}

	static rd::RdStoreOptions daemon_store_options(const Config& c) {
		auto o = rd::store_options(c);
		o.recheck_interval = std::chrono::seconds(1);
		return o;
	}
};

} // namespace meles::services
