#include "meles/services/scs/scs_service.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/schema/ddl.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/dali/params.hpp"
#include "meles/services/query/conditions.hpp"
#include "meles/services/query/query_runner.hpp"
#include "meles/services/rdsvc/service_pages.hpp"
#include "../form/html_table_writer.hpp"
#include "meles/services/router/router.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

namespace meles::services {

namespace {

// SCS 1.03 names its three mandatory columns by UCD1 words.
std::string scs_ucd(const std::string& ucd) {
	std::string l = to_lower(ucd);
	if (l == "meta.id;meta.main") return "ID_MAIN";
	if (l == "pos.eq.ra;meta.main") return "POS_EQ_RA_MAIN";
	if (l == "pos.eq.dec;meta.main") return "POS_EQ_DEC_MAIN";
	return ucd;
}

const rd::Column* column_with_ucd(const rd::TableDef& t, std::initializer_list<const char*> ucds) {
	for (auto& c : t.columns)
		for (auto u : ucds)
			if (iequals(c.meta.ucd, u)) return &c;
	return nullptr;
}

// The condDescs a cone service is queried with: its core's, plus //scs#protoInput when an
// scsCore declares no cone of its own (as DaCHS's scsCore adds it).
const std::vector<rd::CondDesc>& cone_cond_descs(const rd::ServiceDef& s,
                                                 std::vector<rd::CondDesc>& scratch) {
	const auto& cds = s.core->cond_descs;
	for (auto& cd : cds)
		if (cd.original == "//scs#protoInput" || cd.original == "//scs#humanInput") return cds;
	scratch = cds;
	rd::CondDesc proto;
	proto.original = "//scs#protoInput";
	proto.required = true;
	for (const char* name : {"RA", "DEC", "SR"}) {
		rd::InputKey k;
		k.column.meta.name = name;
		k.column.properties.push_back({"onlyForRenderer", "scs.xml", {}});
		proto.input_keys.push_back(std::move(k));
	}
	scratch.push_back(std::move(proto));
	return scratch;
}

// The reference position the table's STC annotation names ("Position ICRS BARYCENTER ..."),
// for COOSYS refposition in VOTable 1.5; UNKNOWN when it names none.
std::string stc_refposition(const rd::TableDef& table) {
	std::string word;
	for (size_t i = 0; i <= table.stc.size(); ++i) {
		char c = i < table.stc.size() ? table.stc[i] : ' ';
		if (std::isalpha(static_cast<unsigned char>(c))) {
			word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
			continue;
		}
		for (const char* known : {"BARYCENTER", "EMBARYCENTER", "GEOCENTER", "HELIOCENTER", "TOPOCENTER"})
			if (word == known) return word;
		word.clear();
	}
	return "UNKNOWN";
}

// The query of a cone service: _r (distance from the cone centre, when there is a cone) and
// the columns VERB asks for, under the conditions, nearest first.
query::TableQuery cone_table_query(const rd::TableDef& table, const query::Conditions& conds, int verb,
                                   int64_t limit) {
	const rd::Column* ra_col = column_with_ucd(table, {"pos.eq.ra;meta.main", "POS_EQ_RA_MAIN"});
	const rd::Column* dec_col = column_with_ucd(table, {"pos.eq.dec;meta.main", "POS_EQ_DEC_MAIN"});
	const rd::Column* id_col = column_with_ucd(table, {"meta.id;meta.main", "ID_MAIN"});
	query::TableQuery q;
	std::string select;
	if (conds.cone) {
		ColumnMeta rcol;
		rcol.name = "_r";
		rcol.type = SqlType::parse("double precision");
		rcol.unit = "deg";
		rcol.ucd = "pos.angDistance";
		rcol.description = concat("Distance from the cone centre (RA ", query::format_number(conds.cone->ra),
		                          ", Dec ", query::format_number(conds.cone->dec), ")");
		q.header.columns.push_back(rcol);
		select = concat(conds.cone->distance, " AS _r");
	}
	int max_verb = verb >= 3 ? 1000000 : verb * 10;
	for (auto& c : table.columns) {
		bool mandatory = &c == ra_col || &c == dec_col || &c == id_col;
		if (!mandatory && (c.meta.verb_level > max_verb || c.hidden)) continue;
		ColumnMeta m = c.meta;
		m.ucd = scs_ucd(m.ucd);
		q.header.columns.push_back(m);
		select += concat(select.empty() ? "" : ", ", rd::schema::sql_identifier(c.meta));
	}
	q.sql = concat("SELECT ", select, " FROM ", rd::schema::qualified(table.schema, table.id), conds.where(),
	               conds.cone ? " ORDER BY _r" : "", " LIMIT ", std::to_string(limit + 1));
	q.max_rows = static_cast<uint64_t>(limit);
	return q;
}

std::string request_echo(const query::Conditions& conds) {
	std::string out;
	for (auto& [k, v] : conds.used)
		out += concat(out.empty() ? "" : " ", k, "=", v);
	return out;
}

// An SCS error: a VOTable carrying both SCS 1.03's INFO name="Error" and DALI's QUERY_STATUS.
std::string scs_error_document(const std::string& message) {
	std::string m = xml_escape(message);
	return concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
	              "<RESOURCE type=\"results\">\n"
	              "<INFO name=\"QUERY_STATUS\" value=\"ERROR\">",
	              m, "</INFO>\n<INFO name=\"Error\" value=\"", m, "\"/>\n</RESOURCE>\n</VOTABLE>\n");
}

} // namespace

