// The IVOA ADQL conformance corpus (ivoa/lyonetia, src/adql/ivoa and src/adql/gavo): every
// case must parse when labelled valid="true" and be rejected when valid="false" -- 100 %.
//
// Location: $MELES_ADQL_CORPUS if set, else MELES_SHARED_DIR/adql-corpus/lyonetia.  A missing
// corpus fails the test (it must never pass by running nothing).
//
// Only parsing is checked (parse_only), as the corpus intends, in the mode of
// `meles adql --syntax-only` (tests/cli/adql_syntax_only_test.py runs the command itself):
//  - user-defined functions are not looked up.  When a case declares the functions of its
//    service (<functions> of its file or query, as the lyonetia validator reads them), exactly
//    those are accepted besides ADQL's -- ivoa/O2's my_undefined_function is not; otherwise any
//    name with a prefix may be some service's function (gavo's ivo_foo and ivo_getstring,
//    which DaCHS's parser accepts for their ivo_ prefix), and a name without one (gavo's TAN2)
//    cannot be.
//  - gavo/warts.xml lists queries DaCHS accepts "but shouldn't".  All three are grammatical
//    ADQL 2.1 (an integer literal and COUNT(*) are <value_expression_primary>s, so legal
//    <geometry_value_expression>s for CENTROID; a string literal is a <numeric_primary>, so
//    legal as a POINT coordinate), so following the grammar the parser accepts them, as
//    labelled.  They are type errors, which translate() reports (checked below).
#include "adql/corpus_reader.hpp"
#include "meles/core/adql/table_file.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::adql;
namespace fs = std::filesystem;

#ifndef MELES_NO_ADQL_CORPUS // see tests/CMakeLists.txt
TEST_CASE("lyonetia corpus: ivoa/ and gavo/ parse or fail exactly as labelled") {
	fs::path dir = adql_test::corpus_dir();
	INFO("corpus directory: " << dir.string() << " (set MELES_ADQL_CORPUS to override)");
	REQUIRE_MESSAGE(fs::is_directory(dir / "ivoa"),
	                "the lyonetia ADQL corpus is missing: " << (dir / "ivoa").string());
	REQUIRE_MESSAGE(fs::is_directory(dir / "gavo"),
	                "the lyonetia ADQL corpus is missing: " << (dir / "gavo").string());
	int files = 0, failures = 0;
	std::string report;
	auto cases = adql_test::read_corpus({"ivoa", "gavo"}, &files);
	for (const auto& c : cases) {
		ParseOptions options;
		if (!c.functions.empty()) options.udfs = c.functions;
		std::string error;
		bool parsed = true;
		try {
			parse_only(c.query, options);
		} catch (const Error& e) {
			parsed = false;
			error = e.message();
		}
		if (parsed != c.valid) {
			++failures;
			report +=
			    concat(c.file, " [", c.description, "] expected ", c.valid ? "valid" : "invalid", ", got ",
			           parsed ? "accepted" : "rejected: " + error, "\n    ", normalize_space(c.query), "\n");
		}
	}
	MESSAGE(cases.size() << " corpus cases in " << files << " files, " << failures << " not as labelled");
	// 196 + 288 cases in the snapshot under shared/: a truncated corpus must not pass.
	CHECK(files >= 25);
	CHECK(cases.size() >= 480);
	CHECK_MESSAGE(failures == 0, report);
}

TEST_CASE("lyonetia corpus: the gavo warts parse but are type errors when translated") {
	SimpleCatalog cat = parse_table_file("table s.y\ncolumn x spoint\ncolumn z \"double precision\"\n");
	struct Wart {
		const char* query;
		ErrorKind kind;
	} warts[] = {
	    {"select x from y where CENTROID(3)=x", ErrorKind::Type},
	    // an aggregate in WHERE is refused before its type is looked at
	    {"select x from y where CENTROID(COUNT(*))=x", ErrorKind::Syntax},
	    {"select CENTROID(COUNT(*)) from y", ErrorKind::Type},
	    {"SELECT * FROM y WHERE 1=CONTAINS(POINT('ICRS',z,'sy') ,CIRCLE('ICRS',z,z,z))", ErrorKind::Type},
	};
	for (const auto& w : warts) {
		INFO(w.query);
		CHECK_NOTHROW(parse_only(w.query));
		try {
			translate(w.query, cat);
			FAIL_CHECK("translated a wart");
		} catch (const Error& e) {
			CHECK(e.kind() == w.kind);
		}
	}
}
#endif
