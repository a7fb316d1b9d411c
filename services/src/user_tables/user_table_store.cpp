#include "meles/services/user_tables/user_table_store.hpp"

#include "meles/core/adql/identifiers.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <random>

namespace meles::services::user_tables {

namespace {

// Times are stored as UTC timestamps and travel as epoch seconds, so that neither the
// server's nor the session's time zone can shift them.
std::string epoch(TimePoint t) {
	auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
	char buf[64];
	std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1000000),
	              static_cast<long long>(us % 1000000));
	return buf;
}

TimePoint from_epoch(std::string_view text) {
	double s = std::stod(std::string(text));
	return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(s)));
}

constexpr const char* kHeadColumns =
    "sql_name, owner, name, description, origin, extract(epoch from created), extract(epoch from modified), "
    "extract(epoch from destruction), nrows, size_bytes, index_job";

UserTable head_from(const pg::Result& r, int i) {
	UserTable t;
	t.sql_name = r.get(i, 0);
	t.owner = r.get_optional(i, 1);
	t.name = r.get(i, 2);
	t.description = r.get_optional(i, 3).value_or("");
	t.origin = r.get(i, 4);
	t.created = from_epoch(r.value(i, 5));
	t.modified = from_epoch(r.value(i, 6));
	t.destruction = from_epoch(r.value(i, 7));
	t.nrows = r.get_int(i, 8);
	t.size_bytes = r.get_int(i, 9);
	t.index_job = r.get_optional(i, 10);
	return t;
}

std::optional<std::string> opt(const std::string& s) {
	if (s.empty()) return std::nullopt;
	return s;
}

std::vector<UserTable> heads(pg::Connection& c, std::string_view where,
                             const std::vector<std::optional<std::string>>& params) {
	auto r = c.exec_params(concat("SELECT ", kHeadColumns, " FROM meles.user_tables WHERE ", where), params);
	std::vector<UserTable> out;
	for (int i = 0; i < r.rows(); ++i)
		out.push_back(head_from(r, i));
	return out;
}

std::optional<UserTable> one(pg::Connection& c, std::string_view where,
                             const std::vector<std::optional<std::string>>& params, bool with_columns) {
	auto v = heads(c, where, params);
	if (v.empty()) return std::nullopt;
	if (with_columns) load_columns(c, {&v[0]});
	return std::move(v[0]);
}

// "{a,b}" text array literal of sql names for = ANY($1).
std::string text_array(const std::vector<UserTable*>& tables) {
	std::string out = "{";
	for (size_t i = 0; i < tables.size(); ++i) {
		if (i) out += ',';
		out += '"' + tables[i]->sql_name + '"'; // [a-z0-9] only
	}
	return out + "}";
}

} // namespace

std::string_view index_kind_name(IndexKind kind) {
	switch (kind) {
	case IndexKind::Q3c:
		return "q3c";
	case IndexKind::Spoint:
		return "spoint";
	case IndexKind::Btree:
		return "btree";
	case IndexKind::Gist:
		return "gist";
	}
	return "btree";
}

bool enabled(pg::Connection& c) {
	return c.exec("SELECT to_regclass('meles.user_tables') IS NOT NULL AND to_regnamespace('tap_user') IS "
	              "NOT NULL")
	           .get(0, 0) == "t";
}

void require_enabled(pg::Connection& c) {
	if (!enabled(c))
		throw Error(ErrorKind::NotFound,
		            "Persistent uploads are not enabled on this server (the operator can switch them on with "
		            "`meles imp //tap_user`).");
}

std::string check_table_name(std::string_view name) {
	bool regular = !name.empty() && name.size() <= 60 && std::isalpha(static_cast<unsigned char>(name[0]));
	for (char c : name)
		regular = regular && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
	if (!regular || adql::is_reserved_word(name))
		throw Error(
		    ErrorKind::Validation,
		    concat("'", excerpt(name),
		           "' cannot be used as an upload table name (which must be regular ADQL identifiers, in "
		           "particular not ADQL reserved words)."));
	return to_lower(name);
}

std::string new_sql_name() {
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	std::random_device rd;
	std::string out = "t";
	for (int i = 0; i < 20; ++i)
		out += alphabet[rd() % 36];
	return out;
}

std::optional<UserTable> find(pg::Connection& c, const Owner& owner, std::string_view name,
                              bool with_columns) {
	std::string n = to_lower(name);
	if (owner) return one(c, "owner = $1 AND name = $2", {*owner, n}, with_columns);
	return one(c, "owner IS NULL AND name = $1", {n}, with_columns);
}

