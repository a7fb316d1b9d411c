// meles limits — column statistics and coverage of an RD's tables (rd/limits).
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/rd/limits/limits.hpp"
#include "meles/services/registry/publisher.hpp"

#include <cstdio>
#include <iostream>

namespace meles::cli {

const std::string_view limits_usage =
    "usage: meles limits [-t] [-s PERCENT] [-d] RD [TABLE]\n\n"
    "Computes column statistics of the RD's tables (all its onDisk tables, or TABLE) from the\n"
    "data in the database: minimum, maximum, the 3/50/97 % percentiles, the fill factor and,\n"
    "for columns with <property key=\"statistics\">enumerate</property>, the frequency of each\n"
    "value; and the RD's coverage as its <coverage><updater sourceTable=... [mocOrder=N]/>\n"
    "asks: a MOC of the positions (ICRS, order mocOrder, default 6), the time interval (MJD)\n"
    "and the spectral interval (J).  Results are stored in the database, where registry\n"
    "records (meles pub), VOSI and TAP_SCHEMA (row counts) and info pages take them from.\n"
    "Columns with statistics=\"no\" are left out; views only with property forceStats.\n\n"
    "  -t, --rows-only      only count the rows\n"
    "  -s, --sample P       use P percent of the rows for percentiles and frequencies (default:\n"
    "                       all up to a million rows, then fewer); minimum, maximum, fill\n"
    "                       factor and the MOC always come from every row\n"
    "  -d, --dump           print what is stored, compute nothing\n";

namespace {

std::string num(double v) {
	char buf[64];
	std::snprintf(buf, sizeof buf, "%.10g", v);
	return buf;
}

void print_stats(const rd::limits::TableStats& s) {
	std::cout << s.table << ": " << s.rows << " rows";
	if (s.sample_percent < 100) std::cout << " (percentiles from a " << num(s.sample_percent) << " % sample)";
	std::cout << "\n";
	for (auto& c : s.columns) {
		std::cout << "  " << c.column << ": fill " << num(c.fill_factor);
		if (c.min_value) std::cout << ", min " << *c.min_value;
		if (c.max_value) std::cout << ", max " << *c.max_value;
		if (c.median)
			std::cout << ", percentiles 3/50/97 % " << num(*c.percentile03) << " " << num(*c.median) << " "
			          << num(*c.percentile97);
		std::cout << "\n";
		for (auto& [v, share] : c.discrete_values)
			std::cout << "    " << v << ": " << num(share) << "\n";
	}
}

void print_coverage(const rd::limits::Coverage& c) {
	std::cout << "coverage of " << c.rd_id << ":\n";
	if (c.spatial)
		std::cout << "  spatial (order " << c.moc_order << ", " << num(c.spatial->sky_fraction() * 100)
		          << " % of the sky): " << excerpt(c.spatial->to_ascii(), 200) << "\n";
	for (auto& [a, b] : c.temporal)
		std::cout << "  temporal (MJD): " << num(a) << " " << num(b) << "\n";
	for (auto& [a, b] : c.spectral)
		std::cout << "  spectral (J): " << num(a) << " " << num(b) << "\n";
	if (c.empty()) std::cout << "  (nothing)\n";
}

} // namespace

int cmd_limits(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("limits", {"rows-only", "dump"}, {"sample"});
	args.alias("t", "rows-only");
	args.alias("s", "sample");
	args.alias("d", "dump");
	args.parse(argv);
	if (args.positionals().empty() || args.positionals().size() > 2)
		throw Error(ErrorKind::Validation,
		            "usage: meles limits [-t] [-s PERCENT] [-d] RD [TABLE] (see --help)");
	Config config = load_config(global, true);
	init_cli_logging(global, config);
	auto store = make_rd_store(config);
	// RD#table is accepted too, as DaCHS writes it
	std::string rd_arg = args.positionals()[0];
	std::optional<std::string> table;
	if (args.positionals().size() == 2) table = args.positionals()[1];
	if (auto hash = rd_arg.find('#'); hash != std::string::npos && !rd_arg.starts_with("//")) {
		if (table)
			throw Error(ErrorKind::Validation,
			            "give the table either as RD#TABLE or as a second argument, not both");
		table = rd_arg.substr(hash + 1);
		rd_arg = rd_arg.substr(0, hash);
	}
	auto rd = store->get(rd_arg);
	pg::Database db(config);
	db.ensure_running();
	pg::Connection conn(db.admin());

	if (args.has("dump")) {
		bool any = false;
		for (auto& t : rd->tables) {
			if (!t.on_disk || (table && t.id != *table)) continue;
			if (auto s = rd::limits::load_table_stats(conn, t.qualified_name())) {
				print_stats(*s);
				any = true;
			}
		}
		if (auto c = rd::limits::load_coverage(conn, rd->rd_id)) {
			print_coverage(*c);
			any = true;
		}
		if (!any) std::cout << rd->rd_id << ": no statistics stored; run meles limits " << rd->rd_id << "\n";
		return 0;
	}

	rd::limits::Options o;
	o.rows_only = args.has("rows-only");
	if (auto s = args.value("sample")) {
		try {
			size_t used = 0;
			o.sample_percent = std::stod(*s, &used);
			if (used != s->size()) throw std::invalid_argument(*s);
		} catch (...) {
			throw Error(ErrorKind::Validation,
			            concat("--sample needs a percentage (0 < P <= 100), not '", *s, "'"));
		}
		if (!(*o.sample_percent > 0 && *o.sample_percent <= 100))
			throw Error(ErrorKind::Validation,
			            concat("--sample needs a percentage (0 < P <= 100), not '", *s, "'"));
	}
	o.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
	o.connect = [&db] { return std::make_unique<pg::Connection>(db.admin()); };
	auto report = rd::limits::run(conn, *rd, table, o);
	for (auto& s : report.tables)
		print_stats(s);
	if (report.coverage) print_coverage(*report.coverage);
	for (auto& n : report.notes)
		std::cout << "note: " << n << "\n";
	// the coverage is part of the RD's registry records: published ones follow it at once
	for (auto& n : services::registry::refresh_if_published(config, *store, conn, rd->rd_id))
		std::cout << n << "\n";
	return 0;
}

} // namespace meles::cli
