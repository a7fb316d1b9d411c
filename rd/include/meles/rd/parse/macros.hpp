// meles/rd/parse/macros.hpp — RD macro expansion (`\name{arg}{arg}`), at load and at import time.
//
// Syntax (as DaCHS): a backslash, a name of at least two letters/digits/underscores starting
// with a letter or underscore, and zero or more {arguments} directly following (arguments may
// contain macros; \{ and \} are literal braces).  `\\` is a literal backslash, `\+` glues (expands
// to nothing), a backslash before a newline becomes a blank.  Anything else is left alone.
//
// At load time the loader expands RD-wide, table and active-tag macros.  Rowmaker-scope macros
// (\srcstem, \inputRelativePath, \fullPath, \standardPubDID, \rowsMade, ...) depend on the file
// being imported; the loader leaves them in the text, and the importer expands them per source
// with expand_row_macros().
// Thread-safety: pure functions; MacroScope implementations are read-only during expansion.
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/rd/model/source_text.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd {

// Where macro definitions come from.  Scopes chain to a parent (FEED attributes -> table -> RD).
class MacroScope {
public:
	virtual ~MacroScope() = default;
	// The expansion of \name with these (already expanded) arguments, or nullopt when neither
	// this scope nor its parents define name.  Throws Error when a known macro fails (wrong
	// number of arguments, no column with the UCD asked for, unknown configuration item, ...).
	virtual std::optional<std::string> call(std::string_view name,
	                                        const std::vector<std::string>& args) const = 0;
	// Names defined here and in the parents (for "did you mean" hints).
	virtual void names(std::vector<std::string>& out) const = 0;
};

// Fixed name -> text macros (FEED attributes, LOOP items, mixin parameters, macDefs).
class MapMacroScope : public MacroScope {
public:
	explicit MapMacroScope(std::map<std::string, std::string> values, const MacroScope* parent = nullptr)
	    : values_(std::move(values)), parent_(parent) {}
	std::optional<std::string> call(std::string_view name,
	                                const std::vector<std::string>& args) const override;
	void names(std::vector<std::string>& out) const override;

private:
	std::map<std::string, std::string> values_;
	const MacroScope* parent_;
};

struct ExpandOptions {
	// Unknown macros: an Error (false) or left in the text unchanged (true; used when replaying
	// streams, whose remaining macros are expanded later by the receiving element).
	bool keep_unknown = false;
	// Leave rowmaker-scope macros (see row_macro_names) in the text for the importer.
	bool keep_row_macros = false;
};

// Expands macros in text.  Errors (Error with kind Name/Validation) carry `pos`.
std::string expand_macros(std::string_view text, const MacroScope& scope, const ExpandOptions& options,
                          const SourcePos& pos);

// True if text contains a backslash that might start a macro (fast pre-check).
bool may_contain_macros(std::string_view text);

// ----- rowmaker scope (import time) -----

// \srcstem \rootlessPath \inputRelativePath \fullPath \inputSize \lastSourceElements{n}
// \sourceDate \sourceCDate \standardPubDID \dlMetaURI{svc} \fullDLURL{svc} \standardPreviewPath
// \property{key} \docField{name} \rowsMade \rowsProcessed
const std::vector<std::string_view>& row_macro_names();
bool is_row_macro(std::string_view name);
// Row-scope macros used in text (names, in order of appearance, with repetitions).
std::vector<std::string> row_macros_in(std::string_view text);
// True if text uses \rowsMade or \rowsProcessed (values that change with every row).
bool uses_per_row_macros(std::string_view text);

struct RowMacroContext {
	std::filesystem::path source;                     // the source being imported (absolute path)
	std::filesystem::path inputs_dir;                 // for \inputRelativePath, \standardPubDID
	std::filesystem::path resdir;                     // for \standardPreviewPath
	std::string rd_id;                                // for \dlMetaURI, \fullDLURL
	std::string server_url = "http://localhost:8080"; // [web]serverURL
	std::string authority = "org.example";            // [ivoa]authority
	std::int64_t rows_made = 0;
	std::int64_t rows_processed = 0;
	std::vector<Property> properties; // of the data element, for \property{key}
	// Document-level fields of the grammar (\docField{name}); empty function: not available.
	std::function<std::optional<std::string>(std::string_view)> doc_field;
};

enum class RowMacroRendering {
	PythonLiteral, // '...' string literals, plain integers, parseISODT('...') for dates: for expressions
	PlainText,     // the bare values: for non-expression text
};

// Expands the rowmaker-scope macros in text for one source (and row, for \rowsMade); other
// backslash sequences are left as they are.  Throws Error(Validation) naming the macro when
// a value is not available (e.g. \property{x} without such a property), positioned at pos.
std::string expand_row_macros(std::string_view text, const RowMacroContext& context,
                              RowMacroRendering rendering, const SourcePos& pos = {});

// Row macros stand for per-source values; for checks without a source (meles val), this
// context of an empty stand-in file (below the temporary directory) lets every macro expand,
// also those that look at the file (\inputSize, \sourceDate).
const RowMacroContext& stand_in_row_macro_context();

// The standard publisher DID of a file: ivo://<authority>/~?<path relative to inputs>.
std::string standard_pub_did(const RowMacroContext& context);

} // namespace meles::rd
