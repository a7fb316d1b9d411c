#include "context.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/log/logger.hpp"

namespace meles::cli {

Config load_config(const GlobalOptions& global, bool must_exist) {
	auto path = Config::default_path(global.config_path);
	if (must_exist && !std::filesystem::exists(path))
		throw Error(ErrorKind::NotFound, concat("no configuration at ", path.string(),
		                                        "; run `meles init` first (or set MELES_CONFIG)"));
	return Config::load_or_defaults(path);
}

void init_cli_logging(const GlobalOptions& global, const Config& config) {
	log::Options o;
	o.level = global.debug ? log::Level::Debug : log::parse_level(config.get("general", "logLevel"));
	log::init(o);
}

} // namespace meles::cli

namespace meles::cli {

std::unique_ptr<rd::RdStore> make_rd_store(const Config& config) {
	return std::make_unique<rd::RdStore>(rd::store_options(config));
}

} // namespace meles::cli
