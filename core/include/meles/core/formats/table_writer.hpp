// meles/core/formats/table_writer.hpp — the one interface every tabular output format implements.
//
// A producer (TAP query, SCS, async job) describes the columns once, then pushes rows cell by
// cell with typed calls; VOTable (TABLEDATA/BINARY/BINARY2), CSV, TSV, JSON and FITS writers turn
// them into bytes on a ByteSink, buffering at most a few hundred kB.  Thread-safety: one writer
// is used by one thread at a time.
#pragma once

#include "meles/core/common/column_meta.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meles::formats {

// An INFO element (VOTable) or a status entry (JSON); ignored by CSV/TSV.
struct InfoItem {
	std::string name;
	std::string value;
	std::string content; // element text, may be empty
};

// A PARAM: a constant with column-like metadata; the value in its VOTable TABLEDATA form
// (numbers as text, arrays blank-separated).
struct ParamItem {
	ColumnMeta meta;
	std::string value;
};

struct TableHeader {
	std::vector<ColumnMeta> columns;
	std::string table_name;  // TABLE name / FITS EXTNAME; may be empty
	std::string description; // TABLE DESCRIPTION
	// Written after QUERY_STATUS=OK, which the VOTable writer adds itself (e.g. request, query, sql).
	std::vector<InfoItem> infos;
	std::vector<ParamItem> params;
};

// How a document ends.  Overflow: the producer cut rows at MAXREC.  Error: the producer failed
// after begin(); the message is shown to the user (VOTable: trailing QUERY_STATUS=ERROR INFO).
enum class EndStatus { Ok, Overflow, Error };

// Big-endian fixed-size values as PostgreSQL's binary protocol delivers them (int2/4/8,
// float4/8).  BINARY/BINARY2/FITS copy them unchanged when the column has that width.
enum class RawType : std::uint8_t { Int16, Int32, Int64, Float32, Float64 };

class TableWriter {
public:
	virtual ~TableWriter() = default;

	// Writes everything before the first row (XML header and FIELDs, CSV header line...).
	virtual void begin(const TableHeader& header) = 0;

	// Row protocol: begin_row(), then exactly one cell call per column in column order, then
	// end_row().  A cell call converts between numeric types when the column's type differs
	// (e.g. int64 into a double column) and throws Error(Type) when the value does not fit;
	// a wrong kind of value (text into an int column) is Error(Internal).
	virtual void begin_row() = 0;
	virtual void end_row() = 0;

	virtual void null() = 0;
	virtual void boolean(bool v) = 0;
	virtual void int16(std::int16_t v) = 0;
	virtual void int32(std::int32_t v) = 0;
	virtual void int64(std::int64_t v) = 0;
	virtual void float32(float v) = 0;
	virtual void float64(double v) = 0;
	// UTF-8 text (char, unicodeChar and timestamp columns).
	virtual void string(std::string_view utf8) = 0;
	// PostgreSQL's binary timestamp (microseconds since 2000-01-01T00:00:00) and date (days
	// since 2000-01-01); written as ISO 8601 "YYYY-MM-DDThh:mm:ss[.ffffff]" / "YYYY-MM-DD"
	// (no zone letter, trailing zeros of the fraction dropped).  PostgreSQL's ±infinity
	// become null.
	virtual void timestamp(std::int64_t micros_since_2000) = 0;
	virtual void date(std::int32_t days_since_2000) = 0;
	// Array cells.  Fixed-size columns (arraysize "n") must get exactly n elements.
	virtual void array(std::span<const std::uint8_t> v) = 0; // unsignedByte[] (bytea)
	virtual void array(std::span<const std::int16_t> v) = 0;
	virtual void array(std::span<const std::int32_t> v) = 0;
	virtual void array(std::span<const std::int64_t> v) = 0;
	virtual void array(std::span<const float> v) = 0;
	virtual void array(std::span<const double> v) = 0;
	// DALI geometry in degrees: point (ra, dec), circle (ra, dec, radius), polygon
	// (ra1, dec1, ra2, dec2, ...).  Same as array(span<const double>), kept separate so the
	// intent is visible at call sites and formats may treat shapes specially later.
	void geometry(std::span<const double> degrees) { array(degrees); }

	// One fixed-size big-endian value (2, 4 or 8 bytes at `bytes`).  The default decodes it and
	// makes the typed call; binary formats override it with a plain copy.
	virtual void raw_be(RawType type, const char* bytes);

	// Ends the document (closing elements, trailing INFO, FITS header and data).  After an
	// Error, a partly written row is dropped.  Must be called once; the writer does not flush
	// on destruction.  begin() and finish() write to the sink without flushing it: whoever ends
	// the response sends the rest together (a small result then leaves in one or two packets,
	// not four), and only flush() — after the first row and each batch — pushes bytes early.
	virtual void finish(EndStatus status = EndStatus::Ok, std::string_view message = {}) = 0;

	// Hands the complete rows buffered so far to the sink and flushes it (call after each
	// database batch so the first rows reach the client early).  Writers that cannot stream
	// (FITS) ignore it.
	virtual void flush() = 0;

	// Rows completed so far (end_row() calls).
	virtual std::uint64_t rows() const = 0;
};

} // namespace meles::formats
