// meles — the operator's command line: a table of subcommands with unique-prefix
// matching (`meles imp` = `meles import`), as DaCHS operators are used to.
#include "command.hpp"
#include "commands.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/layout.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

using namespace meles;
using namespace meles::cli;

namespace {

const std::vector<Command>& command_table() {
	static const std::vector<Command> table = {
	    {"init", "create the state directory, configuration and database",
	     "usage: meles init [--state DIR] [--dsn DSN] [--port N] [--bind ADDR] [--url URL] [--authority "
	     "AUTH]\n\n"
	     "Creates the state directory (default: the directory of the configuration file), writes\n"
	     "meles.conf there if it does not exist (using the options given), creates the embedded\n"
	     "PostgreSQL cluster (or uses --dsn), the roles, the database and Meles's bookkeeping tables.\n"
	     "Running it again is harmless.\n",
	     cmd_init},
	    {"config", "show the effective configuration or its documentation",
	     "usage: meles config [KEY...] [--doc]\n\n"
	     "Without arguments, prints every key with its effective value; with keys, their values. A key\n"
	     "is SECTION.KEY (web.serverPort), SECTION KEY as dachs config takes it (web serverPort), or a\n"
	     "bare key: one of [general] (inputsDir), else of the one section that has it (serverPort).\n"
	     "--doc prints the documentation of every key (docs/configuration.md).\n",
	     cmd_config},
	    {"serve", "run the HTTP daemon (foreground, or start|stop|reload|status)",
	     "usage: meles serve [start|stop|reload|status] [--port N]\n\n"
	     "Without an action the daemon runs in the foreground and logs to stderr. `start` runs it in\n"
	     "the background (logs in [general] logDir, pid file in [general] tmpDir), `stop` ends it\n"
	     "gracefully (running requests finish), `reload` re-reads the resource descriptors,\n"
	     "`status` exits 0 when it runs and 3 when not. --port overrides [web] serverPort.\n",
	     cmd_serve},
	    {"imp", "import the data of an RD into the database",
	     "usage: meles imp [-m] [-c] [-s] [--max-rows N] RD [DATA-ID...]\n\n"
	     "Loads an RD (by id, e.g. anchor/q, or path) and imports its data elements (all with\n"
	     "auto=\"True\" unless DATA-IDs are given): each table is built afresh, indexed, clustered\n"
	     "and analyzed, then swapped in together with its TAP_SCHEMA entries in one transaction.\n"
	     "If anything fails, the previous table and its metadata are left exactly as they were.\n\n"
	     "  -m, --meta-only      only refresh metadata (TAP_SCHEMA, descriptions) and permissions\n"
	     "  -c, --continue-bad   skip records and files that cannot be ingested (each is listed, in\n"
	     "                       file order, and again at the end); also --keep-going\n"
	     "  -s, --system         also recreate system tables (e.g. TAP_SCHEMA of //tap)\n"
	     "  -M, --max-rows N     import at most N rows per table (for trying an RD)\n",
	     cmd_imp},
	    {"drop", "remove an RD's tables and their metadata",
	     "usage: meles drop [--all] [--system] RD...\n\n"
	     "Drops the tables an RD defines (and whatever the database records for it, so an RD whose\n"
	     "file is gone can still be dropped), and removes them from TAP_SCHEMA. As with dachs drop,\n"
	     "tables that only data elements with auto=\"False\" make are kept unless --all is given.\n"
	     "System RDs (//name) need --system; `meles drop --system //tap_user` also drops every\n"
	     "persistent user table.\n\n"
	     "  --all          also drop the tables of data elements with auto=\"False\"\n"
	     "  -s, --system   allow dropping a system RD's tables\n",
	     cmd_drop},
	    {"adm", "administration: user accounts and their quotas",
	     "usage: meles adm ACTION [ARGS]\n\n"
	     "actions:\n"
	     "  adduser NAME [PASSWORD] [--random] [--remarks TEXT]   create an account\n"
	     "  deluser NAME                                          remove an account (and its user tables)\n"
	     "  changepw NAME [PASSWORD] [--random]                   set a new password\n"
	     "  listusers                                             list accounts\n"
	     "  quota NAME [--bytes SIZE] [--tables N] [--reset]      show or set the account's quota for\n"
	     "                                                        persistent user tables (//tap_user)\n\n"
	     "Without PASSWORD the password is read from the terminal (twice, not echoed) or from one\n"
	     "line of standard input; --random generates one and prints it. Passwords are stored only\n"
	     "as salted Argon2id hashes. Quotas default to [ivoa] userTableMaxBytes and\n"
	     "userTableMaxCount; --reset returns to them.\n",
	     cmd_adm},
	    {"db", "start, stop or inspect the embedded database; open psql",
	     "usage: meles db start|stop|status|psql\n\n"
	     "Controls the PostgreSQL cluster Meles runs in its state directory. `status` exits 0 when\n"
	     "it runs, 3 when not. `psql` opens psql as the admin role on Meles's database.\n",
	     cmd_db},
	    {"start", "write a new RD from a template (scs, taptable, ...; `meles start list`)", start_usage,
	     cmd_start},
	    {"val", "check resource descriptors without touching the database", val_usage, cmd_val},
	    {"pub", "publish (or -u unpublish) RDs' services and tables in the registry (/oai.xml)", pub_usage,
	     cmd_pub},
	    {"limits", "column statistics and coverage of an RD's tables (for registry records, VOSI)",
	     limits_usage, cmd_limits},
	    {"adql", "translate ADQL to SQL and show the result columns, or check syntax",
	     "usage: meles adql [--syntax-only [--udf NAME,...]] [--tables FILE] [--maxrec N] [--create] "
	     "QUERY\n\n"
	     "Translates the ADQL query (or stdin when QUERY is - or missing) to PostgreSQL and prints\n"
	     "the SQL, the metadata of every result column and the tables read. The tables known are\n"
	     "those the TAP service publishes (read from the database), or with --tables only those of\n"
	     "FILE (format: docs/adql.md), which needs no database. --maxrec adds the LIMIT a TAP MAXREC would,\n"
	     "--create accepts CREATE TABLE ... AS. --syntax-only (-s) only checks that QUERY is valid\n"
	     "ADQL 2.1: exit 0 if so, else 1 with the message. Functions are not looked up: a name with\n"
	     "a prefix (ivo_x, eso_y) may be any service's user-defined function; --udf lists the\n"
	     "functions of the service the query is for, and then only those and ADQL's are accepted.\n",
	     cmd_adql},
	};
	return table;
}

void print_main_help() {
	std::cout << "usage: meles [--config FILE] [--debug] COMMAND [ARGS...]\n\n"
	             "Meles publishes astronomical data through Virtual Observatory protocols.\n\n"
	             "commands:\n";
	for (auto& c : command_table()) {
		std::string name(c.name);
		name.resize(10, ' ');
		std::cout << "  " << name << c.summary << "\n";
	}
	std::cout << "\nRun `meles COMMAND --help` for a command's options. Commands may be abbreviated\n"
	             "to any unique prefix. The configuration file is $MELES_CONFIG, else meles.conf in\n"
	             "the state directory (see docs/configuration.md).\n";
}

const Command& find_command(const std::string& name) {
	std::vector<const Command*> matches;
	for (auto& c : command_table()) {
		if (c.name == name) return c;
		if (c.name.starts_with(name)) matches.push_back(&c);
	}
	if (matches.size() == 1) return *matches.front();
	if (matches.empty())
		throw Error(ErrorKind::Validation, concat("unknown command '", name, "'; see meles --help"));
	std::string list;
	for (auto* m : matches)
		list += (list.empty() ? "" : ", ") + std::string(m->name);
	throw Error(ErrorKind::Validation, concat("ambiguous command '", name, "': could be ", list));
}

} // namespace

