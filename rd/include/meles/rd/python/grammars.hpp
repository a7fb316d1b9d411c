// meles/rd/python/grammars.hpp — grammars and row filters whose rows Python code makes.
//
// embeddedGrammar (iterator/pargetter code in the RD) and customGrammar (a module next to
// the RD) yield dicts; rowfilters and sourceFields with Python code turn each raw record
// into dicts.  Either way the dicts become RecordBatches as the native grammars make them:
// strings as text, numbers and booleans typed, anything else (dates, lists, geometries) as
// expression values the batch keeps.  Keys may differ between rows: a row with a key the
// batch's layout lacks starts a batch with a wider layout (the importer compiles its
// rowmaker per layout).  Rows are made on a Python thread, a batch per hand-off.
// Thread-safety: as ingest::Grammar and ingest::RecordReader.
#pragma once

#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/model/data_desc.hpp"

#include <functional>
#include <memory>

namespace meles::rd {
struct Resource;
struct ProcDef;
} // namespace meles::rd

namespace meles::rd::python {

// True for grammar elements Python implements (embeddedGrammar, customGrammar).
bool is_python_grammar(std::string_view element);

// What make_grammar refuses before any code runs (isDispatching, an embeddedGrammar without
// an iterator), for `meles val` to say the same.  Throws Error(Validation).
void check_grammar(const GrammarDef& grammar);

using ProcDefLookup = std::function<const ProcDef*(std::string_view qualified_ref)>;

// The grammar of an embeddedGrammar or customGrammar element.  Throws Error at the RD line
// for code that does not compile.
std::unique_ptr<ingest::Grammar> make_grammar(const GrammarDef& grammar, std::shared_ptr<const Resource> rd,
                                              const ProcDefLookup& find_procdef);

// True when a procedure application has Python code to run (its own or its procDef's).
bool runs_application(const ApplyDef& application, const ProcDefLookup& find_procdef);
// True when the grammar has rowfilters or sourceFields with Python to run.
bool has_python_filters(const GrammarDef& grammar, const ProcDefLookup& find_procdef);
// Wraps a reader so that its records go through the grammar's sourceFields and rowfilters.
std::unique_ptr<ingest::RecordReader>
filter_records(std::unique_ptr<ingest::RecordReader> reader, const GrammarDef& grammar,
               std::shared_ptr<const Resource> rd, const ProcDefLookup& find_procdef,
               const std::function<std::string(std::string_view, const SourcePos&)>& expand);

} // namespace meles::rd::python
