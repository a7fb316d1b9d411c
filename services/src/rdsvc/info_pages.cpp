#include "meles/services/rdsvc/info_pages.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/common/time.hpp"
#include "meles/rd/registry/resource_meta.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/router/router.hpp"
#include "meles/services/tap/examples.hpp"

#include <algorithm>
#include <cstdio>

namespace meles::services {

namespace {

std::string esc(std::string_view s) {
	return xml_escape(s);
}

std::string link(const std::string& url, std::string_view text) {
	return concat("<a href=\"", esc(url), "\">", esc(text), "</a>");
}

std::string num(double v) {
	char b[40];
	std::snprintf(b, sizeof b, "%.6g", v);
	return b;
}

std::string thousands(int64_t n) {
	std::string digits = std::to_string(n < 0 ? -n : n), out;
	for (size_t i = 0; i < digits.size(); ++i) {
		if (i && (digits.size() - i) % 3 == 0) out += ',';
		out += digits[i];
	}
	return n < 0 ? "-" + out : out;
}

// A bibcode (19 characters, "2011AJ....142..112Y") as a link to its ADS abstract page.
std::string bibcode_link(std::string_view bibcode) {
	return concat("<a href=\"https://ui.adsabs.harvard.edu/abs/", esc(url_encode(bibcode)), "/abstract\">",
	              esc(bibcode), "</a>");
}

bool looks_like_bibcode(std::string_view s) {
	return s.size() == 19 &&
	       std::all_of(s.begin(), s.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
}

// What each renderer is, for the service page (DaCHS explains its renderers likewise).
std::string renderer_text(std::string_view r) {
	if (r == "scs.xml") return "the IVOA Simple Cone Search interface (for TOPCAT, pyvo, Aladin, ...)";
	if (r == "form") return "a form for web browsers";
	if (r == "info") return "this page";
	if (r == "siap.xml" || r == "siap2.xml") return "the IVOA Simple Image Access interface";
	if (r == "ssap.xml") return "the IVOA Simple Spectral Access interface";
	if (r == "dlmeta" || r == "dlget" || r == "dlasync") return "a Datalink interface";
	if (r == "tap") return "the IVOA Table Access Protocol";
	if (r == "api" || r == "dali") return "a DALI-style interface for programs";
	if (r == "availability" || r == "capabilities" || r == "tableMetadata")
		return "a VOSI endpoint for monitoring and registries";
	return "";
}

struct Table {
	std::string html;
	void row(std::string_view head, const std::string& cell_html) {
		if (cell_html.empty()) return;
		html += concat("<tr><th scope=\"row\">", esc(head), "</th><td>", cell_html, "</td></tr>\n");
	}
	void text(std::string_view head, std::string_view value) {
		if (!trim(value).empty()) row(head, esc(normalize_space(value)));
	}
	std::string done() const {
		return html.empty() ? "" : concat("<table class=\"meta\">\n", html, "</table>\n");
	}
};

// The curation and legal metadata shared by both pages, from the element's meta chain.
void curation_rows(Table& t, const rd::Resource& rd, const rd::MetaBag* meta, const std::string& ivoid) {
	std::vector<rd::registry::MetaProblem> ignored; // missing items are simply not shown
	rd::registry::ResourceMeta m = rd::registry::gather_meta(rd, meta, "", {}, ignored);
	t.text("Identifier", ivoid);
	t.text("Creators", join(m.creators, "; "));
	t.text("Contributors", join(m.contributors, "; "));
	t.text("Publisher", m.publisher);
	std::string contact = m.contact_name;
	if (!m.contact_email.empty()) contact += concat(contact.empty() ? "" : " ", "<", m.contact_email, ">");
	t.text("Contact", contact);
	t.text("Created", m.created);
	if (auto updated = rd.meta_chain(meta).text("dateUpdated")) t.text("Updated", *updated);
	t.text("Version", m.version);
	if (!m.source.empty())
		t.row("Source",
		      looks_like_bibcode(m.source) ? bibcode_link(m.source) : esc(normalize_space(m.source)));
	std::string rights = esc(normalize_space(m.rights));
	if (!m.rights_uri.empty()) rights += concat(rights.empty() ? "" : " ", link(m.rights_uri, m.rights_uri));
	t.row("Rights", rights);
	t.text("Subjects", join(m.subjects, ", "));
	t.text("Wavebands", join(m.wavebands, ", "));
	t.text("Facilities", join(m.facilities, ", "));
	t.text("Instruments", join(m.instruments, ", "));
	if (!m.reference_url.empty()) t.row("More information", link(m.reference_url, m.reference_url));
	t.text("Resource descriptor", rd.rd_id);
}

std::string coverage_html(const rd::limits::Coverage* cov) {
	if (!cov || cov->empty()) return "";
	Table t;
	if (cov->spatial) {
		std::string moc = cov->spatial->to_ascii();
		// A detailed MOC can be long; the page shows its beginning (the registry record has all).
		if (moc.size() > 2000) moc = concat(moc.substr(0, moc.rfind(' ', 2000)), " ...");
		t.row("Sky",
		      concat(num(100 * cov->spatial->sky_fraction()), " % of the sky (HEALPix order ",
		             std::to_string(cov->moc_order), ")<br><code class=\"moc\">", esc(moc), "</code>"));
	}
	auto intervals = [](const std::vector<std::pair<double, double>>& v, const char* unit) {
		std::string out;
		for (auto& [a, b] : v)
			out += concat(out.empty() ? "" : ", ", "[", num(a), ", ", num(b), "]");
		return out.empty() ? out : concat(out, " ", unit);
	};
	t.text("Time", intervals(cov->temporal, "(MJD)"));
	t.text("Spectral", intervals(cov->spectral, "(J, photon energy)"));
	return concat("<h2 id=\"coverage\">Coverage</h2>\n", t.done());
}

std::string columns_html(const rd::TableDef& t, const rd::limits::TableStats* stats) {
	std::string out = "<h2 id=\"columns\">Columns</h2>\n<table class=\"columns\"><thead><tr><th>Name</th>"
	                  "<th>Type</th><th>Unit</th><th>UCD</th><th>Description</th>";
	if (stats) out += "<th>Minimum</th><th>Median</th><th>Maximum</th><th>Filled</th>";
	out += "</tr></thead><tbody>\n";
	for (auto& c : t.columns) {
		if (c.hidden) continue;
		out += concat("<tr id=\"col-", esc(url_encode(c.meta.name)), "\"><td><code>", esc(c.meta.name),
		              "</code>", c.meta.indexed ? " <small title=\"indexed\">(indexed)</small>" : "",
		              "</td><td>", esc(c.type_text), "</td><td>", esc(c.meta.unit), "</td><td>",
		              esc(c.meta.ucd), "</td><td>", esc(normalize_space(c.meta.description)), "</td>");
		if (stats) {
			const rd::limits::ColumnStats* s = stats->find(c.meta.name);
			auto opt = [](const std::optional<std::string>& v) { return v ? esc(*v) : std::string(); };
			if (s) {
				std::string median = s->median ? num(*s->median) : "";
				if (s->percentile03 && s->percentile97)
					median += concat(" <small>(3 %: ", num(*s->percentile03),
					                 ", 97 %: ", num(*s->percentile97), ")</small>");
				out += concat("<td>", opt(s->min_value), "</td><td>", median, "</td><td>", opt(s->max_value),
				              "</td><td>", num(100 * s->fill_factor), " %</td>");
			} else {
				out += "<td></td><td></td><td></td><td></td>";
			}
		}
		out += "</tr>\n";
	}
	out += "</tbody></table>\n";
	if (stats) {
		std::string values;
		for (auto& c : t.columns) {
			const rd::limits::ColumnStats* s = stats->find(c.meta.name);
			if (!s || s->discrete_values.empty()) continue;
			values += concat("<tr><th scope=\"row\"><code>", esc(c.meta.name), "</code></th><td>");
			size_t shown = std::min<size_t>(s->discrete_values.size(), 20);
			for (size_t i = 0; i < shown; ++i)
				values += concat(i ? ", " : "", "<code>", esc(s->discrete_values[i].first), "</code> (",
				                 num(100 * s->discrete_values[i].second), " %)");
			if (shown < s->discrete_values.size())
				values += concat(", and ", std::to_string(s->discrete_values.size() - shown), " more");
			values += "</td></tr>\n";
		}
		if (!values.empty())
			out += concat("<h3>Values of enumerated columns</h3>\n<table class=\"values\">\n", values,
			              "</table>\n");
	}
	return out;
}

std::string statistics_note(const TableInfo& info) {
	auto& st = info.facts.stats;
	if (!st)
		return "<p class=\"note\" id=\"no-statistics\">No statistics: this table has not been run through "
		       "<code>meles limits</code> yet, so column statistics and coverage computed from the data are "
		       "missing.</p>\n";
	std::string out = concat("<p class=\"note\">Statistics computed by <code>meles limits</code> on ",
	                         esc(format_iso(st->computed)));
	if (st->sample_percent < 100)
		out += concat("; percentiles from a ", num(st->sample_percent), " % sample of the rows");
	return out + ".</p>\n";
}

// The RD's TAP examples (meta _example, as /tap/examples shows them) whose query or text
// names the table.
std::string examples_html(const rd::Resource& rd, const rd::TableDef& t) {
	std::string name = to_lower(t.qualified_name()), out;
	for (const rd::MetaValue* v : rd.meta.all("_example")) {
		std::string query = tap::example_query(v->content);
		if (query.empty() || to_lower(v->content).find(name) == std::string::npos) continue;
		auto title = v->attributes.find("title");
		out += concat("<h3>", esc(title == v->attributes.end() ? "Example" : title->second),
		              "</h3>\n<pre class=\"copy\">", esc(query), "</pre>\n");
	}
	return out;
}

std::string tap_query_html(const std::string& server_url, const rd::TableDef& t) {
	return concat("<h2 id=\"access\">Access</h2>\n<p>Query this table with ADQL through the TAP service at "
	              "<code class=\"copy\">",
	              esc(server_url + "/tap"),
	              "</code> (TOPCAT, pyvo, ...), for instance:</p>\n<pre class=\"copy\">",
	              esc(concat("SELECT TOP 10 * FROM ", t.qualified_name())), "</pre>\n");
}

} // namespace

std::string table_info_url(const std::string& server_url, std::string_view qualified_name) {
	return concat(server_url, "/tableinfo/", url_encode(qualified_name));
}

std::string table_info_html(const TableInfo& info, const InfoSite& site) {
	const rd::Resource& rd = *info.rd;
	const rd::TableDef& t = *info.table;
	std::string name = t.qualified_name();
	std::string title = normalize_space(rd.meta_text("title", &t.meta));
	std::string body = concat("<h1>Table <code>", esc(name), "</code></h1>\n");
	if (!title.empty()) body += concat("<p class=\"title\">", esc(title), "</p>\n");
	std::string desc = normalize_space(rd.meta_text("description", &t.meta));
	if (!desc.empty()) body += concat("<p class=\"description\">", esc(desc), "</p>\n");
	Table meta;
	meta.row("Rows", info.facts.nrows ? thousands(*info.facts.nrows)
	                                  : std::string("unknown (<code>meles limits</code> counts them)"));
	meta.text("Kind", t.is_view() ? "view" : "table");
	meta.text("Data updated", info.facts.imported);
	if (!t.primary.empty()) meta.text("Primary key", join(t.primary, ", "));
	curation_rows(meta, rd, &t.meta, rd::registry::ivoid_for(site.authority, rd.rd_id, t.id));
	body += meta.done();
	body += statistics_note(info);
	if (info.tap) {
		body += tap_query_html(site.server_url, t);
		body += examples_html(rd, t);
	}
	// The services of the same RD that query the table, with the cone URL to copy.
	std::string services;
	for (auto& s : rd.services) {
		if (!s.core || s.core->queried_table.table_id != t.id || s.core->queried_table.rd_id != rd.rd_id)
			continue;
		std::string service_url = concat(site.server_url, "/", rd.rd_id, "/", s.id);
		std::string st = normalize_space(rd.meta_text("title", &s.meta));
		services += concat("<li>", link(service_url + "/info", st.empty() ? s.id : st));
		for (auto& r : s.allowed)
			if (r == "scs.xml")
				services += concat(" — cone search URL: <code class=\"copy\">",
				                   esc(service_url + "/scs.xml?"), "</code>");
		services += "</li>\n";
	}
	if (!services.empty()) body += concat("<h2 id=\"services\">Services</h2>\n<ul>\n", services, "</ul>\n");
	body += columns_html(t, info.facts.stats.get());
	if (!t.foreign_keys.empty()) {
		body += "<h2 id=\"keys\">Foreign keys</h2>\n<ul>\n";
		for (auto& fk : t.foreign_keys) {
			body += concat("<li>(", esc(join(fk.source, ", ")), ") → <code>", esc(fk.in_table), "</code> (",
			               esc(join(fk.dest.empty() ? fk.source : fk.dest, ", ")), ")</li>\n");
		}
		body += "</ul>\n";
	}
	body += coverage_html(info.coverage.get());
	body += concat("<p><small>", link(site.server_url + "/", "All resources of this data centre"),
	               "</small></p>\n");
	return html_page(concat("Table ", name), body);
}

namespace {

std::string job_time(const std::optional<execute::TimePoint>& t) {
	return t ? format_local(*t) : "-";
}

// The RD's scheduled jobs: when they ran, how that went, when they run next.  Errors name the
// RD line (relative to the inputs), never a server path.
std::string jobs_html(const std::vector<execute::JobRecord>& jobs) {
	if (jobs.empty()) return "";
	std::string out =
	    "<h2 id=\"jobs\">Scheduled jobs of this resource</h2>\n<table class=\"jobs\">\n"
	    "<tr><th>job</th><th>runs</th><th>last run</th><th>outcome</th><th>next run</th></tr>\n";
	for (auto& j : jobs) {
		out += concat("<tr><td>", esc(j.title.empty() ? j.job : j.title), " <small>(", esc(j.schedule),
		              ")</small></td><td>", std::to_string(j.runs),
		              j.failures ? concat(", ", std::to_string(j.failures), " failed") : "",
		              j.skipped ? concat(", ", std::to_string(j.skipped), " skipped") : "", "</td><td>",
		              esc(job_time(j.last_start)), "</td><td>", esc(j.outcome));
		if (!j.error.empty())
			out += concat(": <code>", esc(excerpt(without_server_paths(j.error), 500)), "</code>");
		out += concat("</td><td>", esc(job_time(j.next_run)), "</td></tr>\n");
	}
	return out + "</table>\n";
}

} // namespace

std::string service_info_html(const ServiceInfo& info, const InfoSite& site) {
	const rd::Resource& rd = *info.rd;
	const rd::ServiceDef& s = *info.service;
	std::string service_url = concat(site.server_url, "/", rd.rd_id, "/", s.id);
	std::string title = normalize_space(rd.meta_text("title", &s.meta));
	std::string body = concat("<h1>", esc(title.empty() ? s.id : title), "</h1>\n");
	std::string desc = normalize_space(rd.meta_text("description", &s.meta));
	if (!desc.empty()) body += concat("<p class=\"description\">", esc(desc), "</p>\n");
	Table meta;
	curation_rows(meta, rd, &s.meta, rd::registry::ivoid_for(site.authority, rd.rd_id, s.id));
	body += meta.done();

	body += "<h2 id=\"renderers\">Access</h2>\n<ul class=\"renderers\">\n";
	for (auto& r : s.allowed) {
		std::string url = concat(service_url, "/", r);
		std::string what = renderer_text(r);
		body += concat("<li>", link(url, r), what.empty() ? "" : concat(": ", esc(what)));
		if (r == "scs.xml")
			body += concat("; URL for cone search clients: <code class=\"copy\">", esc(url + "?"), "</code>");
		body += "</li>\n";
	}
	body += concat("<li>VOSI: ", link(service_url + "/capabilities", "capabilities"), ", ",
	               link(service_url + "/availability", "availability"), "</li>\n</ul>\n");

	if (info.queried) {
		const TableInfo& q = *info.queried;
		std::string name = q.table->qualified_name();
		body += concat("<h2 id=\"table\">Table <code>", esc(name), "</code></h2>\n<p>This service queries ",
		               link(table_info_url(site.server_url, name), name));
		if (q.facts.nrows) body += concat(", ", thousands(*q.facts.nrows), " rows");
		body += ".";
		if (q.tap)
			body += concat(" The table can also be queried with ADQL through the TAP service at <code "
			               "class=\"copy\">",
			               esc(site.server_url + "/tap"), "</code>.");
		body += "</p>\n";
		body += statistics_note(q);
		body += columns_html(*q.table, q.facts.stats.get());
	}
	body += coverage_html(info.coverage.get());
	body += jobs_html(info.jobs);
	body += concat("<p><small>", link(site.server_url + "/", "All resources of this data centre"),
	               "</small></p>\n");
	return html_page(title.empty() ? s.id : title, body);
}

std::vector<execute::JobRecord> InfoFacts::jobs(const rd::Resource& rd, const std::string& client) {
	if (rd.executes.empty()) return {};
	auto c = lease(client);
	execute::ensure_schema(c.get());
	return execute::load_records(c.get(), rd.rd_id);
}

pg::Pool::Lease InfoFacts::lease(const std::string& client) {
	// At most all but one of the pool's connections for one client, like the web queries.
	size_t share = pool_.size() > 1 ? pool_.size() - 1 : 1;
	return pool_.acquire_for(client, share, std::chrono::seconds(10));
}

TableFacts InfoFacts::table(const std::string& qualified_lower, int64_t catalog_version,
                            std::optional<int64_t> catalog_nrows, const std::string& client) {
	StatsEntry e{catalog_version, nullptr, ""};
	bool cached = false;
	{
		std::lock_guard lock(mutex_);
		auto it = stats_.find(qualified_lower);
		if (it != stats_.end() && it->second.version == catalog_version) {
			e = it->second;
			cached = true;
		}
	}
	if (!cached) {
		auto l = lease(client);
		auto loaded = rd::limits::load_table_stats(l.get(), qualified_lower);
		if (loaded) e.stats = std::make_shared<const rd::limits::TableStats>(std::move(*loaded));
		auto r =
		    l->exec_params("SELECT to_char(imported AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
		                   "FROM meles.tablemeta WHERE table_name = $1",
		                   {qualified_lower});
		if (r.rows() > 0) e.imported = r.get(0, 0);
		std::lock_guard lock(mutex_);
		stats_[qualified_lower] = e;
	}
	TableFacts f;
	f.stats = e.stats;
	f.imported = e.imported;
	f.nrows = e.stats ? std::optional<int64_t>(e.stats->rows) : catalog_nrows;
	return f;
}

std::shared_ptr<const rd::limits::Coverage> InfoFacts::coverage(const std::shared_ptr<const rd::Resource>& rd,
                                                                int64_t catalog_version,
                                                                const std::string& client) {
	{
		std::lock_guard lock(mutex_);
		auto it = coverage_.find(rd->rd_id);
		if (it != coverage_.end() && it->second.version == catalog_version && it->second.rd.lock() == rd)
			return it->second.coverage;
	}
	std::shared_ptr<const rd::limits::Coverage> cov;
	{
		auto l = lease(client);
		try {
			auto c = rd::limits::effective_coverage(l.get(), *rd);
			if (c) cov = std::make_shared<const rd::limits::Coverage>(std::move(*c));
		} catch (const Error& e) {
			// A literal <coverage> that does not parse: `meles val`/`pub` tell the operator;
			// the page shows no coverage rather than failing.
			if (e.kind() == ErrorKind::Database || e.kind() == ErrorKind::Unavailable) throw;
		}
	}
	std::lock_guard lock(mutex_);
	coverage_[rd->rd_id] = {catalog_version, rd, cov};
	return cov;
}

} // namespace meles::services
