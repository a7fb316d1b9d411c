// RdStore: ids and paths, caching (system RDs included), reloading changed files and the RDs
// depending on them, circular references, site meta, inline texts.
#include "unit/rd/rd_fixtures.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

using namespace meles;
using namespace meles::rd;
using namespace meles::rd::test;
namespace fs = std::filesystem;

namespace {

struct TempInputs {
	fs::path dir;
	TempInputs() {
		dir = fs::temp_directory_path() /
		      ("meles_store_test_" +
		       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
		fs::create_directories(dir);
	}
	~TempInputs() { fs::remove_all(dir); }
	void write(const std::string& rel, const std::string& text) {
		fs::path p = dir / rel;
		fs::create_directories(p.parent_path());
		bool existed = fs::exists(p);
		auto before = existed ? fs::last_write_time(p) : fs::file_time_type{};
		std::ofstream(p) << text;
		// Make the change visible even on coarse file system clocks.
		if (existed && fs::last_write_time(p) <= before)
			fs::last_write_time(p, before + std::chrono::seconds(1));
	}
	RdStoreOptions options() const {
		RdStoreOptions o;
		o.inputs_dir = dir;
		return o;
	}
};

const char* kLib = R"(<resource schema="lib">
  <STREAM id="cols"><column name="a" type="integer"/></STREAM>
</resource>)";

const char* kUser = R"(<resource schema="usr">
  <table id="t"><FEED source="res/lib#cols"/></table>
</resource>)";

} // namespace

TEST_CASE("RD ids and paths name the same RD and system RDs are cached") {
	auto by_id = fixture_store().get("tutorial/q");
	auto by_path = fixture_store().get((fixtures_dir() / "tutorial" / "q.rd").string());
	CHECK(by_id == by_path);
	CHECK(by_id->rd_id == "tutorial/q");
	CHECK(fixture_store().rd_id_for("tutorial/q.rd") == "tutorial/q");
	auto scs1 = fixture_store().get("//scs");
	auto scs2 = fixture_store().get("__system__/scs");
	CHECK(scs1 == scs2);
	CHECK(scs1->rd_id == "//scs");
	CHECK(scs1->is_system);
	CHECK(fixture_store().get("//tap")->tables.size() == 5);
	auto rt = fixture_store().resolve_table(TableRef{"//products", "products"});
	REQUIRE(rt.table);
	CHECK(rt.table->qualified_name() == "dc.products");
	CHECK(rt.rd->rd_id == "//products");
	CHECK_THROWS_AS(fixture_store().resolve_table(TableRef{"//products", "nope"}), Error);
	auto missing = fixture_store().load("no/such");
	REQUIRE(missing.diagnostics.has_errors());
	CHECK(missing.diagnostics.items()[0].kind == ErrorKind::NotFound);
}

TEST_CASE("a changed RD is reloaded, an unchanged one is not") {
	TempInputs in;
	in.write("res/q.rd",
	         R"(<resource schema="s"><table id="t"><column name="a" type="integer"/></table></resource>)");
	RdStore store(in.options());
	auto first = store.get("res/q");
	CHECK(store.get("res/q") == first);
	in.write(
	    "res/q.rd",
	    R"(<resource schema="s"><table id="t"><column name="a" type="integer"/><column name="b" type="text"/></table></resource>)");
	auto second = store.get("res/q");
	CHECK(second != first);
	CHECK(second->tables[0].columns.size() == 2);
	CHECK(first->tables[0].columns.size() == 1); // holders of the old version keep it
	store.invalidate("res/q");
	CHECK(store.get("res/q") != second);
}

