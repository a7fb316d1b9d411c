// meles db — controls the embedded PostgreSQL cluster (start, stop, status) and opens
// psql on Meles's database.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/pg/database.hpp"

#include <unistd.h>

#include <iostream>

namespace meles::cli {

int cmd_db(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("db", {}, {});
	args.parse(argv);
	if (args.positionals().size() != 1)
		throw Error(ErrorKind::Validation, "usage: meles db start|stop|status|psql");
	const std::string& action = args.positionals()[0];
	Config config = load_config(global, true);
	init_cli_logging(global, config);
	pg::Database db(config);
	if (action == "psql") {
		db.ensure_running();
		auto p = db.admin();
		std::string conninfo = p.conninfo;
		execlp("psql", "psql", conninfo.c_str(), static_cast<char*>(nullptr));
		throw Error(ErrorKind::Io, "cannot run psql (install postgresql-client-15)");
	}
	if (!db.embedded()) {
		std::cout << "Meles uses an external database ([db] dsn); start and stop it there.\n";
		return action == "status" ? 0 : 1;
	}
	auto& cluster = db.cluster();
	if (action == "start") {
		cluster.start();
		std::cout << "embedded database running (socket in " << cluster.socket_dir().string() << ")\n";
	} else if (action == "stop") {
		cluster.stop();
		std::cout << "embedded database stopped\n";
	} else if (action == "status") {
		bool up = cluster.running();
		std::cout << (cluster.exists() ? (up ? "running" : "stopped") : "not initialised") << "\n";
		return up ? 0 : 3;
	} else {
		throw Error(ErrorKind::Validation,
		            concat("unknown action '", action, "'; use start, stop, status or psql"));
	}
	return 0;
}

} // namespace meles::cli
