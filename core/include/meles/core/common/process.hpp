// meles/core/common/process.hpp — running helper programs (initdb, pg_ctl, useradd,
// input pre-filters) without a shell, optionally as another system user.
// Thread-safety: functions are safe to call concurrently.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace meles {

struct RunOptions {
	std::string as_user;                // run as this user (only when we are root); "" = as we are
	std::filesystem::path cwd;          // "" = inherit
	std::vector<std::string> extra_env; // "NAME=value" added to the environment
	std::filesystem::path output_file;  // append stdout+stderr here instead of capturing
	int timeout_seconds = 0;            // 0 = none; on expiry the process is killed
};

struct RunResult {
	int exit_code = -1; // -1 if killed by a signal or timeout
	std::string output; // captured stdout+stderr (when no output_file)
};

// Runs argv[0] (searched in PATH) with the arguments.  Throws Error(Io) if it cannot be
// started; a non-zero exit is reported in the result, not thrown.
RunResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

bool running_as_root();

struct SystemUser {
	unsigned uid = 0;
	unsigned gid = 0;
	std::string home;
};
std::optional<SystemUser> find_system_user(const std::string& name);
// Creates an unprivileged system user (no login shell) if it does not exist.
SystemUser ensure_system_user(const std::string& name);

// Gives `path` to `user` (recursively when asked); no-op when not root.
void chown_to(const std::filesystem::path& path, const std::string& user, bool recursive);
// Switches the whole process to `user` (setgid/initgroups/setuid); only when root.
void drop_privileges(const std::string& user);

} // namespace meles
