// meles/rd/ingest/grammars/csv_grammar.hpp — csvGrammar: delimited text, quoted as
// Python's csv module does by default (the dialect DaCHS uses).
//
// Field names come from `names` or from the first line after topIgnoredLines.  Every
// record must have as many fields as there are names (an error names file:line
// otherwise).  Blank lines are skipped, as csv.DictReader does.
// Thread-safety: the grammar is immutable; each reader belongs to one thread.
#pragma once

#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/ingest/grammars/text_source.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meles::rd::ingest {

struct CsvGrammarOptions {
	std::optional<std::vector<std::string>> names; // else the header line gives them
	char delimiter = ',';
	bool strip = false; // strip blanks around every value
	TextSourceOptions text;

	// Validates a csvGrammar element (attributes or atomic child elements).
	static CsvGrammarOptions from_element(const GrammarElement& el);
};

class CsvGrammar final : public Grammar {
public:
	CsvGrammar(CsvGrammarOptions options, SourcePos pos = {});
	static std::unique_ptr<Grammar> create(const GrammarElement& el);

	std::string_view element_name() const override { return "csvGrammar"; }
	std::optional<std::vector<std::string>> declared_fields() const override { return options_.names; }
	std::unique_ptr<RecordReader> open(const SourceInfo& source,
	                                   const ReadOptions& options = {}) const override;
	const CsvGrammarOptions& options() const { return options_; }

private:
	CsvGrammarOptions options_;
};

} // namespace meles::rd::ingest
