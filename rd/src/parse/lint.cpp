#include "meles/rd/parse/lint.hpp"

#include "meles/core/adql/identifiers.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/suggest.hpp"
#include "meles/core/common/time.hpp"
#include "meles/core/common/ucd.hpp"
#include "meles/core/common/vounit.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>

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
	// clang-format off
	static const std::vector<std::string> keys = {
	    "title", "shortName", "description", "creationDate", "_dataUpdated", "_metadataUpdated", "subject",
	    "creator", "creator.name", "creator.logo", "creator.altIdentifier", "contributor", "publisher",
	    "publisherID", "contact", "contact.name", "contact.email", "contact.address", "contact.telephone",
	    "contact.altIdentifier", "referenceURL", "source", "rights", "rights.rightsURI", "type", "contentLevel",
	    "facility", "instrument", "coverage", "coverage.waveband", "coverage.regionOfRegard", "coverage.profile",
	    "coverage.spatial", "coverage.temporal", "coverage.spectral", "identifier", "doi", "version", "utype",
	    "sia.type", "testQuery", "testQuery.pos.ra", "testQuery.pos.dec", "testQuery.size.ra",
	    "testQuery.size.dec", "testQuery.ra", "testQuery.dec", "testQuery.sr", "ssap.dataSource",
	    "ssap.creationType", "ssap.complianceLevel", "ssap.testQuery", "productType",
	    "_associatedDatalinkService", "_associatedDatalinkService.serviceId",
	    "_associatedDatalinkService.idColumn", "_longdoc", "_example", "schema-rank", "table-rank", "_news",
	    "_related", "_intro", "_bottominfo", "_infolink", "_plainUI", "_noresultwarning", "_copyright", "_legal",
	    "_type", "_hidden", "logo", "howtocite", "superseded", "date", "dateUpdated", "datePublished",
	    "altIdentifier", "resolutionTime", "uniqueness", "waveband", "isServedBy", "isServiceFor",
	    "isSupplementTo", "isSupplementedBy", "isDerivedFrom", "isSourceOf", "isIdenticalTo", "cites",
	    "isCitedBy", "isPartOf", "hasPart", "isContinuedBy", "continues", "isNewVersionOf",
	    "isPreviousVersionOf", "mirrorURL", "managingOrg", "authority", "format", "referenceURL",
	    "supportsModel", "supportsModel.ivoId", "dataModel", "note", "inputsDir", "tableType", "copyright"};
	// clang-format on
	return keys;
}

