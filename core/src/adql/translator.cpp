// The pipeline in one place: lex + parse, bind against the catalog, emit SQL.
#include "meles/core/adql/translator.hpp"

#include "adql/binder/binder.hpp"
#include "adql/emit/emitter.hpp"
#include "adql/lexer/lexer.hpp"
#include "adql/parser/parser.hpp"

#include <limits>

namespace meles::adql {

namespace {

// TOP of the query that produces the result rows, if it is a plain SELECT.
std::optional<int64_t> outer_top(const QueryNode& q) {
	if (q.kind == QueryKind::Select) return static_cast<const SelectNode&>(q).top;
	if (q.kind == QueryKind::Ordered) {
		const auto& o = static_cast<const OrderedNode&>(q);
		if (o.body->kind == QueryKind::Select) return static_cast<const SelectNode&>(*o.body).top;
	}
	return std::nullopt;
}

} // namespace

Translation translate(std::string_view adql, const Catalog& catalog, const TranslateOptions& options) {
	Parser parser(adql, nullptr);
	Statement st = parser.parse_statement();
	if (st.kind == StatementKind::CreateTableAs && !options.allow_create_table)
		throw_at(
		    ErrorKind::Syntax, adql, 0,
		    "CREATE TABLE is not accepted here (it creates persistent user tables through the user-table "
		    "interface); send the query without it");

	Binder binder(adql, catalog);
	binder.bind(st);

	Translation t;
	t.kind = st.kind;
	std::optional<int64_t> top = outer_top(*st.query);
	if (options.maxrec) {
		int64_t maxrec = std::max<int64_t>(0, *options.maxrec);
		if (top && *top <= maxrec) {
			t.limit = top;
		} else {
			t.limit = maxrec < std::numeric_limits<int64_t>::max() ? maxrec + 1 : maxrec;
			t.may_overflow = true;
		}
	} else {
		t.limit = top;
	}

	Emitter emitter;
	t.sql = emitter.emit(st, t.limit);
	t.columns.reserve(st.query->outputs.size());
	for (const auto& o : st.query->outputs)
		t.columns.push_back(o.meta);
	t.tables = binder.tables_used();
	t.uses_q3c = binder.uses_q3c();
	if (st.kind == StatementKind::CreateTableAs) {
		if (st.target_schema) {
			t.target_schema = st.target_schema->name;
			t.target_schema_delimited = st.target_schema->delimited;
		}
		t.target_name = st.target_name.name;
		t.target_name_delimited = st.target_name.delimited;
	}
	return t;
}

StatementKind parse_only(std::string_view adql, const ParseOptions& options) {
	Parser parser(adql, &options);
	return parser.parse_statement().kind;
}

} // namespace meles::adql
