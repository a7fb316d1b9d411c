// meles/rd/ingest/grammars/votable_grammar.hpp — voTableGrammar: rows of the first TABLE of
// a VOTable (TABLEDATA, BINARY or BINARY2) as typed records, read with the same streaming
// reader as TAP uploads (core/votable), so documents of any size need constant memory.
//
// Field names are the FIELD names (lower-cased with lowerKeys).  Values are Int, Double,
// Bool or Text; arrays become IntArray/DoubleArray/BoolArray.  gunzip and preFilter work as
// for the text grammars.
// Thread-safety: the grammar is immutable; each reader belongs to one thread.
#pragma once

#include "meles/rd/ingest/grammar.hpp"

namespace meles::rd::ingest {

struct VOTableGrammarOptions {
	bool lower_keys = false;
	bool gunzip = false;
	std::string pre_filter;

	static VOTableGrammarOptions from_element(const GrammarElement& el);
};

class VOTableGrammar final : public Grammar {
public:
	VOTableGrammar(VOTableGrammarOptions options, SourcePos pos = {});
	static std::unique_ptr<Grammar> create(const GrammarElement& el);

	std::string_view element_name() const override { return "voTableGrammar"; }
	std::optional<std::vector<std::string>> declared_fields() const override { return std::nullopt; }
	bool yields_typed() const override { return true; }
	std::unique_ptr<RecordReader> open(const SourceInfo& source,
	                                   const ReadOptions& options = {}) const override;

private:
	VOTableGrammarOptions options_;
};

} // namespace meles::rd::ingest
