// meles/rd/ingest/rowmaker.hpp — turns raw grammar records into COPY text rows for one
// table, as a `rowmaker` declares: ignoreOn, then vars (in order), then maps and
// idmaps/simplemaps, one value per table column.
//
// A CompiledRowmaker is built for one source's field layout (text grammars learn their
// field names from a header, so layouts can differ between sources) and then applied to
// every record without name lookups: raw values reach COPY through type-directed literal
// parsing, expressions run natively (meles/rd/expr).  Errors name the source file, line
// or row, and the column.
// Thread-safety: build and use one CompiledRowmaker per thread.
#pragma once

#include "meles/rd/expr/expression.hpp"
#include "meles/rd/ingest/native_procs.hpp"
#include "meles/rd/ingest/raw_record.hpp"
#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/table_def.hpp"
#include "meles/rd/parse/macros.hpp"

#include <memory>
#include <string>
#include <vector>

namespace meles::rd::ingest {

// What a rowmaker runs beyond its own definition.
struct RowmakerInputs {
	// The data element's grammar: its ignoreOn conditions and row filters run first.
	const GrammarDef* grammar = nullptr;
	// The procDefs of row filters and applies (parameter defaults, code).
	ProcResolver procs;
};

class CompiledRowmaker {
public:
	// Compiles `rowmaker` for `table` given the record layout of the current source.
	// Row macros (\srcstem, ...) are expanded with `macros` first.  Order per record: ignoreOn
	// (the grammar's, then the rowmaker's), row filters, vars, applies, maps and idmaps.
	// Procedure applications run natively when native_procs has them; others are refused here
	// (Python ones, by the loader already).  Throws Error with the RD position for unsupported
	// constructs and bad expressions.
	CompiledRowmaker(const RowmakerDef& rowmaker, const TableDef& table, const FieldLayout& layout,
	                 const RowMacroContext& macros, const RowmakerInputs& inputs = {});
	~CompiledRowmaker();
	CompiledRowmaker(CompiledRowmaker&&) noexcept;

	// Appends record r of the batch as one COPY text line (all table columns in order)
	// and returns true, or returns false when ignoreOn skips it.  Throws Error naming the
	// source position and column.
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
