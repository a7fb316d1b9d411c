// meles/rd/model/execute_def.hpp — RD elements kept for later subsystems: `execute` (the
// scheduler), `regSuite`/`regTest` (`meles test`) and `coverage` (registry coverage, limits).
// Thread-safety: plain value types.
#pragma once

#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/raw_element.hpp"
#include "meles/rd/model/source_text.hpp"

#include <optional>
#include <string>
#include <utility>
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

// An upload going with a regTest's POST request (`httpUpload`): inline text or a file.
struct RegTestUpload {
	std::string name;                   // the upload parameter
	std::string file_name;              // the file name sent (DaCHS: upload.dat)
	std::optional<std::string> source;  // resdir-resolved path of the data, or
	std::optional<std::string> content; // the element's text
	SourcePos pos;
};

// The `url` of a regTest: where its data come from and how they are asked for.  The text is
// relative to the RD (`svc/renderer`), to the server (`/tap/sync`) or absolute (`http://...`);
// attributes that are not one of the http* options, and child elements other than httpHeader
// and httpUpload, are request parameters (in document order).
struct RegTestUrl {
	std::string path;           // the text, whitespace removed, RD macros expanded
	std::string method = "GET"; // httpMethod
	std::string par_set;        // parSet: "", "form" or "TAP"
	std::vector<std::pair<std::string, std::string>> params;
	std::vector<std::pair<std::string, std::string>> headers; // httpHeader key= children
	std::string auth_key;                                     // httpAuthKey (test.creds)
	std::optional<std::string> post_payload;                  // resdir-resolved file
	bool honor_redirects = false;                             // httpHonorRedirects
	std::optional<long long> chunk_size;                      // httpChunkSize (uploads)
	std::vector<RegTestUpload> uploads;
	SourcePos pos;
};

struct RegTest {
	std::string id;
	std::string title;
	std::vector<std::string> tags;
	std::optional<RegTestUrl> url;  // none: the code runs without a request ("unconditional")
	std::optional<PythonCode> code; // assertions (Python, a function body with `self`)
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