std::optional<UserTable> resolve(pg::Connection& c, const Owner& user, std::string_view name,
                                 bool with_columns) {
	if (user)
		if (auto t = find(c, user, name, with_columns)) return t;
	return find(c, std::nullopt, name, with_columns);
}

std::optional<UserTable> find_by_sql_name(pg::Connection& c, const std::string& sql_name, bool with_columns) {
	return one(c, "sql_name = $1", {sql_name}, with_columns);
}

std::vector<UserTable> list(pg::Connection& c, const Owner& owner, bool with_columns) {
	auto v =
	    owner ? heads(c, "owner = $1 ORDER BY name", {*owner}) : heads(c, "owner IS NULL ORDER BY name", {});
	if (with_columns) {
		std::vector<UserTable*> ptrs;
		for (auto& t : v)
			ptrs.push_back(&t);
		load_columns(c, ptrs);
	}
	return v;
}

std::vector<UserTable> visible(pg::Connection& c, const Owner& user, TimePoint now) {
	std::string alive = concat("destruction > to_timestamp(", epoch(now),
	                           ") AT TIME ZONE 'UTC' AND to_regnamespace('tap_user') IS NOT NULL");
	if (!user) return heads(c, concat("owner IS NULL AND ", alive, " ORDER BY name"), {});
	// Own tables shadow anonymous ones of the same name (a query means the caller's table).
	return heads(c,
	             concat("(owner = $1 OR (owner IS NULL AND name NOT IN (SELECT name FROM meles.user_tables "
	                    "WHERE owner = $1)))"
	                    " AND ",
	                    alive, " ORDER BY owner NULLS LAST, name"),
	             {*user});
}

void load_columns(pg::Connection& c, const std::vector<UserTable*>& tables) {
	if (tables.empty()) return;
	std::map<std::string, UserTable*> by_sql;
	for (auto* t : tables) {
		t->columns.clear();
		t->indexes.clear();
		by_sql[t->sql_name] = t;
	}
	std::string names = text_array(tables);
	auto r = c.exec_params(
	    "SELECT table_sql, column_name, delimited, rd_type, unit, ucd, utype, description, xtype, "
	    "indexed, null_literal FROM meles.user_columns WHERE table_sql = ANY($1::text[]) "
	    "ORDER BY table_sql, column_index",
	    {names});
	for (int i = 0; i < r.rows(); ++i) {
		auto it = by_sql.find(r.get(i, 0));
		if (it == by_sql.end()) continue;
		ColumnMeta m;
		m.name = r.get(i, 1);
		m.delimited = r.get(i, 2) == "t";
		m.type = SqlType::parse(r.value(i, 3));
		m.unit = r.get_optional(i, 4).value_or("");
		m.ucd = r.get_optional(i, 5).value_or("");
		m.utype = r.get_optional(i, 6).value_or("");
		m.description = r.get_optional(i, 7).value_or("");
		m.xtype = r.get_optional(i, 8).value_or("");
		m.indexed = r.get(i, 9) == "t";
		m.null_literal = r.get_optional(i, 10);
		it->second->columns.push_back(std::move(m));
	}
	auto ix = c.exec_params("SELECT table_sql, index_name, kind, columns FROM meles.user_indexes "
	                        "WHERE table_sql = ANY($1::text[]) ORDER BY index_name",
	                        {names});
	for (int i = 0; i < ix.rows(); ++i) {
		auto it = by_sql.find(ix.get(i, 0));
		if (it == by_sql.end()) continue;
		UserIndex u;
		u.name = ix.get(i, 1);
		std::string kind = ix.get(i, 2);
		u.kind = kind == "q3c"      ? IndexKind::Q3c
		         : kind == "spoint" ? IndexKind::Spoint
		         : kind == "gist"   ? IndexKind::Gist
		                            : IndexKind::Btree;
		for (auto& p : split_list(ix.get(i, 3)))
			u.columns.push_back(std::stoul(p));
		it->second->indexes.push_back(std::move(u));
	}
}

