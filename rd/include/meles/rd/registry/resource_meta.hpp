// meles/rd/registry/resource_meta.hpp — the metadata of one registry record (VOResource
// curation and content), gathered from an RD element's meta chain (element -> RD -> site
// default meta) and checked the way `meles pub` needs it: every required item present,
// vocabularies respected.  Problems are collected, not thrown, so that one run can name them
// all with file:line.
// Thread-safety: plain value types and pure functions.
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/rd/model/resource.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meles::rd::registry {

struct MetaProblem {
	SourcePos pos;       // where to fix it (the element's position)
	std::string message; // "service 'cone': no creator (meta creator or creator.name)"
	std::string to_string() const { return pos.line ? concat(pos.to_string(), ": ", message) : message; }
};

struct ResourceMeta {
	std::string title, short_name, description;
	std::vector<std::string> creators, contributors;
	std::string creator_logo;
	std::vector<std::string> subjects; // UAT identifiers
	std::vector<std::string> content_levels, types;
	std::string publisher, publisher_id;
	std::string contact_name, contact_email, contact_address, contact_telephone;
	std::string created;       // ISO 8601 UTC, "…Z"
	std::string reference_url; // may be empty: the caller supplies the default
	std::string source, source_format;
	std::string rights, rights_uri;
	std::vector<std::string> wavebands;
	std::vector<std::string> facilities, instruments;
	std::string version;
	std::string identifier;                                     // an explicit `identifier` meta, if any
	std::vector<std::pair<std::string, std::string>> served_by; // (ivoid, title) from meta servedBy
};

// Gathers the metadata of the element whose meta is `element_meta` (null: the RD itself),
// appending a problem for every missing or invalid item.  `what` names the element in
// messages ("service 'cone'"); `pos` is where the element is.
ResourceMeta gather_meta(const Resource& rd, const MetaBag* element_meta, const std::string& what,
                         const SourcePos& pos, std::vector<MetaProblem>& problems);

// The IVOID of an RD element: ivo://AUTHORITY/RD-ID/ELEMENT-ID (system RDs as __system__/name),
// or the element's explicit identifier meta.
std::string ivoid_for(const std::string& authority, const std::string& rd_id, const std::string& element_id);

// Splits "Last, F.; Other, A." (DaCHS's creator notation) into the individual names.
std::vector<std::string> split_creators(std::string_view text);

} // namespace meles::rd::registry
