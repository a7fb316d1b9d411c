#include "meles/rd/ingest/importer.hpp"
#include "meles/rd/limits/limits.hpp"

#include "ingest/model_adapters.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/ingest/data_check.hpp"
#include "meles/rd/ingest/grammar_registry.hpp"
#include "meles/rd/ingest/native_procs.hpp"
#include "meles/rd/ingest/rowmaker.hpp"
#include "meles/rd/ingest/sources.hpp"
#include "meles/rd/python/grammars.hpp"
#include "meles/rd/python/rd_code.hpp"
#include "meles/rd/schema/catalog_store.hpp"
#include "meles/rd/schema/ddl.hpp"
#include "meles/rd/store/rd_id.hpp"

#include <map>
#include <set>

namespace meles::rd::ingest {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kCopyBuffer = 1 << 20;

// Where a table's scripts run: python scripts see the table being made.
struct ScriptTarget {
	std::shared_ptr<const Resource> rd;
	const TableDef* table = nullptr;
	std::string relation;
};

// Runs the table's scripts of `type`: SQL (AC_SQL: failures ignored, inside a savepoint) and
// python (through meles/rd/python, with the import's connection).
void run_scripts(pg::Connection& c, const std::vector<ScriptDef>& scripts, std::string_view type,
                 const ScriptTarget& target = {}) {
	for (auto& s : scripts) {
		if (s.type != type) continue;
		std::string lang = to_lower(s.lang);
		if (lang == "python") {
			python::run_script(s, python::ScriptContext{target.rd, target.table, target.relation, &c});
			continue;
		}
		if (lang == "ac_sql") {
			c.exec("SAVEPOINT meles_script");
			try {
				c.exec(s.content);
				c.exec("RELEASE SAVEPOINT meles_script");
			} catch (const pg::DbError& e) {
				c.exec("ROLLBACK TO SAVEPOINT meles_script");
				log::info(concat("script ", s.name, " failed (ignored, AC_SQL): ", e.message()));
			}
		} else {
			try {
				c.exec(s.content);
			} catch (const pg::DbError& e) {
				throw Error(ErrorKind::Database, concat("script ", s.name, " failed: ", e.message()), s.pos);
			}
		}
	}
}

bool table_exists(pg::Connection& c, const std::string& relation) {
	auto r = c.exec_params("SELECT to_regclass($1) IS NOT NULL", {relation});
	return r.get(0, 0) == "t";
}

struct Target {
	const MakeDef* make;
	const TableDef* table;
	std::shared_ptr<const Resource> table_rd;
	std::string final_relation;
	std::string new_relation;
	std::vector<schema::IndexSql> indexes;
	bool fresh = true; // built under a new name and swapped in
	TableImport result;
};

class Progress {
public:
	explicit Progress(const ImportOptions& o) : opts_(o) {}
	void report(ImportProgress& p, bool force = false) {
		if (!opts_.progress) return;
		auto now = Clock::now();
		if (!force && now - last_ < std::chrono::milliseconds(200)) return;
		last_ = now;
		opts_.progress(p);
	}

private:
	const ImportOptions& opts_;
	Clock::time_point last_{};
};

// One field of a COPY text line, unescaped; nullopt for \N.
std::optional<std::string> copy_field(std::string_view line, size_t index) {
	size_t start = 0;
	for (size_t i = 0; i < index; ++i) {
		start = line.find('\t', start);
		if (start == std::string_view::npos) return std::nullopt;
		++start;
	}
	size_t end = line.find('\t', start);
	std::string_view f =
	    line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
	if (!f.empty() && f.back() == '\n') f.remove_suffix(1);
	if (f == "\\N") return std::nullopt;
	std::string out;
	for (size_t i = 0; i < f.size(); ++i) {
		if (f[i] != '\\' || i + 1 == f.size()) {
			out += f[i];
			continue;
		}
		char c = f[++i];
		switch (c) {
		case 't':
			out += '\t';
			break;
		case 'n':
			out += '\n';
			break;
		case 'r':
			out += '\r';
			break;
		case 'b':
			out += '\b';
			break;
		case 'f':
			out += '\f';
			break;
		case 'v':
			out += '\v';
			break;
		default:
			out += c;
		}
	}
	return out;
}

// Sources this large are not read a second time just to say where duplicate keys are.
constexpr uint64_t kRescanLimit = uint64_t(1) << 30;

RowMacroContext row_macros(const SourceInfo& src, RdStore& store, const Resource& rd, const DataDesc& dd,
                           const ImportOptions& opts) {
	RowMacroContext macros;
	macros.source = src.path;
	macros.inputs_dir = store.options().inputs_dir;
	macros.resdir = rd.resdir;
	macros.rd_id = rd.rd_id;
	macros.server_url = opts.server_url;
	macros.authority = opts.authority;
	macros.properties = dd.properties;
	return macros;
}

// Reads the data element's sources again and returns where the first `max` rows the
// rowmaker makes for `t` satisfying `match` (given the row's COPY line) come from.  Only for
// error messages: bad records are passed over, and nothing is returned for huge sources.
std::vector<SourcePos> find_rows(RdStore& store, const Resource& rd, const DataDesc& dd, const TableDef& t,
                                 const MakeDef& mk, const ImportOptions& opts,
                                 const std::function<bool(std::string_view)>& match, size_t max) {
	std::vector<SourcePos> out;
	try {
		if (!dd.grammar || !dd.sources) return out;
		auto grammar = make_grammar(to_grammar_element(dd.grammar->element));
		auto sources = expand_sources(to_sources_spec(*dd.sources), rd.resdir.string());
		if (total_bytes(sources) > kRescanLimit) return out;
		ReadOptions ro;
		ro.bad_records_in_batch = true;
		std::string line;
		for (auto& src : sources) {
			auto reader = grammar->open(src, ro);
			std::optional<CompiledRowmaker> rm;
			RecordBatch batch;
			while (reader->next(batch)) {
				if (!rm)
					rm.emplace(mk.rowmaker, t, batch.layout(), row_macros(src, store, rd, dd, opts),
					           RowmakerInputs{&*dd.grammar, store_proc_resolver(store, rd), nullptr});
				for (size_t r = 0; r < batch.size(); ++r) {
					if (batch.problem(r)) continue;
					line.clear();
					try {
						if (!rm->append(batch, r, line)) continue;
					} catch (const Error&) {
						continue;
					}
					if (match(line)) {
						out.push_back(batch.pos(r));
						if (out.size() >= max) return out;
					}
				}
			}
		}
	} catch (const Error& e) {
		log::debug(concat("looking for the source lines of rows failed: ", e.what()));
	}
	return out;
}

std::string positions_text(const std::vector<SourcePos>& where) {
	std::vector<std::string> items;
	for (auto& p : where)
		items.push_back(p.to_string());
	return join(items, " and ");
}

// Adds the table's primary key.  PostgreSQL refuses it when key values repeat or are NULL,
// naming the temporary table; the operator instead gets the key, its value and, where the
// sources can be read again, the source lines of the rows.
void add_primary_key(pg::Connection& c, RdStore& store, const Resource& rd, const DataDesc& dd,
                     const TableDef& t, const MakeDef& mk, const std::string& relation,
                     const ImportOptions& opts) {
	c.exec("SAVEPOINT meles_pkey");
	try {
		c.exec(schema::primary_key_sql(t, relation, t.id + "__meles_new_pkey"));
		c.exec("RELEASE SAVEPOINT meles_pkey");
		return;
	} catch (const pg::DbError& e) {
		if (e.sqlstate() != "23505" && e.sqlstate() != "23502") throw;
		c.exec("ROLLBACK TO SAVEPOINT meles_pkey");
	}
	std::vector<std::string> cols;
	std::vector<size_t> indexes;
	for (auto& p : t.primary) {
		const Column* col = t.find_column(p);
		cols.push_back(col ? col->meta.name : p);
		indexes.push_back(col ? static_cast<size_t>(col - t.columns.data()) : 0);
	}
	std::vector<std::string> sql_cols;
	for (auto& p : t.primary) {
		const Column* col = t.find_column(p);
		sql_cols.push_back(col ? schema::sql_identifier(col->meta) : schema::sql_identifier(p, false));
	}
	std::string key_list = join(sql_cols, ", ");
	std::string table = t.qualified_name();
	// NULL in a key column
	for (size_t i = 0; i < sql_cols.size(); ++i) {
		auto r = c.exec(concat("SELECT count(*) FROM ", relation, " WHERE ", sql_cols[i], " IS NULL"));
		if (r.get_int(0, 0) == 0) continue;
		size_t at = indexes[i];
		auto where = find_rows(
		    store, rd, dd, t, mk, opts, [&](std::string_view line) { return !copy_field(line, at); }, 1);
		std::string msg = concat("primary key column ", cols[i], " of table ", table, " is empty (NULL) in ",
		                         std::to_string(r.get_int(0, 0)), r.get_int(0, 0) == 1 ? " row" : " rows");
		if (!where.empty()) msg += concat(", the first at ", positions_text(where));
		throw Error(ErrorKind::Validation, msg, t.pos);
	}
	// repeated key values
	std::string select;
	for (auto& sc : sql_cols)
		select += concat(select.empty() ? "" : ", ", sc, "::text");
	auto dup = c.exec(concat("SELECT ", select, " FROM ", relation, " GROUP BY ", key_list,
	                         " HAVING count(*) > 1 ORDER BY ", key_list, " LIMIT 1"));
	if (!dup.rows())
		throw Error(ErrorKind::Validation, concat("the primary key of table ", table, " cannot be built"),
		            t.pos);
	auto ndup = c.exec(concat("SELECT count(*) FROM (SELECT 1 FROM ", relation, " GROUP BY ", key_list,
	                          " HAVING count(*) > 1) d"));
	std::vector<std::string> values;
	for (size_t i = 0; i < sql_cols.size(); ++i)
		values.push_back(dup.get(0, static_cast<int>(i)));
	std::string key = cols.size() == 1 ? concat(cols[0], " = ", values[0])
	                                   : concat("(", join(cols, ", "), ") = (", join(values, ", "), ")");
	auto where = find_rows(
	    store, rd, dd, t, mk, opts,
	    [&](std::string_view line) {
		    for (size_t i = 0; i < indexes.size(); ++i) {
			    auto v = copy_field(line, indexes[i]);
			    if (!v || *v != values[i]) return false;
		    }
		    return true;
	    },
	    2);
	std::string msg = concat("duplicate primary key in table ", table, ": ", key, " occurs more than once");
	if (where.size() == 2) msg += concat(" (", positions_text(where), ")");
	int64_t others = ndup.get_int(0, 0) - 1;
	if (others > 0)
		msg += concat("; ", std::to_string(others), " other key value", others == 1 ? " repeats" : "s repeat",
		              " as well");
	throw Error(ErrorKind::Validation, msg, t.pos);
}

// Moves the staged rows into `relation`, each replacing the row with its key (the last of
// several staged rows with one key wins, as the last written does in DaCHS).
void merge_overwriting(pg::Connection& c, const TableDef& t, const std::string& stage,
                       const std::string& relation) {
	std::vector<std::string> keys;
	for (auto& p : t.primary) {
		const Column* col = t.find_column(p);
		keys.push_back(col ? schema::sql_identifier(col->meta) : schema::sql_identifier(p, false));
	}
	std::string k = join(keys, ", ");
	c.exec(concat("DELETE FROM ", relation, " WHERE (", k, ") IN (SELECT ", k, " FROM ", stage, ")"));
	c.exec(concat("INSERT INTO ", relation, " SELECT DISTINCT ON (", k, ") * FROM ", stage, " ORDER BY ", k,
	              ", ctid DESC"));
	c.exec(concat("DROP TABLE ", stage));
}

} // namespace

