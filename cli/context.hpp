// cli/context.hpp — what most commands need first: the configuration and logging.
#pragma once

#include "command.hpp"

#include "meles/core/common/error.hpp"

#include "meles/core/config/config.hpp"

#include <filesystem>

namespace meles::cli {

// Loads the configuration named by --config / MELES_CONFIG / the default location.
// A missing file is fine (defaults apply) unless `must_exist`.
Config load_config(const GlobalOptions& global, bool must_exist = false);
// Sets the process's time zone from [general] timezone (execute `at` times, log times); call
// before any thread starts.  Throws Error(Config) for a zone the system does not know.
void apply_timezone(const Config& config);
// Logging to stderr at the configured level (debug with --debug).
void init_cli_logging(const GlobalOptions& global, const Config& config);

} // namespace meles::cli

#include "meles/core/pg/connection.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <memory>

namespace meles::cli {

// An RD store over the configured inputs directory, default meta file and config.  It also
// configures the Python runtime for RD code (threads, time limit, base.getConfig, notify).
std::unique_ptr<rd::RdStore> make_rd_store(const Config& config);
// The Python runtime's settings ([python] threads, nice, jobTimeLimit) and what RD code sees
// of the site (base.getConfig, notifyInfo going to the log).
// `python_threads` > 0 overrides [python] threads (meles test: one per test running at once).
void configure_python(const Config& config, int python_threads = 0);
// Lets RD code open database connections (base.getTableConn and friends) with these
// parameters; commands that never connect (val) do not call it.
void allow_python_database(pg::ConnectParams admin, pg::ConnectParams read_only);

} // namespace meles::cli
