// meles/rd/ingest/grammars/re_grammar.hpp — reGrammar: records and fields separated by
// regular expressions.
//
// Patterns use Python's re syntax as far as RE2 shares it (classes, groups, (?m) (?s)
// (?i), non-greedy repeats); lookaround and backreferences are rejected when the RD is
// loaded.  RE2 matches in linear time, so no pattern is pathological on any input.
// Records are stripped; empty records are skipped; commentPat matches are removed from
// each record; a record matching stopPat (at its start) ends the source.
// Thread-safety: the grammar (with its compiled patterns) is immutable and shareable.
#pragma once

#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/ingest/grammars/text_source.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd::ingest {

struct ReGrammarOptions {
	std::vector<std::string> names;
	std::string record_sep = "\n";
	std::string field_sep = "\\s+";
	std::optional<std::string> comment_pat, stop_pat, record_cleaner;
	bool lax = false; // allow more or fewer fields than names (missing ones are NULL)
	TextSourceOptions text;
	SourcePos record_sep_pos, field_sep_pos, comment_pat_pos, stop_pat_pos, record_cleaner_pos;

	static ReGrammarOptions from_element(const GrammarElement& el);
};

class ReGrammar final : public Grammar {
public:
	// Compiles the patterns; throws Error(Syntax) at the attribute's position for bad ones.
	ReGrammar(ReGrammarOptions options, SourcePos pos = {});
	~ReGrammar() override;
	static std::unique_ptr<Grammar> create(const GrammarElement& el);

	std::string_view element_name() const override { return "reGrammar"; }
	std::optional<std::vector<std::string>> declared_fields() const override { return options_.names; }
	std::unique_ptr<RecordReader> open(const SourceInfo& source,
	                                   const ReadOptions& options = {}) const override;
	const ReGrammarOptions& options() const { return options_; }

	struct Compiled;

private:
	ReGrammarOptions options_;
	std::shared_ptr<const Compiled> compiled_;
};

} // namespace meles::rd::ingest
