// meles/rd/ingest/grammars/fitsProdGrammar: one record per FITS file (DaCHS's product grammar),
// its fields the header keywords with typed values (string, integer, float, logical).
//
// `hdu` chooses the header (default the primary; an empty primary HDU followed by a
// tile-compressed image gives that image's header, as fpack moves it there); `hdusField`
// instead makes one record per HDU, the named field holding the HDU's index (0: primary).
// `qnd` (default True) reads the primary header's blocks directly; gzip-compressed files are
// recognised by their content.  `mapKeys` renames fields ("dateObs: DATE-OBS", or
// <map key="dateObs">DATE-OBS</map>).  A file that is not FITS, truncated or corrupt is an
// error naming it.  Headers come from core/fits (CFITSIO).
// Thread-safety: the grammar is immutable; each reader belongs to one thread.
#pragma once

#include "meles/rd/ingest/grammar.hpp"

#include <string>
#include <utility>
#include <vector>

namespace meles::rd::ingest {

struct FitsProdGrammarOptions {
	int hdu = 0;
	bool qnd = true;
	std::string hdus_field; // "": one record per file
	int max_header_blocks = 40;
	std::vector<std::pair<std::string, std::string>> map_keys; // (field name, header keyword)

	static FitsProdGrammarOptions from_element(const GrammarElement& el);
};

class FitsProdGrammar final : public Grammar {
public:
	FitsProdGrammar(FitsProdGrammarOptions options, SourcePos pos = {});
	static std::unique_ptr<Grammar> create(const GrammarElement& el);

	std::string_view element_name() const override { return "fitsProdGrammar"; }
	std::optional<std::vector<std::string>> declared_fields() const override { return std::nullopt; }
	bool yields_typed() const override { return true; }
	std::unique_ptr<RecordReader> open(const SourceInfo& source,
	                                   const ReadOptions& options = {}) const override;
	const FitsProdGrammarOptions& options() const { return options_; }

private:
	FitsProdGrammarOptions options_;
};

} // namespace meles::rd::ingest
