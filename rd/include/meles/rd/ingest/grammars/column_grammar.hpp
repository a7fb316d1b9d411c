// meles/rd/ingest/grammars/column_grammar.hpp — columnGrammar: fixed-width columns
// (VizieR byte-by-byte tables), one record per line.
//
// Columns are character ranges, 1-based and inclusive ("mag:12-16", "flag:20", "rest:40-"),
// from colDefs and/or <col key="mag">12-16</col> children.  Lines shorter than a range give
// what is there (often "": VizieR files drop trailing blanks).  Blank lines and lines
// starting with commentIntroducer are skipped.
// Thread-safety: the grammar is immutable; each reader belongs to one thread.
#pragma once

#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/ingest/grammars/text_source.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd::ingest {

struct ColumnRange {
	std::string name;
	size_t start = 0; // 0-based first character
	size_t end = 0;   // 0-based one past the last character; SIZE_MAX = to the end of the line
};

struct ColumnGrammarOptions {
	std::vector<ColumnRange> columns; // document order: colDefs first, then <col> children
	std::optional<std::string> comment_introducer;
	bool strip = true; // DaCHS strips column values by default
	TextSourceOptions text;

	static ColumnGrammarOptions from_element(const GrammarElement& el);
	// Parses DaCHS colDefs text ("a:1-5 b: 7  c:10-"); throws Error(Syntax) at `pos`.
	static std::vector<ColumnRange> parse_col_defs(std::string_view text, const SourcePos& pos);
	// Parses one range ("12-16", "7", "40-", "-5").
	static ColumnRange parse_range(std::string_view name, std::string_view range, const SourcePos& pos);
};

class ColumnGrammar final : public Grammar {
public:
	ColumnGrammar(ColumnGrammarOptions options, SourcePos pos = {});
	static std::unique_ptr<Grammar> create(const GrammarElement& el);

	std::string_view element_name() const override { return "columnGrammar"; }
	std::optional<std::vector<std::string>> declared_fields() const override;
	std::unique_ptr<RecordReader> open(const SourceInfo& source,
	                                   const ReadOptions& options = {}) const override;
	const ColumnGrammarOptions& options() const { return options_; }

private:
	ColumnGrammarOptions options_;
};

} // namespace meles::rd::ingest
