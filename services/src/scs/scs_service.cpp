#include "meles/services/scs/scs_service.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/pg/copy_out.hpp"
#include "meles/rd/schema/ddl.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/dali/params.hpp"
#include "meles/services/rdsvc/service_pages.hpp"
#include "../form/html_table_writer.hpp"
#include "meles/services/router/router.hpp"

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

double parse_double_param(const Params& p, const char* name, bool& present) {
	auto v = p.get(name);
	present = v.has_value() && !trim(*v).empty();
	if (!present) return 0;
	std::string t(trim(*v));
	char* end = nullptr;
	double d = std::strtod(t.c_str(), &end);
	if (*end || !std::isfinite(d))
		throw Error(ErrorKind::Validation, concat(name, " must be a number in decimal degrees, not '", *v, "'"));
	return d;
}

std::string num(double d) {
	char buf[32];
	auto r = std::to_chars(buf, buf + sizeof buf, d);
	return std::string(buf, r.ptr);
}

struct ConeQuery {
	std::string sql;
	std::vector<ColumnMeta> columns;
};

// SQL for the cone around (ra, dec) with radius sr (degrees) over `table`.
ConeQuery cone_query(const rd::TableDef& table, double ra, double dec, double sr, int verb, int64_t limit) {
	const rd::Column* ra_col = column_with_ucd(table, {"pos.eq.ra;meta.main", "POS_EQ_RA_MAIN"});
	const rd::Column* dec_col = column_with_ucd(table, {"pos.eq.dec;meta.main", "POS_EQ_DEC_MAIN"});
	const rd::Column* id_col = column_with_ucd(table, {"meta.id;meta.main", "ID_MAIN"});
	if (!ra_col || !dec_col)
		throw Error(ErrorKind::Internal, concat("table ", table.qualified_name(),
		                                        " has no columns with UCDs pos.eq.ra;meta.main and pos.eq.dec;meta.main"));
	std::string r = rd::schema::sql_identifier(ra_col->meta), d = rd::schema::sql_identifier(dec_col->meta);
	auto idx = rd::schema::position_indexes(table);
	bool q3c = false;
	for (auto& [a, b] : idx.q3c) q3c = q3c || (iequals(a, ra_col->meta.name) && iequals(b, dec_col->meta.name));
	std::string where, dist;
	if (q3c) {
		// q3c_join rather than q3c_radial_query: the latter plans ten times slower (q3c 2.0).
		where = concat("q3c_join(", num(ra), ", ", num(dec), ", ", r, ", ", d, ", ", num(sr), ")");
		dist = concat("q3c_dist(", r, ", ", d, ", ", num(ra), ", ", num(dec), ")");
	} else {
		std::string p = concat("spoint(radians(", r, "), radians(", d, "))");
		std::string c = concat("spoint(radians(", num(ra), "), radians(", num(dec), "))");
		where = concat(p, " @ scircle(", c, ", radians(", num(sr), "))");
		dist = concat("degrees(", p, " <-> ", c, ")");
	}
	ConeQuery q;
	ColumnMeta rcol;
	rcol.name = "_r";
	rcol.type = SqlType::parse("double precision");
	rcol.unit = "deg";
	rcol.ucd = "pos.angDistance";
	rcol.description = concat("Distance from the cone centre (RA ", num(ra), ", Dec ", num(dec), ")");
	q.columns.push_back(rcol);
	std::string select = concat(dist, " AS _r");
	int max_verb = verb >= 3 ? 1000000 : verb * 10;
	for (auto& c : table.columns) {
		bool mandatory = &c == ra_col || &c == dec_col || &c == id_col;
		if (!mandatory && (c.meta.verb_level > max_verb || c.hidden)) continue;
		ColumnMeta m = c.meta;
		m.ucd = scs_ucd(m.ucd);
		q.columns.push_back(m);
		select += ", " + rd::schema::sql_identifier(c.meta);
	}
	q.sql = concat("SELECT ", select, " FROM ", rd::schema::qualified(table.schema, table.id), " WHERE ", where,
	               " ORDER BY _r LIMIT ", std::to_string(limit + 1));
	return q;
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

}  // namespace

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
	scs.capability = [this](const rd::Resource& rd, const rd::ServiceDef& svc, const std::string& url) {
		return capability(rd, svc, url);
	};
	scs.unavailable = send_error;
	registry.add(std::move(scs));
	Renderer form;
	form.name = "form";
	form.applies = is_cone_service;
	form.needs_table = true;
	form.handle = [this](RenderCall& c) { this->form(c.rd, c.service, *c.table, c.request, c.response); };
	form.capability = [](const rd::Resource&, const rd::ServiceDef&, const std::string& url) {
		return web_browser_capability(url + "/form");
	};
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
	std::unique_ptr<formats::TableWriter> writer;
	try {
		Params p = Params::from_request(request, {});
		bool has_ra, has_dec, has_sr;
		double ra = parse_double_param(p, "RA", has_ra);
		double dec = parse_double_param(p, "DEC", has_dec);
		double sr = parse_double_param(p, "SR", has_sr);
		if (!has_ra || !has_dec || !has_sr) {
			std::vector<std::string> missing;
			if (!has_ra) missing.push_back("RA");
			if (!has_dec) missing.push_back("DEC");
			if (!has_sr) missing.push_back("SR");
			throw Error(ErrorKind::Validation, concat("missing parameter ", join(missing, ", "),
			                                          ": a cone search needs RA, DEC and SR in decimal degrees"));
		}
		if (dec < -90 || dec > 90) throw Error(ErrorKind::Validation, concat("DEC must lie in [-90, 90], not ", num(dec)));
		if (sr < 0 || sr > 180) throw Error(ErrorKind::Validation, concat("SR must lie in [0, 180], not ", num(sr)));
		// Only RAs outside [0, 360) are wrapped: fmod(x + 360, 360) would turn 235.95 into
		// 235.95000000000005 in the query and the request echo.
		if (ra < 0 || ra >= 360) ra = std::fmod(std::fmod(ra, 360.0) + 360.0, 360.0);
		int verb = static_cast<int>(parse_int_param(p, "VERB", 2));
		if (verb < 1 || verb > 3) throw Error(ErrorKind::Validation, "VERB must be 1, 2 or 3");
		int64_t dflt = service.core && service.core->limit ? *service.core->limit : ctx_.config.get_int("async", "defaultMAXREC");
		int64_t maxrec = parse_maxrec(p, dflt, ctx_.config.get_int("async", "hardMAXREC"));
		const formats::OutputFormatInfo* fmt = &formats::output_format_info(formats::OutputFormat::VOTableBinary2);
		if (auto rf = p.get("RESPONSEFORMAT"); rf && !rf->empty()) {
			fmt = formats::find_output_format(*rf);
			if (!fmt) throw Error(ErrorKind::Validation, concat("unknown RESPONSEFORMAT '", *rf, "'"));
		}
		ConeQuery q = cone_query(table, ra, dec, sr, verb, maxrec);
		std::optional<pg::Pool::Lease> lease(ctx_.acquire_read(request.remote));
		pg::Connection& conn = lease->get();  // carries the synchronous statement_timeout
		response.on_client_gone([&conn] { conn.cancel(); });
		// A slow reader's rest of the result waits in a file, not in the database.
		response.spool_when_slow(ctx_.config.get_path("general", "tmpDir"),
		                         static_cast<uint64_t>(ctx_.config.get_int("web", "slowClientSpool")));
		response.set_header("Content-Type", std::string(fmt->mime));
		formats::WriterOptions wo;
		wo.votable_version = "1.4";
		wo.spool_dir = ctx_.config.get_path("general", "tmpDir");
		writer = formats::make_table_writer(fmt->format, response.stream(), wo);
		formats::TableHeader h;
		h.columns = q.columns;
		h.table_name = table.id;
		h.description = normalize_space(rd.meta_text("description", &table.meta));
		h.infos.push_back({"request", concat("RA=", num(ra), " DEC=", num(dec), " SR=", num(sr)), ""});
		auto res = pg::stream_query(conn, q.sql, q.columns, *writer, static_cast<uint64_t>(maxrec), 10000,
		                            [&] { writer->begin(h); });
		response.on_client_gone({});
		writer->finish(res.overflow ? formats::EndStatus::Overflow : formats::EndStatus::Ok);
		lease.reset();
		response.finish();
	} catch (const Error& e) {
		response.on_client_gone({});
		if (response.client_gone()) return;
		if (e.kind() == ErrorKind::Internal || e.kind() == ErrorKind::Database)
			log::error(concat("cone search ", rd.rd_id, "/", service.id, ": ", e.what()));
		if (writer && response.headers_sent()) {
			writer->finish(formats::EndStatus::Error, public_message(e));
			response.finish();
			return;
		}
		if (response.headers_sent()) throw;
		// SCS errors are documents with status 200; running out of time or of connections is
		// not the request's fault, and clients retry on 503 when told when.
		response.set_status(e.kind() == ErrorKind::Timeout ? 408 : e.kind() == ErrorKind::Unavailable ? 503 : 200);
		if (e.kind() == ErrorKind::Unavailable) response.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
		send_error(response, public_message(e));
	}
}

