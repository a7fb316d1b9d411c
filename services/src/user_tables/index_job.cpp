#include "user_tables/index_job.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/schema/ddl.hpp"
#include "user_tables/table_builder.hpp"

#include <fstream>

namespace meles::services::user_tables {

namespace {

// Column names in INDEX: comma-separated, double quotes for delimited names ("" for a quote).
std::vector<std::pair<std::string, bool>> parse_columns(std::string_view spec) {
	std::vector<std::pair<std::string, bool>> out;
	size_t i = 0;
	auto skip_blanks = [&] {
		while (i < spec.size() && std::isspace(static_cast<unsigned char>(spec[i])))
			++i;
	};
	for (;;) {
		skip_blanks();
		std::string name;
		bool quoted = false;
		if (i < spec.size() && spec[i] == '"') {
			quoted = true;
			++i;
			for (;;) {
				if (i >= spec.size())
					throw Error(ErrorKind::Syntax, concat("INDEX: unterminated quote in '", spec, "'"));
				if (spec[i] == '"') {
					if (i + 1 < spec.size() && spec[i + 1] == '"') {
						name += '"';
						i += 2;
						continue;
					}
					++i;
					break;
				}
				name += spec[i++];
			}
		} else {
			while (i < spec.size() && spec[i] != ',')
				name += spec[i++];
			name = std::string(trim(name));
		}
		if (name.empty())
			throw Error(ErrorKind::Validation, concat("INDEX: empty column name in '", spec, "'"));
		out.emplace_back(name, quoted);
		skip_blanks();
		if (i >= spec.size()) break;
		if (spec[i] != ',')
			throw Error(ErrorKind::Syntax, concat("INDEX: expected ',' after a column name in '", spec, "'"));
		++i;
	}
	return out;
}

size_t find_column(const UserTable& t, const std::string& name, bool quoted) {
	for (size_t i = 0; i < t.columns.size(); ++i) {
		const auto& c = t.columns[i];
		// PostgreSQL's rule, as in ADQL: a regular name means its lower-cased spelling.
		std::string col = c.delimited ? c.name : to_lower(c.name);
		std::string want = quoted ? name : to_lower(name);
		if (col == want) return i;
	}
	std::vector<std::string> names;
	for (auto& c : t.columns)
		names.push_back(c.delimited ? concat("\"", c.name, "\"") : c.name);
	throw Error(ErrorKind::Name,
	            concat("INDEX: tap_user.", t.name, " has no column ",
	                   quoted ? concat("\"", name, "\"") : name, " (it has ", join(names, ", "), ")"));
}

} // namespace

IndexPlan plan_index(const UserTable& t, std::string_view spec, const std::optional<std::string>& kind_param,
                     IndexKind spatial_default) {
	auto names = parse_columns(spec);
	IndexPlan plan;
	for (auto& [n, q] : names) {
		size_t pos = find_column(t, n, q);
		for (auto p : plan.index.columns)
			if (p == pos) throw Error(ErrorKind::Validation, concat("INDEX names column ", n, " twice"));
		plan.index.columns.push_back(pos);
	}
	std::string kind = kind_param ? to_lower(trim(*kind_param)) : "";
	if (!kind.empty() && kind != "q3c" && kind != "pgsphere" && kind != "spoint" && kind != "btree")
		throw Error(ErrorKind::Validation,
		            concat("KIND must be q3c, pgsphere or btree, not '", *kind_param, "'"));
	const auto& cols = plan.index.columns;
	bool spherical = kind.empty() ? cols.size() == 2 : kind != "btree";
	if (spherical) {
		if (cols.size() != 2)
			throw Error(ErrorKind::Validation,
			            "a spherical index needs exactly two columns: INDEX=ra,dec (in degrees)");
		for (auto p : cols)
			if (!t.columns[p].type.is_numeric())
				throw Error(ErrorKind::Type,
				            concat("INDEX: column ", t.columns[p].name,
				                   " is not numeric; a spherical index needs RA and Dec in degrees"));
		plan.index.kind = kind == "q3c"                            ? IndexKind::Q3c
		                  : kind == "pgsphere" || kind == "spoint" ? IndexKind::Spoint
		                                                           : spatial_default;
		plan.cluster = true;
	} else if (cols.size() == 1 && t.columns[cols[0]].type.is_geometry()) {
		plan.index.kind = IndexKind::Gist;
	} else {
		plan.index.kind = IndexKind::Btree;
		for (auto p : cols)
			if (t.columns[p].type.is_geometry())
				throw Error(ErrorKind::Type,
				            concat("INDEX: geometry column ", t.columns[p].name,
				                   " can only be indexed alone (as INDEX=", t.columns[p].name, ")"));
	}
	std::string kind_name(index_kind_name(plan.index.kind));
	std::vector<std::string> idx, sql_cols, shown;
	for (auto p : cols) {
		idx.push_back(std::to_string(p));
		sql_cols.push_back(rd::schema::sql_identifier(t.columns[p]));
		shown.push_back(t.columns[p].name);
	}
	plan.index.name = concat(t.sql_name, "_", kind_name, "_", join(idx, "_"));
	if (plan.index.name.size() > 63)
		plan.index.name = concat(t.sql_name, "_", kind_name, "_", new_sql_name().substr(1, 10));
	std::string head = concat("CREATE INDEX ", plan.index.name, " ON ", t.relation());
	switch (plan.index.kind) {
	case IndexKind::Q3c:
		plan.create_sql = concat(head, " (q3c_ang2ipix(", sql_cols[0], ", ", sql_cols[1], "))");
		break;
	case IndexKind::Spoint:
		// Exactly the expression the translator writes for POINT(ra, dec).
		plan.create_sql = concat(head, " USING gist (", adql::spoint_sql(sql_cols[0], sql_cols[1]), ")");
		break;
	case IndexKind::Gist:
		plan.create_sql = concat(head, " USING gist (", sql_cols[0], ")");
		break;
	case IndexKind::Btree:
		plan.create_sql = concat(head, " (", join(sql_cols, ", "), ")");
		break;
	}
	plan.summary = concat(kind_name, " index on (", join(shown, ", "), ")",
	                      plan.cluster ? ", table clustered on it" : "");
	return plan;
}

void UserTables::IndexJob::execute(uws::JobRun& run) {
	const uws::Job& job = run.job();
	std::string name = job.parameter("TABLE").value_or("");
	std::string spec = job.parameter("INDEX").value_or("");
	pg::Connection conn(tables_.admin_);
	run.set_canceller([&conn] { conn.cancel(); });
	struct ClearCanceller {
		uws::JobRun& run;
		~ClearCanceller() { run.set_canceller({}); }
	} clear{run};
	auto t = resolve(conn, job.owner, name);
	if (!t)
		throw Error(ErrorKind::NotFound, concat("There is no user table tap_user.", name, " (any more)."));
	IndexPlan plan = plan_index(*t, spec, job.parameter("KIND"), tables_.settings_.spatial_index);
	std::string summary = plan.summary;
	bool exists = false;
	for (auto& ix : t->indexes)
		exists = exists || (ix.kind == plan.index.kind && ix.columns == plan.index.columns);
	if (exists) {
		summary += " (existed already)";
	} else {
		conn.begin();
		try {
			if (auto d = run.deadline()) {
				auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
				              *d - std::chrono::system_clock::now())
				              .count();
				conn.exec(concat("SET LOCAL statement_timeout = ", std::to_string(std::max<int64_t>(ms, 1))));
			}
			conn.exec(plan.create_sql);
			if (plan.cluster) conn.exec(concat("CLUSTER ", t->relation(), " USING ", plan.index.name));
			conn.exec(concat("ANALYZE ", t->relation()));
			int64_t size = relation_size(conn, t->relation());
			// The owner's lock only now: taking it before the table's would invert the order the
			// uploads use (lock, then drop) and risk a deadlock.
			lock_owner(conn, t->owner);
			auto current = find_by_sql_name(conn, t->sql_name, false);
			if (!current)
				throw Error(ErrorKind::Validation,
				            concat("tap_user.", name, " was dropped or replaced while it was being indexed"));
			Usage u = usage(conn, t->owner);
			Limits l = limits_for(conn, tables_.settings_, t->owner);
			int64_t after = u.bytes - current->size_bytes + size;
			if (after > l.bytes)
				throw Error(ErrorKind::Limit,
				            concat("Quota exceeded: with the index, your tables would use ",
				                   format_bytes(after), ", but ", quota_owner_text(t->owner), " is ",
				                   format_bytes(l.bytes), " (they use ", format_bytes(u.bytes), " now)."));
			add_index(conn, *t, plan.index, size);
			conn.commit();
		} catch (...) {
			conn.rollback();
			throw;
		}
		log::info(concat("user table ", t->adql_name(), ": ", summary));
	}
	std::string text = concat("tap_user.", name, ": ", summary, "\n");
	std::ofstream(run.dir() / "result.txt") << text;
	run.add_result({"result", "text/plain", "result.txt", static_cast<int64_t>(text.size())});
}

} // namespace meles::services::user_tables
