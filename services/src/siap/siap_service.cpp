#include "meles/services/siap/siap_service.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/rd/schema/ddl.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/dali/params.hpp"
#include "meles/services/query/conditions.hpp"
#include "meles/services/query/query_runner.hpp"
#include "meles/services/query/siap_conditions.hpp"

namespace meles::services {

namespace {

const rd::Column* column(const rd::TableDef& t, std::string_view name) {
	for (auto& c : t.columns)
		if (iequals(c.meta.name, name)) return &c;
	return nullptr;
}

// SIAP 1.0 names its columns by UCD1-style words: the //siap#pgs columns and theirs.
std::string_view siap1_ucd(std::string_view name) {
	static constexpr std::pair<std::string_view, std::string_view> kUcds[] = {
	    {"centerAlpha", "POS_EQ_RA_MAIN"},
	    {"centerDelta", "POS_EQ_DEC_MAIN"},
	    {"imageTitle", "VOX:Image_Title"},
	    {"instId", "INST_ID"},
	    {"dateObs", "VOX:Image_MJDateObs"},
	    {"nAxes", "VOX:Image_Naxes"},
	    {"pixelSize", "VOX:Image_Naxis"},
	    {"pixelScale", "VOX:Image_Scale"},
	    {"refFrame", "VOX:STC_CoordRefFrame"},
	    {"wcs_equinox", "VOX:STC_CoordEquinox"},
	    {"wcs_projection", "VOX:WCS_CoordProjection"},
	    {"wcs_refPixel", "VOX:WCS_CoordRefPixel"},
	    {"wcs_refValues", "VOX:WCS_CoordRefValue"},
	    {"wcs_cdmatrix", "VOX:WCS_CDMatrix"},
	    {"bandpassId", "VOX:BandPass_ID"},
	    {"bandpassUnit", "VOX:BandPass_Unit"},
	    {"bandpassRefval", "VOX:BandPass_RefValue"},
	    {"bandpassHi", "VOX:BandPass_HiLimit"},
	    {"bandpassLo", "VOX:BandPass_LoLimit"},
	    {"pixflags", "VOX:Image_PixFlags"},
	    {"mime", "VOX:Image_Format"},
	    {"accsize", "VOX:Image_FileSize"},
	};
	for (auto [n, u] : kUcds)
		if (iequals(n, name)) return u;
	return {};
}

// The URL of a row's product: getproduct with the accref, the characters URLs reserve escaped.
std::string access_url_sql(const Config& config, const std::string& accref) {
	std::string e = accref;
	for (auto [from, to] : {std::pair{"%", "%25"},
	                        {" ", "%20"},
	                        {"#", "%23"},
	                        {"?", "%3F"},
	                        {"\t", "%09"},
	                        {"\n", "%0A"},
	                        {"\"", "%22"},
	                        {"&", "%26"}})
		e = concat("replace(", e, ", '", from, "', '", to, "')");
	std::string base = config.server_url() + "/getproduct/";
	std::string quoted;
	for (char c : base) {
		if (c == '\'') quoted += '\'';
		quoted += c;
	}
	return concat("'", quoted, "' || ", e);
}

ColumnMeta text_column(std::string name, std::string ucd, std::string description) {
	ColumnMeta m;
	m.name = std::move(name);
	m.type = SqlType::parse("text");
	m.ucd = std::move(ucd);
	m.description = std::move(description);
	return m;
}

struct Selection {
	std::string select;
	formats::TableHeader header;
	void add(const ColumnMeta& m, const std::string& sql) {
		select += concat(select.empty() ? "" : ", ", sql);
		header.columns.push_back(m);
	}
};

int64_t maxrec_of(const Config& config, const rd::ServiceDef& service, const Params& p) {
	int64_t dflt =
	    service.core && service.core->limit ? *service.core->limit : config.get_int("async", "defaultMAXREC");
	return parse_maxrec(p, dflt, config.get_int("async", "hardMAXREC"));
}

std::string request_echo(const std::vector<std::pair<std::string, std::string>>& used) {
	std::string out;
	for (auto& [k, v] : used)
		out += concat(out.empty() ? "" : " ", k, "=", v);
	return out;
}

std::string votable_error(const std::string& message, bool siap1) {
	std::string m = xml_escape(message);
	return concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
	              "<RESOURCE type=\"results\">\n<INFO name=\"QUERY_STATUS\" value=\"ERROR\">",
	              m, "</INFO>\n", siap1 ? concat("<INFO name=\"Error\" value=\"", m, "\"/>\n") : "",
	              "</RESOURCE>\n</VOTABLE>\n");
}

} // namespace

