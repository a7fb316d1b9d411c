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
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

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
	double short_cost_;
	std::mutex verdicts_mutex_;
	std::map<std::string, std::pair<bool, std::chrono::steady_clock::time_point>, std::less<>> verdicts_;

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
	      acquire_timeout_(std::chrono::seconds(c.get_int("db", "acquireTimeout"))),
	      short_cost_(static_cast<double>(c.get_int("db", "shortQueryCost"))) {
		read_pool.set_reserve(static_cast<size_t>(c.get_int("db", "shortQueryConnections")));
	}

	// A read-role connection for a web request from `client` (its address): at most the
	// client's share of the pool ([db] maxPerClient), so that others always find one; after
	// [db] acquireTimeout without one, Error(Unavailable) — a 503 with Retry-After.
	pg::Pool::Lease acquire_read(const std::string& client) {
		return read_pool.acquire_for(client, read_share_, acquire_timeout_);
	}

	// The same, but it may come from the connections kept for short queries ([db]
	// shortQueryConnections); when it does (lease.reserved()), the caller runs only a query
	// for which short_enough() holds on it, else gives it back and asks acquire_read().
	pg::Pool::Lease acquire_read_maybe_short(const std::string& client) {
		return read_pool.acquire_for(client, read_share_, acquire_timeout_, true);
	}

	// Whether the planner estimates `sql` as short ([db] shortQueryCost).  Verdicts are kept
	// for a minute: a client repeating one query under load pays for EXPLAIN once.
	bool short_enough(pg::Connection& c, std::string_view sql) {
		auto now = std::chrono::steady_clock::now();
		{
			std::lock_guard lock(verdicts_mutex_);
			auto it = verdicts_.find(sql);
			if (it != verdicts_.end() && now - it->second.second < std::chrono::minutes(1))
				return it->second.first;
		}
		bool verdict = pg::planner_cost(c, sql) <= short_cost_;
		std::lock_guard lock(verdicts_mutex_);
		if (verdicts_.size() >= 1024) verdicts_.clear();
		verdicts_.insert_or_assign(std::string(sql), std::pair{verdict, now});
		return verdict;
	}

	// A connection for the one query `sql`: from the reserve if it is short, else a full one.
	pg::Pool::Lease acquire_read_for(const std::string& client, std::string_view sql) {
		auto lease = acquire_read_maybe_short(client);
		if (!lease.reserved() || short_enough(lease.get(), sql)) return lease;
		{ auto back = std::move(lease); }
		return acquire_read(client);
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
