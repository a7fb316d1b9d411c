#include "user_tables/vosi_table.hpp"

#include "meles/core/common/strings.hpp"

#include <cstring>

namespace meles::services::user_tables {

namespace {

const char* kNamespaces = "xmlns:vtm=\"http://www.ivoa.net/xml/VOSITables/v1.0\" "
                          "xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" "
                          "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

void element(std::string& out, std::string_view indent, std::string_view name, std::string_view value) {
	if (value.empty()) return;
	out += concat(indent, "<", name, ">");
	// Quotes need no escaping in element text, and delimited column names are easier to read
	// with plain ones ("_r" as in the ADQL to write).
	std::string escaped = xml_escape(value);
	for (auto [entity, ch] : {std::pair{"&quot;", '"'}, std::pair{"&apos;", '\''}})
		for (size_t p; (p = escaped.find(entity)) != std::string::npos;)
			escaped.replace(p, std::strlen(entity), 1, ch);
	out += escaped;
	out += concat("</", name, ">\n");
}

// Delimited names keep their quotes, as in TAP_SCHEMA: this is what a query must write.
std::string adql_column_name(const ColumnMeta& c) {
	if (!c.delimited) return c.name;
	std::string out = "\"";
	for (char ch : c.name) {
		if (ch == '"') out += '"';
		out += ch;
	}
	return out + "\"";
}

void table_body(std::string& out, const UserTable& t, std::string_view indent) {
	std::string in2 = concat(indent, "  "), in3 = concat(indent, "    ");
	element(out, in2, "name", t.adql_name());
	std::string desc = t.description;
	if (!desc.empty() && desc.back() != '.') desc += '.';
	desc += concat(desc.empty() ? "" : " ", "This table will be dropped at ", format_iso(t.destruction),
	               " (POST DESTRUCTION=<ISO time> to .../destruction to move that).");
	element(out, in2, "description", desc);
	element(out, in2, "nrows", std::to_string(t.nrows));
	for (auto& c : t.columns) {
		out += concat(in2, "<column>\n");
		element(out, in3, "name", adql_column_name(c));
		element(out, in3, "description", c.description);
		element(out, in3, "unit", c.unit);
		element(out, in3, "ucd", c.ucd);
		element(out, in3, "utype", c.utype);
		element(out, in3, "xtype", c.effective_xtype());
		auto vt = votable_type(c.type);
		out += concat(in3, "<dataType xsi:type=\"vs:VOTableType\"");
		if (!vt.arraysize.empty()) out += concat(" arraysize=\"", xml_escape(vt.arraysize), "\"");
		out += concat(">", vt.datatype, "</dataType>\n");
		if (c.indexed) out += concat(in3, "<flag>indexed</flag>\n");
		if (!c.required) out += concat(in3, "<flag>nullable</flag>\n");
		out += concat(in2, "</column>\n");
	}
}

} // namespace

std::string table_document(const UserTable& t) {
	std::string out = concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vtm:table ", kNamespaces, ">\n");
	table_body(out, t, "");
	out += "</vtm:table>\n";
	return out;
}

std::string tableset_document(const std::vector<UserTable>& tables) {
	std::string out =
	    concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vtm:tableset ", kNamespaces, ">\n");
	out += "  <schema>\n    <name>tap_user</name>\n"
	       "    <description>Your persistent uploads and tables made with CREATE TABLE AS; query them as "
	       "tap_user.NAME. They are dropped at their destruction time.</description>\n";
	for (auto& t : tables) {
		out += "    <table>\n";
		table_body(out, t, "    ");
		out += "    </table>\n";
	}
	out += "  </schema>\n</vtm:tableset>\n";
	return out;
}

} // namespace meles::services::user_tables
