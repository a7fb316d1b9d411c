#include "meles/services/rdsvc/service_pages.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/services/router/router.hpp"

namespace meles::services {

namespace {

std::string esc(std::string_view s) {
	return xml_escape(s);
}

std::string renderer_links(const rd::Resource& rd, const rd::ServiceDef& s, const std::string& base) {
	std::string out;
	for (auto& r : s.allowed) {
		if (!out.empty()) out += ", ";
		out +=
		    concat("<a href=\"", esc(concat(base, "/", rd.rd_id, "/", s.id, "/", r)), "\">", esc(r), "</a>");
	}
	return out;
}

} // namespace

std::string root_page_html(const std::vector<std::shared_ptr<const rd::Resource>>& rds,
                           const std::string& server_url) {
	std::string body =
	    "<h1>Meles data centre</h1>\n<p>This server publishes astronomical data through Virtual Observatory "
	    "protocols. All tables below can be queried with ADQL through the TAP service at <code>" +
	    esc(server_url + "/tap") + "</code> (e.g. in TOPCAT or pyvo).</p>\n";
	bool any = false;
	for (auto& rd : rds) {
		if (rd->is_system) continue;
		std::vector<const rd::TableDef*> tables;
		for (auto& t : rd->tables)
			if (t.on_disk && t.adql == rd::AdqlAccess::Yes) tables.push_back(&t);
		if (tables.empty() && rd->services.empty()) continue;
		any = true;
		std::string title = rd->meta_text("title");
		body += concat("<h2>", esc(title.empty() ? rd->rd_id : title), " <small>(", esc(rd->rd_id),
		               ")</small></h2>\n");
		std::string desc = normalize_space(rd->meta_text("description"));
		if (!desc.empty()) body += concat("<p>", esc(desc), "</p>\n");
		if (!rd->services.empty()) {
			body += "<ul>\n";
			for (auto& s : rd->services) {
				std::string st = rd->meta_text("title", &s.meta);
				body += concat("<li>Service <a href=\"",
				               esc(concat(server_url, "/", rd->rd_id, "/", s.id, "/info")), "\">",
				               esc(st.empty() ? s.id : st), "</a>: ", renderer_links(*rd, s, server_url),
				               "</li>\n");
			}
			body += "</ul>\n";
		}
		if (!tables.empty()) {
			body += "<p>TAP tables: ";
			for (size_t i = 0; i < tables.size(); ++i) {
				if (i) body += ", ";
				body += concat("<code>", esc(tables[i]->qualified_name()), "</code>");
			}
			body += "</p>\n";
		}
	}
	if (!any) body += "<p>No resources have been published yet; see <code>meles imp</code>.</p>\n";
	body += concat("<p><small>VOSI: <a href=\"", esc(server_url),
	               "/tap/capabilities\">capabilities</a>, <a href=\"", esc(server_url),
	               "/tap/tables\">tables</a>, <a href=\"", esc(server_url),
	               "/tap/availability\">availability</a></small></p>\n");
	return html_page("Meles data centre", body);
}

std::string service_info_html(const rd::Resource& rd, const rd::ServiceDef& s,
                              const std::string& service_url) {
	std::string title = rd.meta_text("title", &s.meta);
	std::string body = concat("<h1>", esc(title.empty() ? s.id : title), "</h1>\n");
	std::string desc = normalize_space(rd.meta_text("description", &s.meta));
	if (!desc.empty()) body += concat("<p>", esc(desc), "</p>\n");
	body += "<table>\n";
	auto row = [&](const char* k, const std::string& v) {
		if (!v.empty()) body += concat("<tr><th>", k, "</th><td>", esc(v), "</td></tr>\n");
	};
	row("Resource", rd.rd_id);
	row("Creator", rd.meta_text("creator", &s.meta));
	row("Created", rd.meta_text("creationDate", &s.meta));
	row("Contact", rd.meta_text("contact.email", &s.meta));
	body += concat("<tr><th>Renderers</th><td>");
	for (size_t i = 0; i < s.allowed.size(); ++i) {
		if (i) body += ", ";
		body += concat("<a href=\"", esc(service_url + "/" + s.allowed[i]), "\">", esc(s.allowed[i]), "</a>");
	}
	body += concat("</td></tr>\n<tr><th>VOSI</th><td><a href=\"", esc(service_url),
	               "/capabilities\">capabilities</a>, <a href=\"", esc(service_url),
	               "/availability\">availability</a></td></tr>\n</table>\n");
	if (s.core && !s.core->queried_table.empty()) {
		const rd::TableDef* t = rd.find_table(s.core->queried_table.table_id);
		if (t) {
			body += concat("<h2>Table ", esc(t->qualified_name()),
			               "</h2>\n<table><tr><th>Column</th><th>Unit</th><th>UCD</th>"
			               "<th>Description</th></tr>\n");
			for (auto& c : t->columns)
				body += concat("<tr><td>", esc(c.meta.name), "</td><td>", esc(c.meta.unit), "</td><td>",
				               esc(c.meta.ucd), "</td><td>", esc(c.meta.description), "</td></tr>\n");
			body += "</table>\n";
		}
	}
	return html_page(title.empty() ? s.id : title, body);
}

void send_unavailable_page(net::Response& response, const std::string& message) {
	response.set_header("Content-Type", "text/html; charset=utf-8");
	response.send(
	    html_page("Service unavailable", concat("<h1>Service unavailable</h1>\n<p>", esc(message), "</p>")));
}

} // namespace meles::services
