// meles/rd/model/proc_def.hpp — reusable RD pieces: procDef, mixinDef, STREAM, macDef.
//
// Streams and mixins are kept as recorded element trees (RawElement); the loader replays them
// where they are fed or mixed in.  Procedure bodies are Python and are kept as text; the
// procedures of Meles' own system RDs have no body — their behaviour is native and looked up
// by qualified id (see docs/rd-reference.md).
// Thread-safety: plain value types.
#pragma once

#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/raw_element.hpp"
#include "meles/rd/model/source_text.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd {

struct ProcDef {
	std::string id;
	std::string type; // apply, rowfilter, sourceFields, phraseMaker, descriptorGenerator, ...
	std::vector<ProcPar> pars;
	std::vector<std::string> imports;
	std::optional<PythonCode> setup_code;
	std::optional<PythonCode> code;
	std::string doc;
	std::string original;
	SourcePos pos;

	bool has_python() const { return (code && !code->empty()) || (setup_code && !setup_code->empty()); }
	const ProcPar* find_par(std::string_view key) const;
};

struct MixinPar {
	std::string key;
	std::optional<std::string> default_value; // nullopt: required
	bool late = false;
	std::string description;
	SourcePos pos;
};

struct MixinDef {
	std::string id;
	std::string doc;
	std::vector<RawElement> events;      // replayed into the table after its own children
	std::vector<RawElement> late_events; // replayed once the table is complete
	std::vector<MixinPar> pars;
	// processEarly / processLate bodies (Python); only mixins with a native implementation
	// registered under their qualified id may have them.
	std::optional<PythonCode> process_early, process_late;
	SourcePos pos;
};

// A recorded STREAM/NXSTREAM, for FEED/LOOP source= replay (also across RDs).
struct StreamDef {
	std::string id;
	std::string doc;
	std::vector<RawElement> events;
	std::map<std::string, std::string> defaults; // DEFAULTS child: macro defaults
	bool no_expand = false; // NXSTREAM: nested active tags are expanded at replay, not recording
	SourcePos pos;
};

struct MacDef {
	std::string name;
	std::string content;
	SourcePos pos;
};

} // namespace meles::rd
