// meles/rd/ingest/grammar.hpp — the grammar interface: parses sources into raw records.
//
// The RD loader hands each grammar element over generically (GrammarElement); the
// registry (grammar_registry.hpp) builds the matching Grammar, which validates its
// attributes into a typed options struct.  The importer then opens one RecordReader per
// source and pulls RecordBatches from it.  ignoreOn, rowfilter and sourceFields are not
// applied here: the rowmaker applies them to the records.
// Thread-safety: a Grammar is immutable after construction; open() may be called from
// several threads.  A RecordReader is used by one thread at a time (bytes_consumed()
// may be read from any thread, e.g. by a progress bar).
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/rd/ingest/raw_record.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd::ingest {

// An RD element as the loader saw it, after macro expansion.  Atomic values DaCHS lets
// one write either as attributes or as child elements (<names>a,b</names>) may come in
// either form; grammars accept both.
struct GrammarElement {
	struct Attribute {
		std::string name;
		std::string value;
		SourcePos pos; // where the attribute (or its element) is
	};
	std::string name; // "csvGrammar", "col", ...
	SourcePos pos;    // RD file:line of the start tag
	std::vector<Attribute> attributes;
	std::string text; // character content (trimmed or not; grammars trim where it matters)
	std::vector<GrammarElement> children;

	const Attribute* attribute(std::string_view n) const;
};

// Reading knobs the importer may tune; defaults suit bulk ingestion.
struct ReadOptions {
	// Bytes read from the source per batch (text grammars); batches grow for records
	// longer than this.
	size_t chunk_bytes = 256 * 1024;
	// Upper bound of records per batch.
	size_t max_records = 8192;
	// Records the grammar cannot parse become bad records of the batch (RecordBatch::problem)
	// instead of an exception, so the importer meets them in file order and `imp -c` can
	// skip them.  Problems of the whole source (encoding, header, I/O) still throw.
	bool bad_records_in_batch = false;
};

// Reads one source.  Field names are known once the reader is open (header line, names,
// colDefs or the table's columns) and stay fixed for the source.
class RecordReader {
public:
	virtual ~RecordReader() = default;

	const FieldLayout& layout() const { return *layout_; }
	std::shared_ptr<const FieldLayout> layout_ptr() const { return layout_; }
	const SourceInfo& source() const { return *source_; }

	// Refills `batch` with the next records (1..max_records) and returns true, or returns
	// false at the end of the source (batch then empty).  Values of a batch stay valid
	// until that batch object is refilled, so two batches can alternate between a parsing
	// and a consuming thread.  Throws meles::Error naming source, line/row and field.
	virtual bool next(RecordBatch& batch) = 0;

	// Bytes of the source file consumed so far (compressed bytes when a preFilter or
	// gunzip is active); with SourceInfo::size this gives the progress percentage.
	uint64_t bytes_consumed() const { return consumed_.load(std::memory_order_relaxed); }

protected:
	RecordReader(std::shared_ptr<const SourceInfo> source) : source_(std::move(source)) {}
	void set_layout(FieldLayout layout) { layout_ = std::make_shared<const FieldLayout>(std::move(layout)); }
	void set_consumed(uint64_t n) { consumed_.store(n, std::memory_order_relaxed); }

	std::shared_ptr<const SourceInfo> source_;
	std::shared_ptr<const FieldLayout> layout_ = std::make_shared<const FieldLayout>();

private:
	std::atomic<uint64_t> consumed_{0};
};

class Grammar {
public:
	virtual ~Grammar() = default;

	// The RD element name ("csvGrammar").
	virtual std::string_view element_name() const = 0;
	// Where the grammar was declared (for messages).
	const SourcePos& pos() const { return pos_; }
	// Field names known without reading a source (names=, colDefs); nullopt when they
	// come from each source (CSV header, FITS columns).  `meles val` checks @names with it.
	virtual std::optional<std::vector<std::string>> declared_fields() const = 0;
	// True when values are typed (FITS, VOTable) rather than text.
	virtual bool yields_typed() const { return false; }
	// Opens a source.  Reads as much as needed to know the field layout.
	virtual std::unique_ptr<RecordReader> open(const SourceInfo& source,
	                                           const ReadOptions& options = {}) const = 0;

protected:
	explicit Grammar(SourcePos pos) : pos_(std::move(pos)) {}
	SourcePos pos_;
};

} // namespace meles::rd::ingest
