#include "ingest_test_util.hpp"
#include "meles/rd/ingest/grammar_registry.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace meles;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;

TEST_CASE("grammar registry: one entry per element, implemented ones build") {
	std::set<std::string_view> seen;
	for (auto& e : grammar_registry())
		CHECK(seen.insert(e.element).second);
	for (auto name : {"csvGrammar", "reGrammar", "columnGrammar", "fitsTableGrammar", "fitsProdGrammar"}) {
		REQUIRE(find_grammar(name));
		CHECK(static_cast<bool>(find_grammar(name)->factory));
	}
	CHECK(is_grammar_element("voTableGrammar"));
	CHECK_FALSE(is_grammar_element("csvgrammar"));
	auto g = make_grammar(element("reGrammar", {{"names", "a,b"}}));
	CHECK(g->element_name() == "reGrammar");
	CHECK(g->pos().line == 12);
	CHECK_FALSE(g->yields_typed());
}

TEST_CASE("grammar registry errors: unknown with did-you-mean, known but unimplemented") {
	CHECK(error_of([] { make_grammar(element("csvGramar")); }) ==
	      "q.rd:12: unknown grammar 'csvGramar'; did you mean 'csvGrammar'?");
	CHECK(error_of([] { make_grammar(element("spreadsheet")); }) == "q.rd:12: unknown grammar 'spreadsheet'");
	CHECK(error_of([] {
		      make_grammar(element("pdsGrammar"));
	      }).starts_with("q.rd:12: pdsGrammar is not supported by Meles yet"));
	CHECK(error_of([] {
		      make_grammar(
		          element("csvGrammar", {}, {element("names", {}, {}, "a"), element("names", {}, {}, "b")}));
	      }).find("names") != std::string::npos);
}

TEST_CASE("RecordBatch positions and errors name source, line or row, and field") {
	auto src = std::make_shared<SourceInfo>();
	src->display = "data/cat.csv";
	auto layout = std::make_shared<FieldLayout>(FieldLayout::from_names({"id", "mag"}));
	RecordBatch b;
	b.begin(src, layout, PositionUnit::Line);
	Value* v = b.append(1532);
	v[0] = Value::text("7");
	CHECK(b.value(0, 1).is_null());
	CHECK(b.error(0, "not a number: 'x'", 1).full_message() ==
	      "data/cat.csv:1532: field mag: not a number: 'x'");
	b.begin(src, layout, PositionUnit::Row);
	b.append(12);
	CHECK(b.error(0, "bad").full_message() == "data/cat.csv, row 12: bad");
	CHECK(layout->index_of("mag") == std::optional<size_t>(1));
	CHECK_FALSE(layout->index_of("MAG"));
	CHECK(error_of([] {
		      FieldLayout::from_names({"a", "b", "a"});
	      }) == "field name 'a' occurs twice (positions 1 and 3); @a would be ambiguous");
}

TEST_CASE("Value arrays carry an optional element null mask") {
	int64_t cell[3] = {5, 0, 0};
	auto* mask = reinterpret_cast<uint8_t*>(&cell[2]);
	int64_t data[4] = {1, 2, 0, 0};
	auto* m = reinterpret_cast<uint8_t*>(&data[2]);
	m[0] = 0;
	m[1] = 1;
	Value v = Value::int_array(data, 2, true);
	CHECK(v.kind() == ValueKind::IntArray);
	CHECK(v.ints()[0] == 1);
	CHECK_FALSE(v.element_null(0));
	CHECK(v.element_null(1));
	*mask = 0;
	Value w = Value::int_array(cell, 2, false);
	CHECK_FALSE(w.element_null(1));
	CHECK(value_kind_name(ValueKind::DoubleArray) == "double array");
}
