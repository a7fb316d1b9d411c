// meles/core/votable/votable_reader.hpp — streaming VOTable parser for uploads (TAP UPLOAD,
// persistent user tables, the votableGrammar).
//
// Bytes are pushed in as they arrive and parsed with constant memory; the first TABLE goes to a
// consumer as a schema, then typed rows in batches.  Thread-safety: one reader per thread.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/core/votable/row_batch.hpp"

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::votable {

enum class Datatype : std::uint8_t {
	Boolean,
	Bit,
	UnsignedByte,
	Short,
	Int,
	Long,
	Char,
	UnicodeChar,
	Float,
	Double,
	FloatComplex,
	DoubleComplex
};

// A FIELD (or PARAM) as declared.
struct FieldInfo {
	// name exactly as written (mixed case and blanks kept; `delimited` set when it is not a
	// regular ADQL identifier), unit, ucd, utype, xtype, description; `type` is the SQL type
	// the column is stored as (sql_type_from_votable) when `storable`.
	ColumnMeta meta;
	std::string id;
	std::string ref;
	std::string datatype_name; // as written: "double", "unicodeChar", ...
	std::string arraysize;     // as written, "" for scalars
	std::string xtype;         // as written
	std::string null_text;     // VALUES null as written ("" if none)
	Datatype datatype = Datatype::Char;
	bool scalar = true;         // no arraysize (or "1")
	bool variable = false;      // last dimension '*'
	std::uint64_t elements = 1; // fixed: total elements; variable: elements per step (product of fixed dims)
	ValueKind kind = ValueKind::Text;
	std::optional<std::int64_t> null_int; // integer magic null
	// Why the column cannot become a database column ("" when it can), e.g. complex numbers.
	std::string storage_problem;
	bool storable() const { return storage_problem.empty(); }
};

struct ParamInfo {
	FieldInfo field;
	std::string value;
};

struct TableInfo {
	std::string name;
	std::string value;
	std::string content;
};

enum class DataFormat { None, Tabledata, Binary, Binary2 };

struct TableSchema {
	std::string version;       // VOTABLE version attribute
	std::string resource_name; // of the RESOURCE holding the table
	std::string table_name;
	std::string description; // TABLE DESCRIPTION
	std::vector<FieldInfo> fields;
	std::vector<ParamInfo> params; // every PARAM before the table's data, outermost first
	std::vector<TableInfo> infos;  // INFOs seen before the table's data
	DataFormat format = DataFormat::None;
};

class VOTableConsumer {
public:
	virtual ~VOTableConsumer() = default;
	// Once, when the table's rows begin (at TABLEDATA/BINARY/BINARY2), or at the end of the
	// TABLE when it has no DATA; schema.format then says which serialization follows.
	virtual void on_schema(const TableSchema& schema) = 0;
	// Rows in batches; the batch and its views are valid only during the call.
	virtual void on_rows(const RowBatch& batch) = 0;
	// Once, after the document ended; `trailing` are INFOs after the table's data
	// (e.g. QUERY_STATUS OVERFLOW/ERROR written by another service).
	virtual void on_end(std::uint64_t rows, const std::vector<TableInfo>& trailing) {
		(void)rows;
		(void)trailing;
	}
};

// Limits that keep a hostile upload's cost in proportion to its size: Error(Limit) beyond them.
struct ReaderOptions {
	std::size_t batch_rows = 1024;
	std::size_t batch_bytes = 4 << 20;          // text/array bytes per batch before it is delivered
	std::uint64_t max_rows = 0;                 // 0: unlimited; else Error(Limit) beyond it
	std::uint64_t max_cell_bytes = 64ull << 20; // one cell (a string or array) at most
	std::uint64_t max_row_bytes = 128ull << 20; // one row (held whole until it is complete)
	std::size_t max_fields = 10000;             // FIELDs of the table
	std::size_t max_params_infos = 10000;       // PARAMs and INFOs kept for the consumer
	int max_depth = 64;                         // element nesting (VOTables need about 10)
	std::size_t max_markup_bytes = 1 << 20;     // one tag with its attributes, comment, PI, DOCTYPE
	std::size_t max_name_bytes = 1024;          // an element or attribute name
	std::size_t max_attribute_bytes = 64 << 10; // an attribute value (PARAM/INFO value: markup limit)
	std::size_t max_text_bytes = 1 << 20;       // a DESCRIPTION or INFO text
};

// TABLEDATA, BINARY and BINARY2 (inline base64 STREAMs); external STREAM hrefs, gzip encoding
// and FITS serialization are refused with an Error.  Every data error names row and column.
// A table needs at least one FIELD.  No entity is ever fetched: entity declarations and
// references to undefined entities are errors (expat would silently drop the latter).
// Small pieces are collected and parsed in steps of 256 kB, so feeding a few bytes at a time
// costs no more than feeding large buffers.
class VOTableReader {
public:
	explicit VOTableReader(VOTableConsumer& consumer, ReaderOptions options = {});
	~VOTableReader();
	VOTableReader(const VOTableReader&) = delete;
	VOTableReader& operator=(const VOTableReader&) = delete;

	// Parses the next piece of the document.  Throws meles::Error: Syntax for malformed XML or
	// cell values ("row 1532, column 'mag': 'abc' is not a float"), Validation for VOTable
	// structure (no TABLE, external stream, ...), Limit for max_rows/max_cell_bytes, and
	// whatever the consumer throws.  After a throw the reader is unusable.
	void feed(std::string_view bytes);
	// The document is complete: checks it, delivers the last batch and calls on_end.
	void finish();

	std::uint64_t rows() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

// Reads a whole stream through a VOTableReader in 64 kB pieces.
void read_votable(std::istream& in, VOTableConsumer& consumer, ReaderOptions options = {});

} // namespace meles::votable
