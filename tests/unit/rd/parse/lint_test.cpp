#include "meles/rd/parse/lint.hpp"

#include <doctest/doctest.h>

using namespace meles::rd;

TEST_CASE("lint: UCD syntax") {
	CHECK(ucd_problem("pos.eq.ra;meta.main").empty());
	CHECK(ucd_problem("POS_EQ_RA_MAIN").empty()); // UCD1
	CHECK(ucd_problem("ivoa:phot.mag;em.opt.V").empty());
	CHECK(ucd_problem("phot.flux;;em.opt") == "it has an empty word (';;' or a leading ';')");
	CHECK(ucd_problem("phot.mag;").find("ends with ';'") != std::string::npos);
	CHECK(ucd_problem("pos.eq.ra; meta.main").find("blanks") != std::string::npos);
	CHECK(ucd_problem("pos..ra").find("empty atom") != std::string::npos);
	CHECK(ucd_problem("phot mag").find("contains ' '") != std::string::npos);
	CHECK(ucd_problem("pos,eq").find("contains ','") != std::string::npos);
	// with a word list plugged in, unknown words are named
	UcdWords words = [](std::string_view w) -> std::optional<bool> {
		return w == "pos.eq.ra" || w == "meta.main";
	};
	CHECK(ucd_problem("pos.eq.ra;meta.main", words).empty());
	CHECK(ucd_problem("pos.eq.rax;meta.main", words) == "'pos.eq.rax' is not a UCD1+ word");
}

TEST_CASE("lint: known renderers and meta keys") {
	auto& r = known_renderers();
	CHECK(std::find(r.begin(), r.end(), "scs.xml") != r.end());
	auto& k = known_meta_keys();
	CHECK(std::find(k.begin(), k.end(), "creationDate") != k.end());
}
