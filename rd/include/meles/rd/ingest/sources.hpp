// meles/rd/ingest/sources.hpp — expands a data element's <sources> into the files to parse.
//
// Patterns are shell globs relative to the RD's resdir (several allowed); with recurse
// the pattern's file part is matched in every directory below its directory part.
// Results are regular files in byte-wise sorted path order, each once; <item> literals
// come first, in document order.  A pattern matching nothing is an error (DaCHS imports
// nothing silently, which after a typo replaces a good table by an empty one).
// Thread-safety: pure functions over the file system.
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/ingest/raw_record.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace meles::rd::ingest {

struct SourcesSpec {
	struct Pattern {
		std::string glob;
		SourcePos pos;
	};
	std::vector<Pattern> patterns;
	std::vector<std::string> items;
	bool recurse = false;
	SourcePos pos; // the <sources> element

	// Reads a <sources> element: pattern attribute and/or <pattern> children, recurse,
	// <item> children.  Children DaCHS knows but Meles does not apply yet (ignoreSources)
	// raise Error(Validation); unknown attributes raise Error(Name) with a did-you-mean.
	static SourcesSpec from_element(const GrammarElement& el);
};

struct ExpandOptions {
	// When true, a pattern matching nothing is not an error (the source list may be empty).
	bool allow_empty = false;
};

// Expands `spec` against `resdir`.  Throws Error(NotFound) naming the pattern and resdir
// when a pattern matches no file (unless allow_empty), Error(Io) when a directory cannot be read.
std::vector<SourceInfo> expand_sources(const SourcesSpec& spec, const std::string& resdir,
                                       const ExpandOptions& options = {});

// Sum of SourceInfo::size: the denominator of the progress bar's percentage.
uint64_t total_bytes(const std::vector<SourceInfo>& sources);

} // namespace meles::rd::ingest
