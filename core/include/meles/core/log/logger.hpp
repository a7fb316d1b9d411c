// meles/core/log/logger.hpp — logging for the whole code base (the only spdlog user
// is core/src/log).  Messages are plain strings; build them with meles::concat.
// Thread-safety: all functions may be called from any thread.
#pragma once

#include <string>
#include <string_view>

namespace meles::log {

enum class Level { Debug, Info, Warn, Error, Off };

struct Options {
	Level level = Level::Info;
	std::string file;        // empty: stderr
	std::string access_file; // empty: access log goes to the main log
};

// Reconfigures the sinks; safe to call more than once (e.g. after daemonising).
void init(const Options& options);
Level parse_level(std::string_view name); // "debug", "info", "warning"/"warn", "error", "off"

void debug(std::string_view message);
void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);
// One line per HTTP request.
void access(std::string_view line);
void flush();

} // namespace meles::log
