// ingest/model_adapters.hpp — hands the loader's model (RawElement, SourcesDef) to the
// ingestion side (grammars, source expansion), for the importer and `meles val`'s checks.
// Thread-safety: pure functions.
#pragma once

#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/ingest/sources.hpp"
#include "meles/rd/model/data_desc.hpp"

namespace meles::rd::ingest {

GrammarElement to_grammar_element(const RawElement& e);
// Throws Error(Validation) for what Meles does not apply yet (ignoreSources).
SourcesSpec to_sources_spec(const SourcesDef& s);

} // namespace meles::rd::ingest
