#include "adql/emit/sql_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>

namespace meles::adql {

namespace {

// SELECT word FROM pg_get_keywords() WHERE catcode <> 'U' (PostgreSQL 15), sorted.
constexpr std::string_view kPgKeywords[] = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
};

inline char fold(char c) {
	return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// PostgreSQL reads an unquoted identifier back unchanged if it is lower case ASCII letters,
// digits and underscores, does not start with a digit and is not a keyword.
bool bare_ok(std::string_view real) {
	if (real.empty() || real.size() > 63) return false;
	char c0 = real[0];
	if (!((c0 >= 'a' && c0 <= 'z') || c0 == '_')) return false;
	for (char c : real)
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
	return !is_pg_keyword(real);
}

} // namespace

bool is_pg_keyword(std::string_view w) noexcept {
	return std::binary_search(std::begin(kPgKeywords), std::end(kPgKeywords), w);
}

void append_identifier(std::string& out, std::string_view name, bool delimited) {
	char buf[64];
	std::string_view real = name;
	if (!delimited && name.size() <= sizeof(buf)) {
		for (size_t i = 0; i < name.size(); ++i)
			buf[i] = fold(name[i]);
		real = std::string_view(buf, name.size());
	}
	if (bare_ok(real)) {
		out += real;
		return;
	}
	out += '"';
	for (char c : real) {
		if (c == '"') out += '"';
		out += delimited ? c : fold(c);
	}
	out += '"';
}

void append_string_literal(std::string& out, std::string_view value) {
	bool backslash = value.find('\\') != std::string_view::npos;
	if (backslash) out += 'E';
	out += '\'';
	for (char c : value) {
		if (c == '\'')
			out += '\'';
		else if (c == '\\')
			out += '\\';
		out += c;
	}
	out += '\'';
}

void append_double(std::string& out, double v) {
	if (!std::isfinite(v)) v = 0; // never produced from finite inputs; keep the SQL valid
	char buf[32];
	auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
	out.append(buf, ec == std::errc() ? p : buf);
}

} // namespace meles::adql
