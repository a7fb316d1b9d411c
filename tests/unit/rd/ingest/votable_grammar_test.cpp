// votableGrammar shares the upload reader (core/votable): hostile documents fail the import with
// the reader's message and the source's name, instead of looping or swallowing entities.
#include "ingest_test_util.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;

TEST_CASE("voTableGrammar refuses a table without FIELDs and undefined entities") {
	TempDir d;
	const std::string head =
	    "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"><RESOURCE><TABLE>";
	// Issue 10's document: before, the reader added zero-byte rows forever.
	auto nofields =
	    d.write("data/nofields.vot", head + "<DATA><BINARY2><STREAM encoding=\"base64\">AAAAAAAAAAAAAA=="
	                                        "</STREAM></BINARY2></DATA></TABLE></RESOURCE></VOTABLE>");
	CHECK(error_of([&] { read_file(element("voTableGrammar"), nofields, d.path()); }) ==
	      "data/nofields.vot: the TABLE has no FIELD: a table needs at least one column");
	auto entity =
	    d.write("data/entity.vot",
	            "<!DOCTYPE VOTABLE SYSTEM \"VOTable.dtd\">" + head +
	                "<FIELD name=\"t\" datatype=\"char\" arraysize=\"*\"/><DATA><TABLEDATA><TR><TD>&x;"
	                "</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>");
	CHECK(error_of([&] {
		      read_file(element("voTableGrammar"), entity, d.path());
	      }).starts_with("data/entity.vot: the upload refers to the entity &x;, which is not defined"));
	// A good one still reads.
	auto good =
	    d.write("data/good.vot", head + "<FIELD name=\"a\" datatype=\"int\"/><DATA><TABLEDATA><TR><TD>7</TD>"
	                                    "</TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>");
	CHECK(read_file(element("voTableGrammar"), good, d.path()).rows == Rows{{"7"}});
}
