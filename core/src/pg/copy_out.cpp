#include "meles/core/pg/copy_out.hpp"

#include "meles/core/common/strings.hpp"

#include <libpq-fe.h>

#include <cmath>
#include <cstring>

namespace meles::pg {

namespace {

PGconn* raw(Connection& c);

inline uint16_t be16(const char* p) {
	return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}
inline uint32_t be32(const char* p) {
	return (uint32_t(uint8_t(p[0])) << 24) | (uint32_t(uint8_t(p[1])) << 16) |
	       (uint32_t(uint8_t(p[2])) << 8) | uint32_t(uint8_t(p[3]));
}
inline uint64_t be64(const char* p) {
	return (uint64_t(be32(p)) << 32) | be32(p + 4);
}

constexpr double kDeg = 180.0 / M_PI;

} // namespace

// Connection keeps its PGconn private; CopyOut is a friend-free user of the public API
// plus this accessor, defined in connection.cpp.
void* connection_handle(Connection& c);

namespace {
PGconn* raw(Connection& c) {
	return static_cast<PGconn*>(connection_handle(c));
}
} // namespace

CopyOut::CopyOut(Connection& conn, std::string_view copy_sql) : conn_(conn) {
	std::string sql(copy_sql);
	PGresult* r = PQexec(raw(conn_), sql.c_str());
	if (!r || PQresultStatus(r) != PGRES_COPY_OUT) {
		std::string state =
		    r && PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "XX000";
		std::string msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
		                          ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
		                          : PQresultErrorMessage(r)
		                    : PQerrorMessage(raw(conn_));
		if (r) PQclear(r);
		done_ = true;
		while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
			msg.pop_back();
		throw DbError(state, msg);
	}
	PQclear(r);
}

CopyOut::~CopyOut() {
	release();
	if (!done_) {
		// Abandoned mid-stream (client gone, overflow cut, error): stop the server side and
		// drain so the connection can be reused.
		conn_.cancel();
		char* b = nullptr;
		while (PQgetCopyData(raw(conn_), &b, 0) > 0)
			PQfreemem(b);
		while (PGresult* r = PQgetResult(raw(conn_)))
			PQclear(r);
	}
}

void CopyOut::release() {
	if (buf_) {
		PQfreemem(buf_);
		buf_ = nullptr;
	}
}

std::optional<std::string_view> CopyOut::next_if_ready(bool& would_block) {
	would_block = false;
	release();
	if (done_) return std::nullopt;
	int n = PQgetCopyData(raw(conn_), &buf_, 1); // from what libpq has buffered
	if (n == 0) {
		// libpq's socket is non-blocking: this reads what has arrived, and waits for nothing
		if (!PQconsumeInput(raw(conn_)))
			throw DbError("08006", concat("reading query results failed: ", PQerrorMessage(raw(conn_))));
		n = PQgetCopyData(raw(conn_), &buf_, 1);
	}
	if (n == 0) {
		would_block = true;
		return std::nullopt;
	}
	return finish_message(n);
}

std::optional<std::string_view> CopyOut::next() {
	release();
	if (done_) return std::nullopt;
	return finish_message(PQgetCopyData(raw(conn_), &buf_, 0));
}

std::optional<std::string_view> CopyOut::finish_message(int n) {
	if (n > 0) return std::string_view(buf_, static_cast<size_t>(n));
	done_ = true;
	if (n == -2) throw DbError("08006", concat("reading query results failed: ", PQerrorMessage(raw(conn_))));
	// n == -1: COPY finished; the final result tells whether it succeeded.
	std::optional<DbError> err;
	while (PGresult* r = PQgetResult(raw(conn_))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && !err) {
			const char* st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
			err.emplace(st ? st : "XX000", m ? m : "query failed");
		}
		PQclear(r);
	}
	if (err) throw *err;
	return std::nullopt;
}

// ------------------------------------------------------------------ shaping

std::string binary_shaped_query(std::string_view sql, const std::vector<ColumnMeta>& columns) {
	std::string out = "SELECT ";
	for (size_t i = 0; i < columns.size(); ++i) {
		if (i) out += ", ";
		std::string c = "_q.c" + std::to_string(i + 1);
		const SqlType& t = columns[i].type;
		switch (t.base) {
		case BaseType::SPoint:
			out += concat("ARRAY[degrees(long(", c, ")), degrees(lat(", c, "))]");
			break;
		case BaseType::SCircle:
			out += concat("ARRAY[degrees(long(center(", c, "))), degrees(lat(center(", c,
			              "))), degrees(radius(", c, "))]");
			break;
		case BaseType::SBox:
			out += concat("ARRAY[degrees(long(sw(", c, "))), degrees(lat(sw(", c, "))), degrees(long(se(", c,
			              "))), degrees(lat(se(", c, "))), degrees(long(ne(", c, "))), degrees(lat(ne(", c,
			              "))), degrees(long(nw(", c, "))), degrees(lat(nw(", c, ")))]");
			break;
		case BaseType::SPoly:
		case BaseType::SMoc:
		case BaseType::Time:
			out += concat("CAST(", c, " AS text)");
			break;
		case BaseType::Boolean:
			out += t.is_array ? concat("CAST(", c, " AS text)") : concat("CAST(", c, " AS boolean)");
			break;
		case BaseType::Char:
		case BaseType::Text:
		case BaseType::Unicode:
			out += concat("CAST(", c, " AS text)");
			break;
		default: {
			SqlType cast = t;
			if (cast.is_array) cast.array_len = 0; // casts to fixed-size arrays are not a thing in PostgreSQL
			out += concat("CAST(", c, " AS ", cast.pg_ddl(), ")");
		}
		}
	}
	out += " FROM (";
	out += sql;
	out += ") AS _q(";
	for (size_t i = 0; i < columns.size(); ++i)
		out += (i ? ", c" : "c") + std::to_string(i + 1);
	out += ")";
	return out;
}