ImportReport Importer::import(const std::string& rd_arg, const ImportOptions& opts) {
	auto started = Clock::now();
	auto rd = store_.get(rd_arg);
	ImportReport report;

	std::vector<const DataDesc*> selected;
	if (opts.data_ids.empty()) {
		for (auto& d : rd->data)
			if (d.auto_import) selected.push_back(&d);
	} else {
		for (auto& id : opts.data_ids) {
			const DataDesc* d = rd->find_data(id);
			if (!d) {
				std::vector<std::string> ids;
				for (auto& dd : rd->data)
					ids.push_back(dd.id);
				throw Error(ErrorKind::NotFound,
				            concat("RD ", rd->rd_id, " has no data element '", id,
				                   "' (it has: ", ids.empty() ? std::string("none") : join(ids, ", "), ")"));
			}
			selected.push_back(d);
		}
	}
	if (selected.empty() && rd->data.empty()) {
		// As `dachs imp` does: nothing to import is no failure (an RD of services only).
		report.nothing_to_do = concat("RD ", rd->rd_id, " has no data element; nothing to import");
		return report;
	}
	if (selected.empty()) {
		std::vector<std::string> ids;
		for (auto& dd : rd->data)
			ids.push_back(dd.id.empty() ? "(anonymous)" : dd.id);
		throw Error(ErrorKind::NotFound,
		            concat("RD ", rd->rd_id,
		                   " has no data element with auto=\"True\"; name the ones to import: meles imp ",
		                   rd->rd_id, " ", join(ids, " ")));
	}

	// What `meles val` checks of a data element, checked the same way: val's OK means this runs.
	// (The resolver keeps the RDs it looks into loaded for the import's duration.)
	ProcResolver procs = store_proc_resolver(store_, *rd);
	{
		Diagnostics problems;
		for (const DataDesc* dd : selected)
			check_importable(*dd, procs, problems);
		problems.throw_if_errors();
	}

	Progress progress(opts);
	conn_.begin();
	try {
		schema::ensure_catalog_tables(conn_);
		for (const DataDesc* dd : selected) {
			// -- the tables this data element makes
			std::vector<Target> targets;
			std::set<std::string> seen;
			for (auto& mk : dd->makes) {
				auto resolved = store_.resolve_table(mk.table);
				const TableDef* t = resolved.table;
				if (!seen.insert(t->qualified_name()).second) continue;
				Target tg{&mk, t, resolved.rd, schema::qualified(t->schema, t->id), "", {}, true, {}};
				tg.result.table = t->qualified_name();
				if (t->system && !opts.allow_system && table_exists(conn_, tg.final_relation)) {
					// System tables are kept (their rows belong to other RDs); only -s recreates them.
					tg.fresh = false;
				}
				if (dd->updating && table_exists(conn_, tg.final_relation)) tg.fresh = false;
				// Two RDs declaring the same schema.table would silently replace each other's data.
				auto owner = conn_.exec_params("SELECT rd_id FROM meles.tablemeta WHERE table_name = $1",
				                               {to_lower(t->qualified_name())});
				if (owner.rows() && owner.get(0, 0) != resolved.rd->rd_id) {
					std::string w = concat("table ", t->qualified_name(), " was imported from RD ",
					                       owner.get(0, 0), "; RD ", resolved.rd->rd_id,
					                       " now replaces it (two RDs should not declare the same table)");
					report.warnings.push_back(w);
					if (opts.warning)
						opts.warning(w);
					else
						log::warn(w);
				}
				targets.push_back(std::move(tg));
			}
			for (auto& tg : targets) {
				const TableDef& t = *tg.table;
				if (!t.on_disk && !t.is_view()) continue;
				conn_.exec(concat("CREATE SCHEMA IF NOT EXISTS ", schema::sql_identifier(t.schema, false)));
				conn_.exec(concat("GRANT USAGE ON SCHEMA ", schema::sql_identifier(t.schema, false), " TO ",
				                  pg::quote_ident(opts.read_role)));
				if (opts.meta_only) continue;
				if (t.is_view()) {
					conn_.exec(concat("DROP VIEW IF EXISTS ", tg.final_relation, " CASCADE"));
					conn_.exec(*t.view_statement);
					continue;
				}
				if (!tg.fresh) {
					if (!table_exists(conn_, tg.final_relation))
						conn_.exec(schema::create_table_sql(t, tg.final_relation));
					tg.new_relation = tg.final_relation;
					continue;
				}
				tg.new_relation = schema::qualified(t.schema, t.id + "__meles_new");
				conn_.exec(concat("DROP TABLE IF EXISTS ", tg.new_relation));
				run_scripts(conn_, t.scripts, "preCreation", {tg.table_rd, &t, tg.new_relation});
				conn_.exec(schema::create_table_sql(t, tg.new_relation));
				run_scripts(conn_, t.scripts, "postCreation", {tg.table_rd, &t, tg.new_relation});
			}

			// -- data
			bool has_input = dd->grammar.has_value();
			if (has_input && !opts.meta_only) {
				RowmakerInputs inputs{&*dd->grammar, procs, rd};
				// Python grammars come from the Python runtime, the others from the registry; the
				// Python rowfilters run in python::filter_records, the native ones in the rowmaker.
				std::unique_ptr<Grammar> grammar =
				    python::is_python_grammar(dd->grammar->type)
				        ? python::make_grammar(*dd->grammar, rd, procs)
				        : make_grammar(to_grammar_element(dd->grammar->element));
				bool python_filters = python::has_python_filters(*dd->grammar, procs);
				ReadOptions read_options;
				read_options.bad_records_in_batch = true;
				std::vector<SourceInfo> sources;
				if (dd->sources) sources = expand_sources(to_sources_spec(*dd->sources), rd->resdir.string());
				uint64_t total = total_bytes(sources);
				for (auto& tg : targets) {
					const TableDef& t = *tg.table;
					if (!t.on_disk || t.is_view() || tg.new_relation.empty()) continue;
					run_scripts(conn_, tg.make->scripts, "preImport", {rd, &t, tg.new_relation});
					// Rows for a table that keeps its rows (a system table such as dc.products)
					// with dupePolicy="overwrite" replace those with the same key.
					std::string stage;
					if (!tg.fresh && t.dupe_policy == DupePolicy::Overwrite && !t.primary.empty()) {
						stage = concat("pg_temp.meles_stage_", std::to_string(&tg - targets.data()));
						conn_.exec(concat("DROP TABLE IF EXISTS ", stage, "; CREATE TEMP TABLE ", stage,
						                  " (LIKE ", tg.new_relation, " INCLUDING DEFAULTS) ON COMMIT DROP"));
					}
					std::string copy_sql =
					    concat("COPY ", stage.empty() ? tg.new_relation : stage, " FROM STDIN");
					auto copy = conn_.copy_in(copy_sql);
					std::string buf;
					buf.reserve(kCopyBuffer + 65536);
					ImportProgress pr{dd->id, t.qualified_name(), 0, 0, total, "reading"};
					uint64_t bytes_before = 0;
					bool stop = false;
					for (auto& src : sources) {
						if (stop) break;
						std::unique_ptr<RecordReader> reader = grammar->open(src, read_options);
						RowMacroContext macros = row_macros(src, store_, *rd, *dd, opts);
						if (python_filters)
							reader = python::filter_records(
							    std::move(reader), *dd->grammar, rd, procs,
							    [&macros](std::string_view text, const SourcePos& pos) {
								    std::string t(text);
								    if (!row_macros_in(t).empty())
									    t = expand_row_macros(t, macros, RowMacroRendering::PythonLiteral,
									                          pos);
								    return t;
							    });
						std::optional<CompiledRowmaker> rm;
						const FieldLayout* rm_layout = nullptr;
						RecordBatch batch;
						while (reader->next(batch)) {
							// (A batch of bad records only, e.g. an unreadable FITS file, has no
							// layout to compile for.)  Python grammars and rowfilters may add fields
							// as they go: a new layout gets its own rowmaker.
							bool all_bad = batch.has_problems();
							for (size_t r = 0; all_bad && r < batch.size(); ++r)
								all_bad = batch.problem(r) != nullptr;
							if (!all_bad && (!rm || rm_layout != &batch.layout())) {
								rm.emplace(tg.make->rowmaker, t, batch.layout(), macros, inputs);
								rm_layout = &batch.layout();
							}
							auto rows = [&] {
								for (size_t r = 0; r < batch.size(); ++r) {
									try {
										if (batch.has_problems())
											if (const std::string* bad = batch.problem(r))
												throw Error(ErrorKind::Validation, *bad, batch.pos(r));
										if (rm->append(batch, r, buf)) ++tg.result.rows;
									} catch (const Error& e) {
										if (!opts.skip_bad_rows || e.kind() == ErrorKind::Internal) throw;
										++tg.result.skipped;
										std::string msg = e.full_message();
										if (opts.skipped) opts.skipped(tg.result.table, msg);
										if (tg.result.first_problems.size() < 10)
											tg.result.first_problems.push_back(std::move(msg));
									}
									if (opts.max_rows && tg.result.rows >= *opts.max_rows) {
										stop = true;
										break;
									}
								}
							};
							if (all_bad || !rm)
								rows();
							else
								rm->run(rows);
							if (buf.size() >= kCopyBuffer) {
								copy.write(buf);
								buf.clear();
							}
							pr.rows = tg.result.rows;
							pr.bytes_read = bytes_before + reader->bytes_consumed();
							progress.report(pr);
							if (stop) break;
						}
						bytes_before += src.size;
						run_scripts(conn_, tg.make->scripts, "sourceDone", {rd, &t, tg.new_relation});
					}
					copy.write(buf);
					copy.finish();
					if (!stage.empty()) merge_overwriting(conn_, t, stage, tg.new_relation);
					pr.rows = tg.result.rows;
					pr.bytes_read = total;
					progress.report(pr, true);
					if (tg.result.skipped)
						log::warn(concat(t.qualified_name(), ": skipped ", std::to_string(tg.result.skipped),
						                 " bad rows"));
				}
			}

			// -- keys, indexes, swap
			for (auto& tg : targets) {
				const TableDef& t = *tg.table;
				if (opts.meta_only || !t.on_disk || t.is_view() || !tg.fresh || tg.new_relation.empty())
					continue;
				ImportProgress pr{dd->id, t.qualified_name(), tg.result.rows, 0, 0, "indexing"};
				progress.report(pr, true);
				run_scripts(conn_, t.scripts, "preIndex", {tg.table_rd, &t, tg.new_relation});
				if (!t.primary.empty())
					add_primary_key(conn_, store_, *rd, *dd, t, *tg.make, tg.new_relation, opts);
				tg.indexes = schema::index_sqls(t, tg.new_relation, "__meles_new");
				std::string cluster_on;
				for (auto& ix : tg.indexes) {
					conn_.exec(ix.sql);
					if (ix.cluster && cluster_on.empty()) cluster_on = ix.name + "__meles_new";
				}
				if (!cluster_on.empty()) {
					pr.phase = "clustering";
					progress.report(pr, true);
					conn_.exec(concat("CLUSTER ", tg.new_relation, " USING ",
					                  schema::sql_identifier(cluster_on, false)));
				}
				pr.phase = "analyzing";
				progress.report(pr, true);
				conn_.exec(concat("ANALYZE ", tg.new_relation));
				// the swap: readers of the old table see it until we commit
				conn_.exec(concat("DROP TABLE IF EXISTS ", tg.final_relation, " CASCADE"));
				conn_.exec(concat("ALTER TABLE ", tg.new_relation, " RENAME TO ",
				                  schema::sql_identifier(t.id, false)));
				if (!t.primary.empty())
					conn_.exec(concat("ALTER TABLE ", tg.final_relation, " RENAME CONSTRAINT ",
					                  schema::sql_identifier(t.id + "__meles_new_pkey", false), " TO ",
					                  schema::sql_identifier(t.id + "_pkey", false)));
				for (auto& ix : tg.indexes)
					conn_.exec(concat("ALTER INDEX ", schema::sql_identifier(t.schema, false), ".",
					                  schema::sql_identifier(ix.name + "__meles_new", false), " RENAME TO ",
					                  schema::sql_identifier(ix.name, false)));
			}
			for (auto& tg : targets) {
				const TableDef& t = *tg.table;
				if (!t.on_disk && !t.is_view()) continue;
				if (!table_exists(conn_, tg.final_relation)) continue; // meta-only on a never-imported table
				conn_.exec(
				    concat("GRANT SELECT ON ", tg.final_relation, " TO ", pg::quote_ident(opts.read_role)));
				std::optional<int64_t> nrows;
				if (!opts.meta_only && tg.fresh && !t.is_view())
					nrows = static_cast<int64_t>(tg.result.rows);
				else {
					auto r = conn_.exec(concat("SELECT reltuples::bigint FROM pg_class WHERE oid = '",
					                           tg.final_relation, "'::regclass"));
					if (r.rows() && !r.is_null(0, 0) && r.get_int(0, 0) >= 0) nrows = r.get_int(0, 0);
				}
				tg.result.data_imported = !opts.meta_only && !t.is_view();
				tg.result.rows_in_table = nrows;
				schema::record_table(conn_, *tg.table_rd, t, nrows);
				run_scripts(conn_, t.scripts, "afterMeta", {tg.table_rd, &t, tg.final_relation});
				report.tables.push_back(tg.result);
			}
		}
		schema::bump_catalog_version(conn_);
		conn_.commit();
	} catch (...) {
		conn_.rollback();
		throw;
	}
	report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
	return report;
}

