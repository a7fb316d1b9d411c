// meles/rd/ingest/grammars/fits_table_grammar.hpp — fitsTableGrammar: rows of a FITS
// binary or ASCII table as typed records.
//
// Field names are the TTYPEs (lower-cased with lowerKeys).  Values are Int, Double, Bool
// or Text after TSCAL/TZERO; array columns (fixed or variable length) become IntArray,
// DoubleArray or BoolArray.  TNULL values and undefined logicals are NULL; NaN stays a
// double unless nanIsNULL.  Reads go through core's FitsTableReader (CFITSIO).
// Thread-safety: the grammar is immutable; each reader belongs to one thread.
#pragma once

#include "meles/rd/ingest/grammar.hpp"

namespace meles::rd::ingest {

struct FitsTableGrammarOptions {
	int hdu = 1; // 0 = primary; tables usually are in the first extension
	bool lower_keys = false;
	bool nan_is_null = false;

	static FitsTableGrammarOptions from_element(const GrammarElement& el);
};

class FitsTableGrammar final : public Grammar {
public:
	FitsTableGrammar(FitsTableGrammarOptions options, SourcePos pos = {});
	static std::unique_ptr<Grammar> create(const GrammarElement& el);

	std::string_view element_name() const override { return "fitsTableGrammar"; }
	std::optional<std::vector<std::string>> declared_fields() const override { return std::nullopt; }
	bool yields_typed() const override { return true; }
	std::unique_ptr<RecordReader> open(const SourceInfo& source,
	                                   const ReadOptions& options = {}) const override;
	const FitsTableGrammarOptions& options() const { return options_; }

private:
	FitsTableGrammarOptions options_;
};

} // namespace meles::rd::ingest
