#include "meles/rd/ingest/grammar_registry.hpp"

#include "ingest/grammars/attribute_reader.hpp"
#include "meles/rd/ingest/grammars/column_grammar.hpp"
#include "meles/rd/ingest/grammars/csv_grammar.hpp"
#include "meles/rd/ingest/grammars/fits_prod_grammar.hpp"
#include "meles/rd/ingest/grammars/fits_table_grammar.hpp"
#include "meles/rd/ingest/grammars/re_grammar.hpp"
#include "meles/rd/ingest/grammars/votable_grammar.hpp"

#include <array>

namespace meles::rd::ingest {

namespace {

// The options of the text grammars' input (detail::TextSourceOptions), the same in each.
#define MELES_TEXT_SOURCE_OPTIONS                                                                            \
	GrammarOption{"topIgnoredLines", "0", "physical lines skipped at the start of each file"},               \
	    GrammarOption{"enc", "utf-8", "encoding: utf-8 (default), ascii, latin-1/iso-8859-1, cp1252"},       \
	    GrammarOption{"gunzip", "True", "the files are gzip-compressed"}, GrammarOption {                    \
		"preFilter", "cat", "a command each file is piped through (in the RD's directory)"                   \
	}

constexpr GrammarOption kCsv[] = {
    {"names", "a,b", "field names; default: the first line"},
    {"delimiter", ",", "one character; \\t or tab for tabs"},
    {"strip", "True", "strip blanks around values"},
    MELES_TEXT_SOURCE_OPTIONS,
};
constexpr GrammarOption kRe[] = {
    {"names", "a,b", "field names (required)"},
    {"recordSep", "\\n", "regular expression between records (default a line end)"},
    {"fieldSep", "[ ]+", "regular expression between fields (default \\s+)"},
    {"commentPat", "#.*", "records matching it are skipped"},
    {"stopPat", "^END", "reading stops at the first record matching it"},
    {"recordCleaner", "(.*)", "regular expression whose groups make the record"},
    {"lax", "True", "pad short records with NULL, drop extra fields"},
    MELES_TEXT_SOURCE_OPTIONS,
};
constexpr GrammarOption kColumn[] = {
    {"colDefs", "a:1-1 b:3-3", "name:start-end (1-based, inclusive), name:col, name:start-, name:-end"},
    {"commentIntroducer", "#", "lines starting with it are skipped"},
    {"strip", "False", "strip blanks around values (default True)"},
    MELES_TEXT_SOURCE_OPTIONS,
};
constexpr std::string_view kColumnChildren[] = {"col"};
constexpr GrammarOption kFitsTable[] = {
    {"hdu", "1", "the HDU holding the table (0: primary; default 1)"},
    {"lowerKeys", "True", "lower-case the column names"},
    {"nanIsNULL", "True", "NaN becomes NULL"},
};
constexpr GrammarOption kFitsProd[] = {
    {"hdu", "0", "the HDU whose header makes the record (0: primary, the default)"},
    {"qnd", "True", "read the primary header's blocks directly (default True)"},
    {"hdusField", "hdu", "one record per HDU instead, this field holding the HDU's index"},
    {"maxHeaderBlocks", "40", "quick reading: no END card within this many 2880-byte blocks is an error"},
    {"gunzip", "True", "accepted; gzip-compressed files are recognised by their content"},
};
constexpr std::string_view kFitsProdChildren[] = {"mapKeys"};
constexpr GrammarOption kVOTable[] = {
    {"lowerKeys", "True", "lower-case the field names"},
    {"gunzip", "True", "the files are gzip-compressed"},
    {"preFilter", "cat", "a command each file is piped through"},
};

// The Python grammars' options: examples are placeholders (these grammars need code to run).
constexpr GrammarOption kCustom[] = {
    {"module", "rowiter", "the Python file with the row iterator, without .py (required)"},
    {"isDispatching", "False", "DaCHS's dispatching grammars; Meles refuses True"},
};
constexpr GrammarOption kEmbedded[] = {
    {"isDispatching", "False", "DaCHS's dispatching grammars; Meles refuses True"},
};
constexpr std::string_view kEmbeddedChildren[] = {"iterator", "pargetter"};

#undef MELES_TEXT_SOURCE_OPTIONS

constexpr std::string_view kCommonChildren[] = {"ignoreOn", "rowfilter", "sourceFields", "property", "doc"};

using S = GrammarSupport;

// The one table.  DaCHS grammars Meles does not read keep a record without a factory, so an RD
// using them gets "not supported" rather than "unknown element".
const std::array<GrammarRecord, 23> kGrammars{{
    {"csvGrammar",
     S::Implemented,
     &CsvGrammar::create,
     kCsv,
     {},
     "delimited text, Python csv quoting; names from header or names="},
    {"reGrammar",
     S::Implemented,
     &ReGrammar::create,
     kRe,
     {},
     "records and fields split by regular expressions"},
    {"columnGrammar", S::Implemented, &ColumnGrammar::create, kColumn, kColumnChildren,
     "fixed-width columns (colDefs, col)"},
    {"fitsTableGrammar",
     S::Implemented,
     &FitsTableGrammar::create,
     kFitsTable,
     {},
     "FITS binary and ASCII table HDUs, typed values"},
    {"voTableGrammar",
     S::Implemented,
     &VOTableGrammar::create,
     kVOTable,
     {},
     "the first table of a VOTable (TABLEDATA, BINARY, BINARY2), typed values"},
    {"fitsProdGrammar", S::Implemented, &FitsProdGrammar::create, kFitsProd, kFitsProdChildren,
     "FITS headers, one record per file (or per HDU), typed values"},
    {"dictlistGrammar", S::Planned, nullptr, {}, {}, "in-memory lists of dicts"},
    {"keyValueGrammar", S::Planned, nullptr, {}, {}, "key=value files"},
    {"freeREGrammar", S::Planned, nullptr, {}, {}, "one regular expression per record"},
    {"binaryGrammar", S::Planned, nullptr, {}, {}, "fixed binary records"},
    {"cdfHeaderGrammar", S::Planned, nullptr, {}, {}, "CDF headers"},
    {"pdsGrammar", S::Planned, nullptr, {}, {}, "PDS labels"},
    {"hdf5Grammar", S::Planned, nullptr, {}, {}, "HDF5 tables"},
    {"xmlGrammar", S::Planned, nullptr, {}, {}, "generic XML"},
    {"nullGrammar", S::Planned, nullptr, {}, {}, "yields no rows"},
    {"rowsetGrammar", S::Planned, nullptr, {}, {}, "database row sets"},
    {"mySQLDumpGrammar", S::Planned, nullptr, {}, {}, "MySQL dumps"},
    {"transparentGrammar", S::Planned, nullptr, {}, {}, "pass-through"},
    {"customGrammar", S::Python, nullptr, kCustom, {}, "a Python module's row iterator"},
    {"embeddedGrammar", S::Python, nullptr, kEmbedded, kEmbeddedChildren, "a Python iterator in the RD"},
    {"directGrammar", S::Unsupported, nullptr, {}, {}, "DaCHS's C boosters"},
    {"odbcGrammar", S::Unsupported, nullptr, {}, {}, "ODBC queries"},
    {"contextGrammar", S::Unsupported, nullptr, {}, {}, "a service's request parameters (DaCHS internals)"},
}};

} // namespace

std::span<const GrammarRecord> grammar_registry() {
	return kGrammars;
}

std::span<const std::string_view> common_grammar_children() {
	return kCommonChildren;
}

const GrammarRecord* find_grammar(std::string_view element) {
	for (auto& g : kGrammars)
		if (g.element == element) return &g;
	return nullptr;
}

bool is_grammar_element(std::string_view element) {
	return find_grammar(element) != nullptr;
}

const GrammarRecord& grammar_record(std::string_view element) {
	const GrammarRecord* g = find_grammar(element);
	if (!g) throw Error(ErrorKind::Internal, concat("no grammar record for ", element));
	return *g;
}

std::unique_ptr<Grammar> make_grammar(const GrammarElement& el) {
	const GrammarRecord* g = find_grammar(el.name);
	if (!g) {
		std::vector<std::string_view> names;
		for (auto& e : kGrammars)
			names.push_back(e.element);
		std::string msg = concat("unknown grammar '", el.name, "'");
		std::string guess = detail::did_you_mean(el.name, names);
		if (!guess.empty()) msg += concat("; did you mean '", guess, "'?");
		throw Error(ErrorKind::Name, msg, el.pos);
	}
	switch (g->support) {
	case GrammarSupport::Implemented:
		return g->factory(el);
	case GrammarSupport::Planned:
		throw Error(ErrorKind::Validation,
		            concat(el.name, " is not supported by Meles yet (", g->summary, ")"), el.pos);
	case GrammarSupport::Python:
		throw Error(ErrorKind::Internal,
		            concat(el.name, " is made by the Python runtime (rd::python::make_grammar), not here"),
		            el.pos);
	case GrammarSupport::Unsupported:
		break;
	}
	throw Error(ErrorKind::Validation, concat(el.name, " is not supported by Meles (", g->summary, ")"),
	            el.pos);
}

} // namespace meles::rd::ingest
