// The form renderer's HTML table: values escaped, bibcodes as ADS links.
#include "form/html_table_writer.hpp"
#include "meles/core/common/byte_sink.hpp"

#include <doctest/doctest.h>

using namespace meles;

TEST_CASE("HTML result table: meta.bib.bibcode values become ADS links, other text is escaped") {
	StringSink sink;
	auto w = services::make_html_table_writer(sink);
	formats::TableHeader h;
	ColumnMeta a, b;
	a.name = "ref";
	a.ucd = "meta.bib.bibcode";
	b.name = "name";
	b.ucd = "meta.id";
	h.columns = {a, b};
	w->begin(h);
	w->begin_row();
	w->string("2020A&A...641A...6P");
	w->string("<b>x</b>");
	w->end_row();
	w->begin_row();
	w->null();
	w->string("2020A&A...641A...6P");
	w->end_row();
	w->finish(formats::EndStatus::Ok, "");
	std::string html = sink.take();
	CHECK(html.find("<td><a href=\"https://ui.adsabs.harvard.edu/abs/2020A%26A...641A...6P/abstract\">"
	                "2020A&amp;A...641A...6P</a></td><td>&lt;b&gt;x&lt;/b&gt;</td>") != std::string::npos);
	// the second row: a null bibcode, and a bibcode-like text in a column that is not one
	CHECK(html.find("<td></td><td>2020A&amp;A...641A...6P</td>") != std::string::npos);
}
