// The UCD1+ checker `meles val` uses: the word list compiled in from core/data/ucd-list.txt and
// the rules DaCHS 2.7 applies (astropy's parse_ucd with the vocabulary: the first word may be
// primary, the others secondary; words of other namespaces are not looked up).
#include "meles/core/common/ucd.hpp"

#include <doctest/doctest.h>

using namespace meles;

TEST_CASE("ucd list: compiled in, with the flags of the IVOA list") {
	CHECK(ucd_list_version() == "EN-UCDlist-v1.6-2024-12-18");
	CHECK(ucd_word_flag("pos.eq.ra") == 'Q');
	CHECK(ucd_word_flag("POS.EQ.RA") == 'Q'); // case-insensitive, as the standard says
	CHECK(ucd_word_flag("meta.main") == 'S');
	CHECK(ucd_word_flag("stat.error") == 'P');
	CHECK(ucd_word_flag("phot.mag") == 'E');
	CHECK(ucd_word_flag("no.such") == '\0');
}

TEST_CASE("ucd list: problems as DaCHS 2.7 reports them") {
	// accepted
	for (auto u : {"", "pos.eq.ra;meta.main", "phot.mag;em.opt.V", "ivoa:phot.mag", "custom:my.own.word",
	               "stat.error;phys.veloc", "instr.fov", "em.line", "time.epoch", "meta.id;meta.main"}) {
		INFO(std::string(u));
		CHECK(ucd_problem(u) == "");
	}
	CHECK(ucd_problem("meta.main") == "'meta.main' is a secondary word and cannot lead a UCD");
	CHECK(ucd_problem("phot.mag;stat.error") == "'stat.error' is a primary word and can only lead a UCD");
	CHECK(ucd_problem("phys.veloc;foo.bar") == "'foo.bar' is not a UCD1+ word");
	CHECK(ucd_problem("pos.eq.rax") == "'pos.eq.rax' is not a UCD1+ word (did you mean 'pos.eq.ra'?)");
	CHECK(ucd_problem("POS_EQ_RA_MAIN").find("old UCD1 name") != std::string::npos);
	CHECK(ucd_problem("pos.eq.ra; meta.main").starts_with("it contains ' '"));
	CHECK(ucd_problem("phot.mag;") == "it ends with ';'");
	CHECK(ucd_problem(";phot.mag") == "it has an empty word");
	CHECK(ucd_problem("pos..ra") == "'pos..ra' is no well-formed word (atoms joined by '.')");
	CHECK(ucd_problem("a:b:c") == "word 'a:b:c' has more than one ':'");
}
