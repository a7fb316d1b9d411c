// MetaBag: sequences, dotted keys, replacement, lookups along a chain, meta streams.
#include "meles/rd/model/meta.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::rd;

namespace {
MetaValue v(std::string content) {
	MetaValue m;
	m.content = std::move(content);
	return m;
}
} // namespace

TEST_CASE("meta keys append, nest through dots and replace with !") {
	MetaBag bag;
	bag.add("subject", v("a"));
	bag.add("subject", v("b"));
	CHECK(bag.all("subject").size() == 2);
	bag.add("!subject", v("c"));
	REQUIRE(bag.all("subject").size() == 1);
	CHECK(bag.text("subject") == "c");
	bag.add("contact.name", v("Jane"));
	bag.add("contact.email", v("jane@example.org"));
	CHECK(bag.all("contact").size() == 1); // both went below the same contact
	CHECK(bag.text("contact.email") == "jane@example.org");
	bag.add("creator", v(""));
	bag.add("creator.name", v("One"));
	bag.add("creator", v(""));
	bag.add("creator.name", v("Two"));
	auto names = bag.all("creator.name");
	REQUIRE(names.size() == 2);
	CHECK(names[1]->content == "Two");
	bag.remove("contact.email");
	CHECK_FALSE(bag.has("contact.email"));
	CHECK(bag.has("contact.name"));
	CHECK_THROWS_AS(bag.add("bad key", v("x")), Error);
	CHECK_FALSE(MetaBag::valid_key("a..b"));
	CHECK(MetaBag::valid_key("testQuery.pos.ra"));
}

TEST_CASE("meta chains fall back to the parents") {
	MetaBag service, rd, site;
	service.add("title", v("Service"));
	rd.add("title", v("RD"));
	rd.add("creator.name", v("Author"));
	site.add("publisher", v("Site"));
	MetaChain chain{{&service, &rd, &site}};
	CHECK(chain.text("title") == "Service");
	CHECK(chain.text("creator.name") == "Author");
	CHECK(chain.text("publisher") == "Site");
	CHECK_FALSE(chain.text("nothing"));
}

TEST_CASE("meta streams") {
	MetaBag bag;
	parse_meta_stream("  # comment\n"
	                  "title: A title\n"
	                  "subject: one\n"
	                  "subject: two\n"
	                  "description: a long \\\n"
	                  "      text\n"
	                  "\n"
	                  "!subject: three\n",
	                  SourcePos{"defaultmeta.txt", 1, 0}, bag);
	CHECK(bag.text("title") == "A title");
	CHECK(bag.text("description") == "a long text");
	CHECK(bag.all("subject").size() == 1);
	CHECK(bag.first("subject")->pos.line == 8);
	try {
		parse_meta_stream("ok: 1\nno colon here\n", SourcePos{"m.txt", 10, 0}, bag);
		FAIL("no error");
	} catch (const Error& e) {
		REQUIRE(e.pos());
		CHECK(e.pos()->line == 11);
		CHECK(e.message().find("not a meta stream line") != std::string::npos);
	}
	MetaBag upper;
	parse_meta_stream("k: v", SourcePos{}, upper,
	                  [](std::string_view s, const SourcePos&) { return std::string(s) + "!"; });
	CHECK(upper.text("k") == "v!");
}
