// meles pub — publish RDs' services and tables to the registry (services/registry).
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/pg/database.hpp"
#include "meles/rd/registry/registry_store.hpp"
#include "meles/services/registry/publisher.hpp"

#include <iostream>

namespace meles::cli {

const std::string_view pub_usage =
    "usage: meles pub [-u] RD...\n"
    "       meles pub -a [-u]\n\n"
    "Publishes what the RDs' <publish> elements name — services (with the capabilities of the\n"
    "renderers given: scs.xml, form, tap), tables and data collections — as VOResource 1.1\n"
    "records in this site's publishing registry, which harvesters read at /oai.xml (OAI-PMH).\n"
    "Records carry the metadata of the element, its RD and the site (defaultmeta.txt), the\n"
    "tablesets of the imported tables and the coverage `meles limits` computed.  Every run also\n"
    "refreshes the registry's own records (//services: the registry and its authority) and the\n"
    "TAP service's (//tap, whose tableset lists every TAP table) once it is published.\n\n"
    "Before anything is written, every record is checked: title, description, creator, subject\n"
    "(a term of the UAT, vocabularies/uat-terms.tsv), contentLevel, creationDate, publisher and\n"
    "contact must be there and valid, published renderers allowed, tables imported.  If any\n"
    "item is missing, all of them are listed with file:line and nothing is published.  A record\n"
    "that did not change keeps its datestamp, so harvesters are not sent it again.\n\n"
    "  -u, --unpublish   mark the RDs' records deleted (they stay, as deleted, for harvesters)\n"
    "  -a, --all         every RD below the inputs directory that has <publish> elements, and //tap\n";

namespace {

void print_outcome(const services::registry::RdOutcome& o) {
	auto list = [&](const std::vector<std::string>& ivoids, const char* what) {
		for (auto& i : ivoids)
			std::cout << o.rd_id << ": " << i << " " << what << "\n";
	};
	list(o.store.added, "published");
	list(o.store.changed, "updated");
	list(o.store.unchanged, "unchanged");
	list(o.store.deleted, "deleted");
}

} // namespace

int cmd_pub(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("pub", {"unpublish", "all"}, {});
	args.alias("u", "unpublish");
	args.alias("a", "all");
	args.parse(argv);
	bool all = args.has("all");
	if (all == !args.positionals().empty())
		throw Error(ErrorKind::Validation, "usage: meles pub [-u] RD... or meles pub -a [-u] (see --help)");
	Config config = load_config(global, true);
	init_cli_logging(global, config);
	auto store = make_rd_store(config);
	pg::Database db(config);
	db.ensure_running();
	pg::Connection conn(db.admin());

	std::vector<rd::registry::MetaProblem> problems;
	std::vector<std::string> rds = args.positionals();
	if (all && args.has("unpublish")) {
		rd::registry::ensure_registry_tables(conn, config.get("db", "readRole"));
		rds = rd::registry::published_rds(conn);
	} else if (all) {
		rds = services::registry::publishable_rds(*store, problems);
	}
	services::registry::PubReport report;
	if (problems.empty())
		report = args.has("unpublish") ? services::registry::unpublish(config, *store, conn, rds)
		                               : services::registry::publish(config, *store, conn, rds);
	for (auto& p : report.problems)
		problems.push_back(std::move(p));
	if (!problems.empty()) {
		for (auto& p : problems)
			std::cerr << p.to_string() << "\n";
		std::cerr << "nothing was published: " << problems.size()
		          << (problems.size() == 1 ? " problem" : " problems") << " to mend first\n";
		return 1;
	}
	for (auto& n : report.notes)
		std::cout << n << "\n";
	for (auto& o : report.outcomes)
		print_outcome(o);
	return 0;
}

} // namespace meles::cli
