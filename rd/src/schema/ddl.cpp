#include "meles/rd/schema/ddl.hpp"

#include "meles/core/adql/identifiers.hpp"
#include "meles/core/common/strings.hpp"

namespace meles::rd::schema {

namespace {

bool plain(std::string_view s) {
	if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
	for (char c : s)
		if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
		      c == '_'))
			return false;
	// Quoting a name unnecessarily is harmless; PostgreSQL's keywords must be quoted.
	return !adql::is_pg_keyword(s);
}

std::string quote(std::string_view s) {
	std::string out = "\"";
	for (char c : s) {
		if (c == '"') out += '"';
		out += c;
	}
	return out + "\"";
}

} // namespace

std::string sql_identifier(std::string_view name, bool delimited) {
	std::string real = delimited ? std::string(name) : to_lower(name);
	return plain(real) ? real : quote(real);
}

std::string qualified(std::string_view schema, std::string_view table) {
	return sql_identifier(schema, false) + "." + sql_identifier(table, false);
}

std::string create_table_sql(const TableDef& t, const std::string& relation) {
	std::string out = concat("CREATE TABLE ", relation, " (");
	for (size_t i = 0; i < t.columns.size(); ++i) {
		const auto& c = t.columns[i].meta;
		if (i) out += ", ";
		out += sql_identifier(c);
		out += " ";
		out += c.type.pg_ddl();
		if (c.required) out += " NOT NULL";
	}
	out += ")";
	return out;
}

std::string primary_key_sql(const TableDef& t, const std::string& relation, const std::string& constraint) {
	std::vector<std::string> cols;
	for (auto& p : t.primary) {
		const Column* c = t.find_column(p);
		cols.push_back(c ? sql_identifier(c->meta) : sql_identifier(p, false));
	}
	return concat("ALTER TABLE ", relation, " ADD CONSTRAINT ", sql_identifier(constraint, false),
	              " PRIMARY KEY (", join(cols, ", "), ")");
}

std::vector<IndexSql> index_sqls(const TableDef& t, const std::string& relation, const std::string& suffix) {
	std::vector<IndexSql> out;
	for (auto& ix : t.indexes) {
		if (ix.meta_only) continue;
		std::string name = ix.name.empty() ? concat(t.id, "_", join(ix.columns, "_")) : ix.name;
		std::string expr;
		if (!ix.content.empty()) {
			expr = ix.content;
		} else {
			std::vector<std::string> cols;
			for (auto& c : ix.columns) {
				const Column* col = t.find_column(c);
				cols.push_back(col ? sql_identifier(col->meta) : sql_identifier(c, false));
			}
			expr = join(cols, ", ");
		}
		std::string sql = concat("CREATE INDEX ", sql_identifier(name + suffix, false), " ON ", relation);
		if (!ix.method.empty()) sql += concat(" USING ", to_lower(ix.method));
		sql += concat(" (", expr, ")");
		for (auto& [type, text] : ix.options) {
			std::string ty = to_lower(type);
			if (ty == "where")
				sql += concat(" WHERE ", text);
			else if (ty == "include")
				sql += concat(" INCLUDE (", text, ")");
			else if (ty == "with")
				sql += concat(" WITH (", text, ")");
		}
		out.push_back({name, sql, ix.cluster});
	}
	return out;
}

PositionPairs position_indexes(const TableDef& t) {
	PositionPairs out;
	for (auto& ix : t.indexes) {
		std::string content = to_lower(normalize_space(ix.content));
		std::string flat;
		for (char c : content)
			if (c != ' ') flat += c;
		if (ix.columns.size() == 2) {
			std::string ra = to_lower(ix.columns[0]), dec = to_lower(ix.columns[1]);
			if (flat == concat("q3c_ang2ipix(", ra, ",", dec, ")"))
				out.q3c.emplace_back(ix.columns[0], ix.columns[1]);
			if (flat == concat("spoint(radians(", ra, "),radians(", dec, "))"))
				out.spoint.emplace_back(ix.columns[0], ix.columns[1]);
		}
		if (to_lower(ix.method) == "gist" && ix.content.empty() && ix.columns.size() == 1) {
			const Column* c = t.find_column(ix.columns[0]);
			if (c && c->meta.type.is_geometry()) out.gist_columns.push_back(c->meta.name);
		}
	}
	return out;
}

} // namespace meles::rd::schema
