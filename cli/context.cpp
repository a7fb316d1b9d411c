#include "context.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/python/runtime.hpp"

#include <chrono>
#include <cstdlib>
#include <ctime>

namespace meles::cli {

Config load_config(const GlobalOptions& global, bool must_exist) {
	auto path = Config::default_path(global.config_path);
	if (must_exist && !std::filesystem::exists(path))
		throw Error(ErrorKind::NotFound, concat("no configuration at ", path.string(),
		                                        "; run `meles init` first (or set MELES_CONFIG)"));
	return Config::load_or_defaults(path);
}

void apply_timezone(const Config& config) {
	std::string zone = config.get("general", "timezone");
	if (zone.empty()) return;
	// glibc quietly takes an unknown name as UTC: refuse it instead.
	bool known = zone == "UTC" ||
	             (zone.find("..") == std::string::npos && !zone.starts_with("/") &&
	              std::filesystem::is_regular_file(std::filesystem::path("/usr/share/zoneinfo") / zone));
	if (!known)
		throw Error(ErrorKind::Validation,
		            concat("[general] timezone: unknown time zone '", zone,
		                   "' (an IANA name such as Europe/Berlin or UTC, from /usr/share/zoneinfo)"));
	setenv("TZ", zone.c_str(), 1);
	tzset();
}

void init_cli_logging(const GlobalOptions& global, const Config& config) {
	log::Options o;
	o.level = global.debug ? log::Level::Debug : log::parse_level(config.get("general", "logLevel"));
	log::init(o);
}

} // namespace meles::cli

namespace meles::cli {

namespace {

rd::python::RuntimeOptions python_options(const Config& config) {
	rd::python::RuntimeOptions o;
	o.threads = static_cast<int>(config.get_int("python", "threads"));
	o.nice = static_cast<int>(config.get_int("python", "nice"));
	o.job_time_limit = std::chrono::seconds(config.get_int("python", "jobTimeLimit"));
	o.request_time_limit = std::chrono::seconds(config.get_int("async", "defaultExecTimeSync"));
	o.server_url = config.server_url();
	// base.getConfig(section, key): Meles's keys where they exist (DaCHS's names mostly agree:
	// inputsDir, serverURL, authority); unknown ones are None to the code.
	o.config = [config](std::string_view section, std::string_view key) -> std::optional<std::string> {
		return config.lookup(section.empty() ? "general" : section, key);
	};
	o.notify = [](std::string_view level, std::string_view message) {
		if (level == "warning" || level == "error")
			log::warn(message);
		else
			log::info(message);
	};
	return o;
}

rd::python::RuntimeOptions g_python_options;

} // namespace

void configure_python(const Config& config, int python_threads) {
	g_python_options = python_options(config);
	if (python_threads > 0) g_python_options.threads = python_threads;
	rd::python::configure(g_python_options);
}

std::unique_ptr<rd::RdStore> make_rd_store(const Config& config) {
	configure_python(config);
	return std::make_unique<rd::RdStore>(rd::store_options(config));
}

void allow_python_database(pg::ConnectParams admin, pg::ConnectParams read_only) {
	g_python_options.connect = [admin = std::move(admin),
	                            read_only = std::move(read_only)](rd::python::DbRole role) {
		return std::make_unique<pg::Connection>(role == rd::python::DbRole::Admin ? admin : read_only);
	};
	rd::python::configure(g_python_options);
}

} // namespace meles::cli
