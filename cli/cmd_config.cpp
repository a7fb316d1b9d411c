// meles config — shows the effective configuration, one key, or the documentation.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/common/suggest.hpp"

#include <iostream>

namespace meles::cli {

namespace {

bool is_section(std::string_view name) {
	for (auto& k : config_keys())
		if (iequals(k.section, name)) return true;
	return false;
}

// A key as `dachs config` takes it: "inputsDir" is [general] inputsDir; a key of another
// section may be named bare when no other section has it ("serverPort"); SECTION.KEY always.
std::pair<std::string, std::string> resolve_key(const std::string& item) {
	if (auto dot = item.find('.'); dot != std::string::npos)
		return {item.substr(0, dot), item.substr(dot + 1)};
	std::vector<const ConfigKey*> matches;
	for (auto& k : config_keys()) {
		if (!iequals(k.key, item)) continue;
		if (iequals(k.section, "general")) return {"general", std::string(k.key)};
		matches.push_back(&k);
	}
	if (matches.size() == 1) return {std::string(matches[0]->section), std::string(matches[0]->key)};
	if (matches.size() > 1) {
		std::vector<std::string> names;
		for (auto* k : matches)
			names.push_back(concat(k->section, ".", k->key));
		throw Error(ErrorKind::Name,
		            concat("'", item, "' is a key of several sections; name one: ", join(names, ", ")));
	}
	Suggester s(item);
	for (auto& k : config_keys())
		s.offer(k.key, concat(k.section, ".", k.key));
	throw Error(ErrorKind::Name, concat("unknown configuration key ", item, s.suffix()));
}

} // namespace

int cmd_config(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("config", {"doc"}, {});
	args.parse(argv);
	if (args.has("doc")) {
		std::cout << Config::documentation();
		return 0;
	}
	Config config = load_config(global);
	auto& items = args.positionals();
	if (items.empty()) {
		std::cout << "# " << config.file().string() << (config.file_exists() ? "" : " (absent: defaults)")
		          << "\n";
		for (auto& [k, v] : config.effective())
			std::cout << k << " = " << v << "\n";
		return 0;
	}
	// DaCHS's two-word form: `meles config web serverPort`.
	if (items.size() == 2 && items[0].find('.') == std::string::npos && is_section(items[0]) &&
	    !is_section(items[1])) {
		auto v = config.lookup(items[0], items[1]);
		if (!v) throw Error(ErrorKind::Name, concat("unknown configuration key [", items[0], "] ", items[1]));
		std::cout << *v << "\n";
		return 0;
	}
	for (auto& item : items) {
		auto [section, key] = resolve_key(item);
		auto v = config.lookup(section, key);
		if (!v) throw Error(ErrorKind::Name, concat("unknown configuration key ", item));
		std::cout << *v << "\n";
	}
	return 0;
}

} // namespace meles::cli
