#include "meles/rd/parse/lint.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/common/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace meles::rd {

const std::vector<std::string>& known_renderers() {
	// DaCHS 2.7's renderer names (docs: rd-language.md §1.8).
	static const std::vector<std::string> names = {
	    "form",         "docform",      "scs.xml",  "siap.xml",  "siap2.xml", "ssap.xml", "slap.xml",
	    "dlmeta",       "dlget",        "dlasync",  "tap",       "sync",      "async",    "uws.xml",
	    "upload",       "mupload",      "qp",       "static",    "fixed",     "examples", "api",
	    "dali",         "get",          "info",     "tableinfo", "tablenote", "tables",   "tableMetadata",
	    "capabilities", "availability", "coverage", "edition",   "howtocite", "rdinfo",   "pubreg.xml",
	    "oai.xml",      "external",     "custom",   "volatile",  "admin",     "soap",     "hips",
	    "img.jpeg",     "mimg.jpeg"};
	return names;
}

const std::vector<std::string>& known_meta_keys() {
	// The keys DaCHS's RDs, templates and registry records use (RMI names and DaCHS's own
	// underscore keys).  Free keys are allowed; only near misses of these are reported.
	static const std::vector<std::string> keys = {"title",
	                                              "shortName",
	                                              "description",
	                                              "creationDate",
	                                              "_dataUpdated",
	                                              "_metadataUpdated",
	                                              "subject",
	                                              "creator",
	                                              "creator.name",
	                                              "creator.logo",
	                                              "creator.altIdentifier",
	                                              "contributor",
	                                              "publisher",
	                                              "publisherID",
	                                              "contact",
	                                              "contact.name",
	                                              "contact.email",
	                                              "contact.address",
	                                              "contact.telephone",
	                                              "contact.altIdentifier",
	                                              "referenceURL",
	                                              "source",
	                                              "rights",
	                                              "rights.rightsURI",
	                                              "type",
	                                              "contentLevel",
	                                              "facility",
	                                              "instrument",
	                                              "coverage",
	                                              "coverage.waveband",
	                                              "coverage.regionOfRegard",
	                                              "coverage.profile",
	                                              "coverage.spatial",
	                                              "coverage.temporal",
	                                              "coverage.spectral",
	                                              "identifier",
	                                              "doi",
	                                              "version",
	                                              "utype",
	                                              "sia.type",
	                                              "testQuery",
	                                              "testQuery.pos.ra",
	                                              "testQuery.pos.dec",
	                                              "testQuery.size.ra",
	                                              "testQuery.size.dec",
	                                              "testQuery.ra",
	                                              "testQuery.dec",
	                                              "testQuery.sr",
	                                              "ssap.dataSource",
	                                              "ssap.creationType",
	                                              "ssap.complianceLevel",
	                                              "ssap.testQuery",
	                                              "productType",
	                                              "_associatedDatalinkService",
	                                              "_associatedDatalinkService.serviceId",
	                                              "_associatedDatalinkService.idColumn",
	                                              "_longdoc",
	                                              "_example",
	                                              "schema-rank",
	                                              "table-rank",
	                                              "_news",
	                                              "_related",
	                                              "_intro",
	                                              "_bottominfo",
	                                              "_infolink",
	                                              "_plainUI",
	                                              "_noresultwarning",
	                                              "_copyright",
	                                              "_legal",
	                                              "_type",
	                                              "_hidden",
	                                              "logo",
	                                              "howtocite",
	                                              "superseded",
	                                              "date",
	                                              "dateUpdated",
	                                              "datePublished",
	                                              "altIdentifier",
	                                              "resolutionTime",
	                                              "uniqueness",
	                                              "waveband",
	                                              "isServedBy",
	                                              "isServiceFor",
	                                              "isSupplementTo",
	                                              "isSupplementedBy",
	                                              "isDerivedFrom",
	                                              "isSourceOf",
	                                              "isIdenticalTo",
	                                              "cites",
	                                              "isCitedBy",
	                                              "isPartOf",
	                                              "hasPart",
	                                              "isContinuedBy",
	                                              "continues",
	                                              "isNewVersionOf",
	                                              "isPreviousVersionOf",
	                                              "mirrorURL",
	                                              "managingOrg",
	                                              "authority",
	                                              "format",
	                                              "referenceURL",
	                                              "supportsModel",
	                                              "supportsModel.ivoId",
	                                              "dataModel",
	                                              "note",
	                                              "inputsDir",
	                                              "tableType"};
	return keys;
}

