// meles/rd/parse/xml_loader.hpp — reads an XML file into a RawElement tree with line numbers.
//
// The only place that talks to pugixml.  Comments, processing instructions and whitespace-only
// text are dropped; text and CDATA inside an element are concatenated.  Each element and
// attribute carries the line it starts on.
// Thread-safety: pure functions.
#pragma once

#include "meles/rd/model/raw_element.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace meles::rd {

// Throws Error(Syntax) with file:line:column for XML that is not well-formed, Error(Io) when
// the file cannot be read.  `source_name` is what positions show (usually the path).
RawElement load_xml_file(const std::filesystem::path& file, const std::string& source_name);
RawElement load_xml_text(std::string_view xml, const std::string& source_name);

} // namespace meles::rd
