// meles/rd/ingest/grammars/text_source.hpp — the input options every text grammar shares
// (csvGrammar, reGrammar, columnGrammar): topIgnoredLines, enc, gunzip, preFilter.  Read and
// checked in one place (ingest/grammars/text_input), listed once in the grammar records.
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>

namespace meles::rd::ingest {

struct TextSourceOptions {
	int64_t top_ignored_lines = 0; // physical lines skipped before the header/data
	std::string enc = "utf-8";     // utf-8, ascii, latin-1, cp1252
	bool gunzip = false;
	std::string pre_filter; // command the file is piped through (e.g. "zcat")
};

} // namespace meles::rd::ingest
