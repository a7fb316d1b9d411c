#include "meles/services/registry/record_builder.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/limits/limits.hpp"
#include "meles/rd/registry/vocabularies.hpp"
#include "meles/services/rdsvc/info_pages.hpp"
#include "meles/services/registry/capabilities.hpp"
#include "meles/services/tap/vs_tables.hpp"
#include "meles/services/vosi/vosi.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>
#include <set>

namespace meles::services::registry {

using rd::registry::MetaProblem;
using rd::registry::ResourceMeta;

namespace {

// Declared on every record, so that a record cut out of an OAI-PMH response stands alone.
// The SIA and SSA prefixes are for the capabilities those protocols will add.
constexpr const char* kNamespaces = " xmlns:ri=\"http://www.ivoa.net/xml/RegistryInterface/v1.0\""
                                    " xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\""
                                    " xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\""
                                    " xmlns:vg=\"http://www.ivoa.net/xml/VORegistry/v1.0\""
                                    " xmlns:tr=\"http://www.ivoa.net/xml/TAPRegExt/v1.0\""
                                    " xmlns:cs=\"http://www.ivoa.net/xml/ConeSearch/v1.0\""
                                    " xmlns:sia=\"http://www.ivoa.net/xml/SIA/v1.1\""
                                    " xmlns:ssa=\"http://www.ivoa.net/xml/SSA/v1.1\""
                                    " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

std::string esc(std::string_view s) {
	return xml_escape(s);
}

std::string num(double v) {
	char buf[32];
	std::snprintf(buf, sizeof buf, "%.17g", v);
	return buf;
}

struct Relationship {
	std::string type, ivoid, title;
};

// What one record is made of; render_vor and render_dc write it.
struct RecordParts {
	std::string type; // xsi:type
	ResourceMeta meta;
	std::string ivoid;
	std::string reference_url;
	std::vector<Relationship> relationships;
	bool service = true;       // vr:Service or derived: may carry rights and capabilities
	bool data_resource = true; // vs:DataResource or derived: facility, instrument, coverage
	std::string capabilities;
	std::optional<rd::limits::Coverage> coverage;
	std::string tableset;
	std::string tail; // what the type adds at the end (vg:Registry, vg:Authority)
};

std::string render_vor(const RecordParts& p) {
	const ResourceMeta& m = p.meta;
	std::string o =
	    concat("<ri:Resource", kNamespaces, " xsi:type=\"", p.type, "\" created=\"", m.created,
	           "\" updated=\"", rd::registry::kUpdatedPlaceholder, "\" status=\"active\" version=\"1.1\">\n");
	o += concat("  <title>", esc(m.title), "</title>\n");
	if (!m.short_name.empty()) o += concat("  <shortName>", esc(m.short_name), "</shortName>\n");
	o += concat("  <identifier>", esc(p.ivoid), "</identifier>\n");
	o += "  <curation>\n";
	o += m.publisher_id.empty() ? concat("    <publisher>", esc(m.publisher), "</publisher>\n")
	                            : concat("    <publisher ivo-id=\"", esc(m.publisher_id), "\">",
	                                     esc(m.publisher), "</publisher>\n");
	for (size_t i = 0; i < m.creators.size(); ++i) {
		o += concat("    <creator>\n      <name>", esc(m.creators[i]), "</name>\n");
		if (i == 0 && !m.creator_logo.empty()) o += concat("      <logo>", esc(m.creator_logo), "</logo>\n");
		o += "    </creator>\n";
	}
	for (auto& c : m.contributors)
		o += concat("    <contributor>", esc(c), "</contributor>\n");
	o += concat("    <date role=\"Created\">", m.created, "</date>\n");
	if (!m.version.empty()) o += concat("    <version>", esc(m.version), "</version>\n");
	o += concat("    <contact>\n      <name>", esc(m.contact_name), "</name>\n");
	if (!m.contact_address.empty()) o += concat("      <address>", esc(m.contact_address), "</address>\n");
	if (!m.contact_email.empty()) o += concat("      <email>", esc(m.contact_email), "</email>\n");
	if (!m.contact_telephone.empty())
		o += concat("      <telephone>", esc(m.contact_telephone), "</telephone>\n");
	o += "    </contact>\n  </curation>\n  <content>\n";
	for (auto& s : m.subjects)
		o += concat("    <subject>", esc(s), "</subject>\n");
	o += concat("    <description>", esc(m.description), "</description>\n");
	if (!m.source.empty())
		o += m.source_format.empty()
		         ? concat("    <source>", esc(m.source), "</source>\n")
		         : concat("    <source format=\"", m.source_format, "\">", esc(m.source), "</source>\n");
	o += concat("    <referenceURL>", esc(p.reference_url), "</referenceURL>\n");
	for (auto& t : m.types)
		o += concat("    <type>", esc(t), "</type>\n");
	for (auto& l : m.content_levels)
		o += concat("    <contentLevel>", esc(l), "</contentLevel>\n");
	// one relationship element per type, each related resource once
	std::vector<std::string> types;
	for (auto& r : p.relationships)
		if (std::find(types.begin(), types.end(), r.type) == types.end()) types.push_back(r.type);
	for (auto& type : types) {
		o += concat("    <relationship>\n      <relationshipType>", type, "</relationshipType>\n");
		std::set<std::string> seen;
		for (auto& r : p.relationships)
			if (r.type == type && seen.insert(rd::registry::record_key(r.ivoid)).second)
				o += concat("      <relatedResource ivo-id=\"", esc(r.ivoid), "\">", esc(r.title),
				            "</relatedResource>\n");
		o += "    </relationship>\n";
	}
	o += "  </content>\n";
	if (p.service) {
		if (!m.rights.empty() || !m.rights_uri.empty())
			o += m.rights_uri.empty() ? concat("  <rights>", esc(m.rights), "</rights>\n")
			                          : concat("  <rights rightsURI=\"", esc(m.rights_uri), "\">",
			                                   esc(m.rights), "</rights>\n");
		o += p.capabilities;
	}
	if (p.data_resource) {
		for (auto& f : m.facilities)
			o += concat("  <facility>", esc(f), "</facility>\n");
		for (auto& i : m.instruments)
			o += concat("  <instrument>", esc(i), "</instrument>\n");
		bool any = p.coverage || !m.wavebands.empty();
		if (any) {
			o += "  <coverage>\n";
			if (p.coverage && p.coverage->spatial)
				o += concat("    <spatial>", esc(p.coverage->spatial->to_ascii()), "</spatial>\n");
			if (p.coverage) {
				for (auto& [a, b] : p.coverage->temporal)
					o += concat("    <temporal>", num(a), " ", num(b), "</temporal>\n");
				for (auto& [a, b] : p.coverage->spectral)
					o += concat("    <spectral>", num(a), " ", num(b), "</spectral>\n");
			}
			for (auto& w : m.wavebands)
				o += concat("    <waveband>", esc(w), "</waveband>\n");
			o += "  </coverage>\n";
		}
		o += p.tableset;
	}
	o += p.tail;
	o += "</ri:Resource>";
	return o;
}

std::string render_dc(const RecordParts& p) {
	const ResourceMeta& m = p.meta;
	std::string o = "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
	                "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n";
	auto el = [&o](std::string_view name, std::string_view value) {
		if (!value.empty()) o += concat("  <dc:", name, ">", esc(value), "</dc:", name, ">\n");
	};
	el("title", m.title);
	el("identifier", p.ivoid);
	el("identifier", p.reference_url);
	for (auto& c : m.creators)
		el("creator", c);
	for (auto& c : m.contributors)
		el("contributor", c);
	for (auto& s : m.subjects)
		el("subject", s);
	el("description", m.description);
	el("publisher", m.publisher);
	el("date", m.created);
	for (auto& t : m.types)
		el("type", t);
	el("rights", m.rights.empty() ? m.rights_uri : m.rights);
	el("source", m.source);
	o += "</oai_dc:dc>";
	return o;
}

// setSpec syntax of OAI-PMH 2.0
bool valid_set(std::string_view s) {
	static const std::regex re(R"(([A-Za-z0-9\-_\.!~\*'\(\)])+(:[A-Za-z0-9\-_\.!~\*'\(\)]+)*)");
	return !s.empty() && s.size() <= 200 && std::regex_match(s.begin(), s.end(), re);
}

// vs:TableSet of the tables, grouped by schema (name order).
std::string tableset_xml(const std::vector<const tap::TapTable*>& tables,
                         const std::map<std::string, std::string>& schema_descriptions) {
	if (tables.empty()) return "";
	std::map<std::string, std::vector<const tap::TapTable*>> by_schema;
	for (auto* t : tables)
		by_schema[t->entry->schema].push_back(t);
	std::string o = "  <tableset>\n";
	for (auto& [schema, list] : by_schema) {
		o += concat("    <schema>\n      <name>", esc(schema), "</name>\n");
		if (auto d = schema_descriptions.find(schema); d != schema_descriptions.end() && !d->second.empty())
			o += concat("      <description>", esc(d->second), "</description>\n");
		for (auto* t : list)
			o += tap::vs_table(*t, true, "      ");
		o += "    </schema>\n";
	}
	return o + "  </tableset>\n";
}

class Builder {
public:
	Builder(const BuildInput& in, const rd::Resource& rd)
	    : in_(in), rd_(rd), server_(in.config.server_url()) {}

