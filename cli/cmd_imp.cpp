// meles imp / meles drop — loading RDs' data into the database and removing it again.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/log/logger.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/rd/ingest/importer.hpp"
#include "meles/services/registry/publisher.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace meles::cli {

namespace {

std::string thousands(uint64_t n) {
	std::string s = std::to_string(n), out;
	for (size_t i = 0; i < s.size(); ++i) {
		if (i && (s.size() - i) % 3 == 0) out += ',';
		out += s[i];
	}
	return out;
}

// On a terminal: a one-line progress bar redrawn in place; otherwise a log line every 10 s.
class ProgressPrinter {
public:
	ProgressPrinter() : tty_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}
	void operator()(const rd::ingest::ImportProgress& p) {
		auto now = std::chrono::steady_clock::now();
		double secs = std::chrono::duration<double>(now - start_).count();
		if (p.table != table_) {
			table_ = p.table;
			start_ = now;
			secs = 0;
		}
		std::string line = concat(p.table, ": ", thousands(p.rows), " rows");
		if (secs > 0.5 && p.phase == "reading")
			line += concat(", ", thousands(static_cast<uint64_t>(p.rows / secs)), " rows/s");
		if (p.bytes_total && p.phase == "reading")
			line += concat(", ", std::to_string(std::min<uint64_t>(100, p.bytes_read * 100 / p.bytes_total)),
			               "%");
		if (p.phase != "reading") line += concat(", ", p.phase);
		if (tty_) {
			std::fprintf(stderr, "\r%-78s", line.c_str());
			std::fflush(stderr);
			dirty_ = true;
		} else if (now - last_log_ > std::chrono::seconds(10)) {
			last_log_ = now;
			log::info(line);
		}
	}
	void done() {
		if (dirty_) std::fprintf(stderr, "\r%-78s\r", "");
		dirty_ = false;
	}

private:
	bool tty_;
	bool dirty_ = false;
	std::string table_;
	std::chrono::steady_clock::time_point start_, last_log_{};
};

} // namespace

int cmd_imp(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("imp", {"meta-only", "continue-bad", "system"}, {"max-rows"});
	args.alias("m", "meta-only");
	args.alias("c", "continue-bad");
	args.alias("keep-going", "continue-bad");
	args.alias("s", "system");
	args.alias("M", "max-rows");
	args.parse(argv);
	if (args.positionals().empty())
		throw Error(ErrorKind::Validation, "usage: meles imp RD [DATA-ID...] (see --help)");
	Config config = load_config(global, true);
	init_cli_logging(global, config);
	auto store = make_rd_store(config);
	pg::Database db(config);
	db.ensure_running();
	pg::Connection conn(db.admin());
	allow_python_database(db.admin(), db.read_only());

	rd::ingest::ImportOptions opts;
	opts.data_ids.assign(args.positionals().begin() + 1, args.positionals().end());
	opts.meta_only = args.has("meta-only");
	opts.skip_bad_rows = args.has("continue-bad");
	opts.allow_system = args.has("system");
	opts.read_role = db.read_role();
	opts.server_url = config.server_url();
	opts.authority = config.get("ivoa", "authority");
	if (auto m = args.value("max-rows")) {
		try {
			opts.max_rows = std::stoull(*m);
		} catch (...) {
			throw Error(ErrorKind::Validation, concat("--max-rows needs a number, not '", *m, "'"));
		}
	}
	ProgressPrinter printer;
	opts.progress = [&](const rd::ingest::ImportProgress& p) { printer(p); };
	// Every skipped record as it is met (file order), not only a first few at the end.
	opts.skipped = [&](const std::string&, const std::string& message) {
		printer.done();
		std::cout << "skipped: " << message << "\n";
	};
	opts.warning = [&](const std::string& message) {
		printer.done();
		std::cerr << "warning: " << message << "\n";
	};
	rd::ingest::Importer importer(conn, *store);
	rd::ingest::ImportReport report;
	try {
		report = importer.import(args.positionals()[0], opts);
	} catch (...) {
		printer.done();
		throw;
	}
	printer.done();
	if (!report.nothing_to_do.empty()) {
		std::cout << report.nothing_to_do << "\n";
		return 0;
	}
	double secs = report.duration.count() / 1000.0;
	for (auto& t : report.tables) {
		if (!t.data_imported) {
			// -m (or a view): this import wrote no rows, so say what the table holds instead.
			std::cout << t.table << ": metadata updated";
			if (t.rows_in_table)
				std::cout << " (about " << thousands(static_cast<uint64_t>(*t.rows_in_table)) << " rows)";
			std::cout << "\n";
			continue;
		}
		std::cout << t.table << ": " << thousands(t.rows) << " rows";
		if (t.skipped) std::cout << ", " << thousands(t.skipped) << " bad records skipped (listed above)";
		std::cout << "\n";
	}
	// The skipped records again where an operator looks last: a corrupt file among thousands
	// of good ones scrolls away with the progress lines.
	for (auto& t : report.tables) {
		if (!t.skipped) continue;
		std::cout << "skipped in " << t.table << ":\n";
		for (auto& m : t.first_problems)
			std::cout << "  " << m << "\n";
		if (t.skipped > t.first_problems.size())
			std::cout << "  ... and " << thousands(t.skipped - t.first_problems.size()) << " more (above)\n";
	}
	std::cout << "imported in "
	          << (secs < 10 ? std::to_string(static_cast<int>(secs * 100) / 100.0).substr(0, 4)
	                        : std::to_string(static_cast<int>(secs)))
	          << " s\n";
	return 0;
}

int cmd_drop(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("drop", {"system", "all"}, {});
	args.alias("s", "system");
	args.parse(argv);
	if (args.positionals().empty())
		throw Error(ErrorKind::Validation, "usage: meles drop [--all] [--system] RD...");
	Config config = load_config(global, true);
	init_cli_logging(global, config);
	auto store = make_rd_store(config);
	pg::Database db(config);
	db.ensure_running();
	pg::Connection conn(db.admin());
	rd::ingest::Importer importer(conn, *store);
	for (auto& rd : args.positionals()) {
		auto report = importer.drop(rd, rd::ingest::DropOptions{args.has("system"), args.has("all")});
		if (report.dropped.empty()) std::cout << rd << ": nothing to drop\n";
		for (auto& t : report.dropped)
			std::cout << "dropped " << t << "\n";
		for (auto& t : report.kept)
			std::cout << "kept " << t << " (made only by data elements with auto=\"False\"; meles drop --all "
			          << rd << " drops it)\n";
		// what is gone is no longer offered: its registry records become deleted ones
		std::string rd_id = rd.starts_with("//") ? rd : store->rd_id_without_file(rd);
		if (conn.exec("SELECT to_regclass('meles.resources') IS NOT NULL").get(0, 0) == "t") {
			auto gone = services::registry::unpublish(config, *store, conn, {rd_id});
			for (auto& o : gone.outcomes)
				for (auto& i : o.store.deleted)
					std::cout << "unpublished " << i << "\n";
		}
	}
	return 0;
}

} // namespace meles::cli