void ScsService::form(const rd::Resource& rd, const rd::ServiceDef& service, const rd::TableDef& table,
                      net::Request& request, net::Response& response) {
	Params p = Params::from_request(request, {});
	std::string title = rd.meta_text("title", &service.meta);
	std::string pos = p.get("hscs_pos").value_or("");
	std::string sr_text = p.get("hscs_sr").value_or("1");
	std::string body = concat("<h1>", xml_escape(title), "</h1>\n<p>", xml_escape(normalize_space(rd.meta_text("description", &service.meta))),
	                          "</p>\n<form method=\"get\"><label>Position <input name=\"hscs_pos\" value=\"", xml_escape(pos),
	                          "\" placeholder=\"10.68 41.27 or 0 42 44.3 +41 16 9\"></label> "
	                          "<label>Radius (arcmin) <input name=\"hscs_sr\" size=\"6\" value=\"",
	                          xml_escape(sr_text), "\"></label> <button>Search</button></form>\n");
	response.set_header("Content-Type", "text/html; charset=utf-8");
	if (pos.empty()) {
		response.send(html_page(title, body));
		return;
	}
	std::string err;
	double ra = 0, dec = 0, sr = 0;
	try {
		std::tie(ra, dec) = parse_position(pos);
		char* end = nullptr;
		sr = std::strtod(sr_text.c_str(), &end) / 60.0;
		if (*end || sr < 0 || sr > 600) throw Error(ErrorKind::Validation, "the radius must be a number of arcminutes");
	} catch (const Error& e) {
		err = e.message();
	}
	if (!err.empty()) {
		response.send(html_page(title, body + concat("<p class=\"error\">", xml_escape(err), "</p>")));
		return;
	}
	int64_t limit = service.core && service.core->limit ? *service.core->limit : 1000;
	ConeQuery q = cone_query(table, ra, dec, sr, 2, limit);
	std::optional<pg::Pool::Lease> lease(ctx_.acquire_read(request.remote));
	pg::Connection& conn = lease->get();
	response.spool_when_slow(ctx_.config.get_path("general", "tmpDir"),
	                         static_cast<uint64_t>(ctx_.config.get_int("web", "slowClientSpool")));
	ByteSink& out = response.stream();
	std::string page = html_page(title, body);
	auto cut = page.find("</body>");
	out.write(page.substr(0, cut));
	auto writer = make_html_table_writer(out);
	formats::TableHeader h;
	h.columns = q.columns;
	writer->begin(h);
	try {
		auto res = pg::stream_query(conn, q.sql, q.columns, *writer, static_cast<uint64_t>(limit));
		writer->finish(res.overflow ? formats::EndStatus::Overflow : formats::EndStatus::Ok);
	} catch (const Error& e) {
		writer->finish(formats::EndStatus::Error, public_message(e));
	}
	out.write(page.substr(cut));
	lease.reset();
	response.finish();
}

