#include "meles/services/vosi/vosi.hpp"

#include "meles/core/common/strings.hpp"

namespace meles::services::vosi {

std::string availability_document(TimePoint up_since, bool available, const std::string& note) {
	std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<avail:availability xmlns:avail=\"http://www.ivoa.net/xml/VOSIAvailability/v1.0\">\n"
	                  "  <avail:available>";
	out += available ? "true" : "false";
	out += "</avail:available>\n  <avail:upSince>" + format_iso(up_since) + "</avail:upSince>\n";
	if (!note.empty()) out += "  <avail:note>" + xml_escape(note) + "</avail:note>\n";
	out += "</avail:availability>\n";
	return out;
}

std::string simple_capability(const std::string& standard_id, const std::string& access_url,
                              const std::string& use, const std::string& extra_xml,
                              const std::string& capability_type) {
	std::string out = "  <capability standardID=\"" + xml_escape(standard_id) + "\"";
	if (!capability_type.empty()) out += " xsi:type=\"" + capability_type + "\"";
	out += ">\n    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\">\n      <accessURL use=\"" + use +
	       "\">" + xml_escape(access_url) + "</accessURL>\n    </interface>\n";
	out += extra_xml;
	out += "  </capability>\n";
	return out;
}

std::string capabilities_document(const std::vector<std::string>& capabilities, const std::string& base_url,
                                  bool with_tables) {
	std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\" "
	                  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	                  "xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" "
	                  "xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\" "
	                  "xmlns:tr=\"http://www.ivoa.net/xml/TAPRegExt/v1.0\" "
	                  "xmlns:cs=\"http://www.ivoa.net/xml/ConeSearch/v1.0\" "
	                  "xmlns:sia=\"http://www.ivoa.net/xml/SIA/v1.1\">\n";
	for (auto& c : capabilities)
		out += c;
	out += simple_capability("ivo://ivoa.net/std/VOSI#capabilities", base_url + "/capabilities");
	out += simple_capability("ivo://ivoa.net/std/VOSI#availability", base_url + "/availability");
	if (with_tables) out += simple_capability("ivo://ivoa.net/std/VOSI#tables", base_url + "/tables");
	out += "</vosi:capabilities>\n";
	return out;
}

} // namespace meles::services::vosi