BinaryRowDecoder::BinaryRowDecoder(const std::vector<ColumnMeta>& columns) {
	for (auto& col : columns) {
		const SqlType& t = col.type;
		Kind k = Kind::Text;
		switch (t.base) {
		case BaseType::Boolean:
			k = t.is_array ? Kind::Text : Kind::Bool;
			break;
		case BaseType::SmallInt:
			k = t.is_array ? Kind::ArrayInt16 : Kind::Int16;
			break;
		case BaseType::Integer:
			k = t.is_array ? Kind::ArrayInt32 : Kind::Int32;
			break;
		case BaseType::BigInt:
			k = t.is_array ? Kind::ArrayInt64 : Kind::Int64;
			break;
		case BaseType::Real:
			k = t.is_array ? Kind::ArrayFloat32 : Kind::Float32;
			break;
		case BaseType::Double:
			k = t.is_array ? Kind::ArrayFloat64 : Kind::Float64;
			break;
		case BaseType::Date:
			k = t.is_array ? Kind::Text : Kind::Date;
			break;
		case BaseType::Timestamp:
			k = t.is_array ? Kind::Text : Kind::Timestamp;
			break;
		case BaseType::Bytea:
			k = Kind::Bytea;
			break;
		case BaseType::SPoint:
		case BaseType::SCircle:
		case BaseType::SBox:
			k = Kind::ArrayFloat64;
			break;
		case BaseType::SPoly:
			k = Kind::Polygon;
			break;
		default:
			k = Kind::Text;
		}
		kinds_.push_back(k);
	}
}

namespace {

// Reads a one-dimensional binary array of fixed-size elements into `out` (nulls → NaN for
// floats, 0 for integers; VOTable arrays have no per-element nulls).
template <typename T, typename Conv>
void read_array(const char* p, size_t len, std::vector<T>& out, Conv conv, T null_value) {
	out.clear();
	if (len < 12) return;
	uint32_t ndim = be32(p);
	const char* q = p + 12;
	if (ndim == 0) return;
	uint64_t n = 1;
	for (uint32_t d = 0; d < ndim; ++d) {
		n *= be32(q);
		q += 8;
	}
	out.reserve(n);
	const char* end = p + len;
	for (uint64_t i = 0; i < n && q + 4 <= end; ++i) {
		int32_t elen = static_cast<int32_t>(be32(q));
		q += 4;
		if (elen < 0) {
			out.push_back(null_value);
			continue;
		}
		out.push_back(conv(q));
		q += elen;
	}
}

// pg_sphere's text output of a polygon in radians: {(a , b),(c , d),...}
void parse_polygon(std::string_view s, std::vector<double>& out) {
	out.clear();
	const char* p = s.data();
	const char* end = p + s.size();
	while (p < end) {
		while (p < end &&
		       !(std::isdigit(static_cast<unsigned char>(*p)) || *p == '-' || *p == '+' || *p == '.'))
			++p;
		if (p >= end) break;
		char* next = nullptr;
		double v = std::strtod(p, &next);
		if (next == p) {
			++p;
			continue;
		}
		out.push_back(v * kDeg);
		p = next;
	}
}

} // namespace

