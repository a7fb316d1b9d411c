// meles/rd/ingest/grammar_registry.hpp — the one table of grammar elements Meles knows.
//
// The RD loader asks is_grammar_element() while walking a <data> element and passes the
// element to make_grammar(), which validates it (unknown attribute -> error with RD
// file:line and a did-you-mean) and returns a ready Grammar.
// Thread-safety: the table is immutable; all functions are safe to call concurrently.
#pragma once

#include "meles/rd/ingest/grammar.hpp"

#include <memory>
#include <span>
#include <string_view>

namespace meles::rd::ingest {

using GrammarFactory = std::unique_ptr<Grammar> (*)(const GrammarElement&);

struct GrammarEntry {
	std::string_view element; // RD element name
	GrammarFactory factory;   // nullptr: known DaCHS grammar Meles does not implement yet
	std::string_view summary; // one line for docs and messages
};

// All entries, implemented or not (DaCHS grammars without a factory produce a clear
// "not supported" error instead of an "unknown element" one).
std::span<const GrammarEntry> grammar_registry();
const GrammarEntry* find_grammar(std::string_view element);
// Whether `element` names a grammar (implemented or not).
bool is_grammar_element(std::string_view element);
// Builds the grammar for `el`.  Throws Error(Name) for unknown elements (with a
// did-you-mean), Error(Validation) for known but unimplemented ones and bad attributes.
std::unique_ptr<Grammar> make_grammar(const GrammarElement& el);

} // namespace meles::rd::ingest
