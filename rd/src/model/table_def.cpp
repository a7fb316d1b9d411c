#include "meles/rd/model/table_def.hpp"

#include "meles/core/common/strings.hpp"

namespace meles::rd {

namespace {

bool same_column_name(const ColumnMeta& c, std::string_view name) {
	// Regular SQL identifiers fold case; delimited ones do not.
	if (c.delimited) return c.name == name;
	return iequals(c.name, name);
}

} // namespace

std::string IndexDef::sql_expression() const {
	if (!trim(content).empty()) return normalize_space(content);
	return join(columns, ", ");
}

const Column* TableDef::find_column(std::string_view name) const {
	for (auto& c : columns)
		if (same_column_name(c.meta, name)) return &c;
	return nullptr;
}

Column* TableDef::find_column(std::string_view name) {
	for (auto& c : columns)
		if (same_column_name(c.meta, name)) return &c;
	return nullptr;
}

const Param* TableDef::find_param(std::string_view name) const {
	for (auto& p : params)
		if (same_column_name(p.column.meta, name)) return &p;
	return nullptr;
}

std::vector<const Column*> TableDef::columns_with_ucd(std::string_view ucd) const {
	std::vector<const Column*> out;
	for (auto& c : columns)
		if (iequals(trim(c.meta.ucd), trim(ucd))) out.push_back(&c);
	return out;
}

bool TableDef::has_mixin(std::string_view qualified_ref) const {
	for (auto& m : mixins)
		if (m.ref == qualified_ref) return true;
	return false;
}

} // namespace meles::rd
