// tests/db/test_db.hpp — a fresh database per test in the shared throw-away cluster
// (created by the ctest fixture `testdb`, see tests/integration/testdb.sh).
//
//   TestDb db("pg_basics");            // creates database t_pg_basics with pg_sphere and q3c
//   pg::Connection c(db.admin());      // as the admin role; db.read_only() as the read role
//
// The database is dropped again when the TestDb goes out of scope.
#pragma once

#include "meles/core/pg/connection.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace meles::testing {

inline std::string test_state_dir() {
	if (const char* s = std::getenv("MELES_TEST_STATE")) return s;
	return MELES_TEST_STATE_DIR;
}

class TestDb {
public:
	explicit TestDb(const std::string& name) : name_("t_" + name) {
		pg::Connection su(superuser("postgres"));
		su.exec("DROP DATABASE IF EXISTS " + pg::quote_ident(name_) + " WITH (FORCE)");
		su.exec("CREATE DATABASE " + pg::quote_ident(name_) + " OWNER meles_admin TEMPLATE template0");
		pg::Connection db(superuser(name_));
		db.exec(
		    "CREATE EXTENSION pg_sphere; CREATE EXTENSION q3c; REVOKE CREATE ON SCHEMA public FROM PUBLIC;");
		db.exec("GRANT CONNECT, TEMPORARY ON DATABASE " + pg::quote_ident(name_) + " TO meles_ro");
	}
	~TestDb() {
		try {
			pg::Connection su(superuser("postgres"));
			su.exec("DROP DATABASE IF EXISTS " + pg::quote_ident(name_) + " WITH (FORCE)");
		} catch (...) {
		}
	}
	const std::string& name() const { return name_; }

	pg::ConnectParams superuser(const std::string& db) const { return params(db, "postgres"); }
	pg::ConnectParams admin() const { return params(name_, "meles_admin"); }
	pg::ConnectParams read_only() const { return params(name_, "meles_ro"); }

private:
	static pg::ConnectParams params(const std::string& db, const std::string& user) {
		pg::ConnectParams p;
		p.conninfo = "host=" + test_state_dir() + "/run port=5432 dbname=" + db + " user=" + user;
		p.description = "test database " + db;
		return p;
	}
	std::string name_;
};

} // namespace meles::testing