std::string ScsService::capability(const rd::Resource& rd, const rd::ServiceDef& service, const std::string& service_url) {
	std::string extra = concat("    <maxSR>180</maxSR>\n    <maxRecords>", std::to_string(ctx_.config.get_int("async", "hardMAXREC")),
	                           "</maxRecords>\n    <verbosity>true</verbosity>\n");
	std::string tra = rd.meta_text("testQuery.ra", &service.meta), tdec = rd.meta_text("testQuery.dec", &service.meta),
	            tsr = rd.meta_text("testQuery.sr", &service.meta);
	if (!tra.empty() && !tdec.empty())
		extra += concat("    <testQuery>\n      <ra>", xml_escape(tra), "</ra>\n      <dec>", xml_escape(tdec),
		                "</dec>\n      <sr>", xml_escape(tsr.empty() ? "1" : tsr), "</sr>\n    </testQuery>\n");
	std::string out = concat("  <capability standardID=\"ivo://ivoa.net/std/ConeSearch\" xsi:type=\"cs:ConeSearch\">\n"
	                         "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\">\n      <accessURL use=\"base\">",
	                         xml_escape(service_url + "/scs.xml?"), "</accessURL>\n    </interface>\n", extra,
	                         "  </capability>\n");
	return out;
}

std::pair<double, double> parse_position(std::string_view text) {
	std::string t;
	for (char c : text) t += (c == ',' || c == ':') ? ' ' : c;
	std::vector<double> v;
	std::vector<std::string> words = split_list(normalize_space(t), ' ');
	bool neg_dec = false;
	for (size_t i = 0; i < words.size(); ++i) {
		char* end = nullptr;
		double d = std::strtod(words[i].c_str(), &end);
		if (*end) throw Error(ErrorKind::Validation, concat("cannot read '", text, "' as a position; give decimal degrees (10.5 -20.3) "
		                                                    "or sexagesimal hours and degrees (0 42 44.3 +41 16 9)"));
		if (words.size() == 6 && i == 3 && words[i][0] == '-') neg_dec = true;
		v.push_back(d);
	}
	if (v.size() == 2) {
		if (v[1] < -90 || v[1] > 90) throw Error(ErrorKind::Validation, "the declination must lie in [-90, 90]");
		return {v[0], v[1]};
	}
	if (v.size() == 6) {
		double ra = (v[0] + v[1] / 60 + v[2] / 3600) * 15;
		double dec = std::fabs(v[3]) + v[4] / 60 + v[5] / 3600;
		if (neg_dec) dec = -dec;
		if (dec > 90) throw Error(ErrorKind::Validation, "the declination must lie in [-90, 90]");
		return {ra, dec};
	}
	throw Error(ErrorKind::Validation, concat("cannot read '", text, "' as a position; give decimal degrees (10.5 -20.3) "
	                                          "or sexagesimal hours and degrees (0 42 44.3 +41 16 9)"));
}

}  // namespace meles::services
