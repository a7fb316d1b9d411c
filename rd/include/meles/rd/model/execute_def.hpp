// meles/rd/model/execute_def.hpp — RD elements kept for later subsystems: `execute` (the
// scheduler), `regSuite`/`regTest` (`meles test`) and `coverage` (registry coverage, limits).
// Thread-safety: plain value types.
#pragma once

#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/raw_element.hpp"
#include "meles/rd/model/source_text.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meles::rd {

struct ExecuteDef {
	std::string id;
	std::string title;
	std::optional<long long> every; // seconds; negative = also once at RD load
	std::vector<std::string> at;    // "HH:MM", "m22 7:30", "w3 15:02" (UTC)
	std::string on;                 // "loaded" (DaCHS 2.11) or ""
	bool debug = false;
	ApplyDef job; // its Python (setup/code) is kept, not run
	SourcePos pos;
};

struct RegTest {
	std::string title;
	std::vector<std::string> tags;
	// The `url` element: its text is the service-relative URL, its attributes (and PARAM-like
	// children) the request parameters; httpMethod, parSet, postPayload etc. stay attributes.
	std::optional<RawElement> url;
	std::optional<PythonCode> code; // assertions (Python)
	SourcePos pos;
};

struct RegSuite {
	std::string id;
	std::string title;
	bool sequential = false;
	std::vector<RegTest> tests;
	SourcePos pos;
};

struct CoverageUpdater {
	std::string source_table, space_table, time_table, spectral_table; // as written
	std::optional<int> moc_order;
	SourcePos pos;
};

struct CoverageDef {
	std::optional<CoverageUpdater> updater;
	std::string spatial;  // ASCII MOC
	std::string temporal; // MJD interval pairs
	std::string spectral; // interval pairs in Joule
	SourcePos pos;
};

} // namespace meles::rd
