#include "meles/services/tap/vosi.hpp"

#include "meles/core/adql/features.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/time.hpp"
#include "meles/core/formats/output_format.hpp"

#include <map>

namespace meles::services::tap {

namespace {

void elem(std::string& out, std::string_view indent, std::string_view tag, std::string_view text) {
	out += concat(indent, "<", tag, ">");
	append_xml_escaped(out, text);
	out += concat("</", tag, ">\n");
}

void opt_elem(std::string& out, std::string_view indent, std::string_view tag, std::string_view text) {
	if (!text.empty()) elem(out, indent, tag, text);
}

void vosi_capability(std::string& out, std::string_view standard_id, const std::string& url) {
	out += concat("  <capability standardID=\"", standard_id, "\">\n",
	              "    <interface xsi:type=\"vs:ParamHTTP\">\n      <accessURL use=\"full\">");
	append_xml_escaped(out, url);
	out += "</accessURL>\n    </interface>\n  </capability>\n";
}

} // namespace

std::string canonical_feature_type(std::string_view type) {
	constexpr std::string_view prefix = "ivo://ivoa.net/std/tapregext#";
	if (starts_with_ci(type, prefix))
		return concat("ivo://ivoa.net/std/TAPRegExt#", type.substr(prefix.size()));
	return std::string(type);
}

std::string capabilities_document(const CapabilityFacts& f) {
	std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\""
	                  " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
	                  " xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\""
	                  " xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\""
	                  " xmlns:tr=\"http://www.ivoa.net/xml/TAPRegExt/v1.0\">\n";
	out += "  <capability standardID=\"ivo://ivoa.net/std/TAP\" xsi:type=\"tr:TableAccess\">\n"
	       "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"1.1\">\n      <accessURL "
	       "use=\"base\">";
	append_xml_escaped(out, f.base_url);
	out += "</accessURL>\n    </interface>\n";
	out +=
	    "    <language>\n      <name>ADQL</name>\n"
	    "      <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.0\">2.0</version>\n"
	    "      <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.1\">2.1</version>\n"
	    "      <description>ADQL 2.1 (which includes 2.0), translated to PostgreSQL with pg_sphere and q3c; "
	    "cones and crossmatches use spatial indexes.</description>\n";
	// Group features by type, in the order of the feature table.  Feature types outside
	// TAPRegExt's and ADQL's vocabulary (DaCHS's extra-keywords) are not declared: clients
	// cannot use them and validators flag them.
	std::vector<std::string> order;
	std::map<std::string, std::vector<const adql::LanguageFeature*>> groups;
	for (auto& feat : adql::language_features()) {
		std::string type = canonical_feature_type(feat.type);
		if (!type.starts_with("ivo://ivoa.net/std/TAPRegExt#")) continue;
		if (!groups.count(type)) order.push_back(type);
		groups[type].push_back(&feat);
	}
	for (auto& type : order) {
		out += concat("      <languageFeatures type=\"", type, "\">\n");
		for (auto* feat : groups[type]) {
			out += "        <feature>\n";
			elem(out, "          ", "form", feat->form);
			opt_elem(out, "          ", "description", feat->description);
			out += "        </feature>\n";
		}
		out += "      </languageFeatures>\n";
	}
	out += "    </language>\n";
	for (auto& fmt : formats::output_formats()) {
		if (!fmt.advertise) continue;
		std::string ivoid;
		if (fmt.format == formats::OutputFormat::VOTableTabledata)
			ivoid = "ivo://ivoa.net/std/TAPRegExt#output-votable-td";
		else if (fmt.format == formats::OutputFormat::VOTableBinary)
			ivoid = "ivo://ivoa.net/std/TAPRegExt#output-votable-binary";
		else if (fmt.format == formats::OutputFormat::VOTableBinary2 &&
		         fmt.mime.find("BINARY2") != std::string_view::npos)
			ivoid = "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2";
		out += ivoid.empty() ? "    <outputFormat>\n" : concat("    <outputFormat ivo-id=\"", ivoid, "\">\n");
		elem(out, "      ", "mime", fmt.mime);
		for (auto a : fmt.aliases)
			elem(out, "      ", "alias", a);
		out += "    </outputFormat>\n";
	}
	for (auto m : {"inline", "http", "https"})
		out += concat("    <uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-", m, "\"/>\n");
	auto limits = [&](std::string_view tag, int64_t dflt, int64_t hard, std::string_view unit) {
		std::string u = unit.empty() ? "" : concat(" unit=\"", unit, "\"");
		out += concat("    <", tag, ">\n      <default", u, ">", std::to_string(dflt),
		              "</default>\n      <hard", u, ">", std::to_string(hard), "</hard>\n    </", tag, ">\n");
	};
	limits("retentionPeriod", f.retention, f.retention, "");
	limits("executionDuration", f.execution_duration, f.execution_duration, "");
	limits("outputLimit", f.default_maxrec, f.hard_maxrec, "row");
	limits("uploadLimit", f.max_upload_bytes, f.max_upload_bytes, "byte");
	out += "  </capability>\n";
	vosi_capability(out, "ivo://ivoa.net/std/VOSI#capabilities", f.base_url + "/capabilities");
	vosi_capability(out, "ivo://ivoa.net/std/VOSI#availability", f.base_url + "/availability");
	vosi_capability(out, "ivo://ivoa.net/std/VOSI#tables", f.base_url + "/tables");
	if (f.examples) {
		out += "  <capability standardID=\"ivo://ivoa.net/std/DALI#examples\">\n"
		       "    <interface xsi:type=\"vr:WebBrowser\">\n      <accessURL use=\"full\">";
		append_xml_escaped(out, f.base_url + "/examples");
		out += "</accessURL>\n    </interface>\n  </capability>\n";
	}
	out += "</vosi:capabilities>\n";
	return out;
}

std::string availability_document(bool available, std::chrono::system_clock::time_point up_since,
                                  const std::string& note) {
	std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<avail:availability xmlns:avail=\"http://www.ivoa.net/xml/VOSIAvailability/v1.0\">\n";
	out += concat("  <avail:available>", available ? "true" : "false", "</avail:available>\n");
	if (available) out += concat("  <avail:upSince>", format_iso(up_since), "</avail:upSince>\n");
	opt_elem(out, "  ", "avail:note", note);
	out += "</avail:availability>\n";
	return out;
}

namespace {

void write_table(std::string& out, const TapTable& t, std::string_view indent, bool with_columns, bool root) {
	std::string in(indent);
	if (root) {
		out += concat(in,
		              "<vosi:table xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\""
		              " xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\""
		              " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" type=\"",
		              xml_escape(t.type), "\">\n");
	} else {
		out += concat(in, "<table type=\"", xml_escape(t.type), "\">\n");
	}
	elem(out, in + "  ", "name", t.name);
	opt_elem(out, in + "  ", "description", normalize_space(t.description));
	opt_elem(out, in + "  ", "utype", t.utype);
	if (with_columns) {
		for (auto& c : t.columns) {
			out += concat(in, "  <column", c.std ? " std=\"true\"" : "", ">\n");
			elem(out, in + "    ", "name", c.name);
			opt_elem(out, in + "    ", "description", normalize_space(c.description));
			opt_elem(out, in + "    ", "unit", c.unit);
			opt_elem(out, in + "    ", "ucd", c.ucd);
			opt_elem(out, in + "    ", "utype", c.utype);
			out += concat(in, "    <dataType xsi:type=\"vs:VOTableType\"");
			if (!c.arraysize.empty()) out += concat(" arraysize=\"", xml_escape(c.arraysize), "\"");
			if (!c.xtype.empty()) out += concat(" extendedType=\"", xml_escape(c.xtype), "\"");
			out += concat(">", xml_escape(c.datatype), "</dataType>\n");
			if (c.indexed) out += concat(in, "    <flag>indexed</flag>\n");
			if (c.principal) out += concat(in, "    <flag>principal</flag>\n");
			out += concat(in, "  </column>\n");
		}
		for (auto& k : t.foreign_keys) {
			out += concat(in, "  <foreignKey>\n");
			elem(out, in + "    ", "targetTable", k.target_table);
			for (auto& [from, target] : k.columns) {
				out += concat(in, "    <fkColumn>\n");
				elem(out, in + "      ", "fromColumn", from);
				elem(out, in + "      ", "targetColumn", target);
				out += concat(in, "    </fkColumn>\n");
			}
			opt_elem(out, in + "    ", "description", k.description);
			opt_elem(out, in + "    ", "utype", k.utype);
			out += concat(in, "  </foreignKey>\n");
		}
	}
	out += concat(in, root ? "</vosi:table>\n" : "</table>\n");
}

} // namespace

std::string tableset_document(const TapSnapshot& snap, bool detail_min) {
	std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<vosi:tableset xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\""
	                  " xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\""
	                  " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n";
	for (auto& s : snap.schemas) {
		out += "  <schema>\n";
		elem(out, "    ", "name", s.name);
		opt_elem(out, "    ", "description", normalize_space(s.description));
		opt_elem(out, "    ", "utype", s.utype);
		for (auto& t : s.tables)
			write_table(out, t, "    ", !detail_min, false);
		out += "  </schema>\n";
	}
	out += "</vosi:tableset>\n";
	return out;
}

std::string table_document(const TapTable& t) {
	std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	write_table(out, t, "", true, true);
	return out;
}

} // namespace meles::services::tap
