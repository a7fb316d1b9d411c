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

// A `<br/>` inside meta text: a line break once the text is dedented (a newline right away
// would count as a line of its own when the indentation is measured).  XML text cannot
// contain this character otherwise.
inline constexpr char kMetaLineBreak = '\x01';

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
	// Inside `meta`, inline markup is part of it: `<br/>` kMetaLineBreak, other elements their text.
	std::string text;
	// Names of the inline elements other than `br` that were turned into text (meta only):
	// `meles val` warns about them, as DaCHS 2.7 refuses them.
	std::vector<std::string> inline_markup;
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
