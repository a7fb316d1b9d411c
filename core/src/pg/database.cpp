#include "meles/core/pg/database.hpp"

#include "meles/core/common/process.hpp"
#include "meles/core/common/strings.hpp"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace fs = std::filesystem;

namespace meles::pg {

namespace {

void check_dir_reachable(const fs::path& dir, const std::string& user) {
	if (user.empty() || !running_as_root()) return;
	// The cluster's owner must be able to traverse every parent of the state directory.
	auto u = find_system_user(user);
	if (!u) return;
	for (fs::path p = fs::absolute(dir); !p.empty() && p != p.root_path(); p = p.parent_path()) {
		struct stat st {};
		if (stat(p.c_str(), &st) != 0) continue;
		bool x = (st.st_uid == u->uid && (st.st_mode & S_IXUSR)) ||
		         (st.st_gid == u->gid && (st.st_mode & S_IXGRP)) || (st.st_mode & S_IXOTH);
		if (!x)
			throw Error(
			    ErrorKind::Permission,
			    concat("the database files live in ", dir.string(), ", but system user '", user,
			           "' cannot enter ", p.string(), " (mode ", std::to_string(st.st_mode & 07777),
			           "); choose a state directory outside it (e.g. /var/lib/meles) or run chmod o+x ",
			           p.string()));
	}
}

} // namespace

EmbeddedCluster::EmbeddedCluster(fs::path state_dir, fs::path bin_dir, std::string os_user)
    : state_dir_(std::move(state_dir)), bin_dir_(std::move(bin_dir)),
      os_user_(running_as_root() ? std::move(os_user) : std::string()) {}

std::vector<std::string> EmbeddedCluster::pg(const std::string& program) const {
	fs::path p = bin_dir_ / program;
	if (!fs::exists(p))
		throw Error(ErrorKind::NotFound, concat(program, " not found in ", bin_dir_.string(),
		                                        " (install postgresql-15 or set [db] pgBinDir)"));
	return {p.string()};
}

bool EmbeddedCluster::exists() const {
	return fs::exists(data_dir() / "PG_VERSION");
}

bool EmbeddedCluster::running() const {
	if (!exists()) return false;
	auto cmd = pg("pg_ctl");
	cmd.insert(cmd.end(), {"status", "-D", data_dir().string()});
	RunOptions o;
	o.as_user = os_user_;
	return run_process(cmd, o).exit_code == 0;
}

void EmbeddedCluster::create() {
	if (exists()) return;
	std::string sock = (socket_dir() / ".s.PGSQL.5432").string();
	if (sock.size() >= sizeof(sockaddr_un{}.sun_path))
		throw Error(ErrorKind::Validation, concat("the state directory path is too long for a Unix socket (",
		                                          sock, "); use a shorter one"));
	check_dir_reachable(state_dir_, os_user_);
	fs::create_directories(data_dir());
	fs::create_directories(socket_dir());
	fs::create_directories(log_file().parent_path());
	fs::permissions(data_dir(), fs::perms::owner_all, fs::perm_options::replace);
	fs::permissions(socket_dir(), fs::perms::owner_all, fs::perm_options::replace);
	if (!os_user_.empty()) {
		ensure_system_user(os_user_);
		chown_to(data_dir(), os_user_, false);
		chown_to(socket_dir(), os_user_, false);
		chown_to(log_file().parent_path(), os_user_, false);
	}
	auto cmd = pg("initdb");
	cmd.insert(cmd.end(), {"-D", data_dir().string(), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
	                       "--locale=C", "--no-instructions"});
	RunOptions o;
	o.as_user = os_user_;
	auto r = run_process(cmd, o);
	if (r.exit_code != 0) throw Error(ErrorKind::Database, concat("initdb failed:\n", r.output));
	// Only the Unix socket in the (private) run/ directory; settings tuned for bulk loads.
	std::ofstream conf(data_dir() / "postgresql.conf", std::ios::app);
	conf << "\n# --- written by meles init ---\n"
	     << "listen_addresses = ''\n"
	     << "unix_socket_directories = '" << socket_dir().string() << "'\n"
	     << "port = 5432\n"
	     << "max_connections = 200\n"
	     << "shared_buffers = 256MB\n"
	     << "maintenance_work_mem = 512MB\n"
	     << "work_mem = 16MB\n"
	     << "max_wal_size = 4GB\n"
	     << "checkpoint_timeout = 15min\n"
	     << "wal_level = minimal\n"
	     << "max_wal_senders = 0\n"
	     << "random_page_cost = 1.5\n"
	     << "effective_cache_size = 4GB\n"
	     << "timezone = 'UTC'\n"
	     << "log_timezone = 'UTC'\n"
	     << "datestyle = 'ISO, YMD'\n";
	if (!conf) throw Error(ErrorKind::Io, "cannot write postgresql.conf");
}

void EmbeddedCluster::start() {
	if (!exists())
		throw Error(ErrorKind::NotFound,
		            concat("no database cluster in ", data_dir().string(), "; run `meles init` first"));
	if (running()) return;
	// A stale postmaster.pid from a killed server would block the start; pg_ctl handles
	// that itself when the pid is gone.
	fs::create_directories(socket_dir());
	if (!os_user_.empty()) chown_to(socket_dir(), os_user_, false);
	auto cmd = pg("pg_ctl");
	cmd.insert(cmd.end(), {"start", "-w", "-t", "60", "-D", data_dir().string(), "-l", log_file().string()});
	RunOptions o;
	o.as_user = os_user_;
	auto r = run_process(cmd, o);
	if (r.exit_code != 0) {
		std::string tail;
		std::ifstream lf(log_file());
		std::string line;
		std::vector<std::string> lines;
		while (std::getline(lf, line))
			lines.push_back(line);
		for (size_t i = lines.size() > 8 ? lines.size() - 8 : 0; i < lines.size(); ++i)
			tail += lines[i] + "\n";
		throw Error(ErrorKind::Database, concat("could not start the embedded database:\n", r.output, tail));
	}
}

void EmbeddedCluster::stop() {
	if (!running()) return;
	auto cmd = pg("pg_ctl");
	cmd.insert(cmd.end(), {"stop", "-w", "-t", "60", "-m", "fast", "-D", data_dir().string()});
	RunOptions o;
	o.as_user = os_user_;
	auto r = run_process(cmd, o);
	if (r.exit_code != 0)
		throw Error(ErrorKind::Database, concat("could not stop the embedded database:\n", r.output));
}

ConnectParams EmbeddedCluster::superuser(const std::string& database) const {
	ConnectParams p;
	p.conninfo = concat("host=", socket_dir().string(), " port=5432 dbname=", database, " user=postgres");
	p.description = "embedded database (superuser)";
	return p;
}

// ---------------------------------------------------------------- Database

Database::Database(const Config& config)
    : config_(config), dsn_(config.get("db", "dsn")), database_(config.get("db", "database")),
      admin_role_(config.get("db", "adminRole")), read_role_(config.get("db", "readRole")),
      read_password_(config.get("db", "readPassword")),
      cluster_(config.state_dir(), config.get_path("db", "pgBinDir"), config.get("general", "user")) {
	embedded_ = dsn_.empty();
}

ConnectParams Database::admin() const {
	ConnectParams p;
	if (embedded_) {
		p.conninfo = concat("host=", cluster_.socket_dir().string(), " port=5432 dbname=", database_,
		                    " user=", admin_role_);
		p.description = "embedded database";
	} else {
		p.conninfo = dsn_;
		p.description = "database given by [db] dsn";
	}
	return p;
}

ConnectParams Database::read_only() const {
	ConnectParams p = admin();
	p.overrides.emplace_back("user", read_role_);
	if (!embedded_ && !read_password_.empty()) p.overrides.emplace_back("password", read_password_);
	p.description += concat(" (role ", read_role_, ")");
	return p;
}

void Database::ensure_running() {
	if (!embedded_) return;
	if (!cluster_.exists())
		throw Error(ErrorKind::NotFound, concat("Meles has no database yet in ", config_.state_dir().string(),
		                                        "; run `meles init` first"));
	cluster_.start();
}

void Database::initialize(const std::function<void(const std::string&)>& say) {
	auto q = [](const std::string& s) { return quote_ident(s); };
	if (embedded_) {
		if (!cluster_.exists()) {
			say(concat("creating the embedded PostgreSQL cluster in ", cluster_.data_dir().string()));
			cluster_.create();
		}
		cluster_.start();
		Connection su(cluster_.superuser());
		auto role_exists = [&](const std::string& r) {
			return su.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", {r}).rows() > 0;
		};
		if (!role_exists(admin_role_)) su.exec(concat("CREATE ROLE ", q(admin_role_), " LOGIN"));
		if (!role_exists(read_role_)) su.exec(concat("CREATE ROLE ", q(read_role_), " LOGIN"));
		if (su.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", {database_}).rows() == 0) {
			say(concat("creating database ", database_));
			su.exec(concat("CREATE DATABASE ", q(database_), " OWNER ", q(admin_role_),
			               " ENCODING 'UTF8' TEMPLATE template0"));
		}
		Connection db(cluster_.superuser(database_));
		try {
			db.exec("CREATE EXTENSION IF NOT EXISTS pg_sphere");
		} catch (const DbError& e) {
			if (e.message().find("commutator") == std::string::npos) throw;
			throw Error(
			    ErrorKind::Database,
			    concat("the pg_sphere extension cannot be created (", e.message(),
			           "); Debian's pg_sphere 1.1.1 does not load in PostgreSQL 15.20 or later; scripts/deps "
			           "installs the newest PostgreSQL 15 it works with"));
		}
		db.exec("CREATE EXTENSION IF NOT EXISTS q3c");
		db.exec("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
		db.exec(concat("REVOKE ALL ON DATABASE ", q(database_), " FROM PUBLIC"));
		db.exec(concat("GRANT CONNECT, TEMPORARY ON DATABASE ", q(database_), " TO ", q(read_role_)));
		db.exec(concat("GRANT ", q(read_role_), " TO ", q(admin_role_)));
	} else {
		Connection admin_conn(admin());
		for (const char* ext : {"pg_sphere", "q3c"}) {
			try {
				admin_conn.exec(concat("CREATE EXTENSION IF NOT EXISTS ", ext));
			} catch (const DbError& e) {
				throw Error(ErrorKind::Database,
				            concat("extension ", ext,
				                   " is missing in the external database and this role cannot "
				                   "create it (",
				                   e.message(),
				                   "); ask the database administrator to run "
				                   "CREATE EXTENSION ",
				                   ext, " in it"));
			}
		}
		if (admin_conn.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", {read_role_}).rows() == 0) {
			try {
				admin_conn.exec(concat("CREATE ROLE ", q(read_role_), " LOGIN"));
			} catch (const DbError& e) {
				throw Error(ErrorKind::Database,
				            concat("role ", read_role_, " does not exist and cannot be created (",
				                   e.message(), "); create it or set [db] readRole"));
			}
		}
		auto dbname = admin_conn.exec("SELECT current_database()").get(0, 0);
		admin_conn.exec(concat("GRANT CONNECT, TEMPORARY ON DATABASE ", q(dbname), " TO ", q(read_role_)));
	}
	Connection a(admin());
	a.exec(concat("CREATE SCHEMA IF NOT EXISTS meles AUTHORIZATION ", q(admin_role_)));
	a.exec("CREATE TABLE IF NOT EXISTS meles.schema_version (component text PRIMARY KEY, version integer NOT "
	       "NULL)");
	a.exec("INSERT INTO meles.schema_version VALUES ('core', 1) ON CONFLICT (component) DO NOTHING");
	say("database ready");
}

} // namespace meles::pg
