// meles/rd/ingest/grammar_registry.hpp — one record per grammar element: whether Meles reads
// it, the factory, the options and children it takes, a summary.  Every consumer reads the same
// record: the RD loader (which elements are grammars, which are Python), the grammars
// themselves (their attributes, through detail::AttributeReader), `meles val` and `meles imp`
// (both build the grammar with make_grammar, so what val accepts imp reads), and
// docs/grammars.md (a test checks that its tables list every record and option).
// Thread-safety: the records are immutable; all functions are safe to call concurrently.
#pragma once

#include "meles/rd/ingest/grammar.hpp"

#include <memory>
#include <span>
#include <string_view>

namespace meles::rd::ingest {

using GrammarFactory = std::unique_ptr<Grammar> (*)(const GrammarElement&);

enum class GrammarSupport {
	Implemented, // Meles reads it
	Planned,     // a DaCHS grammar Meles does not read yet
	Python,      // its records come from Python code (in the RD or a module): made by
	             // rd::python::make_grammar, which the importer asks instead of make_grammar
	Unsupported, // DaCHS machinery Meles will not have (C boosters, ODBC, form input)
};

struct GrammarOption {
	std::string_view name;    // attribute, or atomic child element of that name
	std::string_view example; // a value that works on the grammar's example source (tests, docs)
	std::string_view summary;
};

struct GrammarRecord {
	std::string_view element; // RD element name
	GrammarSupport support;
	GrammarFactory factory; // Implemented only
	std::span<const GrammarOption> options;
	// Structured child elements the grammar reads itself (columnGrammar's col, mapKeys, ...).
	std::span<const std::string_view> children;
	std::string_view summary; // one line for docs and messages
};

// All records, implemented or not (a DaCHS grammar Meles does not read gets a clear "not
// supported" error instead of an "unknown element" one).
std::span<const GrammarRecord> grammar_registry();
const GrammarRecord* find_grammar(std::string_view element);
// Whether `element` names a grammar (implemented or not).
bool is_grammar_element(std::string_view element);
// The record of an implemented grammar, for its own option reading; throws Error(Internal).
const GrammarRecord& grammar_record(std::string_view element);
// Children every grammar may have, which the loader and the rowmaker apply (ignoreOn,
// rowfilter, sourceFields, property) — not the grammar.
std::span<const std::string_view> common_grammar_children();
// Builds the grammar for `el`.  Throws Error(Name) for unknown elements (with a
// did-you-mean), Error(Validation) for known but unimplemented ones and bad attributes.
std::unique_ptr<Grammar> make_grammar(const GrammarElement& el);

} // namespace meles::rd::ingest