void SiapService::send_siap1_error(net::Response& response, const std::string& message) {
	response.set_header("Content-Type", "text/xml; charset=utf-8");
	response.send(votable_error(message, true));
}

void SiapService::send_siap2_error(net::Response& response, const std::string& message) {
	response.set_header("Content-Type", "application/x-votable+xml");
	response.send(votable_error(message, false));
}

bool SiapService::is_siap1_service(const rd::ServiceDef& s) {
	if (!s.core) return false;
	if (s.core->type == "siapCutoutCore" || s.core->type == "siapCore") return true;
	for (auto& cd : s.core->cond_descs)
		if (cd.original == "//siap#protoInput") return true;
	return false;
}

bool SiapService::is_siap2_service(const rd::ServiceDef& s) {
	if (!s.core) return false;
	bool pos = false, band = false;
	for (auto& cd : s.core->cond_descs)
		for (auto& k : cd.input_keys) {
			pos = pos || k.column.meta.name == "POS";
			band = band || k.column.meta.name == "BAND";
		}
	return pos && band;
}

void SiapService::register_renderers(RendererRegistry& registry) {
	Renderer v1;
	v1.name = "siap.xml";
	v1.applies = is_siap1_service;
	v1.needs_table = true;
	v1.handle = [this](RenderCall& c) { siap1(c); };
	v1.unavailable = send_siap1_error;
	registry.add(std::move(v1));
	Renderer v2;
	v2.name = "siap2.xml";
	v2.applies = is_siap2_service;
	v2.needs_table = true;
	v2.handle = [this](RenderCall& c) { siap2(c); };
	v2.unavailable = send_siap2_error;
	registry.add(std::move(v2));
}

