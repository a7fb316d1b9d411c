// meles val — checks resource descriptors without touching the database.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"
#include "meles/rd/expr/expression.hpp"
#include "meles/rd/ingest/data_check.hpp"
#include "meles/rd/parse/expression_sites.hpp"
#include "meles/rd/parse/lint.hpp"
#include "meles/rd/parse/macros.hpp"
#include "meles/rd/python/runtime.hpp"
#include "meles/rd/store/rd_store.hpp"
#include "meles/services/tap/examples.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <iostream>
#include <map>

namespace meles::cli {

const std::string_view val_usage =
    "usage: meles val [--inputs DIR] [--system-rds DIR] [--meta FILE] [--userconfig FILE] [--quiet]\n"
    "                 [--no-warnings] RD...\n"
    "\n"
    "Loads each RD (an RD id below the inputs directory, a path to a .rd file, or //name for a\n"
    "system RD) without touching the database and reports every problem found with its file and\n"
    "line: XML errors, unknown elements and attributes, bad references, types and macros, missing\n"
    "attributes, duplicate ids and column names, index and key columns that do not exist, mixin\n"
    "parameters, positional indexes over columns that are no numbers, grammars Meles cannot read,\n"
    "renderers that do not exist; warns about meta keys that look like typos and table columns no\n"
    "rowmaker fills.  Judges as DaCHS 2.7's dachs val does: column units that are no VOUnits\n"
    "(erg sec-1 cm-2, cm-2) and tables or published services without the metadata DaCHS requires\n"
    "(creationDate, description, subject; title, shortName) are errors; units VOUnits does not\n"
    "know (Jansky), UCDs that are not UCD1+ and column names that are ADQL reserved words are\n"
    "warnings.  Exits with 0 only when all RDs are free of errors (warnings do not count).\n"
    "\n"
    "  --inputs DIR       directory RD ids are relative to (default: $MELES_INPUTS, else the\n"
    "                     configured [general] inputsDir when there is a configuration, else .)\n"
    "  --system-rds DIR   where //name RDs live (default: $MELES_SYSTEM_RDS, else the built-in ones)\n"
    "  --meta FILE        site-wide default meta stream (DaCHS's etc/defaultmeta.txt; default: the\n"
    "                     configured defaultMetaFile)\n"
    "  --userconfig FILE  the RD that % references go to (DaCHS's etc/userconfig.rd)\n"
    "  --quiet, -q        print only problems, not a line per clean RD\n"
    "  --no-warnings, -w  do not print warnings\n";

namespace {

// TAP examples (`_example` metas of the RD and its tables) must have a title and one query
// in valid ADQL, or /tap/examples leaves them out.
void check_examples(const rd::Resource& res, rd::Diagnostics& diags) {
	auto check = [&](const rd::MetaBag& bag) {
		for (auto* v : bag.all("_example")) {
			auto title = v->attributes.count("title") ? v->attributes.at("title")
			                                          : v->children.text("title").value_or("");
			services::tap::Example ex{title, v->content, ""};
			std::string what = concat("_example '", title, "': ");
			if (auto problem = services::tap::example_problem(ex); !problem.empty()) {
				diags.error(ErrorKind::Validation, what + problem, v->pos);
				continue;
			}
			try {
				// examples run on this service: only its own functions
				adql::parse_only(services::tap::example_query(v->content),
				                 {.udfs = std::vector<std::string>{}});
			} catch (const Error& e) {
				diags.error(ErrorKind::Syntax, concat(what, "the query is not valid ADQL: ", e.message()),
				            v->pos);
			}
		}
	};
	check(res.meta);
	for (auto& t : res.tables)
		check(t.meta);
}

// Compiles every rowmaker expression with the native compiler; row macros are replaced by
// a placeholder source first (their values only exist at import time).
rd::ExpressionChecker expression_checker() {
	return [](const rd::ExpressionSite& site, rd::Diagnostics& diags) {
		if (!site.expr || site.expr->empty()) return;
		std::string text = site.expr->text;
		if (!rd::row_macros_in(text).empty()) {
			try {
				text = rd::expand_row_macros(text, rd::stand_in_row_macro_context(),
				                             rd::RowMacroRendering::PythonLiteral, site.expr->pos);
			} catch (const Error& e) {
				diags.add(e, site.expr->pos);
				return;
			}
		}
		rd::expr::Scope scope(true);
		rd::expr::CompileOptions opts;
		opts.pos = site.expr->pos;
		auto outcome = rd::expr::Expression::try_compile(text, scope, opts);
		if (outcome) return;
		// Outside the native subset: the import runs it as Python, so Python decides.
		auto py = rd::python::check_expression(text, site.expr->pos);
		if (py.error) {
			diags.error(py.error->kind(), concat(py.error->message(), " (in ", site.context, ")"),
			            py.error->pos() ? *py.error->pos() : site.expr->pos);
			return;
		}
		// Binds and parameter defaults also see the procedure's arguments and setup names,
		// which this check does not know: only rowmaker expressions are judged.
		bool rowmaker_expression =
		    site.kind != rd::ExpressionKind::Bind && site.kind != rd::ExpressionKind::ParDefault;
		for (auto& name : rowmaker_expression ? py.unknown_names : std::vector<std::string>{})
			diags.warning(concat("unknown name '", name, "' (in ", site.context,
			                     "): Python will raise NameError when a row is made"),
			              site.expr->pos);
	};
}

} // namespace

int cmd_val(const GlobalOptions& global, const std::vector<std::string>& args) {
	ArgParser p("val", {"quiet", "no-warnings"}, {"inputs", "system-rds", "meta", "userconfig"});
	p.alias("q", "quiet");
	p.alias("w", "no-warnings");
	p.parse(args);
	if (p.positionals().empty())
		throw Error(ErrorKind::Validation, "val: name at least one RD (see meles val --help)");
	// On a configured site, RD ids and the default meta file are the site's, as for `meles imp`
	// (so `meles val stars/q` checks what `meles imp stars/q` would load); without a
	// configuration, ids are relative to the current directory.
	Config config = load_config(global);
	bool configured = std::filesystem::exists(config.file());
	configure_python(config);
	rd::RdStoreOptions opts = configured ? rd::store_options(config) : rd::RdStoreOptions{};
	if (auto v = p.value("inputs"))
		opts.inputs_dir = *v;
	else if (const char* env = std::getenv("MELES_INPUTS"); env && *env)
		opts.inputs_dir = env;
	else if (!configured)
		opts.inputs_dir = ".";
	if (auto v = p.value("system-rds")) opts.system_rds_dir = *v;
	if (auto v = p.value("meta")) opts.default_meta_file = *v;
	if (auto v = p.value("userconfig")) opts.userconfig_file = *v;
	// \getConfig sees this site's configuration (as `meles imp` does), then DaCHS's defaults.
	opts.config = [&config](std::string_view section, std::string_view key) {
		return config.lookup(section, key);
	};
	bool quiet = p.has("quiet");
	bool warnings = !p.has("no-warnings");

	rd::RdStore store(opts);
	auto checker = expression_checker();
	size_t bad = 0;
	for (auto& arg : p.positionals()) {
		rd::LoadResult lr = store.load(arg);
		rd::Diagnostics diags = lr.diagnostics;
		if (lr.resource) {
			rd::check_expressions(*lr.resource, checker, diags);
			check_examples(*lr.resource, diags);
			rd::lint_resource(*lr.resource, diags);
			rd::ingest::check_data_elements(*lr.resource,
			                                rd::ingest::store_proc_resolver(store, *lr.resource), diags);
		}
		// Problems are found in several passes; show them in file order.
		std::vector<rd::Diagnostic> items = diags.items();
		std::map<std::string, size_t> source_rank;
		for (auto& d : items)
			source_rank.emplace(d.pos.source, source_rank.size());
		std::stable_sort(items.begin(), items.end(), [&](const rd::Diagnostic& a, const rd::Diagnostic& b) {
			size_t ra = source_rank[a.pos.source], rb = source_rank[b.pos.source];
			return ra != rb ? ra < rb : a.pos.line < b.pos.line;
		});
		for (auto& d : items) {
			if (d.severity == rd::Severity::Warning && !warnings) continue;
			std::cout << d.to_string() << "\n";
		}
		if (diags.has_errors()) {
			++bad;
			std::cout << arg << ": " << diags.error_count() << " error"
			          << (diags.error_count() == 1 ? "" : "s");
			if (diags.warning_count())
				std::cout << ", " << diags.warning_count() << " warning"
				          << (diags.warning_count() == 1 ? "" : "s");
			std::cout << "\n";
		} else if (!quiet) {
			std::cout << arg << ": OK";
			if (diags.warning_count())
				std::cout << " (" << diags.warning_count() << " warning"
				          << (diags.warning_count() == 1 ? "" : "s") << ")";
			std::cout << "\n";
		}
	}
	return bad == 0 ? 0 : 1;
}

} // namespace meles::cli
