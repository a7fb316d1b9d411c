// meles/rd/ingest/rowmaker.hpp — turns raw grammar records into COPY text rows for one
// table, as a `rowmaker` declares: ignoreOn, then vars (in order), then applies, then maps
// and idmaps/simplemaps, one value per table column.
//
// A CompiledRowmaker is built for one source's field layout (text grammars learn their
// field names from a header, so layouts can differ between sources) and then applied to
// every record without name lookups: raw values reach COPY through type-directed literal
// parsing, expressions run natively (meles/rd/expr).  Expressions outside the native subset
// and `apply` procedures run as Python through meles/rd/python (RowStage); such a rowmaker
// does its rows inside run(), which hands a whole batch to a Python thread at once.
// Errors name the source file, line or row, and the column.
// Thread-safety: build and use one CompiledRowmaker per thread.
#pragma once

#include "meles/rd/expr/expression.hpp"
#include "meles/rd/ingest/native_procs.hpp"
#include "meles/rd/ingest/raw_record.hpp"
#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/table_def.hpp"
#include "meles/rd/parse/macros.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace meles::rd {
struct Resource;
struct ProcDef;
} // namespace meles::rd

namespace meles::rd::ingest {

// What a rowmaker runs beyond its own definition.
struct RowmakerInputs {
	// The data element's grammar: its ignoreOn conditions and native row filters run first
	// (Python row filters run in the importer, before the rowmaker: python::filter_records).
	const GrammarDef* grammar = nullptr;
	// The procDefs of row filters and applies (parameter defaults, code).
	ProcResolver procs;
	std::shared_ptr<const Resource> rd; // the RD of the data element (`rd` in Python code)
};

class CompiledRowmaker {
public:
	// Compiles `rowmaker` for `table` given the record layout of the current source.
	// Row macros (\srcstem, ...) are expanded with `macros` first.  Order per record: ignoreOn
	// (the grammar's, then the rowmaker's), row filters, vars, applies, maps and idmaps.
	// Procedure applications run natively when native_procs has them, else as Python (the
	// RowStage); a procDef with neither code nor a native implementation is refused.  Throws
	// Error with the RD position for unsupported constructs and bad expressions.
	CompiledRowmaker(const RowmakerDef& rowmaker, const TableDef& table, const FieldLayout& layout,
	                 const RowMacroContext& macros, const RowmakerInputs& inputs = {});
	~CompiledRowmaker();
	CompiledRowmaker(CompiledRowmaker&&) noexcept;

	// Runs `work` (a loop over append() calls) where this rowmaker's rows must be made: inline,
	// or on a Python thread when the rowmaker has Python parts.
	void run(const std::function<void()>& work);
	bool uses_python() const;

	// Appends record r of the batch as one COPY text line (all table columns in order)
	// and returns true, or returns false when ignoreOn (or IgnoreThisRow) skips it.  Throws
	// Error naming the source position and column.  Call inside run().
	bool append(const RecordBatch& batch, size_t r, std::string& out);

	// True when an expression uses \rowsMade/\rowsProcessed or other per-source macros:
	// the importer then compiles per source.
	static bool needs_per_source(const RowmakerDef& rowmaker);

	struct Impl;

private:
	std::unique_ptr<Impl> impl_;
};

// "a,b,*" style shell patterns (idmaps) against a name.
bool name_matches(std::string_view pattern, std::string_view name);

} // namespace meles::rd::ingest
