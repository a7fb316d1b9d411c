// meles adql — translates an ADQL query and shows the SQL and the output column metadata
// (an operator's debugging aid), or only checks its syntax.  Tables are those the TAP
// service sees (Meles's table metadata in the database), or come from a small description
// file (--tables, format in docs/adql.md) for trying queries without a database.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/pg/database.hpp"
#include "meles/core/pg/pool.hpp"
#include "meles/services/tap/tap_catalog.hpp"

#include "meles/core/adql/table_file.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/types.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace meles::cli {

namespace {

std::string read_all(std::istream& in) {
	return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string show(const std::string& s) {
	return s.empty() ? "-" : s;
}

void print_columns(const std::vector<ColumnMeta>& columns) {
	std::vector<std::vector<std::string>> rows = {
	    {"name", "datatype", "arraysize", "xtype", "unit", "ucd", "description"}};
	for (const auto& c : columns) {
		VOTableType v = votable_type(c.type);
		rows.push_back({c.delimited ? "\"" + c.name + "\"" : c.name, v.datatype, show(v.arraysize),
		                show(c.effective_xtype()), show(c.unit), show(c.ucd), show(c.description)});
	}
	std::vector<size_t> width(rows[0].size(), 0);
	for (const auto& r : rows)
		for (size_t i = 0; i + 1 < r.size(); ++i)
			width[i] = std::max(width[i], r[i].size());
	for (const auto& r : rows) {
		std::cout << "  ";
		for (size_t i = 0; i < r.size(); ++i) {
			std::cout << r[i];
			if (i + 1 < r.size()) std::cout << std::string(width[i] - r[i].size() + 2, ' ');
		}
		std::cout << "\n";
	}
}

} // namespace

int cmd_adql(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("adql", {"syntax-only", "create"}, {"tables", "maxrec", "udf"});
	args.alias("s", "syntax-only");
	args.alias("t", "tables");
	args.parse(argv);
	if (args.positionals().size() > 1)
		throw Error(ErrorKind::Validation,
		            "adql: give the query as one argument (quote it), or '-' to read it from stdin");
	std::string query = args.positionals().empty() || args.positionals()[0] == "-" ? read_all(std::cin)
	                                                                               : args.positionals()[0];

	try {
		if (args.has("syntax-only")) {
			adql::ParseOptions po;
			if (auto udfs = args.value("udf")) po.udfs = split_list(*udfs, ',');
			adql::parse_only(query, po);
			std::cout << "ok: valid ADQL 2.1\n";
			return 0;
		}
		adql::SimpleCatalog file_catalog;
		std::shared_ptr<const services::tap::CatalogSnapshot> snapshot;
		std::unique_ptr<pg::Pool> pool;
		std::unique_ptr<Config> config;
		std::unique_ptr<pg::Database> db;
		const adql::Catalog* catalog_ptr = &file_catalog;
		if (auto file = args.value("tables")) {
			std::ifstream in(*file);
			if (!in) throw Error(ErrorKind::Io, concat("adql: cannot read the tables file ", *file));
			file_catalog = adql::parse_table_file(read_all(in), *file);
		} else {
			config = std::make_unique<Config>(load_config(global, true));
			db = std::make_unique<pg::Database>(*config);
			db->ensure_running();
			pool = std::make_unique<pg::Pool>(db->admin(), 1);
			services::tap::TapCatalog tc(*pool);
			snapshot = tc.snapshot();
			catalog_ptr = &snapshot->catalog;
		}
		const adql::Catalog& catalog = *catalog_ptr;
		adql::TranslateOptions options;
		options.allow_create_table = args.has("create");
		if (auto m = args.value("maxrec")) {
			try {
				options.maxrec = std::stoll(*m);
			} catch (const std::exception&) {
				throw Error(ErrorKind::Validation, concat("adql: --maxrec needs a number, not '", *m, "'"));
			}
		}
		adql::Translation t;
		try {
			t = adql::translate(query, catalog, options);
		} catch (const Error& e) {
			throw;
		}
		if (t.kind == adql::StatementKind::CreateTableAs)
			std::cout << "CREATE TABLE " << (t.target_schema.empty() ? "" : t.target_schema + ".")
			          << t.target_name << " AS the query below\n";
		std::cout << "SQL:\n  " << t.sql << "\n\ncolumns:\n";
		print_columns(t.columns);
		std::cout << "\ntables:";
		if (t.tables.empty()) std::cout << " none";
		for (const auto& u : t.tables)
			std::cout << "\n  " << u.schema << "." << u.name << " -> " << u.sql_name;
		std::cout << "\n";
		if (t.limit)
			std::cout << "limit: " << *t.limit
			          << (t.may_overflow ? " (one more than MAXREC: overflow detectable)" : "") << "\n";
		if (t.uses_q3c) std::cout << "spatial index: q3c\n";
		return 0;
	} catch (const Error& e) {
		// message() already says where; main() would repeat the position
		if (e.kind() == ErrorKind::Syntax || e.kind() == ErrorKind::Name || e.kind() == ErrorKind::Type) {
			std::cerr << "meles adql: " << error_kind_name(e.kind()) << ": " << e.message() << "\n";
			return 1;
		}
		throw;
	}
}

} // namespace meles::cli
