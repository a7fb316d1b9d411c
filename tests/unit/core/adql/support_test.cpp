// Units, STC-S, SQL quoting, name suggestions, the function table and the feature list.
#include "adql/common/suggest.hpp"
#include "adql/emit/sql_writer.hpp"
#include "adql/functions/function_table.hpp"
#include "adql/functions/stcs.hpp"
#include "adql/functions/unit_conversion.hpp"
#include "meles/core/adql/features.hpp"
#include "meles/core/adql/table_file.hpp"
#include "meles/core/common/error.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>

using namespace meles;
using namespace meles::adql;

TEST_CASE("adql units: conversion factors for IN_UNIT") {
	auto f = [](std::string_view a, std::string_view b) {
		auto c = convert_unit(a, b);
		REQUIRE_MESSAGE(c.ok, c.error);
		return c.factor;
	};
	CHECK(f("deg", "arcsec") == 3600);
	CHECK(f("deg", "mas") == 3600000);
	CHECK(f("deg", "rad") == doctest::Approx(M_PI / 180));
	CHECK(f("km/s", "m/s") == 1000);
	CHECK(f("mas/yr", "deg/a") == doctest::Approx(1 / 3.6e6));
	CHECK(f("pc", "m") == doctest::Approx(3.0856775814913673e16));
	CHECK(f("m**2", "cm**2") == doctest::Approx(1e4));
	CHECK(f("m.s**-1", "km/h") == doctest::Approx(3.6));
	CHECK(f("1e-3 m", "mm") == doctest::Approx(1));
	CHECK(f("10**-26 W/(m**2.Hz)", "Jy") == doctest::Approx(1));
	CHECK(f("GHz", "Hz") == 1e9);
	CHECK(f("Angstrom", "nm") == doctest::Approx(0.1));
	CHECK(f("cd", "cd") == 1); // candela, not centi-day
	for (auto [a, b] : {std::pair{"deg", "kg"},
	                    {"mag", "mag"},
	                    {"furlong", "m"},
	                    {"m", ""},
	                    {"ct", "photon"},
	                    {"m**(1/2)", "m"}}) {
		INFO(a << " -> " << b);
		CHECK(!convert_unit(a, b).ok);
	}
}

TEST_CASE("adql STC-S: the shapes REGION supports") {
	StcsShape s;
	std::string err;
	REQUIRE(parse_stcs("Circle ICRS GEOCENTER 10 20 0.5", s, err));
	CHECK(s.kind == StcsShape::Kind::Circle);
	CHECK(s.values == std::vector<double>{10, 20, 0.5});
	REQUIRE(parse_stcs("polygon 1 2 3 4 5 6", s = {}, err));
	CHECK(s.values.size() == 6);
	CHECK(!parse_stcs("Union ICRS (Circle 1 2 3 Circle 4 5 6)", s = {}, err));
	CHECK(!parse_stcs("Circle ICRS 1 2", s = {}, err));
	CHECK(!parse_stcs("Polygon 1 2 3 4 5", s = {}, err));
	CHECK(!parse_stcs("Circle ICRS 1 2 x", s = {}, err));
}

TEST_CASE("adql SQL writer: identifiers and literals") {
	auto id = [](std::string_view n, bool d) {
		std::string s;
		append_identifier(s, n, d);
		return s;
	};
	CHECK(id("RA", false) == "ra");
	CHECK(id("dec", false) == "\"dec\""); // a PostgreSQL keyword
	CHECK(id("select", true) == "\"select\"");
	CHECK(id("ra", true) == "ra");
	CHECK(id("Ra", true) == "\"Ra\"");
	CHECK(id("a\"b", true) == "\"a\"\"b\"");
	CHECK(id("1x", true) == "\"1x\"");
	CHECK(id("size", false) == "size");
	auto lit = [](std::string_view v) {
		std::string s;
		append_string_literal(s, v);
		return s;
	};
	CHECK(lit("it's") == "'it''s'");
	CHECK(lit("a\\'; --") == "E'a\\\\''; --'");
	std::string d;
	append_double(d, 0.1);
	CHECK(d == "0.1");
	CHECK(is_pg_keyword("limit"));
	CHECK(!is_pg_keyword("ra"));
}

TEST_CASE("adql suggestions: plausible typos only") {
	Suggester s("rra");
	for (auto c : {"ra", "dec", "mag"})
		s.offer(c);
	CHECK(s.best() == "ra");
	Suggester t("mian");
	t.offer("main");
	CHECK(t.suffix() == " (did you mean 'main'?)");
	Suggester u("xyz");
	u.offer("mag");
	CHECK(u.suffix().empty());
	CHECK(edit_distance("Ra", "ra") == 0);
}