void ScsService::send_error(net::Response& response, const std::string& message) {
	response.set_header("Content-Type", "text/xml; charset=utf-8");
	response.send(scs_error_document(message));
}

void ScsService::register_renderers(RendererRegistry& registry) {
	Renderer scs;
	scs.name = "scs.xml";
	scs.applies = is_cone_service;
	scs.needs_table = true;
	scs.handle = [this](RenderCall& c) { scs_xml(c.rd, c.service, *c.table, c.request, c.response); };
	scs.unavailable = send_error;
	registry.add(std::move(scs));
	Renderer form;
	form.name = "form";
	form.applies = is_cone_service;
	form.needs_table = true;
	form.handle = [this](RenderCall& c) { this->form(c.rd, c.service, *c.table, c.request, c.response); };
	form.unavailable = send_unavailable_page;
	registry.add(std::move(form));
}

bool ScsService::is_cone_service(const rd::ServiceDef& s) {
	if (!s.core) return false;
	if (s.core->type == "scsCore") return true;
	for (auto& cd : s.core->cond_descs)
		if (cd.original == "//scs#protoInput") return true;
	return false;
}

void ScsService::scs_xml(const rd::Resource& rd, const rd::ServiceDef& service, const rd::TableDef& table,
                         net::Request& request, net::Response& response) {
	try {
		Params p = Params::from_request(request, {});
		std::vector<rd::CondDesc> scratch;
		query::Conditions conds = query::build_conditions(cone_cond_descs(service, scratch), table, p,
		                                                  {"scs.xml", query::Syntax::Protocol});
		int verb = static_cast<int>(parse_int_param(p, "VERB", 2));
		if (verb < 1 || verb > 3) throw Error(ErrorKind::Validation, "VERB must be 1, 2 or 3");
		int64_t dflt =
		    service.core->limit ? *service.core->limit : ctx_.config.get_int("async", "defaultMAXREC");
		int64_t maxrec = parse_maxrec(p, dflt, ctx_.config.get_int("async", "hardMAXREC"));
		query::OutputSpec out{&formats::output_format_info(formats::OutputFormat::VOTableBinary2), "1.4",
		                      ctx_.config.get_path("general", "tmpDir"), stc_refposition(table)};
		// VOTable 1.4 unless the client asks for another version (";version=1.5").
		auto rf = p.get("RESPONSEFORMAT");
		if (!rf || rf->empty()) rf = p.get("FORMAT");
		if (rf && !trim(*rf).empty()) {
			auto parsed = formats::parse_response_format(*rf);
			out.format = parsed.format;
			if (!parsed.votable_version.empty()) out.votable_version = parsed.votable_version;
		}
		query::TableQuery q = cone_table_query(table, conds, verb, maxrec);
		q.header.table_name = table.id;
		q.header.description = normalize_space(rd.meta_text("description", &table.meta));
		q.header.infos.push_back({"request", request_echo(conds), ""});
		query::serve_streaming(
		    ctx_, request, response, query::tells_errors_in_band(out.format->format),
		    [&](pg::Connection& conn, ByteSink& sink, const query::BeforeQuery& before_query) {
			    before_query(conn, q.sql);
			    query::run_table_query(conn, q, out, sink, [&] {
				    response.set_header("Content-Type", std::string(out.format->mime));
			    });
		    });
	} catch (const Error& e) {
		if (response.client_gone()) return;
		if (e.kind() == ErrorKind::Internal || e.kind() == ErrorKind::Database)
			log::error(concat("cone search ", rd.rd_id, "/", service.id, ": ", e.what()));
		if (response.headers_sent()) throw;
		// SCS errors are documents with status 200; running out of time or of connections is
		// not the request's fault, and clients retry on 503 when told when.
		response.set_status(e.kind() == ErrorKind::Timeout       ? 408
		                    : e.kind() == ErrorKind::Unavailable ? 503
		                                                         : 200);
		if (e.kind() == ErrorKind::Unavailable)
			response.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
		send_error(response, public_message(e));
	}
}

