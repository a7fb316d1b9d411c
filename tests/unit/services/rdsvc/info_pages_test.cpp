// The info pages rendered from hand-made RD structures: content from the RD and from
// `meles limits`, everything escaped, and the note for a table limits never saw.
#include "meles/services/rdsvc/info_pages.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::services;

namespace {

rd::MetaValue text(std::string s) {
	rd::MetaValue v;
	v.content = std::move(s);
	return v;
}

std::shared_ptr<rd::Resource> sample_rd() {
	auto r = std::make_shared<rd::Resource>();
	r->rd_id = "x/q";
	r->schema = "xs";
	r->meta.add("title", text("A <script>alert(1)</script> title"));
	r->meta.add("creator", text("Doe, J.; \"Quote\" <q@x>"));
	r->meta.add("rights", text("<b>free</b>"));
	r->meta.add("source", text("2011AJ....142..112Y"));
	rd::TableDef t;
	t.id = "main";
	t.schema = "xs";
	t.rd_id = "x/q";
	t.on_disk = true;
	t.adql = rd::AdqlAccess::Yes;
	t.meta.add("description", text("Table <img src=x onerror=alert(1)>"));
	rd::Column c;
	c.meta.name = "mag";
	c.meta.unit = "mag";
	c.meta.ucd = "phot.mag;em.opt.V";
	c.meta.description = "V <magnitude>";
	c.type_text = "real";
	t.columns.push_back(c);
	r->tables.push_back(t);
	rd::ServiceDef s;
	s.id = "cone";
	s.allowed = {"form", "scs.xml"};
	rd::CoreDef core;
	core.queried_table = {"x/q", "main"};
	s.core = core;
	s.meta.add("title", text("Cone \"<svc>\""));
	r->services.push_back(s);
	return r;
}

} // namespace

TEST_CASE("table info page: RD content escaped, no statistics said so, statistics shown") {
	auto rd = sample_rd();
	TableInfo info;
	info.rd = rd;
	info.table = &rd->tables[0];
	info.tap = true;
	info.facts.nrows = 1234567;
	InfoSite site{"http://h:1", "auth"};
	std::string html = table_info_html(info, site);
	CHECK(html.find("<script>") == std::string::npos);
	CHECK(html.find("<img") == std::string::npos);
	CHECK(html.find("<b>free") == std::string::npos);
	CHECK(html.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
	CHECK(html.find("V &lt;magnitude&gt;") != std::string::npos);
	CHECK(html.find("1,234,567") != std::string::npos);
	CHECK(html.find("phot.mag;em.opt.V") != std::string::npos);
	CHECK(html.find("id=\"no-statistics\"") != std::string::npos);
	CHECK(html.find("https://ui.adsabs.harvard.edu/abs/2011AJ....142..112Y/abstract") != std::string::npos);
	CHECK(html.find("ivo://auth/x/q/main") != std::string::npos);
	CHECK(html.find("http://h:1/x/q/cone/scs.xml?") != std::string::npos);
	CHECK(html.find("SELECT TOP 10 * FROM xs.main") != std::string::npos);

	auto stats = std::make_shared<rd::limits::TableStats>();
	stats->table = "xs.main";
	stats->rows = 10;
	rd::limits::ColumnStats cs;
	cs.column = "mag";
	cs.min_value = "<1>";
	cs.max_value = "19.5";
	cs.median = 12.25;
	cs.fill_factor = 0.5;
	cs.discrete_values = {{"<v>", 0.75}};
	stats->columns.push_back(cs);
	info.facts.stats = stats;
	auto cov = std::make_shared<rd::limits::Coverage>();
	cov->temporal = {{50000, 51000}};
	info.coverage = cov;
	html = table_info_html(info, site);
	CHECK(html.find("id=\"no-statistics\"") == std::string::npos);
	CHECK(html.find("&lt;1&gt;") != std::string::npos);
	CHECK(html.find("12.25") != std::string::npos);
	CHECK(html.find("50 %") != std::string::npos);
	CHECK(html.find("&lt;v&gt;</code> (75 %)") != std::string::npos);
	CHECK(html.find("[50000, 51000] (MJD)") != std::string::npos);
}

TEST_CASE("service info page: renderers with their URLs, the queried table linked") {
	auto rd = sample_rd();
	ServiceInfo info;
	info.rd = rd;
	info.service = &rd->services[0];
	TableInfo t;
	t.rd = rd;
	t.table = &rd->tables[0];
	t.tap = true;
	info.queried = t;
	std::string html = service_info_html(info, {"http://h:1", "auth"});
	CHECK(html.find("<svc>") == std::string::npos);
	CHECK(html.find("Cone &quot;&lt;svc&gt;&quot;") != std::string::npos);
	CHECK(html.find("href=\"http://h:1/x/q/cone/form\"") != std::string::npos);
	CHECK(html.find("http://h:1/x/q/cone/scs.xml?") != std::string::npos);
	CHECK(html.find("href=\"http://h:1/tableinfo/xs.main\"") != std::string::npos);
	CHECK(html.find("ivo://auth/x/q/cone") != std::string::npos);
	CHECK(html.find("id=\"no-statistics\"") != std::string::npos);
}

TEST_CASE("table info URLs percent-encode what is not plain") {
	CHECK(table_info_url("http://h", "s.t") == "http://h/tableinfo/s.t");
	CHECK(table_info_url("http://h", "s.\"a b\"") == "http://h/tableinfo/s.%22a%20b%22");
}
