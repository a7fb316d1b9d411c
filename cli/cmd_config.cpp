// meles config — shows the effective configuration, one key, or the documentation.
#include "commands.hpp"
#include "context.hpp"

#include <iostream>

namespace meles::cli {

int cmd_config(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("config", {"doc"}, {});
	args.parse(argv);
	if (args.has("doc")) {
		std::cout << Config::documentation();
		return 0;
	}
	Config config = load_config(global);
	if (args.positionals().empty()) {
		std::cout << "# " << config.file().string() << (config.file_exists() ? "" : " (absent: defaults)")
		          << "\n";
		for (auto& [k, v] : config.effective())
			std::cout << k << " = " << v << "\n";
		return 0;
	}
	for (auto& item : args.positionals()) {
		auto dot = item.find('.');
		if (dot == std::string::npos)
			throw Error(ErrorKind::Validation,
			            concat("name a key as SECTION.KEY (e.g. web.serverPort), not '", item, "'"));
		auto v = config.lookup(item.substr(0, dot), item.substr(dot + 1));
		if (!v) throw Error(ErrorKind::Name, concat("unknown configuration key ", item));
		std::cout << *v << "\n";
	}
	return 0;
}

} // namespace meles::cli