TEST_CASE("with a recheck interval, requests for a cached RD do not look at its file") {
	// The daemon resolves the same RD on every request; the file is looked at once per
	// interval, not per request (a removed file shows up at the next look, like an edit).
	TempInputs in;
	in.write("res/q.rd",
	         R"(<resource schema="s"><table id="t"><column name="a" type="integer"/></table></resource>)");
	auto o = in.options();
	o.recheck_interval = std::chrono::hours(1);
	RdStore store(o);
	auto first = store.get("res/q");
	fs::remove(in.dir / "res/q.rd");
	CHECK(store.get("res/q") == first);
	CHECK(store.rd_id_for("res/q") == "res/q");
	RdStore every_time(in.options()); // interval 0 (the CLI): every lookup looks
	in.write("res/q.rd",
	         R"(<resource schema="s"><table id="t"><column name="a" type="integer"/></table></resource>)");
	CHECK(every_time.get("res/q"));
	fs::remove(in.dir / "res/q.rd");
	CHECK_THROWS_AS(every_time.get("res/q"), Error);
}

TEST_CASE("an RD is reloaded when an RD it references changed") {
	TempInputs in;
	in.write("res/lib.rd", kLib);
	in.write("res/user.rd", kUser);
	RdStore store(in.options());
	auto u1 = store.get("res/user");
	CHECK(u1->tables[0].columns.size() == 1);
	in.write("res/lib.rd", R"(<resource schema="lib">
  <STREAM id="cols"><column name="a" type="integer"/><column name="b" type="real"/></STREAM>
</resource>)");
	auto u2 = store.get("res/user");
	CHECK(u2 != u1);
	CHECK(u2->tables[0].columns.size() == 2);
}

TEST_CASE("circular references between RDs are reported") {
	TempInputs in;
	in.write("c/a.rd", R"(<resource schema="a">
  <STREAM id="s"><column name="x" type="integer"/></STREAM>
  <table id="t"><FEED source="c/b#s"/></table>
</resource>)");
	in.write("c/b.rd", R"(<resource schema="b">
  <STREAM id="s"><column name="y" type="integer"/></STREAM>
  <table id="t"><FEED source="c/a#s"/></table>
</resource>)");
	RdStore store(in.options());
	auto lr = store.load("c/a");
	INFO(dump(lr.diagnostics));
	CHECK(has_diagnostic(lr.diagnostics, "circular reference between RDs: c/a -> c/b -> c/a"));
	CHECK(has_diagnostic(lr.diagnostics, "cannot use RD 'c/b'", 3));
}

TEST_CASE("site meta is read once and reloaded when changed") {
	TempInputs in;
	in.write("defaultmeta.txt", "publisher: First\n");
	in.write("r/q.rd", R"(<resource schema="q"><meta name="title">T</meta></resource>)");
	RdStoreOptions o = in.options();
	o.default_meta_file = in.dir / "defaultmeta.txt";
	RdStore store(o);
	auto rd = store.get("r/q");
	CHECK(rd->meta_text("publisher") == "First");
	in.write("defaultmeta.txt", "publisher: Second one\n");
	auto rd2 = store.get("r/q");
	CHECK(rd2 != rd);
	CHECK(rd2->meta_text("publisher") == "Second one");
}

TEST_CASE("% references go to the configured userconfig RD") {
	TempInputs in;
	in.write("etc/userconfig.rd", R"(<resource schema="site">
  <STREAM id="fastindex"><index columns="mag"/></STREAM>
</resource>)");
	in.write("r/q.rd", R"(<resource schema="q">
  <table id="t"><column name="mag" type="real"/><FEED source="%#fastindex"/></table>
</resource>)");
	RdStore without(in.options());
	auto bad = without.load("r/q");
	CHECK(has_diagnostic(bad.diagnostics, "no userconfig RD (%) is configured", 2));
	RdStoreOptions o = in.options();
	o.userconfig_file = in.dir / "etc" / "userconfig.rd";
	RdStore store(o);
	auto rd = store.get("r/q");
	REQUIRE(rd->tables[0].indexes.size() == 1);
	CHECK(rd->tables[0].indexes[0].columns == std::vector<std::string>{"mag"});
}

TEST_CASE("load_text parses with references to system and fixture RDs") {
	auto lr = parse(R"(<resource schema="x">
  <table id="t" mixin="//scs#q3cindex">
    <column original="tutorial/q#main.raj2000"/>
    <column original="tutorial/q#main.dej2000"/>
  </table>
</resource>)");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	CHECK(lr.resource->tables[0].indexes[0].sql_expression() == "q3c_ang2ipix(raj2000, dej2000)");
}