	Built build() {
		// Identifiers first: relationships between the RD's records need them.
		for (auto& s : rd_.services)
			if (!s.publish.empty()) service_ids_[s.id] = identifier(s.meta, s.id);
		for (auto& t : rd_.tables)
			if (!t.publish.empty()) table_ids_[t.id] = identifier(t.meta, t.id);
		for (auto& s : rd_.services)
			if (!s.publish.empty()) service(s);
		for (auto& t : rd_.tables)
			if (!t.publish.empty()) table(t);
		for (auto& d : rd_.data)
			if (!d.publish.empty()) data(d);
		return std::move(out_);
	}

private:
	const BuildInput& in_;
	const rd::Resource& rd_;
	std::string server_;
	Built out_;
	std::map<std::string, std::string> service_ids_, table_ids_;
	std::optional<std::optional<rd::limits::Coverage>> coverage_;

	void problem(const SourcePos& pos, std::string message) {
		out_.problems.push_back({pos, std::move(message)});
	}

	std::string identifier(const rd::MetaBag& meta, const std::string& id) {
		auto own = normalize_space(meta.text("identifier").value_or(""));
		if (!own.empty()) return own;
		return rd::registry::ivoid_for(in_.config.get("ivoa", "authority"), rd_.rd_id, id);
	}

