// meles serve — the daemon.  `meles serve` runs in the foreground (logs to stderr);
// `meles serve start|stop|reload|status` manage it in the background with a pid file.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/common/process.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/net/http.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/services/app/app.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

namespace fs = std::filesystem;

namespace meles::cli {

namespace {

fs::path pid_file(const Config& c) {
	return c.get_path("general", "tmpDir") / "meles.pid";
}

pid_t read_pid(const Config& c) {
	std::ifstream in(pid_file(c));
	pid_t pid = 0;
	if (!(in >> pid) || pid <= 0) return 0;
	if (kill(pid, 0) != 0 && errno == ESRCH) return 0; // stale
	return pid;
}

net::ServerOptions server_options(const Config& c, std::optional<int> port_override) {
	net::ServerOptions o;
	o.address = c.get("web", "bindAddress");
	o.port = static_cast<uint16_t>(port_override ? *port_override : c.get_int("web", "serverPort"));
	o.io_threads = static_cast<int>(c.get_int("web", "ioThreads"));
	o.workers = static_cast<int>(c.get_int("web", "workers"));
	o.read_timeout = std::chrono::seconds(c.get_int("web", "readTimeout"));
	o.idle_timeout = std::chrono::seconds(c.get_int("web", "idleTimeout"));
	o.write_timeout = std::chrono::seconds(c.get_int("web", "writeTimeout"));
	o.max_client_requests = static_cast<int>(c.get_int("web", "maxClientRequests"));
	o.shutdown_grace = std::chrono::seconds(c.get_int("web", "shutdownGrace"));
	return o;
}

// Runs the daemon in this process.  `ready(port)` is called once it listens (to tell a
// waiting parent), after which errors are only logged.
int serve(const Config& config, std::optional<int> port, const std::function<void(uint16_t)>& ready) {
	pg::Database db(config);
	db.ensure_running(); // as root this still may start the cluster as its user
	net::ServerOptions opts = server_options(config, port);
	std::unique_ptr<services::Context> ctx;
	std::unique_ptr<services::App> app;
	net::Server server(opts, [&](net::Request& q, net::Response& r) { app->handle(q, r); });
	server.listen();
	if (running_as_root()) drop_privileges(config.get("general", "user"));
	ctx = std::make_unique<services::Context>(config, db);
	configure_python(config);
	allow_python_database(db.admin(), db.read_only());
	// Fail early and clearly if the database is unreachable or not initialised.
	{
		auto lease = ctx->read_pool.acquire();
		lease->exec("SELECT 1");
	}
	app = std::make_unique<services::App>(*ctx);
	server.on_reload = [&] { app->reload(); };
	log::info(concat("meles serving on http://", opts.address, ":", std::to_string(server.port()),
	                 "/ (public URL ", config.server_url(), ")"));
	ready(server.port());
	server.run();
	log::info("meles stopped");
	log::flush();
	return 0;
}

int serve_start(const GlobalOptions& global, const Config& config, std::optional<int> port) {
	if (pid_t pid = read_pid(config)) {
		std::cout << "meles is already running (pid " << pid << ")\n";
		return 0;
	}
	fs::path logdir = config.get_path("general", "logDir");
	fs::create_directories(logdir);
	fs::create_directories(pid_file(config).parent_path());
	// Close-on-exec: the embedded database the daemon may start (pg_ctl, postgres) must not
	// inherit the write end, or this parent would wait for its EOF as long as PostgreSQL runs
	// (and systemd's start of the unit would time out).
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) throw Error(ErrorKind::Io, "pipe failed");
	pid_t child = fork();
	if (child < 0) throw Error(ErrorKind::Io, "fork failed");
	if (child > 0) {
		close(pipefd[1]);
		std::string msg;
		char buf[512];
		ssize_t n;
		while ((n = read(pipefd[0], buf, sizeof buf)) > 0)
			msg.append(buf, static_cast<size_t>(n));
		close(pipefd[0]);
		if (msg.rfind("ok ", 0) == 0) {
			std::cout << "meles is running on " << config.server_url() << "/ (pid " << msg.substr(3) << ")\n"
			          << "logs: " << logdir.string()
			          << "/meles.log, access.log; stop with `meles serve stop`\n";
			return 0;
		}
		int status = 0;
		waitpid(child, &status, 0);
		throw Error(ErrorKind::Io, msg.empty() ? std::string("the daemon exited during start-up; see ") +
		                                             (logdir / "meles.log").string()
		                                       : msg);
	}
	// child: become a daemon
	close(pipefd[0]);
	setsid();
	if (fork() > 0) _exit(0);
	int devnull = open("/dev/null", O_RDWR);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	auto report = [&](const std::string& m) {
		if (pipefd[1] >= 0) {
			if (write(pipefd[1], m.data(), m.size()) < 0) { /* parent gone */
			}
			close(pipefd[1]);
			pipefd[1] = -1;
		}
	};
	try {
		log::Options lo;
		lo.level = global.debug ? log::Level::Debug : log::parse_level(config.get("general", "logLevel"));
		lo.file = (logdir / "meles.log").string();
		lo.access_file = (logdir / "access.log").string();
		log::init(lo);
		if (running_as_root()) chown_to(logdir, config.get("general", "user"), true);
		int rc = serve(config, port, [&](uint16_t) {
			std::ofstream(pid_file(config)) << getpid() << "\n";
			report("ok " + std::to_string(getpid()));
		});
		std::error_code ec;
		fs::remove(pid_file(config), ec);
		_exit(rc);
	} catch (const std::exception& e) {
		log::error(e.what());
		report(e.what());
		_exit(1);
	}
}

int serve_stop(const Config& config) {
	pid_t pid = read_pid(config);
	if (!pid) {
		std::cout << "meles is not running\n";
		return 0;
	}
	kill(pid, SIGTERM);
	auto grace = std::chrono::seconds(config.get_int("web", "shutdownGrace") + 10);
	auto until = std::chrono::steady_clock::now() + grace;
	while (kill(pid, 0) == 0 && std::chrono::steady_clock::now() < until)
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	if (kill(pid, 0) == 0) {
		kill(pid, SIGKILL);
		std::cout << "meles did not stop in time and was killed (pid " << pid << ")\n";
	} else {
		std::cout << "meles stopped (pid " << pid << ")\n";
	}
	std::error_code ec;
	fs::remove(pid_file(config), ec);
	return 0;
}

} // namespace

