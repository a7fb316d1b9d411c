// meles/rd/model/raw_element.hpp — an XML element as the RD loader saw it, with positions.
//
// The loader turns the XML file into this tree (no pugixml types leak out); active tags
// (STREAM, FEED, LOOP, mixin events) record and replay these trees, and elements Meles keeps
// generically (grammars, stc, dm, regTest urls, ...) stay in this form inside the model.
// Thread-safety: plain value types.
#pragma once

#include "meles/core/common/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd {

struct RawAttribute {
	std::string name;
	std::string value;
	SourcePos pos; // line of the attribute itself (multi-line start tags are common)
};

struct RawElement {
	std::string name;
	std::vector<RawAttribute> attributes;
	std::vector<RawElement> children;
	// Character data directly inside the element (text and CDATA, concatenated, untrimmed).
	std::string text;
	SourcePos pos;

	const RawAttribute* attribute(std::string_view attr_name) const;
	RawAttribute* attribute(std::string_view attr_name);
	// Value of an attribute or, failing that, the trimmed text of a child element with that
	// name (RD atomic values may be written either way).
	std::optional<std::string> value(std::string_view attr_name) const;
	const RawElement* child(std::string_view child_name) const;
	void set_attribute(std::string_view attr_name, std::string attr_value, SourcePos attr_pos = {});
	// "<name a="1" ...>" for messages.
	std::string describe() const;
};

} // namespace meles::rd
