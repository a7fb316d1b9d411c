#include "meles/rd/registry/resource_meta.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/common/time.hpp"
#include "meles/rd/registry/vocabularies.hpp"

#include <algorithm>
#include <regex>

namespace meles::rd::registry {

namespace {

std::string text_of(const MetaValue* v) {
	return v ? normalize_space(v->content) : std::string();
}

bool looks_like_url(std::string_view s) {
	return (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("ftp://")) &&
	       s.find(' ') == std::string_view::npos;
}

bool looks_like_bibcode(std::string_view s) {
	static const std::regex re(R"(^\d{4}[A-Za-z&.]{5}[\w.]{4}[ELPQ-Z.][\d.]{4}[A-Z]$)");
	return s.size() == 19 && std::regex_match(s.begin(), s.end(), re);
}

} // namespace

std::vector<std::string> split_creators(std::string_view text) {
	std::vector<std::string> out;
	for (auto& part : split(text, ';')) {
		std::string n = normalize_space(part);
		if (!n.empty()) out.push_back(n);
	}
	return out;
}

std::string ivoid_for(const std::string& authority, const std::string& rd_id, const std::string& element_id) {
	std::string path = rd_id.starts_with("//") ? "__system__/" + rd_id.substr(2) : rd_id;
	std::string out = concat("ivo://", authority, "/", path);
	if (!element_id.empty()) out += "/" + element_id;
	return out;
}

ResourceMeta gather_meta(const Resource& rd, const MetaBag* element_meta, const std::string& what,
                         const SourcePos& pos, std::vector<MetaProblem>& problems) {
	MetaChain chain = rd.meta_chain(element_meta);
	ResourceMeta m;
	auto problem = [&](std::string msg) { problems.push_back({pos, concat(what, ": ", msg)}); };
	auto text = [&](std::string_view key) { return normalize_space(chain.text(key).value_or("")); };

	m.title = text("title");
	if (m.title.empty()) problem("no title (meta title)");
	m.short_name = text("shortName");
	if (m.short_name.size() > 16)
		problem(concat("shortName '", m.short_name, "' is longer than 16 characters (VOResource allows 16)"));
	m.description = std::string(trim(chain.text("description").value_or("")));
	if (m.description.empty()) problem("no description (meta description)");

	for (auto* v : chain.all("creator")) {
		auto names = v->children.all("name");
		if (!names.empty()) {
			for (auto* n : names)
				for (auto& c : split_creators(n->content))
					m.creators.push_back(c);
		} else {
			for (auto& c : split_creators(v->content))
				m.creators.push_back(c);
		}
		if (m.creator_logo.empty()) m.creator_logo = text_of(v->children.first("logo"));
	}
	if (m.creators.empty()) problem("no creator (meta creator or creator.name, as \"Last, F.; Other, A.\")");
	for (auto* v : chain.all("contributor"))
		for (auto& c :
		     split_creators(v->children.first("name") ? v->children.first("name")->content : v->content))
			m.contributors.push_back(c);

	auto subjects = chain.all("subject");
	if (subjects.empty())
		problem("no subject (meta subject, a term of the UAT, http://www.ivoa.net/rdf/uat)");
	for (auto* v : subjects) {
		auto c = check_subject(v->content);
		if (c.term) {
			if (std::find(m.subjects.begin(), m.subjects.end(), *c.term) == m.subjects.end())
				m.subjects.push_back(*c.term);
		} else {
			problems.push_back({v->pos.line ? v->pos : pos, concat(what, ": ", c.problem)});
		}
	}

	auto levels = chain.all("contentLevel");
	if (levels.empty())
		problem(concat("no contentLevel (meta contentLevel: ", join(content_levels(), ", "), ")"));
	for (auto* v : levels) {
		// DaCHS allows several levels in one value, separated by commas
		for (auto& item : split_list(v->content, ',')) {
			if (auto l = content_level(item))
				m.content_levels.push_back(*l);
			else
				problems.push_back(
				    {v->pos.line ? v->pos : pos, concat(what, ": contentLevel '", item, "' is not one of ",
				                                        join(content_levels(), ", "))});
		}
	}
	for (const char* key : {"type", "content.type"}) {
		auto types = chain.all(key);
		for (auto* v : types) {
			if (auto t = content_type(normalize_space(v->content)))
				m.types.push_back(*t);
			else
				problems.push_back(
				    {v->pos.line ? v->pos : pos,
				     concat(what, ": type '", normalize_space(v->content), "' is not an IVOA content type (",
				            join(content_types(), ", "), ")")});
		}
		if (!types.empty()) break;
	}

	m.publisher = text("publisher");
	if (m.publisher.empty()) problem("no publisher (meta publisher, usually in the site's defaultmeta.txt)");
	m.publisher_id = text("publisherID");
	m.contact_name = text("contact.name");
	if (m.contact_name.empty())
		problem("no contact name (meta contact.name, usually in the site's defaultmeta.txt)");
	m.contact_email = text("contact.email");
	m.contact_address = text("contact.address");
	m.contact_telephone = text("contact.telephone");

	std::string created = text("creationDate");
	if (created.empty())
		problem("no creationDate (meta creationDate, e.g. 2024-05-01T00:00:00Z)");
	else if (auto t = parse_iso(created))
		m.created = format_iso(*t);
	else
		problem(concat("creationDate '", created, "' is not an ISO 8601 date (e.g. 2024-05-01T00:00:00Z)"));

	m.reference_url = text("referenceURL");
	if (!m.reference_url.empty() && !looks_like_url(m.reference_url))
		problem(concat("referenceURL '", m.reference_url, "' is not an http(s) URL"));
	m.source = text("source");
	if (!m.source.empty() && looks_like_bibcode(m.source)) m.source_format = "bibcode";
	if (auto* r = chain.first("rights")) {
		m.rights = normalize_space(r->content);
		m.rights_uri = text_of(r->children.first("rightsURI"));
	}
	if (m.rights_uri.empty()) m.rights_uri = text("rights.rightsURI");
	for (auto* v : chain.all("coverage.waveband")) {
		if (auto w = waveband(normalize_space(v->content)))
			m.wavebands.push_back(*w);
		else
			problems.push_back({v->pos.line ? v->pos : pos,
			                    concat(what, ": coverage.waveband '", normalize_space(v->content),
			                           "' is not one of ", join(wavebands(), ", "))});
	}
	for (auto* v : chain.all("facility"))
		m.facilities.push_back(normalize_space(v->content));
	for (auto* v : chain.all("instrument"))
		m.instruments.push_back(normalize_space(v->content));
	m.version = text("version");
	// an identifier is never inherited: every record has its own
	const MetaBag& own = element_meta ? *element_meta : rd.meta;
	m.identifier = normalize_space(own.text("identifier").value_or(""));
	if (!m.identifier.empty() && !m.identifier.starts_with("ivo://"))
		problem(concat("identifier '", m.identifier, "' is not an IVOA identifier (ivo://...)"));
	return m;
}

} // namespace meles::rd::registry