void insert(pg::Connection& c, const UserTable& t) {
	c.exec_params(
	    "INSERT INTO meles.user_tables (sql_name, owner, name, description, origin, created, modified, "
	    "destruction, nrows, size_bytes, index_job) VALUES ($1, $2, $3, $4, $5, "
	    "to_timestamp($6) AT TIME ZONE 'UTC', to_timestamp($7) AT TIME ZONE 'UTC', "
	    "to_timestamp($8) AT TIME ZONE 'UTC', $9, $10, $11)",
	    {t.sql_name, t.owner, t.name, opt(t.description), t.origin, epoch(t.created), epoch(t.modified),
	     epoch(t.destruction), std::to_string(t.nrows), std::to_string(t.size_bytes), t.index_job});
	// One statement for all columns: uploads may have hundreds.
	std::string sql = "INSERT INTO meles.user_columns (table_sql, column_index, column_name, delimited, "
	                  "rd_type, unit, ucd, "
	                  "utype, description, xtype, indexed, null_literal) VALUES ";
	std::vector<std::optional<std::string>> params;
	for (size_t i = 0; i < t.columns.size(); ++i) {
		const auto& m = t.columns[i];
		size_t base = params.size();
		if (i) sql += ", ";
		sql += "(";
		for (size_t k = 1; k <= 12; ++k)
			sql += concat(k > 1 ? ", $" : "$", std::to_string(base + k));
		sql += ")";
		params.insert(params.end(),
		              {t.sql_name, std::to_string(i), m.name, m.delimited ? "t" : "f", m.type.rd_name(),
		               opt(m.unit), opt(m.ucd), opt(m.utype), opt(m.description), opt(m.xtype),
		               m.indexed ? "t" : "f", m.null_literal});
	}
	if (!t.columns.empty()) c.exec_params(sql, params);
	for (auto& ix : t.indexes) {
		std::vector<std::string> cols;
		for (auto p : ix.columns)
			cols.push_back(std::to_string(p));
		c.exec_params(
		    "INSERT INTO meles.user_indexes (index_name, table_sql, kind, columns) VALUES ($1, $2, $3, $4)",
		    {ix.name, t.sql_name, std::string(index_kind_name(ix.kind)), join(cols, ",")});
	}
}

void remove(pg::Connection& c, const std::string& sql_name) {
	c.exec_params("DELETE FROM meles.user_indexes WHERE table_sql = $1", {sql_name});
	c.exec_params("DELETE FROM meles.user_columns WHERE table_sql = $1", {sql_name});
	c.exec_params("DELETE FROM meles.user_tables WHERE sql_name = $1", {sql_name});
}

void set_destruction(pg::Connection& c, const std::string& sql_name, TimePoint when) {
	c.exec_params(
	    "UPDATE meles.user_tables SET destruction = to_timestamp($2) AT TIME ZONE 'UTC' WHERE sql_name = $1",
	    {sql_name, epoch(when)});
}

void set_index_job(pg::Connection& c, const std::string& sql_name, const std::string& job_id) {
	c.exec_params("UPDATE meles.user_tables SET index_job = $2 WHERE sql_name = $1", {sql_name, job_id});
}

void add_index(pg::Connection& c, const UserTable& t, const UserIndex& ix, int64_t size_bytes) {
	std::vector<std::string> cols;
	for (auto p : ix.columns)
		cols.push_back(std::to_string(p));
	c.exec_params(
	    "INSERT INTO meles.user_indexes (index_name, table_sql, kind, columns) VALUES ($1, $2, $3, $4) "
	    "ON CONFLICT (index_name) DO NOTHING",
	    {ix.name, t.sql_name, std::string(index_kind_name(ix.kind)), join(cols, ",")});
	for (auto p : ix.columns)
		c.exec_params(
		    "UPDATE meles.user_columns SET indexed = true WHERE table_sql = $1 AND column_index = $2",
		    {t.sql_name, std::to_string(p)});
	c.exec_params(
	    "UPDATE meles.user_tables SET size_bytes = $2, modified = to_timestamp($3) AT TIME ZONE 'UTC' "
	    "WHERE sql_name = $1",
	    {t.sql_name, std::to_string(size_bytes), epoch(std::chrono::system_clock::now())});
}

void lock_owner(pg::Connection& c, const Owner& owner) {
	c.exec_params("SELECT pg_advisory_xact_lock(hashtext('meles.user_tables/' || $1))", {owner.value_or("")});
}

Usage usage(pg::Connection& c, const Owner& owner) {
	auto r =
	    owner
	        ? c.exec_params(
	              "SELECT coalesce(sum(size_bytes), 0), count(*) FROM meles.user_tables WHERE owner = $1",
	              {*owner})
	        : c.exec(
	              "SELECT coalesce(sum(size_bytes), 0), count(*) FROM meles.user_tables WHERE owner IS NULL");
	return {r.get_int(0, 0), r.get_int(0, 1)};
}

