// meles init — creates the state directory, the configuration and the database.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/common/process.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/rd/ingest/importer.hpp"
#include "meles/rd/schema/catalog_store.hpp"

#include <unistd.h>

#include <fstream>
#include <iostream>

namespace fs = std::filesystem;

namespace meles::cli {

namespace {

void write_initial_config(const fs::path& file, const ArgParser& args) {
	std::ofstream out(file);
	if (!out) throw Error(ErrorKind::Io, concat("cannot write ", file.string()));
	out << "# Meles configuration; every key is documented in docs/configuration.md\n"
	       "# (or run `meles config --doc`).  `meles config` shows the effective values.\n\n";
	out << "[web]\n";
	out << "bindAddress = " << args.value_or("bind", "127.0.0.1") << "\n";
	out << "serverPort = " << args.value_or("port", "8080") << "\n";
	if (auto u = args.value("url")) out << "serverURL = " << *u << "\n";
	out << "\n[db]\n";
	if (auto d = args.value("dsn"))
		out << "dsn = " << *d << "\n";
	else
		out << "# dsn =   (empty: Meles runs its own PostgreSQL cluster in this directory)\n";
	out << "\n[ivoa]\nauthority = " << args.value_or("authority", "x-unregistered") << "\n";
	if (!out) throw Error(ErrorKind::Io, concat("cannot write ", file.string()));
}

void write_default_meta(const fs::path& file) {
	if (fs::exists(file)) return;
	std::ofstream out(file);
	out << "# Site-wide metadata inherited by every resource descriptor (a DaCHS meta stream).\n"
	       "publisher: Meles demo data centre\n"
	       "contact.name: Data centre operators\n"
	       "contact.email: operators@example.org\n"
	       "contact.address: (not configured)\n"
	       "creator.name: Meles data centre\n"
	       "rights: Data served by this site may be used freely unless a resource says otherwise.\n";
}

} // namespace

int cmd_init(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("init", {}, {"state", "dsn", "port", "bind", "url", "authority"});
	args.parse(argv);
	GlobalOptions g = global;
	if (auto s = args.value("state")) g.config_path = (fs::absolute(*s) / "meles.conf").string();
	fs::path conf_path = Config::default_path(g.config_path);
	fs::path state = conf_path.parent_path();

	std::error_code ec;
	fs::create_directories(state, ec);
	if (ec)
		throw Error(ErrorKind::Io,
		            concat("cannot create the state directory ", state.string(), ": ", ec.message()));
	if (access(state.c_str(), W_OK) != 0)
		throw Error(ErrorKind::Permission,
		            concat("the state directory ", state.string(), " is not writable"));
	if (!fs::exists(conf_path)) {
		write_initial_config(conf_path, args);
		std::cout << "wrote " << conf_path.string() << "\n";
	} else if (args.has("dsn") || args.has("port") || args.has("bind") || args.has("url") ||
	           args.has("authority")) {
		std::cout << "keeping the existing " << conf_path.string()
		          << " (options ignored; edit the file instead)\n";
	}
	Config config = Config::load(conf_path);
	init_cli_logging(g, config);

	std::string user = config.get("general", "user");
	for (const char* sub : {"inputs", "logs", "tmp", "etc", "run", "uws", "previews"})
		fs::create_directories(state / sub);
	write_default_meta(config.get_path("general", "defaultMetaFile"));
	if (running_as_root()) {
		// The daemon drops root privileges: what it writes must belong to its user.
		ensure_system_user(user);
		for (const char* sub : {"logs", "tmp", "uws", "previews"})
			chown_to(state / sub, user, true);
	}

	pg::Database db(config);
	db.initialize([](const std::string& line) { std::cout << line << "\n"; });
	// TAP_SCHEMA (the system RD //tap) is part of every Meles database.
	{
		pg::Connection conn(db.admin());
		if (!rd::schema::tap_schema_exists(conn)) {
			auto store = make_rd_store(config);
			rd::ingest::Importer importer(conn, *store);
			rd::ingest::ImportOptions o;
			o.read_role = db.read_role();
			importer.import("//tap", o);
			std::cout << "created TAP_SCHEMA\n";
		}
	}
	std::cout << "Meles is initialised in " << state.string() << "\n";
	return 0;
}

} // namespace meles::cli
