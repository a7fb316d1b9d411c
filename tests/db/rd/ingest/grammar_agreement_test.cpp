// `meles val` OK means `meles imp` can run (issue 14, item 0): every grammar record, with no
// options and with each of its options, and the procedure applications of a data element, go
// through the `meles val` binary and through the importer; both must say the same.
#include "fits/fits_table_fixture.hpp"
#include "import_fixture.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/rd/ingest/grammar_registry.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace meles;
using namespace meles::rd::ingest;
namespace fs = std::filesystem;

namespace {

struct Sample {
	std::string file;     // below data/
	std::string content;  // "" for the FITS table copied from the demo
	std::string required; // attributes every variant needs ("" if none)
};

// A source each implemented grammar reads, with the options its record's examples fit.
std::optional<Sample> sample_for(std::string_view grammar) {
	if (grammar == "csvGrammar") return Sample{"s.csv", "a,b\n1,2\n", ""};
	if (grammar == "reGrammar") return Sample{"s.txt", "1 2\n", "names=\"a,b\""};
	if (grammar == "columnGrammar") return Sample{"s.txt", "1 2\n", "colDefs=\"a:1-1 b:3-3\""};
	if (grammar == "fitsTableGrammar") return Sample{"s.fits", "", ""};
	if (grammar == "fitsProdGrammar") return Sample{"s.fits", "image", ""};
	if (grammar == "voTableGrammar")
		return Sample{
		    "s.vot",
		    "<?xml version=\"1.0\"?><VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">"
		    "<RESOURCE><TABLE><FIELD name=\"a\" datatype=\"char\" arraysize=\"*\"/><FIELD name=\"b\" "
		    "datatype=\"int\"/><DATA><TABLEDATA><TR><TD>1</TD><TD>2</TD></TR></TABLEDATA></DATA></TABLE>"
		    "</RESOURCE></VOTABLE>\n",
		    ""};
	return std::nullopt;
}

std::string xml_attr(std::string_view name, std::string_view value) {
	return concat(" ", name, "=\"", xml_escape(value), "\"");
}

struct Fixture : meles::testing::ImportFixture {
	int counter = 0;

	// Each test case its own database: ctest runs them side by side, and a TestDb drops a
	// database of its name (WITH FORCE) when it starts.
	explicit Fixture(const std::string& name) : ImportFixture(name) {}

	// Writes an RD (id agree/qN) reading `sample` with `grammar_xml`; returns its id.
	std::string write(const std::string& grammar_xml, const std::optional<Sample>& sample, bool gzipped,
	                  const std::string& extra = "", const std::string& rowmaker = "",
	                  const std::string& sources = "") {
		std::string id = concat("agree/q", std::to_string(++counter));
		fs::path d = dir / "agree" / concat("d", std::to_string(counter));
		fs::create_directories(d / "data");
		std::string file = sample ? sample->file : "s.txt";
		if (sample && sample->content.empty())
			fs::copy_file(fs::path(MELES_SOURCE_DIR) / "demo/galaxies/galaxies.fits", d / "data" / file);
		else if (sample && sample->content == "image")
			core::fits::write_fits_image_file((d / "data" / file).string(), {});
		else
			std::ofstream(d / "data" / file) << (sample ? sample->content : "x\n");
		if (gzipped) {
			std::string cmd = concat("gzip -f ", (d / "data" / file).string());
			REQUIRE(std::system(cmd.c_str()) == 0);
			file += ".gz";
		}
		std::ofstream(dir / (id + ".rd"))
		    << concat("<resource schema=\"agree", std::to_string(counter), "\" resdir=\"agree/d",
		              std::to_string(counter), "\">\n", "  <meta name=\"title\">Agreement</meta>\n",
		              // what `meles val` requires of every RD, so that only the grammar is judged
		              "  <meta name=\"description\">Agreement test.</meta>\n",
		              "  <meta name=\"creationDate\">2026-12-01T00:00:00Z</meta>\n",
		              "  <meta name=\"subject\">methods</meta>\n", extra,
		              "  <table id=\"main\" onDisk=\"True\"><column name=\"a\" type=\"text\"/><column "
		              "name=\"b\" type=\"text\"/></table>\n",
		              "  <data id=\"import\">\n    ",
		              sources.empty() ? concat("<sources>data/", file, "</sources>") : sources, "\n    ",
		              grammar_xml, "\n    <make table=\"main\"><rowmaker idmaps=\"*\">", rowmaker,
		              "</rowmaker></make>\n  </data>\n</resource>\n");
		return id;
	}

	// `meles val` (the binary): empty when it says OK, else what it printed.
	std::string val(const std::string& id) {
		std::string cmd = concat(MELES_BIN_PATH, " val -q --inputs ", dir.string(), " ", id, " 2>&1");
		FILE* p = popen(cmd.c_str(), "r");
		REQUIRE(p);
		std::string out;
		char buf[4096];
		while (size_t n = fread(buf, 1, sizeof buf, p))
			out.append(buf, n);
		int status = pclose(p);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
		return out.empty() ? "(failed without a word)" : out;
	}

	// `meles imp`'s importer: empty when it ran, else its error.
	std::string imp(const std::string& id) {
		try {
			import(id);
		} catch (const Error& e) {
			return e.full_message();
		}
		return {};
	}

