#include "meles/services/tap/vs_tables.hpp"

#include "meles/core/common/strings.hpp"

namespace meles::services::tap {

namespace {
std::string esc(std::string_view s) {
	return xml_escape(s);
}
} // namespace

std::string vs_column(const ColumnMeta& c, bool with_flags, const std::string& indent) {
	auto vt = votable_type(c.type);
	std::string name = c.delimited ? concat("\"", c.name, "\"") : c.name;
	std::string out = concat(indent, "<column>\n", indent, "  <name>", esc(name), "</name>\n");
	if (!c.description.empty())
		out += concat(indent, "  <description>", esc(c.description), "</description>\n");
	if (!c.unit.empty()) out += concat(indent, "  <unit>", esc(c.unit), "</unit>\n");
	if (!c.ucd.empty()) out += concat(indent, "  <ucd>", esc(c.ucd), "</ucd>\n");
	if (!c.utype.empty()) out += concat(indent, "  <utype>", esc(c.utype), "</utype>\n");
	out += concat(indent, "  <dataType xsi:type=\"vs:VOTableType\"");
	if (!vt.arraysize.empty()) out += concat(" arraysize=\"", vt.arraysize, "\"");
	std::string xtype = c.effective_xtype();
	if (!xtype.empty()) out += concat(" extendedType=\"", esc(xtype), "\"");
	out += concat(">", vt.datatype, "</dataType>\n");
	if (with_flags) {
		if (c.indexed) out += concat(indent, "  <flag>indexed</flag>\n");
		if (!c.required) out += concat(indent, "  <flag>nullable</flag>\n");
		if (c.principal) out += concat(indent, "  <flag>principal</flag>\n");
		if (c.std) out += concat(indent, "  <flag>std</flag>\n");
	}
	out += concat(indent, "</column>\n");
	return out;
}

std::string vs_table(const TapTable& t, bool with_columns, const std::string& indent, const char* element) {
	const auto& e = *t.entry;
	std::string out = concat(indent, "<", element, t.table_type == "view" ? " type=\"view\"" : "", ">\n");
	out += concat(indent, "  <name>", esc(e.qualified_name()), "</name>\n");
	if (!e.description.empty())
		out += concat(indent, "  <description>", esc(e.description), "</description>\n");
	if (t.nrows) out += concat(indent, "  <nrows>", std::to_string(*t.nrows), "</nrows>\n");
	if (with_columns) {
		for (auto& c : e.columns)
			out += vs_column(c, true, indent + "  ");
		for (auto& fk : t.foreign_keys) {
			out += concat(indent, "  <foreignKey>\n", indent, "    <targetTable>", esc(fk.target_table),
			              "</targetTable>\n");
			for (auto& [from, to] : fk.columns)
				out += concat(indent, "    <fkColumn>\n", indent, "      <fromColumn>", esc(from),
				              "</fromColumn>\n", indent, "      <targetColumn>", esc(to), "</targetColumn>\n",
				              indent, "    </fkColumn>\n");
			out += concat(indent, "  </foreignKey>\n");
		}
	}
	out += concat(indent, "</", element, ">\n");
	return out;
}

} // namespace meles::services::tap
