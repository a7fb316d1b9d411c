// The only pugixml user in Meles.  We read the file ourselves so that line numbers can be
// computed from pugixml's node offsets into the very same bytes.
#include "meles/rd/parse/xml_loader.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>

namespace meles::rd {

namespace {

class LineIndex {
public:
	explicit LineIndex(std::string_view text) {
		starts_.push_back(0);
		for (size_t i = 0; i < text.size(); ++i)
			if (text[i] == '\n') starts_.push_back(i + 1);
	}
	int line_of(size_t offset) const {
		auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
		return static_cast<int>(it - starts_.begin());
	}
	int column_of(size_t offset) const {
		int line = line_of(offset);
		return static_cast<int>(offset - starts_[line - 1]) + 1;
	}

private:
	std::vector<size_t> starts_;
};

bool name_char(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':' ||
	       static_cast<unsigned char>(c) >= 0x80;
}

// Lines of the attributes in the start tag beginning at `offset` (which points at the element
// name), in document order.  pugixml has no positions for attributes.
std::vector<std::pair<std::string, size_t>> attribute_offsets(std::string_view text, size_t offset) {
	std::vector<std::pair<std::string, size_t>> out;
	size_t i = offset;
	while (i < text.size() && name_char(text[i]))
		++i;
	while (i < text.size()) {
		while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
			++i;
		if (i >= text.size() || text[i] == '>' || text[i] == '/') break;
		size_t start = i;
		while (i < text.size() && name_char(text[i]))
			++i;
		if (i == start) break;
		std::string name(text.substr(start, i - start));
		while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
			++i;
		if (i >= text.size() || text[i] != '=') break;
		++i;
		while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
			++i;
		if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) break;
		char q = text[i++];
		while (i < text.size() && text[i] != q)
			++i;
		++i;
		out.emplace_back(std::move(name), start);
	}
	return out;
}

void append_inline_text(const pugi::xml_node& node, std::string& text, std::vector<std::string>& markup);

// Inline markup inside meta text, as DaCHS RDs write it (`<br/>` above all; DaCHS 2.7 itself
// keeps only the text after the last one and refuses other elements): `<br/>` becomes a line
// break (kMetaLineBreak until the text is dedented), other elements their text, a link's
// target following its text.
void append_markup(const pugi::xml_node& el, std::string& text, std::vector<std::string>& markup) {
	std::string_view name = el.name();
	if (name == "br") {
		// "<br/>" at the end of a source line is one line break, not two.
		auto next = el.next_sibling();
		std::string_view after = next.type() == pugi::node_pcdata ? next.value() : "";
		size_t ink = after.find_first_not_of(" \t\r");
		if (ink == std::string_view::npos || after[ink] != '\n') text += kMetaLineBreak;
		return;
	}
	if (std::find(markup.begin(), markup.end(), name) == markup.end()) markup.emplace_back(name);
	size_t start = text.size();
	append_inline_text(el, text, markup);
	std::string_view href = el.attribute("href").value();
	if (!href.empty() && trim(std::string_view(text).substr(start)) != href) text += concat(" (", href, ")");
}

void append_inline_text(const pugi::xml_node& node, std::string& text, std::vector<std::string>& markup) {
	for (auto child : node.children()) {
		if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)
			text += child.value();
		else if (child.type() == pugi::node_element)
			append_markup(child, text, markup);
	}
}

void convert(const pugi::xml_node& node, RawElement& out, std::string_view text, const LineIndex& lines,
             const std::string& source) {
	out.name = node.name();
	auto off = static_cast<size_t>(node.offset_debug());
	bool have_offset = node.offset_debug() >= 0 && off < text.size();
	out.pos = SourcePos{source, have_offset ? lines.line_of(off) : 0, 0};
	std::vector<std::pair<std::string, size_t>> attr_offs;
	if (have_offset && node.first_attribute()) attr_offs = attribute_offsets(text, off);
	for (auto a : node.attributes()) {
		RawAttribute ra{a.name(), a.value(), out.pos};
		for (auto& [n, o] : attr_offs)
			if (n == ra.name) {
				ra.pos.line = lines.line_of(o);
				break;
			}
		out.attributes.push_back(std::move(ra));
	}
	for (auto child : node.children()) {
		switch (child.type()) {
		case pugi::node_element: {
			if (out.name == "meta" && std::string_view(child.name()) != "meta") {
				append_markup(child, out.text, out.inline_markup);
				break;
			}
			out.children.emplace_back();
			convert(child, out.children.back(), text, lines, source);
			break;
		}
		case pugi::node_pcdata:
		case pugi::node_cdata:
			out.text += child.value();
			break;
		default:
			break;
		}
	}
}

// RDs are UTF-8 in practice; a Latin-1 declaration is honoured by converting first, so that
// node offsets (and thus line numbers) refer to the text we index.
std::optional<std::string> latin1_to_utf8_if_declared(std::string_view xml) {
	if (!xml.starts_with("<?xml")) return std::nullopt;
	auto end = xml.find("?>");
	std::string decl = to_lower(xml.substr(0, end == std::string_view::npos ? 0 : end));
	if (decl.find("iso-8859-1") == std::string::npos && decl.find("latin-1") == std::string::npos &&
	    decl.find("latin1") == std::string::npos)
		return std::nullopt;
	std::string out;
	out.reserve(xml.size() + xml.size() / 8);
	for (char ch : xml) {
		auto c = static_cast<unsigned char>(ch);
		if (c < 0x80) {
			out += ch;
		} else {
			out += static_cast<char>(0xC0 | (c >> 6));
			out += static_cast<char>(0x80 | (c & 0x3F));
		}
	}
	return out;
}

} // namespace

RawElement load_xml_text(std::string_view input, const std::string& source_name) {
	auto converted = latin1_to_utf8_if_declared(input);
	std::string_view xml = converted ? std::string_view(*converted) : input;
	pugi::xml_document doc;
	auto flags = pugi::parse_default | pugi::parse_declaration;
	auto res = doc.load_buffer(xml.data(), xml.size(), flags, pugi::encoding_utf8);
	LineIndex lines(xml);
	if (!res) {
		auto off = static_cast<size_t>(std::max<std::ptrdiff_t>(0, res.offset));
		SourcePos pos{source_name, lines.line_of(off), lines.column_of(off)};
		throw Error(ErrorKind::Syntax, concat("XML not well-formed: ", res.description()), pos);
	}
	pugi::xml_node root = doc.document_element();
	if (!root)
		throw Error(ErrorKind::Syntax, "XML document has no root element", SourcePos{source_name, 1, 0});
	RawElement out;
	convert(root, out, xml, lines, source_name);
	return out;
}

RawElement load_xml_file(const std::filesystem::path& file, const std::string& source_name) {
	std::ifstream in(file, std::ios::binary);
	if (!in) throw Error(ErrorKind::Io, concat("cannot read ", file.string()));
	std::ostringstream ss;
	ss << in.rdbuf();
	std::string text = ss.str();
	return load_xml_text(text, source_name);
}

} // namespace meles::rd