std::optional<QuotaOverride> quota_override(pg::Connection& c, const std::string& user) {
	auto r = c.exec_params("SELECT max_bytes, max_tables FROM meles.user_quotas WHERE username = $1", {user});
	if (r.rows() == 0) return std::nullopt;
	QuotaOverride q;
	if (!r.is_null(0, 0)) q.bytes = r.get_int(0, 0);
	if (!r.is_null(0, 1)) q.tables = r.get_int(0, 1);
	return q;
}

void set_quota_override(pg::Connection& c, const std::string& user, const QuotaOverride& q) {
	if (!q.bytes && !q.tables) {
		c.exec_params("DELETE FROM meles.user_quotas WHERE username = $1", {user});
		return;
	}
	auto num = [](const std::optional<int64_t>& v) -> std::optional<std::string> {
		if (!v) return std::nullopt;
		return std::to_string(*v);
	};
	c.exec_params("INSERT INTO meles.user_quotas (username, max_bytes, max_tables) VALUES ($1, $2, $3) "
	              "ON CONFLICT (username) DO UPDATE SET max_bytes = EXCLUDED.max_bytes, max_tables = "
	              "EXCLUDED.max_tables",
	              {user, num(q.bytes), num(q.tables)});
}

std::vector<std::string> expired(pg::Connection& c, TimePoint now) {
	auto r = c.exec_params(
	    "SELECT sql_name FROM meles.user_tables WHERE destruction <= to_timestamp($1) AT TIME ZONE 'UTC' "
	    "ORDER BY destruction",
	    {epoch(now)});
	std::vector<std::string> out;
	for (int i = 0; i < r.rows(); ++i)
		out.push_back(r.get(i, 0));
	return out;
}

std::optional<TimePoint> next_destruction(pg::Connection& c) {
	auto r = c.exec("SELECT extract(epoch from min(destruction)) FROM meles.user_tables");
	if (r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
	return from_epoch(r.value(0, 0));
}

std::vector<std::string> orphans(pg::Connection& c) {
	auto r =
	    c.exec("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'tap_user'::regnamespace "
	           "AND c.relkind IN ('r', 'p', 'v', 'm') "
	           "AND NOT EXISTS (SELECT 1 FROM meles.user_tables u WHERE u.sql_name = c.relname) ORDER BY 1");
	std::vector<std::string> out;
	for (int i = 0; i < r.rows(); ++i)
		out.push_back(r.get(i, 0));
	return out;
}

bool drop_relation(pg::Connection& c, const std::string& relation, std::chrono::milliseconds lock_wait) {
	try {
		c.exec(concat("SET lock_timeout = ", std::to_string(lock_wait.count())));
		c.exec(concat("DROP TABLE IF EXISTS ", relation));
		c.exec("RESET lock_timeout");
		return true;
	} catch (const pg::DbError& e) {
		if (c.in_transaction()) c.rollback();
		c.exec("RESET lock_timeout");
		log::info(concat("user tables: ", relation, " is still in use (", e.message(),
		                 "); the reaper drops it later"));
		return false;
	}
}

bool drop_user_table(pg::Connection& c, const std::string& sql_name) {
	c.begin();
	try {
		auto t = find_by_sql_name(c, sql_name, false);
		if (!t) {
			c.rollback();
			return false;
		}
		lock_owner(c, t->owner);
		// Re-read under the lock: a concurrent DELETE or replacement may have won.
		if (!find_by_sql_name(c, sql_name, false)) {
			c.rollback();
			return false;
		}
		remove(c, sql_name);
		c.commit();
	} catch (...) {
		c.rollback();
		throw;
	}
	drop_relation(c, concat("tap_user.", sql_name));
	return true;
}

size_t drop_tables_of(pg::Connection& c, const std::string& user) {
	if (!enabled(c)) return 0;
	size_t n = 0;
	for (auto& t : list(c, user, false))
		if (drop_user_table(c, t.sql_name)) ++n;
	set_quota_override(c, user, {});
	return n;
}

int64_t relation_size(pg::Connection& c, const std::string& relation) {
	return c.exec_params("SELECT pg_total_relation_size($1::regclass)", {relation}).get_int(0, 0);
}

std::string format_bytes(int64_t bytes) {
	// Binary units, as the configuration's sizes ("10G" is 10 GiB).
	const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = static_cast<double>(bytes);
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		++u;
	}
	char buf[64];
	if (u == 0)
		std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
	else
		std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

} // namespace meles::services::user_tables