void SiapService::siap1(RenderCall& c) {
	const rd::TableDef& table = *c.table;
	try {
		Params p = Params::from_request(c.request, {});
		bool metadata = iequals(trim(p.get("FORMAT").value_or("")), "METADATA");
		int verb = static_cast<int>(parse_int_param(p, "VERB", 1));
		if (verb < 0 || verb > 3) throw Error(ErrorKind::Validation, "VERB must be 0, 1, 2 or 3");
		query::SiapConditions conds;
		if (!metadata) conds = query::siap1_conditions(table, p);
		int64_t maxrec = metadata ? 0 : maxrec_of(ctx_.config, c.service, p);
		// The columns: those VERB asks for (VERB=3 all), the ones SIAP requires always, and the
		// product's URL in place of the accref.
		int max_verb = verb >= 3 ? 1000000 : verb == 0 ? 5 : verb * 10 + 5;
		Selection s;
		for (auto& col : table.columns) {
			std::string_view ucd = siap1_ucd(col.meta.name);
			if (iequals(col.meta.name, "accref")) {
				ColumnMeta m = text_column("accref", "VOX:Image_AccessReference", "URL of the image");
				m.verb_level = 1;
				s.add(m, access_url_sql(ctx_.config, rd::schema::sql_identifier(col.meta)));
				continue;
			}
			if (ucd.empty() && (col.meta.verb_level > max_verb || col.hidden)) continue;
			if (col.meta.type.is_geometry() && col.meta.verb_level > max_verb) continue;
			ColumnMeta m = col.meta;
			if (!ucd.empty()) m.ucd = std::string(ucd);
			s.add(m, rd::schema::sql_identifier(col.meta));
		}
		query::TableQuery q;
		q.header = std::move(s.header);
		q.sql = concat("SELECT ", s.select, " FROM ", rd::schema::qualified(table.schema, table.id),
		               conds.where(), " LIMIT ", std::to_string(maxrec + 1));
		q.max_rows = static_cast<uint64_t>(maxrec);
		q.overflow_possible = !metadata;
		q.header.table_name = table.id;
		q.header.description = normalize_space(c.rd.meta_text("description", &table.meta));
		if (!metadata) q.header.infos.push_back({"request", request_echo(conds.used), ""});
		// TABLEDATA, as SIAP 1 clients of its time expect (and DaCHS sends).
		query::OutputSpec out{&formats::output_format_info(formats::OutputFormat::VOTableTabledata), "1.4",
		                      ctx_.config.get_path("general", "tmpDir"), "UNKNOWN"};
		query::serve_streaming(
		    ctx_, c.request, c.response, true,
		    [&](pg::Connection& conn, ByteSink& sink, const query::BeforeQuery& before_query) {
			    before_query(conn, q.sql);
			    query::run_table_query(conn, q, out, sink, [&] {
				    c.response.set_header("Content-Type", "text/xml; charset=utf-8");
			    });
		    });
	} catch (const Error& e) {
		if (c.response.client_gone()) return;
		if (e.kind() == ErrorKind::Internal || e.kind() == ErrorKind::Database)
			log::error(concat("siap.xml ", c.rd.rd_id, "/", c.service.id, ": ", e.what()));
		if (c.response.headers_sent()) throw;
		// SIAP 1 errors are documents with status 200 (the standard's rule).
		c.response.set_status(e.kind() == ErrorKind::Timeout       ? 408
		                      : e.kind() == ErrorKind::Unavailable ? 503
		                                                           : 200);
		if (e.kind() == ErrorKind::Unavailable)
			c.response.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
		send_siap1_error(c.response, public_message(e));
	}
}

void SiapService::siap2(RenderCall& c) {
	const rd::TableDef& table = *c.table;
	try {
		Params p = Params::from_request(c.request, {});
		query::SiapConditions conds = query::siap2_conditions(table, p);
		int64_t maxrec = maxrec_of(ctx_.config, c.service, p);
		Selection s;
		const rd::Column* accref = column(table, "accref");
		for (auto& col : table.columns) {
			if (col.hidden || col.meta.verb_level > 25) continue;
			s.add(col.meta, rd::schema::sql_identifier(col.meta));
		}
		// The ObsCore access columns, from the product columns when the table has none of its own.
		if (accref && !column(table, "access_url")) {
			ColumnMeta m = text_column("access_url", "meta.ref.url", "URL of the image");
			m.utype = "obscore:access.reference";
			s.add(m, access_url_sql(ctx_.config, rd::schema::sql_identifier(accref->meta)));
		}
		if (const rd::Column* mime = column(table, "mime"); mime && !column(table, "access_format")) {
			ColumnMeta m = text_column("access_format", "meta.code.mime", "Media type of the image");
			m.utype = "obscore:access.format";
			s.add(m, rd::schema::sql_identifier(mime->meta));
		}
		if (const rd::Column* size = column(table, "accsize"); size && !column(table, "access_estsize")) {
			ColumnMeta m;
			m.name = "access_estsize";
			m.type = SqlType::parse("bigint");
			m.unit = "kbyte";
			m.ucd = "phys.size;meta.file";
			m.utype = "obscore:access.size";
			m.description = "Size of the image";
			s.add(m, concat("(", rd::schema::sql_identifier(size->meta), " + 1023) / 1024"));
		}
		query::TableQuery q;
		q.header = std::move(s.header);
		q.sql = concat("SELECT ", s.select, " FROM ", rd::schema::qualified(table.schema, table.id),
		               conds.where(), " LIMIT ", std::to_string(maxrec + 1));
		q.max_rows = static_cast<uint64_t>(maxrec);
		q.header.table_name = table.id;
		q.header.description = normalize_space(c.rd.meta_text("description", &table.meta));
		q.header.infos.push_back({"request", request_echo(conds.used), ""});
		query::OutputSpec out{&formats::output_format_info(formats::OutputFormat::VOTableBinary2), "1.4",
		                      ctx_.config.get_path("general", "tmpDir"), "UNKNOWN"};
		auto rf = p.get("RESPONSEFORMAT");
		if (rf && !trim(*rf).empty()) {
			auto parsed = formats::parse_response_format(*rf);
			out.format = parsed.format;
			if (!parsed.votable_version.empty()) out.votable_version = parsed.votable_version;
		}
		query::serve_streaming(
		    ctx_, c.request, c.response, query::tells_errors_in_band(out.format->format),
		    [&](pg::Connection& conn, ByteSink& sink, const query::BeforeQuery& before_query) {
			    before_query(conn, q.sql);
			    query::run_table_query(conn, q, out, sink, [&] {
				    c.response.set_header("Content-Type", std::string(out.format->mime));
			    });
		    });
	} catch (const Error& e) {
		if (c.response.client_gone()) return;
		if (e.kind() == ErrorKind::Internal || e.kind() == ErrorKind::Database)
			log::error(concat("siap2.xml ", c.rd.rd_id, "/", c.service.id, ": ", e.what()));
		if (c.response.headers_sent()) throw;
		c.response.set_status(http_status(e.kind()));
		if (e.kind() == ErrorKind::Unavailable)
			c.response.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
		send_siap2_error(c.response, public_message(e));
	}
}

