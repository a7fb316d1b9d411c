// The rowmaker on real records: an RD's make compiled for a CSV source's layout, rows as the
// COPY lines it produces.  Native and Python (apply) rowmakers side by side.
#include "../rd_fixtures.hpp"
#include "ingest_test_util.hpp"

#include "meles/rd/ingest/rowmaker.hpp"
#include "meles/rd/model/resource.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::rd;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;

namespace {

// COPY lines the first make of data `d` makes of `csv`.
std::vector<std::string> make_rows(const std::string& rd_text, const std::string& csv) {
	auto lr = test::parse(rd_text);
	INFO(test::dump(lr.diagnostics));
	REQUIRE(lr.resource);
	REQUIRE_FALSE(lr.diagnostics.has_errors());
	const Resource& rd = *lr.resource;
	const DataDesc& dd = rd.data.at(0);
	const MakeDef& mk = dd.makes.at(0);
	const TableDef* t = rd.find_table(mk.table.table_id);
	REQUIRE(t);
	TempDir dir;
	auto path = dir.write("x.csv", csv);
	auto g = make_grammar(element("csvGrammar"));
	auto reader = g->open(SourceInfo::for_file(path, dir.path()), {});
	RowMacroContext macros;
	macros.source = path;
	RowmakerInputs ctx;
	ctx.rd = lr.resource;
	std::vector<std::string> out;
	RecordBatch batch;
	std::optional<CompiledRowmaker> rm;
	while (reader->next(batch)) {
		if (!rm) rm.emplace(mk.rowmaker, *t, batch.layout(), macros, ctx);
		rm->run([&] {
			for (size_t r = 0; r < batch.size(); ++r) {
				std::string line;
				if (rm->append(batch, r, line)) out.push_back(line.substr(0, line.find('\n')));
			}
		});
	}
	return out;
}

const char* kRd = R"(<resource schema="t">
  <table id="t"><column name="a" type="double precision"/><column name="b" type="text"/></table>
  <data id="d">
    <sources pattern="*.csv"/>
    <csvGrammar/>
    <make table="t">
      <rowmaker idmaps="%IDMAPS%">%ROWMAKER%</rowmaker>
    </make>
  </data>
</resource>)";

std::string rd_with(const std::string& rowmaker, const std::string& idmaps = "*") {
	std::string s = kRd;
	s.replace(s.find("%ROWMAKER%"), 10, rowmaker);
	s.replace(s.find("%IDMAPS%"), 8, idmaps);
	return s;
}

} // namespace

TEST_CASE("rowmaker: idmaps copy a var that has a column's name, not the raw field, and a var reads its own "
          "raw field") {
	// cbdc/wdsdss10: <var name="raj2000">hmsToDeg(@raj2000HMS, "")</var> with idmaps="*".
	auto rows = make_rows(rd_with(R"(<var key="a">float(@hms) * 15</var><var key="b">@b + "!"</var>)"),
	                      "hms,b\n1.5,x\n2,y\n");
	REQUIRE(rows.size() == 2);
	CHECK(rows[0] == "22.5\tx!");
	CHECK(rows[1] == "30.0\ty!");
}

TEST_CASE("rowmaker: a Python apply fills result and changes vars, IgnoreThisRow skips the row") {
	// As in DaCHS, maps (idmaps too) run after the applies: b is the var the apply changed,
	// a (not mapped) what the apply put into result.
	auto rows = make_rows(rd_with(R"(<apply name="f"><code>
          if @b == "skip":
            raise IgnoreThisRow()
          result["a"] = float(@a) * 2
          @b = @b.upper()
        </code></apply>)",
	                              "b"),
	                      "a,b\n1.5,x\n2,skip\n3,z\n");
	REQUIRE(rows.size() == 2);
	CHECK(rows[0] == "3.0\tX");
	CHECK(rows[1] == "6.0\tZ");
}
