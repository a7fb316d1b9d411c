// meles/core/pg/database.hpp — where Meles's database is and how to bring it up.
//
// By default Meles runs its own PostgreSQL cluster under the state directory
// (pgdata/, socket in run/, no TCP port), owned by an unprivileged system user when
// Meles runs as root.  With [db] dsn set, an external server is used instead.  Either
// way there are two roles: an admin role (ingestion, DDL, bookkeeping) and a read-only
// role under which every web query runs.
// Thread-safety: Database is immutable after construction; its methods may be called
// from several threads, though start/stop/initialize are meant for the CLI.
#pragma once

#include "meles/core/config/config.hpp"
#include "meles/core/pg/connection.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace meles::pg {

class EmbeddedCluster {
public:
	EmbeddedCluster(std::filesystem::path state_dir, std::filesystem::path bin_dir, std::string os_user);

	std::filesystem::path data_dir() const { return state_dir_ / "pgdata"; }
	std::filesystem::path socket_dir() const { return state_dir_ / "run"; }
	std::filesystem::path log_file() const { return state_dir_ / "logs" / "postgresql.log"; }

	bool exists() const;  // initialised (PG_VERSION present)
	bool running() const; // a postmaster for data_dir() is up
	void create();        // initdb + our postgresql.conf/pg_hba.conf
	void start();         // no-op when running
	void stop();          // fast shutdown; no-op when stopped
	ConnectParams superuser(const std::string& database = "postgres") const;

private:
	std::vector<std::string> pg(const std::string& program) const;
	std::filesystem::path state_dir_, bin_dir_;
	std::string os_user_; // empty when not root
};

class Database {
public:
	explicit Database(const Config& config);

	bool embedded() const { return embedded_; }
	ConnectParams admin() const;
	ConnectParams read_only() const;
	const std::string& read_role() const { return read_role_; }
	const std::string& admin_role() const { return admin_role_; }
	EmbeddedCluster& cluster() { return cluster_; }

	// Makes sure the database can be reached: starts the embedded cluster if it exists
	// but is down; throws Error(NotFound) "... run `meles init` first" if it was never
	// created, or the connection error of an external server.
	void ensure_running();

	// `meles init`: creates the cluster (embedded), roles, database, extensions and the
	// `meles` bookkeeping schema.  Idempotent.  Progress lines go to `say`.
	void initialize(const std::function<void(const std::string&)>& say);

private:
	const Config& config_;
	bool embedded_;
	std::string dsn_, database_, admin_role_, read_role_, read_password_;
	EmbeddedCluster cluster_;
};

} // namespace meles::pg
