#include "meles/services/tap/tap_catalog.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <algorithm>
#include <map>

namespace meles::services::tap {

namespace {

int64_t steady_ticks() {
	return std::chrono::steady_clock::now().time_since_epoch().count();
}

std::string opt_text(const pg::Result& r, int row, int col) {
	return r.is_null(row, col) ? std::string() : r.get(row, col);
}

bool truthy(const pg::Result& r, int row, int col) {
	if (r.is_null(row, col)) return false;
	auto v = r.value(row, col);
	return v == "t" || v == "1" || v == "true";
}

std::vector<adql::PositionIndex> parse_pairs(std::string_view text) {
	std::vector<adql::PositionIndex> out;
	for (auto& item : split_list(text, ';')) {
		auto parts = split_list(item, ' ');
		if (parts.size() == 2) out.push_back({parts[0], parts[1]});
	}
	return out;
}

void load_catalog(pg::Connection& c, TapSnapshot& snap) {
	auto tables = c.exec(
	    "SELECT table_name, schema_name, table_id, sql_name, coalesce(description, ''), q3c_pairs, "
	    "spoint_pairs, "
	    "gist_columns, rd_id FROM meles.tablemeta WHERE adql IN ('yes', 'hidden') ORDER BY table_name");
	auto cols = c.exec("SELECT c.table_name, column_name, delimited, rd_type, unit, ucd, utype, "
	                   "c.description, tablehead, xtype, "
	                   "verb_level, required, indexed, principal, std, null_literal FROM meles.columnmeta c "
	                   "JOIN meles.tablemeta t USING (table_name) WHERE t.adql IN ('yes', 'hidden') "
	                   "ORDER BY c.table_name, column_index");
	std::multimap<std::string, ColumnMeta> by_table;
	for (int i = 0; i < cols.rows(); ++i) {
		ColumnMeta m;
		m.name = cols.get(i, 1);
		m.delimited = truthy(cols, i, 2);
		try {
			m.type = SqlType::parse(cols.get(i, 3));
		} catch (const Error& e) {
			log::warn(
			    concat("TAP catalog: column ", cols.get(i, 0), ".", m.name, ": ", e.message(), "; skipped"));
			continue;
		}
		m.unit = opt_text(cols, i, 4);
		m.ucd = opt_text(cols, i, 5);
		m.utype = opt_text(cols, i, 6);
		m.description = opt_text(cols, i, 7);
		m.tablehead = opt_text(cols, i, 8);
		m.xtype = opt_text(cols, i, 9);
		if (m.xtype == votable_type(m.type).xtype) m.xtype.clear();
		m.verb_level = static_cast<int>(cols.get_int(i, 10));
		m.required = truthy(cols, i, 11);
		m.indexed = truthy(cols, i, 12);
		m.principal = truthy(cols, i, 13);
		m.std = truthy(cols, i, 14);
		if (!cols.is_null(i, 15)) m.null_literal = cols.get(i, 15);
		by_table.emplace(cols.get(i, 0), std::move(m));
	}
	std::vector<std::string> rds;
	for (int i = 0; i < tables.rows(); ++i) {
		adql::TableEntry e;
		e.schema = tables.get(i, 1);
		e.name = tables.get(i, 2);
		e.sql_name = tables.get(i, 3);
		e.description = tables.get(i, 4);
		auto range = by_table.equal_range(tables.get(i, 0));
		for (auto it = range.first; it != range.second; ++it)
			e.columns.push_back(it->second);
		e.q3c_indexes = parse_pairs(tables.value(i, 5));
		e.spoint_indexes = parse_pairs(tables.value(i, 6));
		e.gist_columns = split_list(tables.value(i, 7), ';');
		snap.catalog.add(std::move(e));
		std::string rd = tables.get(i, 8);
		if (std::find(rds.begin(), rds.end(), rd) == rds.end()) rds.push_back(rd);
	}
	snap.rd_ids = std::move(rds);
}

void load_tableset(pg::Connection& c, TapSnapshot& snap) {
	if (c.exec("SELECT 1 FROM pg_class WHERE oid = to_regclass('tap_schema.columns')").rows() == 0) return;
	auto schemas =
	    c.exec("SELECT schema_name, coalesce(description, ''), coalesce(utype, '') FROM tap_schema.schemas "
	           "ORDER BY schema_index NULLS LAST, schema_name");
	auto tables =
	    c.exec("SELECT t.schema_name, t.table_name, t.table_type, coalesce(t.description, ''), "
	           "coalesce(t.utype, ''), m.nrows "
	           "FROM tap_schema.tables t LEFT JOIN meles.tablemeta m ON m.table_name = lower(t.table_name) "
	           "ORDER BY t.table_index NULLS LAST, t.table_name");
	auto cols =
	    c.exec("SELECT table_name, column_name, datatype, coalesce(arraysize, ''), coalesce(xtype, ''), "
	           "coalesce(unit, ''), "
	           "coalesce(ucd, ''), coalesce(utype, ''), coalesce(description, ''), indexed, principal, std "
	           "FROM tap_schema.columns ORDER BY table_name, column_index NULLS LAST, column_name");
	auto keys = c.exec(
	    "SELECT k.key_id, k.from_table, k.target_table, coalesce(k.description, ''), coalesce(k.utype, ''), "
	    "kc.from_column, kc.target_column FROM tap_schema.keys k JOIN tap_schema.key_columns kc USING "
	    "(key_id) "
	    "ORDER BY k.key_id");
	std::map<std::string, size_t> schema_index;
	for (int i = 0; i < schemas.rows(); ++i) {
		schema_index[to_lower(schemas.get(i, 0))] = snap.schemas.size();
		snap.schemas.push_back({schemas.get(i, 0), schemas.get(i, 1), schemas.get(i, 2), {}});
	}
	std::map<std::string, std::pair<size_t, size_t>> table_index;
	for (int i = 0; i < tables.rows(); ++i) {
		auto it = schema_index.find(to_lower(tables.get(i, 0)));
		if (it == schema_index.end()) continue; // a table without schema row: not shown
		TapTable t;
		t.name = tables.get(i, 1);
		t.type = tables.get(i, 2);
		t.description = tables.get(i, 3);
		t.utype = tables.get(i, 4);
		if (!tables.is_null(i, 5)) t.nrows = tables.get_int(i, 5);
		auto& s = snap.schemas[it->second];
		table_index[to_lower(t.name)] = {it->second, s.tables.size()};
		s.tables.push_back(std::move(t));
	}
	for (int i = 0; i < cols.rows(); ++i) {
		auto it = table_index.find(to_lower(cols.get(i, 0)));
		if (it == table_index.end()) continue;
		TapColumn col;
		col.name = cols.get(i, 1);
		col.datatype = cols.get(i, 2);
		col.arraysize = cols.get(i, 3);
		col.xtype = cols.get(i, 4);
		col.unit = cols.get(i, 5);
		col.ucd = cols.get(i, 6);
		col.utype = cols.get(i, 7);
		col.description = cols.get(i, 8);
		col.indexed = truthy(cols, i, 9);
		col.principal = truthy(cols, i, 10);
		col.std = truthy(cols, i, 11);
		snap.schemas[it->second.first].tables[it->second.second].columns.push_back(std::move(col));
	}
	std::string last_key;
	for (int i = 0; i < keys.rows(); ++i) {
		auto it = table_index.find(to_lower(keys.get(i, 1)));
		if (it == table_index.end()) continue;
		auto& t = snap.schemas[it->second.first].tables[it->second.second];
		if (keys.get(i, 0) != last_key) {
			last_key = keys.get(i, 0);
			t.foreign_keys.push_back({keys.get(i, 2), {}, keys.get(i, 3), keys.get(i, 4)});
		}
		t.foreign_keys.back().columns.emplace_back(keys.get(i, 5), keys.get(i, 6));
	}
}

} // namespace

const TapTable* TapSnapshot::find_table(std::string_view qualified) const {
	for (auto& s : schemas)
		for (auto& t : s.tables)
			if (iequals(t.name, qualified)) return &t;
	return nullptr;
}

std::shared_ptr<const TapSnapshot> load_tap_snapshot(pg::Connection& c) {
	auto snap = std::make_shared<TapSnapshot>();
	c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	try {
		snap->version = c.exec("SELECT version FROM meles.catalog_version").get_int(0, 0);
		load_catalog(c, *snap);
		load_tableset(c, *snap);
		c.commit();
	} catch (...) {
		c.rollback();
		throw;
	}
	return snap;
}

TapCatalog::TapCatalog(pg::Pool& pool, std::chrono::milliseconds check_interval)
    : pool_(pool), interval_(check_interval) {}

void TapCatalog::invalidate() {
	next_check_ = 0;
}

std::shared_ptr<const TapSnapshot> TapCatalog::snapshot() {
	std::shared_ptr<const TapSnapshot> cur;
	{
		std::lock_guard lock(mutex_);
		cur = current_;
	}
	int64_t now = steady_ticks();
	if (cur && now < next_check_.load(std::memory_order_relaxed)) return cur;
	// Due for a check.  One thread checks; the others keep using what they have (if anything).
	std::unique_lock reload(reload_mutex_, std::defer_lock);
	if (cur) {
		if (!reload.try_lock()) return cur;
	} else {
		reload.lock();
		std::lock_guard lock(mutex_);
		if (current_) return current_; // another thread loaded it meanwhile
	}
	auto interval_ticks = std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval_).count();
	try {
		auto lease = pool_.acquire();
		if (cur) {
			int64_t v = lease->exec("SELECT version FROM meles.catalog_version").get_int(0, 0);
			if (v == cur->version) {
				next_check_ = steady_ticks() + interval_ticks;
				return cur;
			}
		}
		auto fresh = load_tap_snapshot(*lease);
		if (cur)
			log::info(concat("TAP: table metadata reloaded (catalog version ", std::to_string(fresh->version),
			                 ")"));
		{
			std::lock_guard lock(mutex_);
			current_ = fresh;
		}
		next_check_ = steady_ticks() + interval_ticks;
		return fresh;
	} catch (const Error& e) {
		// Keep serving the old metadata if the database hiccups; try again at the next interval.
		if (!cur) throw;
		log::warn(concat("TAP: cannot check the table metadata version: ", e.message()));
		next_check_ = steady_ticks() + interval_ticks;
		return cur;
	}
}

} // namespace meles::services::tap