std::string siap1_capability(const Config& config, const rd::Resource& rd, const rd::ServiceDef& service,
                             const std::string& service_url) {
	std::string type = rd.meta_text("sia.type", &service.meta);
	if (type.empty()) type = "Pointed";
	return concat(
	    "  <capability standardID=\"ivo://ivoa.net/std/SIA\" xsi:type=\"sia:SimpleImageAccess\">\n"
	    "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"1.0\">\n"
	    "      <accessURL use=\"base\">",
	    xml_escape(service_url + "/siap.xml?"), "</accessURL>\n    </interface>\n    <imageServiceType>",
	    xml_escape(type),
	    "</imageServiceType>\n    <maxQueryRegionSize>\n      <long>360</long>\n      <lat>180</lat>\n"
	    "    </maxQueryRegionSize>\n    <maxImageExtent>\n      <long>360</long>\n      <lat>180</lat>\n"
	    "    </maxImageExtent>\n    <maxImageSize>100000</maxImageSize>\n    "
	    "<maxFileSize>2000000000</maxFileSize>\n"
	    "    <maxRecords>",
	    std::to_string(config.get_int("async", "hardMAXREC")), "</maxRecords>\n  </capability>\n");
}

std::string siap2_capability(const Config& config, const rd::Resource&, const rd::ServiceDef&,
                             const std::string& service_url) {
	return concat(
	    "  <capability standardID=\"ivo://ivoa.net/std/SIA#query-2.0\" xsi:type=\"sia:SimpleImageAccess\">\n"
	    "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"2.0\">\n"
	    "      <accessURL use=\"base\">",
	    xml_escape(service_url + "/siap2.xml"),
	    "</accessURL>\n    </interface>\n    <imageServiceType>Pointed</imageServiceType>\n"
	    "    <maxQueryRegionSize>\n      <long>360</long>\n      <lat>180</lat>\n    </maxQueryRegionSize>\n"
	    "    <maxImageExtent>\n      <long>360</long>\n      <lat>180</lat>\n    </maxImageExtent>\n"
	    "    <maxImageSize>100000</maxImageSize>\n    <maxFileSize>2000000000</maxFileSize>\n"
	    "    <maxRecords>",
	    std::to_string(config.get_int("async", "hardMAXREC")), "</maxRecords>\n  </capability>\n");
}

} // namespace meles::services