int cmd_serve(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("serve", {}, {"port"});
	args.parse(argv);
	std::optional<int> port;
	if (auto p = args.value("port")) {
		try {
			port = std::stoi(*p);
		} catch (...) {
			throw Error(ErrorKind::Validation, concat("--port needs a number, not '", *p, "'"));
		}
	}
	std::string action = args.positionals().empty() ? "" : args.positionals()[0];
	Config config = load_config(global, true);
	// --port also moves the advertised URLs (capabilities, job URLs) unless serverURL is set.
	if (port && *port > 0) config.set("web", "serverPort", std::to_string(*port));
	if (action.empty() || action == "debug") {
		init_cli_logging(global, config);
		return serve(config, port, [](uint16_t) {});
	}
	if (action == "start") return serve_start(global, config, port);
	if (action == "stop") return serve_stop(config);
	if (action == "reload" || action == "status") {
		pid_t pid = read_pid(config);
		if (!pid) {
			std::cout << "meles is not running\n";
			return 3;
		}
		if (action == "reload") {
			kill(pid, SIGHUP);
			std::cout << "asked meles (pid " << pid << ") to reload\n";
		} else {
			std::cout << "meles is running (pid " << pid << ") on " << config.server_url() << "/\n";
		}
		return 0;
	}
	throw Error(ErrorKind::Validation,
	            concat("unknown action '", action, "'; use start, stop, reload or status"));
}

} // namespace meles::cli