int main(int argc, char** argv) {
	GlobalOptions global;
	if (const char* env = std::getenv("MELES_CONFIG")) global.config_path = env;
	int i = 1;
	for (; i < argc; ++i) {
		std::string a = argv[i];
		if (a == "--config" && i + 1 < argc) {
			global.config_path = argv[++i];
		} else if (a.starts_with("--config=")) {
			global.config_path = a.substr(9);
		} else if (a == "--debug") {
			global.debug = true;
		} else if (a == "--help" || a == "-h") {
			print_main_help();
			return 0;
		} else if (a == "--version") {
			// The layout too: which system RDs, templates and Python package this meles uses.
			auto& l = layout::current();
			std::cout << "meles " << layout::version() << "\n"
			          << "layout: " << l.origin << " (" << l.prefix.string() << ")\n"
			          << "system RDs: " << l.system_rds.string() << "\n"
			          << "templates: " << l.templates.string() << "\n"
			          << "python: " << l.python_lib.string() << "\n";
			return 0;
		} else {
			break;
		}
	}
	if (i >= argc) {
		print_main_help();
		return 2;
	}
	try {
		const Command& cmd = find_command(argv[i]);
		std::vector<std::string> args(argv + i + 1, argv + argc);
		for (auto& a : args)
			if (a == "--help" || a == "-h") {
				std::cout << cmd.usage;
				if (!cmd.usage.ends_with("\n")) std::cout << "\n";
				return 0;
			}
		return cmd.run(global, args);
	} catch (const Error& e) {
		std::cerr << "meles: " << e.full_message() << "\n";
		return e.kind() == ErrorKind::Internal ? 70 : 1;
	} catch (const std::exception& e) {
		std::cerr << "meles: internal error: " << e.what() << "\n";
		return 70;
	}
}
