#include "meles/core/common/process.hpp"

#include "meles/core/common/error.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace fs = std::filesystem;

namespace meles {

extern "C" char** environ;

bool running_as_root() {
	return geteuid() == 0;
}

std::optional<SystemUser> find_system_user(const std::string& name) {
	struct passwd pw, *res = nullptr;
	char buf[4096];
	if (getpwnam_r(name.c_str(), &pw, buf, sizeof buf, &res) != 0 || !res) return std::nullopt;
	return SystemUser{res->pw_uid, res->pw_gid, res->pw_dir ? res->pw_dir : ""};
}

SystemUser ensure_system_user(const std::string& name) {
	if (auto u = find_system_user(name)) return *u;
	if (!running_as_root())
		throw Error(ErrorKind::Permission,
		            concat("system user '", name, "' does not exist and only root can create it"));
	auto r =
	    run_process({"useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
	                 "--shell", "/usr/sbin/nologin", "--comment", "Meles data publication server", name});
	if (r.exit_code != 0)
		throw Error(ErrorKind::Io, concat("could not create system user '", name, "': ", r.output));
	auto u = find_system_user(name);
	if (!u) throw Error(ErrorKind::Io, concat("system user '", name, "' still missing after useradd"));
	return *u;
}

void chown_to(const fs::path& path, const std::string& user, bool recursive) {
	if (!running_as_root()) return;
	auto u = find_system_user(user);
	if (!u) throw Error(ErrorKind::NotFound, concat("no system user '", user, "'"));
	auto one = [&](const fs::path& p) {
		if (lchown(p.c_str(), u->uid, u->gid) != 0)
			throw Error(ErrorKind::Io,
			            concat("cannot change owner of ", p.string(), ": ", std::strerror(errno)));
	};
	one(path);
	if (recursive && fs::is_directory(path))
		for (auto& e : fs::recursive_directory_iterator(path))
			one(e.path());
}

void drop_privileges(const std::string& user) {
	if (!running_as_root()) return;
	auto u = find_system_user(user);
	if (!u) throw Error(ErrorKind::NotFound, concat("no system user '", user, "' to run as"));
	if (initgroups(user.c_str(), u->gid) != 0 || setgid(u->gid) != 0 || setuid(u->uid) != 0)
		throw Error(ErrorKind::Permission,
		            concat("cannot switch to user '", user, "': ", std::strerror(errno)));
}

RunResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
	if (argv.empty()) throw Error(ErrorKind::Internal, "run_process without a program");
	std::optional<SystemUser> user;
	if (!options.as_user.empty() && running_as_root()) {
		user = find_system_user(options.as_user);
		if (!user) throw Error(ErrorKind::NotFound, concat("no system user '", options.as_user, "'"));
	}
	int pipefd[2] = {-1, -1};
	if (options.output_file.empty() && pipe2(pipefd, O_CLOEXEC) != 0)
		throw Error(ErrorKind::Io, concat("pipe: ", std::strerror(errno)));

	std::vector<std::string> envs;
	for (char** e = environ; *e; ++e)
		envs.emplace_back(*e);
	for (auto& e : options.extra_env)
		envs.push_back(e);
	std::vector<char*> envp, args;
	for (auto& e : envs)
		envp.push_back(e.data());
	envp.push_back(nullptr);
	std::vector<std::string> argcopy = argv;
	for (auto& a : argcopy)
		args.push_back(a.data());
	args.push_back(nullptr);

	pid_t pid = fork();
	if (pid < 0) throw Error(ErrorKind::Io, concat("fork: ", std::strerror(errno)));
	if (pid == 0) {
		// child: only async-signal-safe calls from here on
		int out = -1;
		if (!options.output_file.empty()) {
			out = open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
			if (out < 0) _exit(126);
			if (user && fchown(out, user->uid, user->gid) != 0) { /* best effort */
			}
		} else {
			out = pipefd[1];
		}
		dup2(out, 1);
		dup2(out, 2);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0) dup2(devnull, 0);
		if (user) {
			if (setgid(user->gid) != 0 || setgroups(0, nullptr) != 0 || setuid(user->uid) != 0) _exit(126);
		}
		if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
		setsid();
		execvpe(args[0], args.data(), envp.data());
		_exit(127);
	}
	RunResult result;
	if (pipefd[1] >= 0) close(pipefd[1]);
	auto start = std::chrono::steady_clock::now();
	bool killed = false;
	if (pipefd[0] >= 0) {
		char buf[4096];
		for (;;) {
			int wait_ms = -1;
			if (options.timeout_seconds > 0) {
				auto left = std::chrono::seconds(options.timeout_seconds) -
				            (std::chrono::steady_clock::now() - start);
				wait_ms = static_cast<int>(
				    std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(left).count()));
			}
			pollfd p{pipefd[0], POLLIN, 0};
			int pr = poll(&p, 1, wait_ms);
			if (pr == 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				killed = true;
				break;
			}
			if (pr < 0 && errno == EINTR) continue;
			ssize_t n = read(pipefd[0], buf, sizeof buf);
			if (n < 0 && errno == EINTR) continue;
			if (n <= 0) break;
			if (result.output.size() < (1 << 20)) result.output.append(buf, static_cast<size_t>(n));
		}
		close(pipefd[0]);
	}
	int status = 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, options.timeout_seconds > 0 && !killed ? WNOHANG : 0);
		if (w == pid) break;
		if (w < 0 && errno == EINTR) continue;
		if (w < 0) throw Error(ErrorKind::Io, concat("waitpid: ", std::strerror(errno)));
		// WNOHANG without exit yet (output went to a file): poll the clock
		if (std::chrono::steady_clock::now() - start > std::chrono::seconds(options.timeout_seconds)) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = true;
		} else {
			usleep(20000);
		}
	}
	if (WIFEXITED(status) && !killed) {
		result.exit_code = WEXITSTATUS(status);
		if (result.exit_code == 127)
			throw Error(ErrorKind::Io, concat("cannot run '", argv[0], "': program not found"));
	}
	return result;
}

} // namespace meles
