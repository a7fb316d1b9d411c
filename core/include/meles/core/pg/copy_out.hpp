// meles/core/pg/copy_out.hpp — streaming query results with COPY (...) TO STDOUT in
// PostgreSQL's binary format, and decoding those rows into a formats::TableWriter.
//
// This is the hot path of every table-returning service: rows arrive as the server
// produces them (no client-side buffering of the result), fixed-size big-endian values
// pass to BINARY/BINARY2 writers untouched, and memory is bounded by one row.
// Because pg_sphere types have no binary representation, the query is wrapped so that
// every column arrives in a shape the decoder knows (geometries as degree arrays, other
// values cast to the column's declared type).  Thread-safety: one thread per CopyOut.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/core/formats/table_writer.hpp"
#include "meles/core/pg/connection.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::pg {

// COPY ... TO STDOUT in progress.  If destroyed before the end, the statement is cancelled
// and the remaining data discarded, leaving the connection usable (or marked broken).
class CopyOut {
public:
	CopyOut(Connection& conn, std::string_view copy_sql);
	CopyOut(const CopyOut&) = delete;
	CopyOut& operator=(const CopyOut&) = delete;
	~CopyOut();
	// The next CopyData message, valid until the next call; nullopt at the end.  Throws
	// DbError when the query fails (e.g. statement_timeout, cancel).
	std::optional<std::string_view> next();
	// Like next(), but without waiting: when the next message has not arrived yet, nullopt
	// with `would_block` set (then call next() to wait for it).
	std::optional<std::string_view> next_if_ready(bool& would_block);

private:
	void release();
	std::optional<std::string_view> finish_message(int n);
	Connection& conn_;
	char* buf_ = nullptr;
	bool done_ = false;
};

// SELECT wrapping `sql` so that column i arrives as decode_binary_row() expects for
// columns[i]: `SELECT <cast or conversion of _q.cI> ... FROM (sql) AS _q(c1, ..., cN)`.
std::string binary_shaped_query(std::string_view sql, const std::vector<ColumnMeta>& columns);

// Decodes binary COPY output (header, tuples, trailer) into writer calls.
class BinaryRowDecoder {
public:
	explicit BinaryRowDecoder(const std::vector<ColumnMeta>& columns);
	// Feeds one CopyData message.  Returns true when it completed a tuple that was written
	// to `writer` (begin_row ... end_row); false for header/trailer messages.
	bool feed(std::string_view message, formats::TableWriter& writer);

private:
	enum class Kind : uint8_t {
		Bool,
		Int16,
		Int32,
		Int64,
		Float32,
		Float64,
		Text,
		Timestamp,
		Date,
		Bytea,
		ArrayInt16,
		ArrayInt32,
		ArrayInt64,
		ArrayFloat32,
		ArrayFloat64,
		ArrayBool,
		Polygon,
		TextArray
	};
	std::vector<Kind> kinds_;
	bool header_seen_ = false;
	// scratch buffers reused for arrays
	std::vector<int16_t> i16_;
	std::vector<int32_t> i32_;
	std::vector<int64_t> i64_;
	std::vector<float> f32_;
	std::vector<double> f64_;
};

// Streams the rows of `sql` into `writer`, at most `max_rows` of them; reports whether more
// rows were available (overflow).  Calls writer.flush() whenever rows are written and the
// next message has not arrived yet (the database makes us wait), and every `flush_rows` rows.  `on_started`
// runs once the server has accepted and started the query (errors such as unknown tables have been raised by
// then), typically to call writer.begin() — so such errors can still become a proper error response; without
// it, the caller must have called writer.begin() before.
struct StreamResult {
	uint64_t rows = 0;
	bool overflow = false;
};
StreamResult stream_query(Connection& conn, std::string_view sql, const std::vector<ColumnMeta>& columns,
                          formats::TableWriter& writer, uint64_t max_rows, uint64_t flush_rows = 10000,
                          const std::function<void()>& on_started = {});

} // namespace meles::pg
