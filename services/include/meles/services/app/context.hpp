// meles/services/app/context.hpp — what every renderer may use: configuration, the
// database connection pools, and the daemon's start time.
// Thread-safety: the members are thread-safe (pools) or immutable after start.
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/core/pg/pool.hpp"
#include "meles/services/auth/users.hpp"

#include <chrono>
#include <memory>

namespace meles::services {

struct Context {
	const Config& config;
	pg::Database& database;
	pg::Pool read_pool;   // role [db] readRole: every web query
	pg::Pool admin_pool;  // role [db] adminRole: bookkeeping (jobs, user tables)
	std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
	UserStore users{admin_pool};
	Authenticator authenticator{users};

	Context(const Config& c, pg::Database& db)
	    : config(c), database(db), read_pool(db.read_only(), static_cast<size_t>(c.get_int("db", "poolSize"))),
	      admin_pool(db.admin(), static_cast<size_t>(c.get_int("db", "adminPoolSize"))) {}
};

}  // namespace meles::services
