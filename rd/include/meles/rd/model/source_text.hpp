// meles/rd/model/source_text.hpp — expressions and code kept as text with their RD position.
//
// Map/var/bind bodies are short Python expressions that the expression compiler (elsewhere)
// turns into native code; procedural blocks (procDef/apply code, regTest, execute jobs) are kept
// verbatim.  RD-wide macros are already expanded in Expr::text; rowmaker-scope macros
// (\srcstem, \inputRelativePath, \rowsMade, ...) are left in place for the importer to expand per
// source with meles/rd/parse/macros.hpp (expand_row_macros).
// Thread-safety: plain value types.
#pragma once

#include "meles/core/common/error.hpp"

#include <string>
#include <vector>

namespace meles::rd {

// A Python expression in the rowmaker subset (map/var bodies, bind values, nullExpr).
struct Expr {
	std::string text;
	SourcePos pos; // RD file and line of the element holding the expression

	bool empty() const { return text.empty(); }
};

// A block of Python statements (procDef/apply code, setup code, regTest code, execute jobs).
// Kept unexpanded; Meles does not execute it (yet).
struct PythonCode {
	std::string text;
	SourcePos pos;

	bool empty() const { return text.empty(); }
};

// `property` elements: free key/value pairs (previewDir, staticData, statistics, ...).
struct Property {
	std::string key;
	std::string value;
	SourcePos pos;
};

// Value of the property `key`, or nullptr.
const Property* find_property(const std::vector<Property>& props, std::string_view key);

} // namespace meles::rd
