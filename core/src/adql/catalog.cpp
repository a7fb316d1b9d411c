#include "meles/core/adql/catalog.hpp"

#include "adql/ast/identifier.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

namespace meles::adql {

std::string TableEntry::qualified_name() const {
	std::string out;
	if (!schema.empty()) out = display_name(schema, schema_delimited) + ".";
	out += display_name(name, name_delimited);
	return out;
}

std::string spoint_sql(std::string_view ra_sql, std::string_view dec_sql) {
	return concat("spoint(radians(", ra_sql, "), radians(", dec_sql, "))");
}

const TableEntry& SimpleCatalog::add(TableEntry table) {
	tables_.push_back(std::make_unique<TableEntry>(std::move(table)));
	const TableEntry* t = tables_.back().get();
	by_name_[to_lower(t->name)].push_back(t);
	return *t;
}

void SimpleCatalog::find_tables(std::string_view lower_name, std::vector<const TableEntry*>& out) const {
	auto it = by_name_.find(std::string(lower_name));
	if (it == by_name_.end()) return;
	out.insert(out.end(), it->second.begin(), it->second.end());
}

void SimpleCatalog::all_tables(std::vector<const TableEntry*>& out) const {
	for (const auto& t : tables_)
		out.push_back(t.get());
}

void CompositeCatalog::find_tables(std::string_view lower_name, std::vector<const TableEntry*>& out) const {
	for (const Catalog* c : parts_)
		c->find_tables(lower_name, out);
}

void CompositeCatalog::all_tables(std::vector<const TableEntry*>& out) const {
	for (const Catalog* c : parts_)
		c->all_tables(out);
}

} // namespace meles::adql