TEST_CASE("adql function table: one entry per FunctionId, in order, with features for optional parts") {
	auto table = function_table();
	for (size_t i = 0; i < table.size(); ++i) {
		INFO(table[i].name);
		CHECK(static_cast<size_t>(table[i].id) == i);
		CHECK(&function_def(table[i].id) == &table[i]);
		if (table[i].keyword != Keyword::None)
			CHECK(find_function(table[i].keyword) == &table[i]);
		else
			CHECK(find_function(table[i].name) == &table[i]);
		if (table[i].feature_type == feature_type::udf)
			CHECK(table[i].form.find(" -> ") != std::string_view::npos);
	}
	CHECK(find_function("IVO_HASWORD") == &function_def(FunctionId::IvoHasword));
	CHECK(find_function("no_such") == nullptr);
}

TEST_CASE("adql features: what TAPRegExt capabilities declare") {
	std::set<std::pair<std::string, std::string>> have;
	for (const auto& f : language_features()) {
		have.insert({std::string(f.type), std::string(f.form.substr(0, f.form.find('(')))});
		// TAPRegExt's own spelling: taplint compares feature types literally
		CHECK(f.type.starts_with("ivo://ivoa.net/std/TAPRegExt#features-"));
	}
	for (const char* geo : {"AREA", "BOX", "CENTROID", "CIRCLE", "CONTAINS", "COORD1", "COORD2", "COORDSYS",
	                        "DISTANCE", "INTERSECTS", "POINT", "POLYGON", "REGION"})
		CHECK(have.count({std::string(feature_type::geometry), geo}));
	for (auto [type, form] : {std::pair{feature_type::string, "LOWER"},
	                          {feature_type::string, "UPPER"},
	                          {feature_type::string, "ILIKE"},
	                          {feature_type::common_table, "WITH"},
	                          {feature_type::sets, "UNION"},
	                          {feature_type::sets, "EXCEPT"},
	                          {feature_type::sets, "INTERSECT"},
	                          {feature_type::type, "CAST"},
	                          {feature_type::unit, "IN_UNIT"},
	                          {feature_type::offset, "OFFSET"},
	                          {feature_type::udf, "ivo_hasword"},
	                          {feature_type::udf, "ivo_nocasematch"},
	                          {feature_type::udf, "ivo_string_agg"},
	                          {feature_type::udf, "ivo_interval_overlaps"},
	                          {feature_type::udf, "ivo_hashlist_has"}})
		CHECK(have.count({std::string(type), form}));
	// accepted but not declared (validators warn about non-standard feature types)
	CHECK_FALSE(have.count({std::string(feature_type::gavo_extra), "TABLESAMPLE"}));
	CHECK(udf_install_sql.empty());
}

TEST_CASE("adql table file: format and errors") {
	auto cat =
	    parse_table_file("# c\ntable \"My S\".t sql=\"My S\".\"t_1\" description=\"a \"\"t\"\"\"\n"
	                     "column \"Ra\" \"double precision\" unit=deg ucd=pos.eq.ra description=\"x y\"\n"
	                     "column dec double\nq3c Ra dec\nspoint Ra dec\ngist dec\n\ntable u\ncolumn x int\n");
	std::vector<const TableEntry*> all;
	cat.all_tables(all);
	REQUIRE(all.size() == 2);
	const TableEntry& t = *all[0];
	CHECK(t.schema == "My S");
	CHECK(t.schema_delimited);
	CHECK(t.name == "t");
	CHECK(t.sql_name == "\"My S\".\"t_1\"");
	CHECK(t.description == "a \"t\"");
	REQUIRE(t.columns.size() == 2);
	CHECK(t.columns[0].name == "Ra");
	CHECK(t.columns[0].delimited);
	CHECK(t.columns[0].description == "x y");
	CHECK(t.q3c_indexes.size() == 1);
	CHECK(t.spoint_indexes.size() == 1);
	CHECK(t.gist_columns == std::vector<std::string>{"dec"});
	CHECK(all[1]->schema.empty());
	CHECK(all[1]->sql_name == "u");
	for (std::string_view bad :
	     {"column x int\n", "table\n", "table t\ncolumn x flaot\n", "table t\nq3c a b\n",
	      "table t\ncolumn x int wrong\n", "table t\nfrobnicate\n", "table t sql=\"x\n"}) {
		INFO(bad);
		CHECK_THROWS_AS(parse_table_file(bad), Error);
	}
	try {
		parse_table_file("table t\n\ncolumn x int bogus=1\n", "f.tables");
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.pos()->line == 3);
		CHECK(e.full_message().starts_with("f.tables:3: unknown column option 'bogus'"));
	}
}
