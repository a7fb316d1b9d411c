#include "meles/rd/schema/catalog_store.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/adql/identifiers.hpp"
#include "meles/rd/schema/ddl.hpp"

namespace meles::rd::schema {

namespace {

std::optional<std::string> opt(const std::string& s) {
	if (s.empty()) return std::nullopt;
	return s;
}

std::string b(bool v) {
	return v ? "t" : "f";
}

std::string adql_word(AdqlAccess a) {
	switch (a) {
	case AdqlAccess::Yes:
		return "yes";
	case AdqlAccess::Hidden:
		return "hidden";
	case AdqlAccess::No:
		return "no";
	}
	return "no";
}

// Whether ADQL users must write the name in double quotes: declared so, or not a regular
// identifier (a reserved word such as "distance", odd characters).
bool needs_quotes(const ColumnMeta& c) {
	return c.delimited || !adql::is_regular_identifier(c.name);
}

// TAP_SCHEMA spelling of a name: names needing quotes keep them (TAP 1.1 §4).
std::string tap_name(const ColumnMeta& c) {
	if (!needs_quotes(c)) return c.name;
	std::string out = "\"";
	for (char ch : c.name) {
		if (ch == '"') out += '"';
		out += ch;
	}
	return out + "\"";
}

std::optional<std::string> size_of(const SqlType& t) {
	auto v = votable_type(t);
	if (v.arraysize.empty() || v.arraysize.find('*') != std::string::npos ||
	    v.arraysize.find('x') != std::string::npos)
		return std::nullopt;
	return v.arraysize;
}

std::string pairs_text(const std::vector<std::pair<std::string, std::string>>& pairs) {
	std::vector<std::string> items;
	for (auto& [a, b2] : pairs)
		items.push_back(a + " " + b2);
	return join(items, ";");
}

} // namespace

void ensure_catalog_tables(pg::Connection& c) {
	c.exec(R"(
CREATE TABLE IF NOT EXISTS meles.tablemeta (
	table_name text PRIMARY KEY,
	schema_name text NOT NULL,
	table_id text NOT NULL,
	rd_id text NOT NULL,
	adql text NOT NULL,
	sql_name text NOT NULL,
	description text,
	is_view boolean NOT NULL DEFAULT false,
	q3c_pairs text NOT NULL DEFAULT '',
	spoint_pairs text NOT NULL DEFAULT '',
	gist_columns text NOT NULL DEFAULT '',
	nrows bigint,
	imported timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS meles.columnmeta (
	table_name text NOT NULL REFERENCES meles.tablemeta ON DELETE CASCADE,
	column_index integer NOT NULL,
	column_name text NOT NULL,
	delimited boolean NOT NULL,
	rd_type text NOT NULL,
	unit text, ucd text, utype text, description text, tablehead text, xtype text,
	verb_level integer NOT NULL,
	required boolean NOT NULL,
	indexed boolean NOT NULL,
	principal boolean NOT NULL,
	std boolean NOT NULL,
	null_literal text,
	PRIMARY KEY (table_name, column_index));
CREATE TABLE IF NOT EXISTS meles.catalog_version (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
INSERT INTO meles.catalog_version VALUES (1, 0) ON CONFLICT DO NOTHING;
)");
}

bool tap_schema_exists(pg::Connection& c) {
	return c.exec("SELECT 1 FROM pg_class WHERE oid = to_regclass('tap_schema.columns')").rows() > 0;
}

void bump_catalog_version(pg::Connection& c) {
	// The NOTIFY goes out when the transaction commits: daemons LISTENing rebuild their TAP
	// metadata at once instead of noticing the new version at their next poll.
	c.exec(concat("UPDATE meles.catalog_version SET version = version + 1; NOTIFY ", kCatalogChannel));
}

void forget_table(pg::Connection& c, const std::string& schema, const std::string& table) {
	std::string name = to_lower(schema + "." + table);
	c.exec_params("DELETE FROM meles.tablemeta WHERE table_name = $1", {name});
	if (!tap_schema_exists(c)) return;
	c.exec_params("DELETE FROM tap_schema.key_columns WHERE key_id IN "
	              "(SELECT key_id FROM tap_schema.keys WHERE from_table = $1 OR target_table = $1)",
	              {name});
	c.exec_params("DELETE FROM tap_schema.keys WHERE from_table = $1 OR target_table = $1", {name});
	c.exec_params("DELETE FROM tap_schema.columns WHERE table_name = $1", {name});
	c.exec_params("DELETE FROM tap_schema.tables WHERE table_name = $1", {name});
	c.exec_params("DELETE FROM tap_schema.schemas WHERE schema_name = $1 AND NOT EXISTS "
	              "(SELECT 1 FROM tap_schema.tables WHERE schema_name = $1)",
	              {to_lower(schema)});
}

void record_table(pg::Connection& c, const Resource& rd, const TableDef& t, std::optional<int64_t> nrows) {
	std::string name = to_lower(t.schema + "." + t.id);
	forget_table(c, t.schema, t.id);
	auto pos = position_indexes(t);
	std::vector<std::string> gist = pos.gist_columns;
	std::string description = normalize_space(rd.meta_text("description", &t.meta));
	c.exec_params(
	    "INSERT INTO meles.tablemeta (table_name, schema_name, table_id, rd_id, adql, sql_name, description, "
	    "is_view, q3c_pairs, spoint_pairs, gist_columns, nrows) VALUES "
	    "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
	    {name, to_lower(t.schema), t.id, rd.rd_id, adql_word(t.adql), qualified(t.schema, t.id), description,
	     b(t.is_view()), pairs_text(pos.q3c), pairs_text(pos.spoint), join(gist, ";"),
	     nrows ? std::optional<std::string>(std::to_string(*nrows)) : std::nullopt});
	for (size_t i = 0; i < t.columns.size(); ++i) {
		const auto& col = t.columns[i];
		const auto& m = col.meta;
		c.exec_params("INSERT INTO meles.columnmeta VALUES "
		              "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
		              {name, std::to_string(i), m.name, b(needs_quotes(m)), m.type.rd_name(), opt(m.unit),
		               opt(m.ucd), opt(m.utype), opt(m.description), opt(m.tablehead),
		               opt(m.effective_xtype()), std::to_string(m.verb_level), b(m.required), b(m.indexed),
		               b(m.principal || m.verb_level <= 10), b(m.std || rd.is_system), m.null_literal});
	}
	if (t.adql != AdqlAccess::Yes || !tap_schema_exists(c)) return;

	std::string schema_desc = normalize_space(rd.meta_text("description"));
	c.exec_params("INSERT INTO tap_schema.schemas (schema_name, utype, description, schema_index, sourcerd) "
	              "VALUES ($1, NULL, $2, NULL, $3) ON CONFLICT (schema_name) DO UPDATE SET description = "
	              "EXCLUDED.description, "
	              "sourcerd = EXCLUDED.sourcerd",
	              {to_lower(t.schema), opt(schema_desc), rd.rd_id});
	std::string utype = rd.meta_text("utype", &t.meta);
	c.exec_params(
	    "INSERT INTO tap_schema.tables (schema_name, table_name, table_type, utype, description, "
	    "table_index, "
	    "sourcerd) VALUES ($1, $2, $3, $4, $5, NULL, $6)",
	    {to_lower(t.schema), name, t.is_view() ? "view" : "table", opt(utype), opt(description), rd.rd_id});
	// nrows (as DaCHS has it; TAP allows extra columns) only where TAP_SCHEMA was made with it
	if (nrows && c.exec("SELECT 1 FROM information_schema.columns WHERE table_schema = 'tap_schema' AND "
	                    "table_name = 'tables' AND column_name = 'nrows'")
	                     .rows() > 0)
		c.exec_params("UPDATE tap_schema.tables SET nrows = $2 WHERE table_name = $1",
		              {name, std::to_string(*nrows)});
	for (size_t i = 0; i < t.columns.size(); ++i) {
		const auto& m = t.columns[i].meta;
		auto vt = votable_type(m.type);
		std::string xtype = m.effective_xtype();
		c.exec_params(
		    "INSERT INTO tap_schema.columns (table_name, column_name, datatype, arraysize, xtype, \"size\", "
		    "description, utype, unit, ucd, indexed, principal, std, column_index, sourcerd) "
		    "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
		    {name, tap_name(m), vt.datatype, opt(vt.arraysize), opt(xtype), size_of(m.type),
		     opt(m.description), opt(m.utype), opt(m.unit), opt(m.ucd), m.indexed ? "1" : "0",
		     (m.principal || m.verb_level <= 10) ? "1" : "0", (m.std || rd.is_system) ? "1" : "0",
		     std::to_string(i + 1), rd.rd_id});
	}
	int k = 0;
	for (auto& fk : t.foreign_keys) {
		std::string target = fk.dest_table.table_id;
		std::string target_schema = t.schema;
		if (!fk.dest_table.rd_id.empty() && fk.dest_table.rd_id != rd.rd_id)
			continue; // cross-RD keys: TODO target schema
		std::string target_name = to_lower(target_schema + "." + target);
		std::string key_id = concat(name, "-", target_name, "-", std::to_string(++k));
		c.exec_params(
		    "INSERT INTO tap_schema.keys (key_id, from_table, target_table, description, utype, sourcerd) "
		    "VALUES ($1, $2, $3, NULL, NULL, $4)",
		    {key_id, name, target_name, rd.rd_id});
		for (size_t j = 0; j < fk.source.size(); ++j)
			c.exec_params("INSERT INTO tap_schema.key_columns (key_id, from_column, target_column, sourcerd) "
			              "VALUES ($1,$2,$3,$4)",
			              {key_id, fk.source[j], j < fk.dest.size() ? fk.dest[j] : fk.source[j], rd.rd_id});
	}
}

std::vector<std::pair<std::string, std::string>> recorded_tables(pg::Connection& c,
                                                                 const std::string& rd_id) {
	std::vector<std::pair<std::string, std::string>> out;
	auto r = c.exec_params(
	    "SELECT schema_name, table_id FROM meles.tablemeta WHERE rd_id = $1 ORDER BY table_name", {rd_id});
	for (int i = 0; i < r.rows(); ++i)
		out.emplace_back(r.get(i, 0), r.get(i, 1));
	return out;
}

} // namespace meles::rd::schema