	const std::optional<rd::limits::Coverage>& coverage() {
		if (!coverage_) {
			try {
				coverage_ = rd::limits::effective_coverage(in_.conn, rd_);
			} catch (const Error& e) {
				problem(e.pos() ? *e.pos() : rd_.coverage ? rd_.coverage->pos : SourcePos{}, e.message());
				coverage_ = std::optional<rd::limits::Coverage>();
			}
		}
		return *coverage_;
	}

	// The table as imported, or a problem saying it is not.
	const tap::TapTable* imported(const rd::TableDef& t, const SourcePos& where, const std::string& what) {
		const tap::TapTable* found = in_.tables->find(to_lower(t.qualified_name()));
		if (!found)
			problem(where, concat(what, ": table ", t.qualified_name(),
			                      " is not in the database (run meles imp ", t.rd_id, " first)"));
		return found;
	}

	std::vector<std::string> sets_of(const std::vector<rd::PublishDef>& publish, const std::string& what) {
		std::vector<std::string> sets;
		for (auto& p : publish)
			for (auto& s : p.sets) {
				if (!valid_set(s)) {
					problem(p.pos, concat(what, ": '", s,
					                      "' is not an OAI-PMH set name (letters, digits and -_.!~*'() )"));
					continue;
				}
				if (std::find(sets.begin(), sets.end(), s) == sets.end()) sets.push_back(s);
			}
		return sets;
	}

	std::string tap_aux() const {
		return concat("  <capability standardID=\"ivo://ivoa.net/std/TAP#aux\">\n"
		              "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"1.1\">\n      "
		              "<accessURL use=\"base\">",
		              esc(server_ + "/tap"), "</accessURL>\n    </interface>\n  </capability>\n");
	}

	std::string tap_ivoid() const { return concat("ivo://", in_.config.get("ivoa", "authority"), "/tap"); }

	// A table without a title of its own would carry its RD's, like every other table of the
	// RD: its name tells them apart in registry searches.
	std::string table_title(const rd::TableDef& t) const {
		std::string title = normalize_space(rd_.meta_text("title", &t.meta));
		if (t.meta.has("title") || title.empty()) return title;
		return concat(title, " (table ", t.qualified_name(), ")");
	}