namespace {

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

// UCDs as DaCHS 2.7 judges them (astropy's UCD1+ check): warnings, the table still works.
void lint_ucd(const ColumnMeta& m, const SourcePos& pos, std::string_view what, const std::string& table,
              Diagnostics& diags) {
	std::string problem = ucd_problem(m.ucd);
	if (!problem.empty())
		diags.warning(concat("UCD '", m.ucd, "' of ", what, " '", m.name, "' (table ", table,
		                     ") is not valid UCD1+: ", problem),
		              pos);
}

// Units as DaCHS 2.7 judges them: a column unit that is no VOUnit is an error (VOTable clients
// and DaCHS refuse it), one with symbols VOUnits does not know a warning.  Params are not
// checked by DaCHS; theirs are only warned about.
void lint_unit(const ColumnMeta& m, const SourcePos& pos, std::string_view what, const std::string& table,
               Diagnostics& diags) {
	if (m.unit.empty()) return;
	VoUnitCheck check = check_vounit(m.unit);
	std::string where = concat(" of ", what, " '", m.name, "' (table ", table, ")");
	if (!check.valid) {
		std::string message = concat("unit '", m.unit, "'", where, " is not a VOUnit: ", check.error);
		if (what == "column")
			diags.error(ErrorKind::Validation, message, pos);
		else
			diags.warning(message, pos);
	} else if (!check.unrecognised.empty()) {
		diags.warning(concat("unit '", m.unit, "'", where,
		                     " uses what VOUnits does not know, so clients may not "
		                     "understand it: ",
		                     join(check.unrecognised, ", ")),
		              pos);
	}
}

// DaCHS refuses to load an RD whose coverage intervals are not pairs of numbers (Joule for
// spectral, MJD or ISO timestamps for temporal), lower first.
void lint_coverage(const Resource& rd, Diagnostics& diags) {
	if (!rd.coverage) return;
	auto check = [&](std::string_view what, const std::string& text, bool dates) {
		if (text.empty()) return;
		auto fields = split_list(text, ' ');
		auto number = [&](const std::string& f) -> std::optional<double> {
			char* end = nullptr;
			double v = std::strtod(f.c_str(), &end);
			if (end && *end == '\0' && end != f.c_str()) return v;
			if (dates)
				if (auto t = parse_iso(f))
					return std::chrono::duration<double>(t->time_since_epoch()).count();
			return std::nullopt;
		};
		bool ok = fields.size() % 2 == 0;
		for (size_t i = 0; ok && i < fields.size(); i += 2) {
			auto lo = number(fields[i]), hi = number(fields[i + 1]);
			ok = lo && hi && *lo <= *hi;
		}
		if (!ok)
			diags.error(
			    ErrorKind::Validation,
			    concat("coverage ", what, " '", text,
			           "' is not an interval: two numbers separated by a blank, the lower first (",
			           dates ? "MJD or ISO timestamps" : "photon energies in J, as in 3.3e-19 6.1e-19", ")"),
			    rd.coverage->pos);
	};
	check("spectral", rd.coverage->spectral, false);
	check("temporal", rd.coverage->temporal, true);
}

// One metadata requirement of DaCHS's: the key must be there (along the meta chain, or on the
// element itself), and with `atomic` have exactly one value.
struct MetaRequirement {
	std::string_view key;
	bool atomic;
	bool on_self = false;
};

std::vector<std::string> missing_meta(const Resource& rd, const MetaBag& own,
                                      const std::vector<MetaRequirement>& requirements) {
	std::vector<std::string> failures;
	for (auto& req : requirements) {
		size_t values = 0;
		if (req.on_self) {
			values = own.all(req.key).size();
		} else {
			for (auto* bag : rd.meta_chain(&own).bags)
				if (bag && (values = bag->all(req.key).size()) > 0) break;
		}
		if (values == 0)
			failures.push_back(concat(req.key, " is missing"));
		else if (req.atomic && values > 1)
			failures.push_back(concat(req.key, " has ", std::to_string(values), " values (one is wanted)"));
	}
	return failures;
}

// The metadata DaCHS 2.7 requires (its metaModel of tables, data and services): of every
// table, and of what is published to the Registry.  referenceURL, also required, always has a
// default (the info page).  System RDs are Meles's own and not judged.
void lint_required_meta(const Resource& rd, Diagnostics& diags) {
	if (rd.is_system) return;
	auto report = [&](std::string_view what, const std::string& id, const SourcePos& pos,
	                  const std::vector<std::string>& failures) {
		if (failures.empty()) return;
		diags.error(ErrorKind::Validation,
		            concat(what, " '", id, "' lacks metadata DaCHS requires: ", join(failures, ", "),
		                   " (give it as <meta> on the ", what, " or the RD",
		                   what == "service" ? "; shortName on the service itself)" : ")"),
		            pos);
	};
	// metaModel of DaCHS's tables; what is published (a Registry record) also needs a title.
	const std::vector<MetaRequirement> table{
	    {"creationDate", true}, {"description", true}, {"subject", false}};
	std::vector<MetaRequirement> published = table;
	published.insert(published.begin(), {"title", true});
	std::vector<MetaRequirement> service = published;
	service.push_back({"shortName", true, true});
	for (auto& t : rd.tables)
		report("table", t.id, t.pos, missing_meta(rd, t.meta, t.publish.empty() ? table : published));
	for (auto& d : rd.data)
		if (!d.publish.empty()) report("data", d.id, d.pos, missing_meta(rd, d.meta, published));
	for (auto& s : rd.services)
		if (!s.publish.empty()) report("service", s.id, s.pos, missing_meta(rd, s.meta, service));
}

} // namespace

void lint_resource(const Resource& rd, Diagnostics& diags) {
	lint_meta(rd.meta, "", diags);
	lint_required_meta(rd, diags);
	lint_coverage(rd, diags);
	for (auto& t : rd.tables) {
		lint_meta(t.meta, "", diags);
		std::string table = t.qualified_name();
		for (auto& c : t.columns) {
			const SourcePos& pos = c.pos.line ? c.pos : t.pos;
			lint_unit(c.meta, pos, "column", table, diags);
			lint_ucd(c.meta, pos, "column", table, diags);
			// DaCHS warns about these (not about a leading '_', which PostgreSQL takes as well).
			if (!c.meta.delimited && adql::is_reserved_word(c.meta.name))
				diags.warning(
				    concat("column '", c.meta.name, "' (table ", table,
				           ") is named like an ADQL/SQL reserved word, so ADQL queries must put it in double "
				           "quotes; rename it (or write quoted/",
				           c.meta.name, " to say that it is meant)"),
				    pos);
		}
		for (auto& p : t.params) {
			const SourcePos& pos = p.column.pos.line ? p.column.pos : t.pos;
			lint_unit(p.column.meta, pos, "param", table, diags);
			lint_ucd(p.column.meta, pos, "param", table, diags);
		}
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
