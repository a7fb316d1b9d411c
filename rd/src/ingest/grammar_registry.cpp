#include "meles/rd/ingest/grammar_registry.hpp"

#include "ingest/grammars/attribute_reader.hpp"
#include "meles/rd/ingest/grammars/column_grammar.hpp"
#include "meles/rd/ingest/grammars/csv_grammar.hpp"
#include "meles/rd/ingest/grammars/fits_table_grammar.hpp"
#include "meles/rd/ingest/grammars/re_grammar.hpp"
#include "meles/rd/ingest/grammars/votable_grammar.hpp"

#include <array>

namespace meles::rd::ingest {

namespace {

// The one table.  DaCHS grammars Meles does not implement keep an entry without a
// factory, so an RD using them gets "not supported yet" rather than "unknown element".
constexpr std::array<GrammarEntry, 22> kGrammars{{
    {"csvGrammar", &CsvGrammar::create, "delimited text, Python csv quoting; names from header or names="},
    {"reGrammar", &ReGrammar::create, "records and fields split by regular expressions"},
    {"columnGrammar", &ColumnGrammar::create, "fixed-width columns (colDefs, col)"},
    {"fitsTableGrammar", &FitsTableGrammar::create, "FITS binary and ASCII table HDUs, typed values"},
    {"voTableGrammar", &VOTableGrammar::create,
     "the first table of a VOTable (TABLEDATA, BINARY, BINARY2), typed values"},
    {"fitsProdGrammar", nullptr, "FITS headers, one row per file (not implemented yet)"},
    {"dictlistGrammar", nullptr, "in-memory lists of dicts (not implemented yet)"},
    {"customGrammar", nullptr, "Python row iterator module (made by meles/rd/python, not here)"},
    {"embeddedGrammar", nullptr, "Python iterator in the RD (made by meles/rd/python, not here)"},
    {"keyValueGrammar", nullptr, "key=value files (not implemented yet)"},
    {"freeREGrammar", nullptr, "one regular expression per record (not implemented yet)"},
    {"binaryGrammar", nullptr, "fixed binary records (not implemented yet)"},
    {"directGrammar", nullptr, "DaCHS C boosters (not supported)"},
    {"odbcGrammar", nullptr, "ODBC queries (not supported)"},
    {"cdfHeaderGrammar", nullptr, "CDF headers (not implemented yet)"},
    {"pdsGrammar", nullptr, "PDS labels (not implemented yet)"},
    {"hdf5Grammar", nullptr, "HDF5 tables (not implemented yet)"},
    {"xmlGrammar", nullptr, "generic XML (not implemented yet)"},
    {"nullGrammar", nullptr, "yields no rows (not implemented yet)"},
    {"rowsetGrammar", nullptr, "database row sets (not implemented yet)"},
    {"mySQLDumpGrammar", nullptr, "MySQL dumps (not implemented yet)"},
    {"transparentGrammar", nullptr, "pass-through (not implemented yet)"},
}};

} // namespace

std::span<const GrammarEntry> grammar_registry() {
	return kGrammars;
}

const GrammarEntry* find_grammar(std::string_view element) {
	for (auto& g : kGrammars)
		if (g.element == element) return &g;
	return nullptr;
}

bool is_grammar_element(std::string_view element) {
	return find_grammar(element) != nullptr;
}

std::unique_ptr<Grammar> make_grammar(const GrammarElement& el) {
	const GrammarEntry* g = find_grammar(el.name);
	if (!g) {
		std::vector<std::string_view> names;
		for (auto& e : kGrammars)
			names.push_back(e.element);
		std::string msg = concat("unknown grammar '", el.name, "'");
		std::string guess = detail::did_you_mean(el.name, names);
		if (!guess.empty()) msg += concat("; did you mean '", guess, "'?");
		throw Error(ErrorKind::Name, msg, el.pos);
	}
	if (!g->factory)
		throw Error(ErrorKind::Validation,
		            concat(el.name, " is not supported by Meles yet (", g->summary, ")"), el.pos);
	return g->factory(el);
}

} // namespace meles::rd::ingest