	// Where a table's human-readable description is: its info page when TAP serves it (only
	// those have one), else the info page of a service of the RD querying it, else the root page.
	std::string table_reference(const rd::TableDef& t) const {
		if (t.on_disk && t.adql != rd::AdqlAccess::No) return table_info_url(server_, t.qualified_name());
		for (auto& s : rd_.services)
			if (s.core && s.core->queried_table.table_id == t.id && s.core->queried_table.rd_id == rd_.rd_id)
				return concat(server_, "/", rd_.rd_id, "/", s.id, "/info");
		return server_ + "/";
	}

	void finish(RecordParts& p, const std::string& res_id, std::vector<std::string> sets) {
		if (sets.empty()) return;
		rd::registry::RecordToStore r;
		r.ivoid = p.ivoid;
		r.rd_id = rd_.rd_id;
		r.res_id = res_id;
		r.res_type = p.type;
		r.title = p.meta.title;
		r.sets = std::move(sets);
		r.ivo_vor = render_vor(p);
		r.oai_dc = render_dc(p);
		out_.records.push_back(std::move(r));
	}

	void service(const rd::ServiceDef& s) {
		std::string what = concat("service '", s.id, "'");
		size_t before = out_.problems.size();
		RecordParts p;
		p.ivoid = service_ids_[s.id];
		// System RDs cannot know when a site began offering them: the first publication says.
		rd::MetaBag meta = s.meta;
		if (rd_.is_system && !rd_.meta_chain(&s.meta).first("creationDate")) {
			auto first = rd::registry::first_published(in_.conn, p.ivoid);
			rd::MetaValue v;
			v.content = format_iso(first ? *first : std::chrono::system_clock::now());
			meta.add("creationDate", std::move(v));
		}
		p.meta = rd::registry::gather_meta(rd_, &meta, what, s.pos, out_.problems);
		p.reference_url = p.meta.reference_url.empty() ? concat(server_, "/", rd_.rd_id, "/", s.id, "/info")
		                                               : p.meta.reference_url;
		std::string service_url = concat(server_, "/", rd_.rd_id, "/", s.id);
		CapabilitySite site{in_.config, rd_, s, service_url, server_};
		std::vector<std::string> renderers;
		for (auto& pub : s.publish) {
			if (pub.render.empty())
				problem(pub.pos, concat(what, ": <publish> names no renderer (render=\"",
				                        join(s.allowed, ","), "\")"));
			for (auto& r : pub.render) {
				if (std::find(renderers.begin(), renderers.end(), r) != renderers.end()) continue;
				const RendererCapability* cap = find_renderer_capability(r);
				if (std::find(s.allowed.begin(), s.allowed.end(), r) == s.allowed.end() &&
				    !(cap && cap->lists_tap_tables))
					problem(pub.pos,
					        concat(what, ": publishes renderer '", r,
					               "', which it does not allow (allowed=\"", join(s.allowed, ","), "\")"));
				else if (!cap)
					problem(pub.pos, concat(what, ": renderer '", r,
					                        "' cannot be published by this version of Meles (it can: ",
					                        join(publishable_renderers(), ", "), ")"));
				else if (auto why = cap->unusable(s); !why.empty())
					problem(pub.pos, concat(what, ": renderer '", r, "': ", why));
				else
					renderers.push_back(r);
			}
		}
		auto sets = sets_of(s.publish, what);
		bool lists_tap = false;
		std::string vosi_base = service_url;
		for (auto& r : renderers) {
			auto* cap = find_renderer_capability(r);
			p.capabilities += cap->write(site);
			if (cap->lists_tap_tables) lists_tap = true;
			if (cap->vosi_base) vosi_base = cap->vosi_base(site);
		}
		std::vector<const tap::TapTable*> tables;
		std::map<std::string, std::string> schema_desc;
		if (lists_tap) {
			for (auto& sc : in_.tables->schemas) {
				schema_desc[sc.name] = sc.description;
				for (auto* t : sc.tables)
					tables.push_back(t);
			}
		} else if (s.core && !s.core->queried_table.empty()) {
			try {
				auto resolved = in_.store.resolve_table(s.core->queried_table);
				if (auto* t = imported(*resolved.table, s.pos, what)) {
					tables.push_back(t);
					schema_desc[t->entry->schema] = normalize_space(resolved.rd->meta_text("description"));
					if (t->adql) {
						p.capabilities += tap_aux();
						p.relationships.push_back({"IsServedBy", tap_ivoid(), "the TAP service"});
					}
				}
				if (resolved.rd->rd_id == rd_.rd_id)
					if (auto it = table_ids_.find(resolved.table->id); it != table_ids_.end())
						p.relationships.push_back({"IsServiceFor", it->second, table_title(*resolved.table)});
			} catch (const Error& e) {
				problem(s.pos, concat(what, ": ", e.message()));
			}
		}
		p.capabilities +=
		    vosi::simple_capability("ivo://ivoa.net/std/VOSI#availability", vosi_base + "/availability");
		p.capabilities +=
		    vosi::simple_capability("ivo://ivoa.net/std/VOSI#capabilities", vosi_base + "/capabilities");
		if (lists_tap)
			p.capabilities +=
			    vosi::simple_capability("ivo://ivoa.net/std/VOSI#tables", vosi_base + "/tables");
		p.type = tables.empty() && !lists_tap ? "vs:DataService" : "vs:CatalogService";
		p.coverage = lists_tap ? std::nullopt : coverage();
		p.tableset = tableset_xml(tables, schema_desc);
		if (out_.problems.size() == before) finish(p, s.id, sets);
	}

