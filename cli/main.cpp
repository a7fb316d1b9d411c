// meles — the operator's command line: a table of subcommands with unique-prefix
// matching (`meles imp` = `meles import`), as DaCHS operators are used to.
#include "command.hpp"
#include "commands.hpp"

#include "meles/core/common/error.hpp"

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
	    {"val", "check resource descriptors without touching the database", val_usage, cmd_val},
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
	if (matches.empty()) throw Error(ErrorKind::Validation, concat("unknown command '", name, "'; see meles --help"));
	std::string list;
	for (auto* m : matches) list += (list.empty() ? "" : ", ") + std::string(m->name);
	throw Error(ErrorKind::Validation, concat("ambiguous command '", name, "': could be ", list));
}

}  // namespace

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
			std::cout << "meles 0.1.0\n";
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
