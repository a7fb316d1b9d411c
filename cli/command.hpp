// cli/command.hpp — the shape of a `meles` subcommand and the helpers they share.
//
// Each subcommand lives in its own cmd_<name>.cpp and is listed once in the command
// table in main.cpp (name, one-line summary, usage text, function).  Commands parse
// their own arguments with ArgParser and report failures by throwing meles::Error;
// main() prints the message to stderr and exits non-zero.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace meles::cli {

// Options given before the subcommand (`meles --config F --debug imp ...`).
struct GlobalOptions {
	std::string config_path; // --config or MELES_CONFIG; empty = default location
	bool debug = false;      // --debug: log level debug, show internal error details
};

struct Command {
	std::string_view name;
	std::string_view summary; // one line for `meles --help`
	std::string_view usage;   // full text for `meles <name> --help`
	std::function<int(const GlobalOptions&, const std::vector<std::string>&)> run;
};

// A small getopt-like parser: --long, --long=value, --long value, -x, -x value, positionals;
// `--` ends options.  Unknown options are errors naming the option and the valid ones.
class ArgParser {
public:
	// flags: options without value; valued: options taking a value.  Names are given
	// without dashes; a name of one character is a short option.
	ArgParser(std::string_view command, std::set<std::string> flags, std::set<std::string> valued);
	void parse(const std::vector<std::string>& args);

	bool has(const std::string& name) const { return flags_set_.count(name) || values_.count(name); }
	std::optional<std::string> value(const std::string& name) const;
	std::string value_or(const std::string& name, const std::string& fallback) const;
	const std::vector<std::string>& positionals() const { return positionals_; }
	bool help() const { return help_; }

	// Aliases: alias("m", "meta-only") makes -m mean --meta-only.
	void alias(const std::string& short_name, const std::string& long_name) {
		aliases_[short_name] = long_name;
	}

private:
	std::string command_;
	std::set<std::string> flags_, valued_;
	std::map<std::string, std::string> aliases_;
	std::set<std::string> flags_set_;
	std::map<std::string, std::string> values_;
	std::vector<std::string> positionals_;
	bool help_ = false;
};

} // namespace meles::cli
