#include "meles/rd/registry/resource_meta.hpp"
#include "meles/rd/registry/vocabularies.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::rd::registry;

TEST_CASE("UAT: identifiers, labels, alternative labels and URIs find the term") {
	CHECK(uat_size() > 2000);
	CHECK(check_subject("virtual-observatories").term == "virtual-observatories");
	CHECK(check_subject("Virtual observatories").term == "virtual-observatories");
	CHECK(check_subject("  catalogues ").term == "catalogs"); // an alternative label
	CHECK(check_subject("http://astrothesaurus.org/uat/1774").term == "virtual-observatories");
	CHECK(check_subject("http://www.ivoa.net/rdf/uat#stellar-astronomy").term == "stellar-astronomy");
}

TEST_CASE("UAT: unknown and deprecated subjects are problems naming what to write") {
	auto c = check_subject("catalogue stuff");
	CHECK_FALSE(c.term);
	CHECK(c.problem.find("is not a UAT term") != std::string::npos);
	CHECK(c.problem.find("'catalogs'") != std::string::npos); // shares a word, give or take a letter
	auto typo = check_subject("astrometri");
	CHECK(typo.problem.find("'astrometry'") != std::string::npos);
	// deprecated concepts name their replacements (the first one in the file, whatever it is)
	auto d = check_subject("19521 Chaos (Kuiper Belt object)");
	CHECK_FALSE(d.term);
	CHECK(d.problem.find("deprecated") != std::string::npos);
	CHECK(d.problem.find("classical-kuiper-belt-objects") != std::string::npos);
	CHECK(check_subject("").problem == "an empty subject");
}

TEST_CASE("IVOA vocabularies: content level, type, waveband") {
	CHECK(content_level("research") == "Research");
	CHECK_FALSE(content_level("Expert"));
	CHECK(content_type("catalog") == "Catalog");
	CHECK(waveband("x-ray") == "X-ray");
	CHECK_FALSE(waveband("Blue"));
}

TEST_CASE("resource metadata: every missing item is a problem at the element") {
	rd::Resource res;
	res.rd_id = "x/q";
	auto add = [](rd::MetaBag& bag, const char* key, const char* value, int line = 0) {
		rd::MetaValue v;
		v.content = value;
		v.pos = SourcePos{"q.rd", line, 0};
		bag.add(key, v);
	};
	add(res.meta, "title", "T");
	add(res.meta, "subject", "nonsense words here", 3);
	rd::MetaBag svc;
	std::vector<MetaProblem> problems;
	auto m = gather_meta(res, &svc, "service 's'", SourcePos{"q.rd", 9, 0}, problems);
	CHECK(m.title == "T");
	std::string all;
	for (auto& p : problems)
		all += p.to_string() + "\n";
	for (const char* want :
	     {"q.rd:9: service 's': no description", "q.rd:9: service 's': no creator",
	      "q.rd:3: service 's': subject 'nonsense words here' is not a UAT term",
	      "q.rd:9: service 's': no contentLevel", "q.rd:9: service 's': no publisher",
	      "q.rd:9: service 's': no contact name", "q.rd:9: service 's': no creationDate"}) {
		INFO(want);
		CHECK(all.find(want) != std::string::npos);
	}
	// and a complete set has none; creators split as DaCHS writes them
	problems.clear();
	add(res.meta, "!subject", "Catalogs");
	add(res.meta, "description", "D");
	add(res.meta, "creator", "Last, F.; Other, A.");
	add(res.meta, "contentLevel", "research,General");
	add(res.meta, "publisher", "P");
	add(res.meta, "contact.name", "C");
	add(res.meta, "creationDate", "2024-05-01");
	m = gather_meta(res, &svc, "service 's'", {}, problems);
	CHECK(problems.empty());
	CHECK(m.creators == std::vector<std::string>{"Last, F.", "Other, A."});
	CHECK(m.subjects == std::vector<std::string>{"catalogs"});
	CHECK(m.content_levels == std::vector<std::string>{"Research", "General"});
	CHECK(m.created == "2024-05-01T00:00:00Z");
	CHECK(ivoid_for("auth.example", "x/q", "s") == "ivo://auth.example/x/q/s");
	CHECK(ivoid_for("auth.example", "//tap", "run") == "ivo://auth.example/__system__/tap/run");
}
