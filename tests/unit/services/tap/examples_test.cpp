// The reStructuredText subset of DaCHS `_example` metas and the DALI RDFa it becomes.
#include "meles/services/tap/examples.hpp"

#include <doctest/doctest.h>

using namespace meles::services::tap;

namespace {

const char* kDachsStyle = R"(Stars brighter than 12 mag near (10, 10) in :taptable:`tapt.main`;
the cone uses the ``q3c`` index, see *Koposov* and `the q3c paper <https://example.org/q3c>`_.

- first point
- second point
  continued

.. tapquery::

  SELECT id, ra FROM tapt.main
    WHERE mag < 12

.. a comment that must not show
)";

} // namespace

TEST_CASE("examples: the tapquery block becomes the query, dedented, and roles become links") {
	CHECK(example_query(kDachsStyle) == "SELECT id, ra FROM tapt.main\n  WHERE mag < 12");
	auto page = examples_page({{"Bright stars", kDachsStyle, "t"}}, "http://h/tap/tables", "Examples");
	CHECK(page.find("<div typeof=\"example\" id=\"bright-stars\" resource=\"#bright-stars\">") !=
	      std::string::npos);
	CHECK(page.find("<h2 property=\"name\">Bright stars</h2>") != std::string::npos);
	CHECK(page.find("<pre class=\"dachs-ex-tapquery\" property=\"query\">SELECT id, ra FROM tapt.main\n  "
	                "WHERE mag &lt; 12</pre>") != std::string::npos);
	CHECK(page.find(
	          "<a href=\"http://h/tap/tables/tapt.main\"><span property=\"table\">tapt.main</span></a>") !=
	      std::string::npos);
	CHECK(page.find("<code>q3c</code>") != std::string::npos);
	CHECK(page.find("<em>Koposov</em>") != std::string::npos);
	CHECK(page.find("<a href=\"https://example.org/q3c\">the q3c paper</a>") != std::string::npos);
	CHECK(page.find("<li>second point continued</li>") != std::string::npos);
	CHECK(page.find("comment") == std::string::npos);
	CHECK(page.find("vocab=\"http://www.ivoa.net/rdf/examples#\"") != std::string::npos);
}

TEST_CASE("examples: markup characters in text stay text and the page stays well-formed") {
	auto page = examples_page(
	    {{"A < B & \"C\"", "x < 3 & *unclosed `tick\n\n.. query::\n\n   SELECT 1 WHERE 'a' <> 'b'\n", ""}},
	    "u", "E");
	CHECK(page.find("<h2 property=\"name\">A &lt; B &amp; &quot;C&quot;</h2>") != std::string::npos);
	CHECK(page.find("<p>x &lt; 3 &amp; *unclosed `tick</p>") != std::string::npos);
	CHECK(page.find("property=\"query\">SELECT 1 WHERE &apos;a&apos; &lt;&gt; &apos;b&apos;</pre>") !=
	      std::string::npos);
}

TEST_CASE("examples: ids are unique and start with a letter, examples without a query are left out") {
	auto q = std::string("\n.. tapquery::\n\n  SELECT 1\n");
	auto page =
	    examples_page({{"2 stars", q, ""}, {"2 stars", q, ""}, {"No query", "just text", ""}}, "u", "E");
	CHECK(page.find("id=\"ex-2-stars\"") != std::string::npos);
	CHECK(page.find("id=\"ex-2-stars-2\"") != std::string::npos);
	CHECK(page.find("No query") == std::string::npos);
}

TEST_CASE("examples: a paragraph ending in a double colon introduces a literal block") {
	auto page = examples_page(
	    {{"T", "Run this::\n\n  print(1)\n\nthen\n\n.. tapquery::\n\n  SELECT 2\n", ""}}, "u", "E");
	CHECK(page.find("<p>Run this:</p>\n<pre>print(1)</pre>") != std::string::npos);
	CHECK(page.find("<p>then</p>") != std::string::npos);
}

TEST_CASE("examples: problems an operator gets from meles val") {
	CHECK(example_problem({"T", ".. tapquery::\n\n  SELECT 1\n", ""}).empty());
	CHECK(example_problem({"", ".. tapquery::\n\n  SELECT 1\n", ""}).find("no title") != std::string::npos);
	CHECK(example_problem({"T", "SELECT 1", ""}).find("no query") != std::string::npos);
	CHECK(example_problem({"T", ".. tapquery::\n\nSELECT 1\n", ""}).find("empty") != std::string::npos);
	CHECK(example_problem({"T", ".. tapquery::\n\n  SELECT 1\n\n.. tapquery::\n\n  SELECT 2\n", ""})
	          .find("more than one") != std::string::npos);
}
