#include "ingest_test_util.hpp"
#include "meles/rd/ingest/sources.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;

namespace {

std::vector<std::string> displays(const std::vector<SourceInfo>& v) {
	std::vector<std::string> out;
	for (auto& s : v)
		out.push_back(s.display);
	return out;
}

GrammarElement pattern(const std::string& glob) {
	return element("pattern", {}, {}, glob);
}

} // namespace

TEST_CASE("sources expand globs relative to resdir in sorted order") {
	TempDir d;
	d.write("data/b.csv", "12345");
	d.write("data/a.csv", "1");
	d.write("data/C.csv", "1");
	d.write("data/notes.txt", "x");
	d.write("data/sub/deep.csv", "1");
	std::filesystem::create_directories(d.file("data/dir.csv")); // directories are not sources
	auto spec = SourcesSpec::from_element(element("sources", {{"pattern", "data/*.csv"}}));
	auto s = expand_sources(spec, d.path());
	CHECK(displays(s) == std::vector<std::string>{"data/C.csv", "data/a.csv", "data/b.csv"});
	CHECK(s[2].size == 5);
	CHECK(s[2].stem == "b");
	CHECK(s[2].index == 2);
	CHECK(s[2].path == d.file("data/b.csv"));
	CHECK(s[2].resdir == d.path());
	CHECK(total_bytes(s) == 7);
}

TEST_CASE("sources: several patterns, element text, recurse, items, duplicates once") {
	TempDir d;
	d.write("data/x1.fits", "");
	d.write("data/2020/x2.fits", "");
	d.write("data/2021/q/x3.fits", "");
	d.write("data/2021/q/y.dat", "");
	d.write("other/z.dat", "");
	SUBCASE("recurse matches the file part in every directory below") {
		auto spec =
		    SourcesSpec::from_element(element("sources", {{"pattern", "data/*.fits"}, {"recurse", "True"}}));
		CHECK(displays(expand_sources(spec, d.path())) ==
		      std::vector<std::string>{"data/2020/x2.fits", "data/2021/q/x3.fits", "data/x1.fits"});
	}
	SUBCASE("pattern children, text content and items") {
		auto spec =
		    SourcesSpec::from_element(element("sources", {},
		                                      {pattern("other/*.dat"), pattern("data/*/q/*"),
		                                       element("item", {}, {}, "token-1"), pattern("other/z.dat")},
		                                      "data/x1.fits"));
		auto s = expand_sources(spec, d.path());
		CHECK(displays(s) == std::vector<std::string>{"token-1", "data/2021/q/x3.fits", "data/2021/q/y.dat",
		                                              "data/x1.fits", "other/z.dat"});
		CHECK(s[0].is_item);
		CHECK_FALSE(s[1].is_item);
	}
}

TEST_CASE("sources: a pattern matching nothing is an error naming it") {
	TempDir d;
	d.write("data/a.csv", "");
	GrammarElement el = element("sources", {}, {pattern("data/*.csv"), pattern("data/*.cvs")});
	el.children[1].pos = SourcePos{"q.rd", 40, 0};
	auto spec = SourcesSpec::from_element(el);
	CHECK(error_of([&] { expand_sources(spec, d.path()); }) ==
	      "q.rd:40: sources pattern 'data/*.cvs' matches no files in " + d.path());
	CHECK(expand_sources(spec, d.path(), ExpandOptions{true}).size() == 1);
}

TEST_CASE("sources element validation") {
	CHECK(error_of([] {
		      SourcesSpec::from_element(element("sources", {{"patern", "x"}}));
	      }) == "q.rd:12: unknown attribute 'patern' on sources; did you mean 'pattern'?");
	CHECK(error_of([] { SourcesSpec::from_element(element("sources")); }) ==
	      "q.rd:12: sources has neither a pattern nor items");
	CHECK(error_of([] {
		      SourcesSpec::from_element(
		          element("sources", {{"pattern", "x"}}, {element("ignoreSources", {{"fromdb", "x"}})}));
	      }).find("ignoreSources is not supported") != std::string::npos);
}