bool BinaryRowDecoder::feed(std::string_view m, formats::TableWriter& w) {
	const char* p = m.data();
	const char* end = p + m.size();
	if (!header_seen_ && m.size() >= 11 && std::memcmp(p, "PGCOPY\n\377\r\n\0", 11) == 0) {
		header_seen_ = true;
		p += 11;
		p += 4; // flags
		uint32_t ext = be32(p);
		p += 4 + ext;
		if (p >= end) return false; // header in a message of its own
	}
	int16_t nfields = static_cast<int16_t>(be16(p));
	if (nfields == -1) return false; // trailer
	p += 2;
	if (static_cast<size_t>(nfields) != kinds_.size())
		throw Error(ErrorKind::Internal, concat("query returned ", std::to_string(nfields),
		                                        " columns, expected ", std::to_string(kinds_.size())));
	w.begin_row();
	for (size_t i = 0; i < kinds_.size(); ++i) {
		int32_t len = static_cast<int32_t>(be32(p));
		p += 4;
		if (len < 0) {
			w.null();
			continue;
		}
		const char* v = p;
		p += len;
		switch (kinds_[i]) {
		case Kind::Bool:
			w.boolean(*v != 0);
			break;
		case Kind::Int16:
			w.raw_be(formats::RawType::Int16, v);
			break;
		case Kind::Int32:
			w.raw_be(formats::RawType::Int32, v);
			break;
		case Kind::Int64:
			w.raw_be(formats::RawType::Int64, v);
			break;
		case Kind::Float32:
			w.raw_be(formats::RawType::Float32, v);
			break;
		case Kind::Float64:
			w.raw_be(formats::RawType::Float64, v);
			break;
		case Kind::Text:
		case Kind::TextArray:
			w.string(std::string_view(v, static_cast<size_t>(len)));
			break;
		case Kind::Timestamp:
			w.timestamp(static_cast<int64_t>(be64(v)));
			break;
		case Kind::Date:
			w.date(static_cast<int32_t>(be32(v)));
			break;
		case Kind::Bytea:
			w.array(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v), static_cast<size_t>(len)));
			break;
		case Kind::ArrayInt16:
			read_array(
			    v, static_cast<size_t>(len), i16_,
			    [](const char* q) { return static_cast<int16_t>(be16(q)); }, int16_t{0});
			w.array(std::span<const int16_t>(i16_));
			break;
		case Kind::ArrayInt32:
			read_array(
			    v, static_cast<size_t>(len), i32_,
			    [](const char* q) { return static_cast<int32_t>(be32(q)); }, int32_t{0});
			w.array(std::span<const int32_t>(i32_));
			break;
		case Kind::ArrayInt64:
			read_array(
			    v, static_cast<size_t>(len), i64_,
			    [](const char* q) { return static_cast<int64_t>(be64(q)); }, int64_t{0});
			w.array(std::span<const int64_t>(i64_));
			break;
		case Kind::ArrayFloat32:
			read_array(
			    v, static_cast<size_t>(len), f32_,
			    [](const char* q) {
				    uint32_t b = be32(q);
				    float f;
				    std::memcpy(&f, &b, 4);
				    return f;
			    },
			    std::numeric_limits<float>::quiet_NaN());
			w.array(std::span<const float>(f32_));
			break;
		case Kind::ArrayFloat64:
		case Kind::ArrayBool:
			read_array(
			    v, static_cast<size_t>(len), f64_,
			    [](const char* q) {
				    uint64_t b = be64(q);
				    double d;
				    std::memcpy(&d, &b, 8);
				    return d;
			    },
			    std::numeric_limits<double>::quiet_NaN());
			w.array(std::span<const double>(f64_));
			break;
		case Kind::Polygon:
			parse_polygon(std::string_view(v, static_cast<size_t>(len)), f64_);
			w.geometry(std::span<const double>(f64_));
			break;
		}
	}
	if (p > end) throw Error(ErrorKind::Internal, "malformed binary row from the database");
	w.end_row();
	return true;
}

StreamResult stream_query(Connection& conn, std::string_view sql, const std::vector<ColumnMeta>& columns,
                          formats::TableWriter& writer, uint64_t max_rows, uint64_t flush_rows,
                          const std::function<void()>& on_started) {
	StreamResult res;
	BinaryRowDecoder dec(columns);
	CopyOut copy(conn, concat("COPY (", binary_shaped_query(sql, columns), ") TO STDOUT (FORMAT binary)"));
	// on_started runs with the first row (or at the end of an empty result): a query that
	// fails or times out before producing anything — an aggregate, say — can then still be
	// answered with a proper error status.
	bool started = false;
	auto start = [&] {
		if (!started && on_started) on_started();
		started = true;
	};
	// Rows go out when the database makes us wait (so the first ones arrive early whatever
	// the query costs) and every flush_rows rows -- not after the first row: a small result
	// that is there at once leaves in one send with its end (one syscall and one client
	// wake-up less per cone search).
	uint64_t unflushed = 0;
	for (;;) {
		std::optional<std::string_view> msg;
		if (unflushed) {
			bool would_block = false;
			msg = copy.next_if_ready(would_block);
			if (would_block) {
				writer.flush();
				unflushed = 0;
				msg = copy.next();
			}
		} else {
			msg = copy.next();
		}
		if (!msg) break;
		bool is_header = msg->size() >= 11 && std::memcmp(msg->data(), "PGCOPY\n\377\r\n\0", 11) == 0;
		bool is_trailer = msg->size() == 2 && static_cast<int16_t>(be16(msg->data())) == -1;
		bool has_tuple = !is_trailer && (!is_header || msg->size() > 19);
		if (!has_tuple) {
			if (is_header) dec.feed(*msg, writer); // consumes the header
			continue;
		}
		start();
		if (res.rows >= max_rows) {
			// A row beyond MAXREC: rows were cut (the translator asked for MAXREC+1).
			res.overflow = true;
			break;
		}
		if (dec.feed(*msg, writer)) {
			++res.rows;
			++unflushed;
			if (res.rows % flush_rows == 0) {
				writer.flush();
				unflushed = 0;
			}
		}
	}
	start();
	return res;
}

} // namespace meles::pg