	// Both must agree; returns whether they said OK.
	bool agree(const std::string& what, const std::string& id) {
		std::string v = val(id), i = imp(id);
		INFO(what, "\n  meles val: ", v.empty() ? "OK" : v, "\n  meles imp: ", i.empty() ? "OK" : i);
		CHECK(v.empty() == i.empty());
		return v.empty() && i.empty();
	}
};

} // namespace

TEST_CASE("grammar records: meles val and meles imp agree on every grammar and every option") {
	Fixture f("agree_grammars");
	size_t implemented = 0;
	for (const GrammarRecord& g : grammar_registry()) {
		auto sample = sample_for(g.element);
		bool runs = g.support == GrammarSupport::Implemented;
		if (runs) {
			// every grammar Meles reads needs a sample here: a new one cannot slip past this test
			REQUIRE_MESSAGE(sample, "no sample source for ", g.element);
			++implemented;
		}
		std::string base = sample ? sample->required : "";
		// no options (beyond the required ones)
		CHECK_MESSAGE(f.agree(std::string(g.element),
		                      f.write(concat("<", g.element, " ", base, "/>"), sample, false)) == runs,
		              g.element);
		// each option with its example value (Python grammars run only with their code, which
		// test_python covers)
		for (const GrammarOption& o : g.options) {
			if (g.support == GrammarSupport::Python) break;
			std::string attrs = base.find(concat(o.name, "=")) == std::string::npos ? base : "";
			std::string xml = concat("<", g.element, " ", attrs, xml_attr(o.name, o.example), "/>");
			bool ok = f.agree(concat(g.element, " ", o.name, "=", o.example),
			                  f.write(xml, sample, o.name == "gunzip"));
			CHECK_MESSAGE(ok, g.element, " with its documented option ", o.name, "=", o.example,
			              " does not run");
		}
		// an option no grammar has
		CHECK_FALSE(f.agree(concat(g.element, " bogus"),
		                    f.write(concat("<", g.element, " ", base, " bogus=\"1\"/>"), sample, false)));
	}
	CHECK(implemented >= 5);
	// what the issue found: a gunzipped fitsTableGrammar and contextGrammar (fitsProdGrammar runs now)
	CHECK_FALSE(f.agree("fitsTableGrammar gunzip", f.write("<fitsTableGrammar gunzip=\"True\"/>",
	                                                       sample_for("fitsTableGrammar"), true)));
	CHECK_FALSE(f.agree("contextGrammar", f.write("<contextGrammar/>", std::nullopt, false)));
}

TEST_CASE("grammar records: val and imp agree on row filters, sourceFields, applies and sources") {
	Fixture f("agree_procs");
	auto csv = sample_for("csvGrammar");
	const std::string local_proc =
	    "  <procDef id=\"nocode\" type=\"rowfilter\"><setup><par key=\"x\">1</par></setup></procDef>\n"
	    "  <procDef id=\"noapply\" type=\"apply\"/>\n";
	// the native //products#define (its table need not mix in //products#table for this)
	CHECK(f.agree("products#define",
	              f.write("<csvGrammar><rowfilter procDef=\"//products#define\"><bind key=\"table\">"
	                      "'agree.main'</bind></rowfilter></csvGrammar>",
	                      csv, false)));
	// ... whose required parameter is missing
	CHECK_FALSE(
	    f.agree("products#define without table",
	            f.write("<csvGrammar><rowfilter procDef=\"//products#define\"/></csvGrammar>", csv, false)));
	// procDefs without code that Meles does not implement
	CHECK_FALSE(
	    f.agree("rowfilter without code",
	            f.write("<csvGrammar><rowfilter procDef=\"nocode\"/></csvGrammar>", csv, false, local_proc)));
	CHECK_FALSE(f.agree(
	    "sourceFields without code",
	    f.write("<csvGrammar><sourceFields procDef=\"nocode\"/></csvGrammar>", csv, false, local_proc)));
	// an apply of a procDef without code or parameters does nothing (as in DaCHS)
	CHECK(f.agree("apply without code",
	              f.write("<csvGrammar/>", csv, false, local_proc, "<apply procDef=\"noapply\"/>")));
	// Python runs (the embedded interpreter)
	CHECK(f.agree(
	    "Python row filter",
	    f.write("<csvGrammar><rowfilter><code>yield row</code></rowfilter></csvGrammar>", csv, false)));
	// ignoreSources, which Meles does not apply yet
	CHECK_FALSE(f.agree(
	    "ignoreSources",
	    f.write("<csvGrammar/>", csv, false, "", "",
	            "<sources><pattern>data/*.csv</pattern><ignoreSources fromdb=\"select 1\"/></sources>")));
	// the grammar's ignoreOn is applied (it used to be dropped silently)
	{
		std::string id = f.write(
		    "<csvGrammar><ignoreOn><keyIs key=\"a\" value=\"1\"/></ignoreOn></csvGrammar>", csv, false);
		CHECK(f.agree("grammar ignoreOn", id));
		CHECK(
		    f.conn.exec(concat("SELECT count(*) FROM agree", std::to_string(f.counter), ".main")).get(0, 0) ==
		    "0");
	}
}
