// meles adm — administrative tasks: user accounts (adduser, deluser, listusers,
// changepw) and their quotas for persistent user tables (quota).
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/auth/password.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/core/pg/pool.hpp"
#include "meles/services/auth/users.hpp"
#include "meles/services/user_tables/user_tables.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace meles::cli {

namespace {

std::string read_password(const std::string& prompt) {
	if (!isatty(STDIN_FILENO)) {
		std::string line;
		if (!std::getline(std::cin, line) || line.empty())
			throw Error(ErrorKind::Validation, "no password given (as argument or on standard input)");
		return line;
	}
	auto ask = [](const std::string& p) {
		std::cerr << p << std::flush;
		termios old{};
		tcgetattr(STDIN_FILENO, &old);
		termios quiet = old;
		quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
		std::string line;
		std::getline(std::cin, line);
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		std::cerr << "\n";
		return line;
	};
	std::string a = ask(prompt), b = ask("again: ");
	if (a != b) throw Error(ErrorKind::Validation, "the passwords differ");
	if (a.empty()) throw Error(ErrorKind::Validation, "a password must not be empty");
	return a;
}

// meles adm quota NAME [--bytes SIZE] [--tables N] [--reset]: shows (and sets) the user table
// quota of an account.
void quota(const Config& config, pg::Pool& pool, services::UserStore& users, const std::string& name,
           const ArgParser& args) {
	namespace ut = services::user_tables;
	if (!users.password_hash(name)) throw Error(ErrorKind::NotFound, concat("no user '", name, "'"));
	auto lease = pool.acquire();
	pg::Connection& conn = *lease;
	ut::require_enabled(conn);
	auto q = ut::quota_override(conn, name).value_or(ut::QuotaOverride{});
	bool change = args.has("reset") || args.value("bytes") || args.value("tables");
	if (args.has("reset")) q = {};
	if (auto b = args.value("bytes")) q.bytes = parse_size(*b);
	if (auto t = args.value("tables")) {
		try {
			q.tables = std::stoll(*t);
		} catch (...) {
			throw Error(ErrorKind::Validation, concat("--tables needs a number, not '", *t, "'"));
		}
		if (*q.tables < 0) throw Error(ErrorKind::Validation, "--tables must not be negative");
	}
	if (change) ut::set_quota_override(conn, name, q);
	ut::Settings s = ut::Settings::from_config(config);
	ut::Limits l = ut::limits_for(conn, s, name);
	ut::Usage u = ut::usage(conn, name);
	std::cout << name << ": " << ut::format_bytes(u.bytes) << " of " << ut::format_bytes(l.bytes) << " ("
	          << (q.bytes ? "set for this user" : "[ivoa] userTableMaxBytes") << "), " << u.tables << " of "
	          << l.tables << " tables (" << (q.tables ? "set for this user" : "[ivoa] userTableMaxCount")
	          << ")\n";
}

} // namespace

int cmd_adm(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("adm", {"random", "reset"}, {"remarks", "bytes", "tables"});
	args.parse(argv);
	auto& pos = args.positionals();
	if (pos.empty())
		throw Error(ErrorKind::Validation, "usage: meles adm ACTION [ARGS] (see meles adm --help)");
	const std::string& action = pos[0];
	auto need = [&](size_t n, const char* usage) {
		if (pos.size() < n) throw Error(ErrorKind::Validation, concat("usage: meles adm ", usage));
	};
	Config config = load_config(global, true);
	init_cli_logging(global, config);
	pg::Database db(config);
	db.ensure_running();
	pg::Pool pool(db.admin(), 1);
	services::UserStore users(pool);
	users.ensure_schema();

	auto password_for = [&](const std::string& name) {
		if (pos.size() >= 3) return pos[2];
		if (args.has("random")) {
			std::string p = auth::random_password();
			std::cout << "password for " << name << ": " << p << "\n";
			return p;
		}
		return read_password(concat("password for ", name, ": "));
	};

	if (action == "adduser") {
		need(2, "adduser NAME [PASSWORD] [--random] [--remarks TEXT]");
		users.add(pos[1], password_for(pos[1]), args.value_or("remarks", ""));
		std::cout << "added user " << pos[1] << "\n";
	} else if (action == "deluser") {
		need(2, "deluser NAME");
		users.remove(pos[1]);
		size_t dropped = services::user_tables::drop_tables_of(*pool.acquire(), pos[1]);
		std::cout << "removed user " << pos[1];
		if (dropped) std::cout << " and their " << dropped << " user table" << (dropped == 1 ? "" : "s");
		std::cout << "\n";
	} else if (action == "changepw") {
		need(2, "changepw NAME [PASSWORD] [--random]");
		users.change_password(pos[1], password_for(pos[1]));
		std::cout << "changed the password of " << pos[1] << "\n";
	} else if (action == "listusers") {
		for (auto& u : users.list())
			std::cout << u.name << "\t" << u.created << (u.remarks.empty() ? "" : "\t" + u.remarks) << "\n";
	} else if (action == "quota") {
		need(2, "quota NAME [--bytes SIZE] [--tables N] [--reset]");
		quota(config, pool, users, pos[1], args);
	} else {
		throw Error(ErrorKind::Validation, concat("unknown adm action '", action, "'; see meles adm --help"));
	}
	return 0;
}

} // namespace meles::cli