	void table(const rd::TableDef& t) {
		std::string what = concat("table '", t.id, "'");
		size_t before = out_.problems.size();
		RecordParts p;
		p.type = "vs:CatalogResource";
		p.meta = rd::registry::gather_meta(rd_, &t.meta, what, t.pos, out_.problems);
		p.meta.title = table_title(t);
		p.ivoid = table_ids_[t.id];
		p.reference_url = p.meta.reference_url.empty() ? table_reference(t) : p.meta.reference_url;
		auto sets = sets_of(t.publish, what);
		const tap::TapTable* found = imported(t, t.pos, what);
		if (found && found->adql) {
			p.capabilities += tap_aux();
			p.relationships.push_back({"IsServedBy", tap_ivoid(), "the TAP service"});
		}
		for (auto& pub : t.publish) {
			if (pub.service.empty()) continue;
			auto it = service_ids_.find(pub.service);
			if (it == service_ids_.end())
				problem(pub.pos, concat(what, ": <publish service=\"", pub.service,
				                        "\"> names no published service of this RD"));
			else
				p.relationships.push_back(
				    {"IsServedBy", it->second,
				     normalize_space(rd_.meta_text("title", &rd_.find_service(pub.service)->meta))});
		}
		for (auto& s : rd_.services)
			if (s.core && s.core->queried_table.table_id == t.id && s.core->queried_table.rd_id == rd_.rd_id)
				if (auto it = service_ids_.find(s.id); it != service_ids_.end())
					p.relationships.push_back(
					    {"IsServedBy", it->second, normalize_space(rd_.meta_text("title", &s.meta))});
		p.coverage = coverage();
		if (found)
			p.tableset = tableset_xml(
			    {found}, {{found->entry->schema, normalize_space(rd_.meta_text("description"))}});
		if (out_.problems.size() == before) finish(p, t.id, sets);
	}