namespace {

bool atom_char(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

bool is_ucd1(std::string_view ucd) {
	// Old UCD1 names (POS_EQ_RA_MAIN, PHOT_JHN_V): capitals, digits and underscores.
	if (ucd.empty()) return false;
	for (char c : ucd)
		if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
		      c == '_'))
			return false;
	return true;
}

void lint_meta(const MetaBag& bag, const std::string& prefix, Diagnostics& diags) {
	for (auto& [name, values] : bag.entries()) {
		std::string key = prefix.empty() ? name : prefix + "." + name;
		const auto& known = known_meta_keys();
		bool is_known = std::find(known.begin(), known.end(), key) != known.end();
		bool under_unknown = false;
		if (!is_known) {
			Suggester s(key, std::max<size_t>(1, std::min<size_t>(2, key.size() / 4)));
			for (auto& k : known)
				s.offer(k);
			if (!s.best().empty() && !values.empty())
				diags.warning(concat("unknown meta key '", key, "'", s.suffix(),
				                     s.distance() == 0 ? " (meta keys are case-sensitive)" : ""),
				              values.front().pos);
			// Children of an unknown key are the author's own structure.
			under_unknown = true;
		}
		if (under_unknown) continue;
		for (auto& v : values)
			lint_meta(v.children, key, diags);
	}
}

void lint_ucd(const ColumnMeta& m, const SourcePos& pos, std::string_view what, const std::string& table,
              const UcdWords& words, Diagnostics& diags) {
	if (m.ucd.empty()) return;
	std::string problem = ucd_problem(m.ucd, words);
	if (!problem.empty())
		diags.warning(concat("UCD '", m.ucd, "' of ", what, " '", m.name, "' (table '", table,
		                     "') is not well-formed: ", problem),
		              pos);
}

} // namespace

std::string ucd_problem(std::string_view ucd, const UcdWords& words) {
	std::string_view u = trim(ucd);
	if (is_ucd1(u)) return {};
	if (u.empty()) return "it is empty";
	auto parts = split(u, ';');
	for (size_t i = 0; i < parts.size(); ++i) {
		std::string_view w = parts[i];
		if (w.empty())
			return i + 1 == parts.size() ? "it ends with ';'"
			                             : "it has an empty word (';;' or a leading ';')";
		if (w != trim(w))
			return concat("word '", w, "' has blanks around it (UCD words are joined by ';' alone)");
		// An optional namespace prefix: "ivoa:pos.eq.ra", "custom:x".
		std::string_view body = w;
		if (auto colon = w.find(':'); colon != std::string_view::npos) {
			std::string_view ns = w.substr(0, colon);
			if (ns.empty() || !std::all_of(ns.begin(), ns.end(), atom_char))
				return concat("word '", w, "' has a malformed namespace prefix");
			body = w.substr(colon + 1);
		}
		for (char c : body)
			if (!atom_char(c) && c != '.')
				return concat("word '", w, "' contains '", std::string(1, c),
				              "' (UCD words are letters, digits, '-' and '_' in atoms joined by '.')");
		if (body.empty() || body.front() == '.' || body.back() == '.' ||
		    body.find("..") != std::string_view::npos)
			return concat("word '", w, "' has an empty atom");
		if (words && body.size() == w.size()) {
			std::string lower = to_lower(body);
			if (auto known = words(lower); known && !*known) return concat("'", w, "' is not a UCD1+ word");
		}
	}
	return {};
}

void lint_resource(const Resource& rd, Diagnostics& diags, const UcdWords& ucd_words) {
	lint_meta(rd.meta, "", diags);
	for (auto& t : rd.tables) {
		lint_meta(t.meta, "", diags);
		for (auto& c : t.columns)
			lint_ucd(c.meta, c.pos.line ? c.pos : t.pos, "column", t.id, ucd_words, diags);
		for (auto& p : t.params)
			lint_ucd(p.column.meta, p.column.pos.line ? p.column.pos : t.pos, "param", t.id, ucd_words,
			         diags);
	}
	for (auto& d : rd.data)
		lint_meta(d.meta, "", diags);
	const auto& renderers = known_renderers();
	for (auto& s : rd.services) {
		lint_meta(s.meta, "", diags);
		for (auto& r : s.allowed) {
			if (std::find(renderers.begin(), renderers.end(), r) != renderers.end()) continue;
			Suggester sug(r, std::max<size_t>(2, r.size() / 3));
			for (auto& k : renderers)
				sug.offer(k);
			diags.error(ErrorKind::Name,
			            concat("service '", s.id, "' allows renderer '", r, "', which does not exist",
			                   sug.suffix(),
			                   "; renderers: form, scs.xml, tap, siap.xml, ssap.xml, dlget, dlmeta, ..."),
			            s.pos);
		}
	}
}

} // namespace meles::rd
