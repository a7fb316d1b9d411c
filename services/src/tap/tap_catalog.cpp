#include "meles/services/tap/tap_catalog.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/schema/catalog_store.hpp"

#include <algorithm>

namespace meles::services::tap {

const TapTable* CatalogSnapshot::find(std::string_view qualified_lower) const {
	for (auto& t : tables)
		if (to_lower(t->entry->qualified_name()) == qualified_lower) return t.get();
	return nullptr;
}

TapCatalog::~TapCatalog() {
	stop_ = true;
	if (listener_.joinable()) listener_.join();
}

void TapCatalog::listen(pg::ConnectParams params) {
	if (listener_.joinable()) return;
	listener_ = std::thread([this, p = std::move(params)] { listen_loop(p); });
}

void TapCatalog::listen_loop(pg::ConnectParams params) {
	// Waits in slices of 200 ms so that the destructor's stop is noticed quickly.
	constexpr auto kSlice = std::chrono::milliseconds(200);
	while (!stop_) {
		try {
			pg::Connection c(params);
			c.exec(concat("LISTEN ", rd::schema::kCatalogChannel));
			// Whatever changed while nobody listened counts as a change.
			stale_ = true;
			listening_ = true;
			log::debug("TAP catalog: listening for metadata changes");
			while (!stop_)
				if (!c.wait_for_notifications(kSlice).empty()) stale_ = true;
		} catch (const Error& e) {
			if (listening_)
				log::warn(concat("TAP catalog: lost the notification connection (", e.what(),
				                 "); polling the catalog version until it is back"));
		}
		listening_ = false;
		stale_ = true;
		for (int i = 0; i < 10 && !stop_; ++i)
			std::this_thread::sleep_for(kSlice);
	}
}

void TapCatalog::invalidate() {
	std::lock_guard lock(mutex_);
	checked_ = {};
	current_.reset();
	stale_ = true;
}

int64_t TapCatalog::current_version() {
	for (int attempt = 0;; ++attempt) {
		// A pooled connection may have died with a database restart; one retry gets a new one.
		try {
			auto c = pool_.acquire();
			auto r = c->exec("SELECT version FROM meles.catalog_version");
			return r.rows() ? r.get_int(0, 0) : 0;
		} catch (const pg::DbError& e) {
			if (attempt > 0 || !e.sqlstate().starts_with("08")) throw;
		}
	}
}

std::shared_ptr<const CatalogSnapshot> TapCatalog::snapshot() {
	std::lock_guard lock(mutex_);
	auto now = std::chrono::steady_clock::now();
	if (current_) {
		// Listening: only a notification (or a reconnect) makes the snapshot doubtful.
		if (listening_ && !stale_) return current_;
		if (!listening_ && now - checked_ < std::chrono::seconds(1)) return current_;
	}
	// Cleared before asking: a notification arriving meanwhile makes the next call ask again.
	stale_ = false;
	int64_t version = current_version();
	checked_ = now;
	if (!current_ || current_->version != version) current_ = load(version);
	return current_;
}

std::shared_ptr<const CatalogSnapshot> TapCatalog::newer_than(const CatalogSnapshot& seen) {
	std::lock_guard lock(mutex_);
	int64_t version = current_version();
	checked_ = std::chrono::steady_clock::now();
	if (version == seen.version) return nullptr;
	if (!current_ || current_->version != version) current_ = load(version);
	return current_;
}

namespace {

std::vector<adql::PositionIndex> pairs(const std::string& text) {
	std::vector<adql::PositionIndex> out;
	for (auto& item : split_list(text, ';')) {
		auto words = split_list(item, ' ');
		if (words.size() == 2) out.push_back({words[0], words[1]});
	}
	return out;
}

} // namespace

std::shared_ptr<const CatalogSnapshot> TapCatalog::load(int64_t version) {
	auto c = pool_.acquire();
	auto snap = load_snapshot(*c, false);
	snap->version = version;
	return snap;
}

std::shared_ptr<CatalogSnapshot> load_snapshot(pg::Connection& conn, bool every_table) {
	auto snap = std::make_shared<CatalogSnapshot>();
	pg::Connection* c = &conn;
	auto tables =
	    c->exec(concat("SELECT table_name, schema_name, table_id, adql, sql_name, coalesce(description, ''), "
	                   "is_view, q3c_pairs, "
	                   "spoint_pairs, gist_columns, nrows, rd_id FROM meles.tablemeta",
	                   every_table ? "" : " WHERE adql IN ('yes', 'hidden')", " ORDER BY table_name"));
	auto cols = c->exec("SELECT table_name, column_name, delimited, rd_type, coalesce(unit, ''), "
	                    "coalesce(ucd, ''), coalesce(utype, ''), "
	                    "coalesce(description, ''), coalesce(tablehead, ''), coalesce(xtype, ''), "
	                    "verb_level, required, indexed, principal, "
	                    "std, null_literal FROM meles.columnmeta ORDER BY table_name, column_index");
	std::map<std::string, std::vector<ColumnMeta>> columns;
	for (int i = 0; i < cols.rows(); ++i) {
		ColumnMeta m;
		m.name = cols.get(i, 1);
		m.delimited = cols.get(i, 2) == "t";
		try {
			m.type = SqlType::parse(cols.get(i, 3));
		} catch (const Error& e) {
			log::warn(concat("column ", cols.get(i, 0), ".", m.name, ": ", e.what()));
			continue;
		}
		m.unit = cols.get(i, 4);
		m.ucd = cols.get(i, 5);
		m.utype = cols.get(i, 6);
		m.description = cols.get(i, 7);
		m.tablehead = cols.get(i, 8);
		m.xtype = cols.get(i, 9);
		m.verb_level = static_cast<int>(cols.get_int(i, 10));
		m.required = cols.get(i, 11) == "t";
		m.indexed = cols.get(i, 12) == "t";
		m.principal = cols.get(i, 13) == "t";
		m.std = cols.get(i, 14) == "t";
		m.null_literal = cols.get_optional(i, 15);
		columns[cols.get(i, 0)].push_back(std::move(m));
	}
	std::map<std::string, std::string> schema_desc;
	try {
		auto s = c->exec("SELECT schema_name, coalesce(description, '') FROM tap_schema.schemas");
		for (int i = 0; i < s.rows(); ++i)
			schema_desc[s.get(i, 0)] = s.get(i, 1);
	} catch (const pg::DbError&) {
		// no TAP_SCHEMA yet
	}
	std::map<std::string, std::vector<ForeignKeyInfo>> fks;
	try {
		auto k =
		    c->exec("SELECT k.from_table, k.target_table, k.key_id, kc.from_column, kc.target_column "
		            "FROM tap_schema.keys k JOIN tap_schema.key_columns kc USING (key_id) ORDER BY k.key_id");
		std::string last;
		for (int i = 0; i < k.rows(); ++i) {
			auto& list = fks[k.get(i, 0)];
			if (k.get(i, 2) != last) {
				list.push_back({k.get(i, 1), {}});
				last = k.get(i, 2);
			}
			list.back().columns.emplace_back(k.get(i, 3), k.get(i, 4));
		}
	} catch (const pg::DbError&) {
	}
	std::map<std::string, TapSchema> schemas;
	for (int i = 0; i < tables.rows(); ++i) {
		adql::TableEntry e;
		e.schema = tables.get(i, 1);
		e.name = tables.get(i, 2);
		e.sql_name = tables.get(i, 4);
		e.description = tables.get(i, 5);
		e.columns = columns[tables.get(i, 0)];
		e.q3c_indexes = pairs(tables.get(i, 7));
		e.spoint_indexes = pairs(tables.get(i, 8));
		e.gist_columns = split_list(tables.get(i, 9), ';');
		auto t = std::make_unique<TapTable>();
		t->entry = &snap->catalog.add(std::move(e));
		t->table_type = tables.get(i, 6) == "t" ? "view" : "table";
		t->listed = tables.get(i, 3) == "yes";
		t->adql = t->listed || tables.get(i, 3) == "hidden";
		if (!tables.is_null(i, 10)) t->nrows = tables.get_int(i, 10);
		t->rd_id = tables.get(i, 11);
		if (auto f = fks.find(tables.get(i, 0)); f != fks.end()) t->foreign_keys = f->second;
		if (t->listed) {
			auto& s = schemas[t->entry->schema];
			s.name = t->entry->schema;
			s.description = schema_desc[t->entry->schema];
			s.tables.push_back(t.get());
		}
		snap->tables.push_back(std::move(t));
	}
	for (auto& [name, s] : schemas)
		snap->schemas.push_back(std::move(s));
	return snap;
}

} // namespace meles::services::tap