DropReport Importer::drop(const std::string& rd_arg, const DropOptions& options) {
	bool allow_system = options.allow_system;
	// The RD may be gone or broken: what the database records for its id can still be dropped.
	std::string rd_id;
	std::shared_ptr<const Resource> rd;
	try {
		rd_id = store_.rd_id_for(rd_arg);
		rd = store_.get(rd_arg);
		rd_id = rd->rd_id;
	} catch (const Error& e) {
		if (rd_id.empty()) rd_id = store_.rd_id_without_file(rd_arg);
		log::warn(concat("cannot load ", rd_arg, " (", e.what(), "); dropping what the database records for ",
		                 rd_id));
	}
	if ((rd && rd->is_system && !allow_system) || (!rd && is_system_rd_id(rd_id) && !allow_system))
		throw Error(ErrorKind::Permission,
		            concat(rd_id, " is a system RD; use meles drop --system ", rd_arg));
	DropReport report;
	std::vector<std::string>& dropped = report.dropped;
	// Tables only data elements with auto="False" make (lower-case schema.table): `dachs drop`
	// leaves them to be dropped by name or with --all.
	std::set<std::string> manual_only;
	if (rd && !options.all_data) {
		std::set<std::string> by_auto, by_manual;
		for (auto& d : rd->data)
			for (auto& mk : d.makes)
				if (auto* t = rd->find_table(mk.table.table_id);
				    t && (mk.table.rd_id.empty() || mk.table.rd_id == rd->rd_id))
					(d.auto_import ? by_auto : by_manual).insert(to_lower(t->qualified_name()));
		for (auto& t : by_manual)
			if (!by_auto.count(t)) manual_only.insert(t);
	}
	auto keep = [&](const std::string& schema_name, const std::string& id) {
		if (!manual_only.count(to_lower(schema_name + "." + id))) return false;
		if (table_exists(conn_, schema::qualified(schema_name, id)))
			report.kept.push_back(schema_name + "." + id);
		return true;
	};
	conn_.begin();
	try {
		schema::ensure_catalog_tables(conn_);
		std::set<std::pair<std::string, std::string>> tables;
		if (rd)
			for (auto& t : rd->tables)
				if ((t.on_disk || t.is_view()) && !keep(t.schema, t.id)) tables.insert({t.schema, t.id});
		auto recorded = schema::recorded_tables(conn_, rd_id);
		if (!rd && recorded.empty())
			throw Error(
			    ErrorKind::NotFound,
			    concat("no RD '", rd_arg, "', and the database records no tables for RD id '", rd_id, "'"));
		for (auto& t : recorded)
			if (!manual_only.count(to_lower(t.first + "." + t.second))) tables.insert(t);
		// beforeDrop scripts clean up what the tables' owner made outside them (e.g. //tap_user
		// drops the schema of user tables).
		if (rd)
			for (auto& t : rd->tables)
				if (t.on_disk && tables.count({t.schema, t.id}) &&
				    table_exists(conn_, schema::qualified(t.schema, t.id)))
					run_scripts(conn_, t.scripts, "beforeDrop", {rd, &t, schema::qualified(t.schema, t.id)});
		// Metadata first: dropping TAP_SCHEMA itself (//tap) must not leave the rest half done.
		for (auto& [schema_name, id] : tables) {
			schema::forget_table(conn_, schema_name, id);
			limits::forget_table(conn_, to_lower(schema_name + "." + id));
		}
		limits::forget_rd(conn_, rd_id); // its statistics and coverage describe what is gone
		std::set<std::string> schemas;
		for (auto& [schema_name, id] : tables) {
			std::string rel = schema::qualified(schema_name, id);
			schemas.insert(schema_name);
			if (table_exists(conn_, rel)) {
				auto kind =
				    conn_.exec(concat("SELECT relkind FROM pg_class WHERE oid = '", rel, "'::regclass"))
				        .get(0, 0);
				conn_.exec(concat(kind == "v" ? "DROP VIEW " : "DROP TABLE ", rel, " CASCADE"));
				dropped.push_back(schema_name + "." + id);
			}
		}
		// A schema the import created and that is empty now goes, too; one holding anything
		// else (another RD's tables, functions) stays.
		for (auto& name : schemas) {
			std::string lower = to_lower(name);
			if (lower == "public" || lower == "meles" || lower.starts_with("pg_")) continue;
			if (conn_.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", {lower}).rows() == 0)
				continue;
			conn_.exec("SAVEPOINT meles_schema");
			try {
				conn_.exec(concat("DROP SCHEMA ", schema::sql_identifier(name, false)));
				conn_.exec("RELEASE SAVEPOINT meles_schema");
			} catch (const pg::DbError& e) {
				if (e.sqlstate() != "2BP01") throw; // dependent objects: not empty
				conn_.exec("ROLLBACK TO SAVEPOINT meles_schema");
			}
		}
		schema::bump_catalog_version(conn_);
		conn_.commit();
	} catch (...) {
		conn_.rollback();
		throw;
	}
	return report;
}

} // namespace meles::rd::ingest
