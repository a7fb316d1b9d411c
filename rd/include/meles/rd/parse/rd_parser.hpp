// meles/rd/parse/rd_parser.hpp — loading one resource descriptor from XML into the model.
//
// XML -> RawElement tree (file:line positions) -> active tags expanded (STREAM/FEED/LOOP/...)
// -> one parse function per element builds the typed structs, applying `original=` copies and
// mixins -> references resolved and checked.  Problems are collected in the result's
// Diagnostics; the Resource is returned even when some parts were bad (for `meles val`), but
// callers that need a working RD must refuse it when diagnostics.has_errors().
// Most callers use RdStore (meles/rd/store/rd_store.hpp) instead, which caches RDs and
// resolves references to other RDs.
// Thread-safety: each call is independent; the resolver is called on the calling thread.
#pragma once

#include "meles/rd/model/resource.hpp"
#include "meles/rd/parse/diagnostics.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace meles::rd {

// Gives access to other RDs while one is being parsed (FEED source="//scs#coreDescs",
// mixin="//scs#q3cindex", original="//ssap#instance.ssa_dateObs", make table="other/q#t").
class RdResolver {
public:
	virtual ~RdResolver() = default;
	// The loaded RD with this id ("//scs", "other/q"); throws Error when it cannot be loaded.
	virtual std::shared_ptr<const Resource> resolve(std::string_view rd_id) = 0;
};

// Configuration values for \getConfig{section}{item}; nullopt = not set.
using ConfigLookup =
    std::function<std::optional<std::string>(std::string_view section, std::string_view item)>;

struct ParseOptions {
	std::string rd_id;                // defaults to the file name without .rd
	std::filesystem::path inputs_dir; // for resdir resolution
	ConfigLookup config;              // falls back to default_config_value()
	std::shared_ptr<const MetaBag> site_meta;
	RdResolver* resolver = nullptr; // nullptr: references to other RDs are errors
	bool is_system = false;         // a system RD (//name)
};

struct ParseResult {
	std::shared_ptr<Resource> resource; // null only when the file is not well-formed XML
	Diagnostics diagnostics;
};

ParseResult parse_rd_file(const std::filesystem::path& file, const ParseOptions& options);
ParseResult parse_rd_text(std::string_view xml, const std::string& source_name, const ParseOptions& options);

// DaCHS's defaults for configuration items RDs commonly ask for (web serverURL, ivoa
// authority/dalDefaultLimit/dalHardLimit, async defaultMAXREC/hardMAXREC, general inputsDir, ...).
std::optional<std::string> default_config_value(std::string_view section, std::string_view item);

} // namespace meles::rd