void ScsService::form(const rd::Resource& rd, const rd::ServiceDef& service, const rd::TableDef& table,
                      net::Request& request, net::Response& response) {
	Params p = Params::from_request(request, {});
	const query::ConditionOptions options{"form", query::Syntax::Form};
	std::vector<rd::CondDesc> scratch;
	const auto& cond_descs = cone_cond_descs(service, scratch);
	std::string title = rd.meta_text("title", &service.meta);
	std::string fields;
	bool any_given = false;
	for (auto& key : query::input_keys(cond_descs, table, options)) {
		const std::string& name = key.column.meta.name;
		std::string value = p.get(name).value_or(key.value.value_or(""));
		any_given = any_given || (p.get(name) && !trim(*p.get(name)).empty());
		std::string label = key.column.meta.tablehead.empty() ? name : key.column.meta.tablehead;
		if (name == "hscs_pos") label = "Position";
		if (name == "hscs_sr") label = "Radius";
		if (!key.column.meta.unit.empty()) label += concat(" (", key.column.meta.unit, ")");
		std::string extra = name == "hscs_pos" ? " placeholder=\"10.68 41.27 or 0 42 44.3 +41 16 9\""
		                    : key.column.meta.type.is_numeric() ? " size=\"8\""
		                                                        : "";
		if (name == "hscs_sr" && value.empty()) value = "1";
		fields += concat("<label>", xml_escape(label), " <input name=\"", xml_escape(name), "\" value=\"",
		                 xml_escape(value), "\"", extra, "></label> ");
	}
	std::string body = concat("<h1>", xml_escape(title), "</h1>\n<p>",
	                          xml_escape(normalize_space(rd.meta_text("description", &service.meta))),
	                          "</p>\n<form method=\"get\">", fields, "<button>Search</button></form>\n");
	response.set_header("Content-Type", "text/html; charset=utf-8");
	if (!any_given) {
		response.send(html_page(title, body));
		return;
	}
	std::optional<query::Conditions> conds;
	try {
		conds = query::build_conditions(cond_descs, table, p, options);
	} catch (const Error& e) {
		if (e.kind() != ErrorKind::Validation) throw;
		response.send(
		    html_page(title, body + concat("<p class=\"error\">", xml_escape(e.message()), "</p>")));
		return;
	}
	// A radius alone (the form always sends one) constrains nothing: no query over the whole table.
	if (conds->empty()) {
		response.send(html_page(title, body));
		return;
	}
	int64_t limit = service.core->limit ? *service.core->limit : 1000;
	query::TableQuery q = cone_table_query(table, *conds, 2, limit);
	std::string page = html_page(title, body);
	auto cut = page.find("</body>");
	query::serve_streaming(
	    ctx_, request, response, true,
	    [&](pg::Connection& conn, ByteSink& out, const query::BeforeQuery& before_query) {
		    before_query(conn, q.sql); // before the page begins
		    out.write(page.substr(0, cut));
		    auto writer = make_html_table_writer(out);
		    try {
			    query::run_table_query(conn, q, *writer);
		    } catch (const Error& e) {
			    if (response.client_gone()) throw;
			    // Told on the page: before the table began as a paragraph, after it in the table.
			    log::info(concat("form ", rd.rd_id, "/", service.id, ": ", e.what()));
			    if (e.kind() == ErrorKind::Internal || e.kind() == ErrorKind::Database)
				    log::error(concat("form ", rd.rd_id, "/", service.id, ": ", e.what()));
			    out.write(concat("<p class=\"error\">", xml_escape(public_message(e)), "</p>\n"));
		    }
		    out.write(page.substr(cut));
	    });
}

std::string scs_capability(const Config& config, const rd::Resource& rd, const rd::ServiceDef& service,
                           const std::string& service_url) {
	std::string extra = concat("    <maxSR>180</maxSR>\n    <maxRecords>",
	                           std::to_string(config.get_int("async", "hardMAXREC")),
	                           "</maxRecords>\n    <verbosity>true</verbosity>\n");
	std::string tra = rd.meta_text("testQuery.ra", &service.meta),
	            tdec = rd.meta_text("testQuery.dec", &service.meta),
	            tsr = rd.meta_text("testQuery.sr", &service.meta);
	if (!tra.empty() && !tdec.empty())
		extra +=
		    concat("    <testQuery>\n      <ra>", xml_escape(tra), "</ra>\n      <dec>", xml_escape(tdec),
		           "</dec>\n      <sr>", xml_escape(tsr.empty() ? "1" : tsr), "</sr>\n    </testQuery>\n");
	std::string out =
	    concat("  <capability standardID=\"ivo://ivoa.net/std/ConeSearch\" xsi:type=\"cs:ConeSearch\">\n"
	           "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\">\n      <accessURL use=\"base\">",
	           xml_escape(service_url + "/scs.xml?"), "</accessURL>\n    </interface>\n", extra,
	           "  </capability>\n");
	return out;
}

} // namespace meles::services
