// The validation hook: every expression of an RD is listed with its position and context,
// and a checker's findings become diagnostics.
#include "unit/rd/rd_fixtures.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/parse/expression_sites.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::rd;
using namespace meles::rd::test;

TEST_CASE("expression sites of a data element") {
	auto rd = load_fixture("elements/data");
	auto sites = collect_expression_sites(*rd);
	std::vector<std::string> described;
	for (auto& s : sites)
		described.push_back(std::string(expression_kind_name(s.kind)) + " " + s.key + " = " + s.expr->text);
	INFO(meles::join(described, "\n"));
	auto find = [&](ExpressionKind k, std::string_view key) -> const ExpressionSite* {
		for (auto& s : sites)
			if (s.kind == k && s.key == key) return &s;
		return nullptr;
	};
	auto* map_c = find(ExpressionKind::Map, "c");
	REQUIRE(map_c);
	CHECK(map_c->expr->text == "parseFloat(@tmp)");
	CHECK(map_c->expr->pos.line == 49);
	CHECK(map_c->context == "map 'c' in make table='t' of data 'import'");
	REQUIRE(map_c->table);
	CHECK(map_c->table->id == "t");
	CHECK(map_c->make == &rd->find_data("import")->makes[0]);
	CHECK(find(ExpressionKind::Var, "tmp"));
	CHECK(find(ExpressionKind::NullExpr, "c")->expr->text == "-1");
	auto* bind = find(ExpressionKind::Bind, "table");
	REQUIRE(bind);
	CHECK(bind->expr->text == "\"elements.t\"");
	CHECK(bind->context.find("rowfilter //products#define in the grammar") != std::string::npos);
	CHECK(find(ExpressionKind::Bind, "column"));
	CHECK(find(ExpressionKind::ParDefault, "factor")); // procDef par defaults
	// Maps with source= have no expression.
	CHECK_FALSE(find(ExpressionKind::Map, "f"));
}

TEST_CASE("a checker's diagnostics are added at the expression's line") {
	auto rd = load_fixture("tutorial/q");
	Diagnostics diags;
	check_expressions(*rd, ExpressionChecker{}, diags); // no checker: nothing
	CHECK(diags.items().empty());
	check_expressions(
	    *rd,
	    [](const ExpressionSite& site, Diagnostics& d) {
		    if (site.expr->text.find("killBlanks") != std::string::npos)
			    d.error(ErrorKind::Name, "unknown function killBlanks", site.expr->pos);
	    },
	    diags);
	REQUIRE(diags.error_count() == 1);
	CHECK(diags.items()[0].pos.line == 73);
	CHECK(diags.items()[0].to_string().ends_with("tutorial/q.rd:73: unknown function killBlanks"));
}