	void data(const rd::DataDesc& d) {
		std::string what = concat("data '", d.id, "'");
		size_t before = out_.problems.size();
		RecordParts p;
		p.type = "vs:CatalogResource";
		p.meta = rd::registry::gather_meta(rd_, &d.meta, what, d.pos, out_.problems);
		if (d.id.empty())
			problem(d.pos, concat(what, ": a published data element needs an id (it makes the identifier)"));
		p.ivoid = identifier(d.meta, d.id);
		p.reference_url = p.meta.reference_url.empty() ? server_ + "/" : p.meta.reference_url;
		auto sets = sets_of(d.publish, what);
		std::vector<const tap::TapTable*> tables;
		bool adql = false;
		for (auto& mk : d.makes) {
			if (mk.table.empty()) continue;
			try {
				auto resolved = in_.store.resolve_table(mk.table);
				if (!resolved.table->on_disk) continue;
				if (auto* t = imported(*resolved.table, d.pos, what)) {
					tables.push_back(t);
					adql = adql || t->adql;
				}
			} catch (const Error& e) {
				problem(d.pos, concat(what, ": ", e.message()));
			}
		}
		if (adql) {
			p.capabilities += tap_aux();
			p.relationships.push_back({"IsServedBy", tap_ivoid(), "the TAP service"});
		}
		p.coverage = coverage();
		p.tableset =
		    tableset_xml(tables, tables.empty() ? std::map<std::string, std::string>{}
		                                        : std::map<std::string, std::string>{
		                                              {tables.front()->entry->schema,
		                                               normalize_space(rd_.meta_text("description"))}});
		if (out_.problems.size() == before) finish(p, d.id, sets);
	}
};

} // namespace

std::string registry_ivoid(const Config& config) {
	return concat("ivo://", config.get("ivoa", "authority"), "/__system__/services/registry");
}

std::string authority_ivoid(const Config& config) {
	return concat("ivo://", config.get("ivoa", "authority"));
}

Built build_rd_records(const BuildInput& in, const rd::Resource& rd) {
	return Builder(in, rd).build();
}

Built build_root_records(const BuildInput& in) {
	Built out;
	const Config& c = in.config;
	std::string server = c.server_url();
	std::string site = c.get("web", "sitename");
	std::string authority = c.get("ivoa", "authority");
	// The records' metadata: what the site meta says (publisher, contact, ...) under titles
	// and descriptions of their own.
	rd::Resource pseudo;
	pseudo.rd_id = kRootRd;
	pseudo.site_meta = in.store.site_meta();
	auto set = [](rd::MetaBag& bag, std::string_view key, std::string value) {
		rd::MetaValue v;
		v.content = std::move(value);
		bag.add(key, std::move(v));
	};
	auto created_for = [&](const std::string& ivoid) {
		auto first = rd::registry::first_published(in.conn, ivoid);
		return format_iso(first ? *first : std::chrono::system_clock::now());
	};
	struct Root {
		std::string ivoid, type, title, description;
	};
	std::vector<Root> roots = {
	    {registry_ivoid(c), "vg:Registry", concat(site, " publishing registry"),
	     concat("The publishing registry of ", site,
	            ": the VOResource records of the services and data collections "
	            "published here, for the searchable registries to harvest through OAI-PMH.")},
	    {authority_ivoid(c), "vg:Authority", concat(site, " authority"),
	     concat("The naming authority ", authority, ", under which ", site, " registers its resources.")}};
	for (auto& root : roots) {
		rd::MetaBag bag;
		set(bag, "title", root.title);
		set(bag, "description", root.description);
		set(bag, "subject", "virtual-observatories");
		set(bag, "contentLevel", "Research");
		set(bag, "creationDate", created_for(root.ivoid));
		if (!pseudo.site_meta || !pseudo.site_meta->has("creator"))
			set(bag, "creator.name",
			    normalize_space(pseudo.site_meta ? pseudo.site_meta->text("publisher").value_or("") : ""));
		std::string what = concat("the ", root.type == "vg:Registry" ? "registry" : "authority",
		                          " record (site metadata, [general] defaultMetaFile)");
		size_t before = out.problems.size();
		RecordParts p;
		p.meta = rd::registry::gather_meta(pseudo, &bag, what, {}, out.problems);
		// types and wavebands describe data, not these
		p.meta.types.clear();
		p.meta.wavebands.clear();
		p.ivoid = root.ivoid;
		p.type = root.type;
		p.reference_url = server + "/";
		p.data_resource = false;
		if (root.type == "vg:Registry") {
			p.capabilities = concat(
			    "  <capability xsi:type=\"vg:Harvest\" standardID=\"ivo://ivoa.net/std/Registry\">\n"
			    "    <interface xsi:type=\"vg:OAIHTTP\" role=\"std\" version=\"1.0\">\n"
			    "      <accessURL use=\"base\">",
			    esc(server + "/oai.xml"), "</accessURL>\n    </interface>\n    <maxRecords>",
			    std::to_string(c.get_int("ivoa", "oaipmhPageSize")), "</maxRecords>\n  </capability>\n");
			p.tail =
			    concat("  <full>false</full>\n  <managedAuthority>", esc(authority), "</managedAuthority>\n");
		} else {
			p.service = false;
			p.tail = concat("  <managingOrg>", esc(p.meta.publisher), "</managingOrg>\n");
		}
		if (out.problems.size() != before) continue;
		rd::registry::RecordToStore r;
		r.ivoid = p.ivoid;
		r.rd_id = kRootRd;
		r.res_id = root.type == "vg:Registry" ? "registry" : "authority";
		r.res_type = p.type;
		r.title = p.meta.title;
		r.sets = {"ivo_managed"};
		r.ivo_vor = render_vor(p);
		r.oai_dc = render_dc(p);
		out.records.push_back(std::move(r));
	}
	return out;
}

} // namespace meles::services::registry
