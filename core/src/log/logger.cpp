#include "meles/core/log/logger.hpp"

#include "meles/core/common/error.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

namespace meles::log {

namespace {

std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_main;
std::shared_ptr<spdlog::logger> g_access;

spdlog::level::level_enum to_spd(Level l) {
	switch (l) {
	case Level::Debug:
		return spdlog::level::debug;
	case Level::Info:
		return spdlog::level::info;
	case Level::Warn:
		return spdlog::level::warn;
	case Level::Error:
		return spdlog::level::err;
	case Level::Off:
		return spdlog::level::off;
	}
	return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name, const std::string& file) {
	std::shared_ptr<spdlog::logger> l;
	if (file.empty())
		l = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
	else
		l = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
	l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
	return l;
}

std::shared_ptr<spdlog::logger> main_logger() {
	std::lock_guard lock(g_mutex);
	if (!g_main) {
		g_main = make_logger("meles", "");
		g_main->set_level(spdlog::level::info);
	}
	return g_main;
}

} // namespace

void init(const Options& options) {
	std::shared_ptr<spdlog::logger> m, a;
	try {
		m = make_logger("meles", options.file);
		a = options.access_file.empty() ? m : make_logger("access", options.access_file);
	} catch (const spdlog::spdlog_ex& e) {
		throw Error(ErrorKind::Io, concat("cannot open log file: ", e.what()));
	}
	m->set_level(to_spd(options.level));
	m->flush_on(spdlog::level::warn);
	if (a != m) a->set_pattern("%v");
	std::lock_guard lock(g_mutex);
	// Registered loggers are flushed once a second by spdlog's flusher thread, so the
	// access log is current without a flush per request.
	spdlog::drop_all();
	spdlog::register_logger(m);
	if (a != m) spdlog::register_logger(a);
	spdlog::flush_every(std::chrono::seconds(1));
	g_main = m;
	g_access = a;
}

Level parse_level(std::string_view name) {
	if (name == "debug") return Level::Debug;
	if (name == "info") return Level::Info;
	if (name == "warn" || name == "warning") return Level::Warn;
	if (name == "error") return Level::Error;
	if (name == "off") return Level::Off;
	throw Error(ErrorKind::Validation,
	            concat("unknown log level '", name, "' (use debug, info, warning, error, off)"));
}

void debug(std::string_view m) {
	main_logger()->debug(m);
}
void info(std::string_view m) {
	main_logger()->info(m);
}
void warn(std::string_view m) {
	main_logger()->warn(m);
}
void error(std::string_view m) {
	main_logger()->error(m);
}

void access(std::string_view line) {
	std::shared_ptr<spdlog::logger> a;
	{
		std::lock_guard lock(g_mutex);
		a = g_access;
	}
	if (a)
		a->info(line);
	else
		main_logger()->info(line);
}

void flush() {
	main_logger()->flush();
	std::lock_guard lock(g_mutex);
	if (g_access) g_access->flush();
}

} // namespace meles::log
