#include "meles/services/rdsvc/service_pages.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/services/rdsvc/info_pages.hpp"
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
                           const std::string& server_url,
                           const std::function<bool(const std::string&)>& has_info_page) {
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
				std::string name = tables[i]->qualified_name();
				if (has_info_page(name))
					body += concat("<a href=\"", esc(table_info_url(server_url, name)), "\"><code>",
					               esc(name), "</code></a>");
				else
					body += concat("<code>", esc(name), "</code>");
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

void send_unavailable_page(net::Response& response, const std::string& message) {
	response.set_header("Content-Type", "text/html; charset=utf-8");
	response.send(
	    html_page("Service unavailable", concat("<h1>Service unavailable</h1>\n<p>", esc(message), "</p>")));
}

} // namespace meles::services
