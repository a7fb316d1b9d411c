// meles exec — runs one execute job of an RD by hand (DaCHS's `dachs adm execute`), in this
// process; `--status` shows what the daemon's scheduler recorded of an RD's jobs.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/common/time.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/rd/model/resource.hpp"
#include "meles/services/execute/scheduler.hpp"

#include <iostream>

namespace meles::cli {

const std::string_view exec_usage =
    "usage: meles exec RD#JOB\n"
    "       meles exec --status [RD]\n\n"
    "Runs the execute element JOB (its id, or its title) of RD (an id or a path) now, in this\n"
    "process, as DaCHS's `dachs adm execute` does; the exit status is 0 when the job succeeded,\n"
    "1 when it raised (the message names the RD line) or passed [python] jobTimeLimit.  The\n"
    "run is recorded beside the daemon's runs.  --status lists the RD's jobs (all RDs' without\n"
    "RD) with their schedule and what the daemon recorded: last run, its outcome and error,\n"
    "next run, counts of runs, failures and runs skipped because the job was still running.\n"
    "Times are in [general] timezone (docs/execute.md).\n";

namespace {

std::string when(const std::optional<services::execute::TimePoint>& t) {
	return t ? format_local(*t) : "-";
}

int status(const Config& config, rd::RdStore& store, const std::string& rd_arg) {
	std::string rd_id = rd_arg.empty() ? "" : store.rd_id_without_file(rd_arg);
	std::vector<services::execute::JobRecord> jobs;
	std::shared_ptr<const rd::Resource> rd;
	if (!rd_id.empty()) {
		try {
			rd = store.get(rd_arg);
			rd_id = rd->rd_id;
		} catch (const Error& e) {
			std::cerr << "meles: " << e.full_message() << " (showing what is recorded)\n";
		}
	}
	pg::Database db(config);
	db.ensure_running();
	pg::Connection conn(db.admin());
	services::execute::ensure_schema(conn);
	auto records = services::execute::load_records(conn, rd_id);
	// The RD's jobs as it defines them now, with their records if any.
	if (rd)
		for (size_t i = 0; i < rd->executes.size(); ++i) {
			services::execute::JobRecord r;
			r.rd_id = rd->rd_id;
			r.job = services::execute::job_key(rd->executes[i], i);
			r.title = rd->executes[i].title;
			r.schedule = services::execute::describe_schedule(rd->executes[i]);
			for (auto& rec : records)
				if (rec.job == r.job) r = rec;
			jobs.push_back(r);
		}
	else
		jobs = records;
	if (jobs.empty()) {
		std::cout << (rd_id.empty() ? std::string("no execute jobs recorded\n")
		                            : concat("RD ", rd_id, " has no execute jobs\n"));
		return 0;
	}
	for (auto& r : jobs) {
		std::cout << r.rd_id << "#" << r.job
		          << (r.title.empty() || r.title == r.job ? "" : " '" + r.title + "'") << " (" << r.schedule
		          << ")\n"
		          << "  last run: " << when(r.last_start) << ", " << r.outcome;
		if (r.last_start && r.last_end && r.outcome != "running")
			std::cout
			    << " after "
			    << std::chrono::duration_cast<std::chrono::milliseconds>(*r.last_end - *r.last_start).count()
			    << " ms";
		std::cout << "\n  next run: " << when(r.next_run) << "\n  runs: " << r.runs
		          << ", failed: " << r.failures << ", skipped (still running): " << r.skipped << "\n";
		if (!r.error.empty()) std::cout << "  last error: " << r.error << "\n";
	}
	return 0;
}

} // namespace

int cmd_exec(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("exec", {"status"}, {});
	args.alias("s", "status");
	args.parse(argv);
	Config config = load_config(global, true);
	apply_timezone(config);
	init_cli_logging(global, config);
	auto store = make_rd_store(config);
	if (args.has("status")) {
		if (args.positionals().size() > 1)
			throw Error(ErrorKind::Validation, "usage: meles exec --status [RD]");
		return status(config, *store, args.positionals().empty() ? "" : args.positionals()[0]);
	}
	if (args.positionals().size() != 1)
		throw Error(ErrorKind::Validation, "usage: meles exec RD#JOB (see meles exec --help)");
	std::string arg = args.positionals()[0];
	auto hash = arg.rfind('#');
	if (hash == std::string::npos || hash + 1 == arg.size()) {
		auto rd = store->get(arg);
		std::vector<std::string> names;
		for (size_t i = 0; i < rd->executes.size(); ++i)
			names.push_back(services::execute::job_key(rd->executes[i], i));
		throw Error(ErrorKind::Validation,
		            names.empty()
		                ? concat("RD ", rd->rd_id, " has no execute elements")
		                : concat("name the job as RD#JOB; RD ", rd->rd_id, " has: ", join(names, ", ")));
	}
	auto rd = store->get(arg.substr(0, hash));
	size_t index = 0;
	const rd::ExecuteDef& job = services::execute::find_job(*rd, arg.substr(hash + 1), index);
	pg::Database db(config);
	db.ensure_running();
	allow_python_database(db.admin(), db.read_only());
	pg::Connection conn(db.admin());
	services::execute::run_by_hand(&conn, rd, job, index);
	std::cout << "ran " << rd->rd_id << "#" << services::execute::job_key(job, index) << "\n";
	return 0;
}

} // namespace meles::cli
