// sample_table.hpp — a table with one column of every type Meles writes, its rows, and a
// consumer that renders what the reader gives back as comparable strings.  Shared by the
// VOTable, format and FITS tests.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/core/formats/table_writer.hpp"
#include "meles/core/votable/votable_reader.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace meles::testing {

inline ColumnMeta col(std::string name, std::string type, std::string ucd = "", std::string unit = "") {
	ColumnMeta m;
	m.name = std::move(name);
	m.type = SqlType::parse(type);
	m.ucd = std::move(ucd);
	m.unit = std::move(unit);
	return m;
}

inline formats::TableHeader sample_header() {
	formats::TableHeader h;
	h.table_name = "sample";
	h.description = "Every type <once> & more";
	h.infos = {{"request", "doQuery", ""}, {"query", "SELECT * FROM sample", "SELECT * FROM sample"}};
	h.columns = {
	    col("b", "boolean"),
	    col("s", "smallint"),
	    col("i", "integer"),
	    col("l", "bigint", "meta.id;meta.main"),
	    col("r", "real", "phot.mag", "mag"),
	    col("d", "double precision", "pos.eq.ra", "deg"),
	    col("c", "char"),
	    col("c8", "char(8)"),
	    col("t", "text"),
	    col("u", "unicode"),
	    col("ts", "timestamp"),
	    col("dt", "date"),
	    col("raw", "bytea"),
	    col("sa", "smallint[]"),
	    col("ia", "integer[3]"),
	    col("la", "bigint[]"),
	    col("ra", "real[]"),
	    col("da", "double precision[2]"),
	    col("pt", "spoint", "pos"),
	    col("ci", "scircle"),
	    col("po", "spoly"),
	    col("Mixed Case", "double precision", "pos.eq.dec", "deg"),
	};
	h.columns[3].description = "An identifier";
	h.columns[1].null_literal = "-99";
	h.columns[21].delimited = true;
	return h;
}

// 2021-03-04T05:06:07.123456 in PostgreSQL's microseconds since 2000-01-01.
constexpr std::int64_t kTs =
    ((21LL * 365 + 6 + 31 + 28 + 3) * 86400 + 5 * 3600 + 6 * 60 + 7) * 1000000 + 123456;
constexpr std::int32_t kDate = 21 * 365 + 6 + 31 + 28 + 3;

// Writes the sample rows: 0 typical, 1 all null, 2 extremes, 3 empty strings/arrays.
inline void write_sample_rows(formats::TableWriter& w) {
	using std::span;
	// row 0
	w.begin_row();
	w.boolean(true);
	w.int16(-12);
	w.int32(123456);
	w.int64(1234567890123LL);
	w.float32(1.5f);
	w.float64(0.1);
	w.string("x");
	w.string("abc");
	w.string("a<b>&\"'\tq\nz\r\\,");
	w.string("Grüße ☃ 𝄞");
	w.timestamp(kTs);
	w.date(kDate);
	const std::uint8_t raw[] = {0, 255, 7};
	w.array(span<const std::uint8_t>(raw));
	const std::int16_t sa[] = {1, -2};
	w.array(span<const std::int16_t>(sa));
	const std::int32_t ia[] = {7, 8, 9};
	w.array(span<const std::int32_t>(ia));
	const std::int64_t la[] = {std::numeric_limits<std::int64_t>::max()};
	w.array(span<const std::int64_t>(la));
	const float ra[] = {0.25f, -1e-3f};
	w.array(span<const float>(ra));
	const double da[] = {1.0 / 3, 2e300};
	w.array(span<const double>(da));
	const double pt[] = {10.5, -20.25};
	w.geometry(pt);
	const double ci[] = {10, 20, 0.5};
	w.geometry(ci);
	const double po[] = {1, 2, 3, 4, 5, 6};
	w.geometry(po);
	w.float64(-45.125);
	w.end_row();
	// row 1: nulls
	w.begin_row();
	for (int i = 0; i < 22; ++i)
		w.null();
	w.end_row();
	// row 2: extremes
	w.begin_row();
	w.boolean(false);
	w.int16(32767);
	w.int32(std::numeric_limits<std::int32_t>::min() + 1);
	w.int64(std::numeric_limits<std::int64_t>::min() + 1);
	w.float32(std::numeric_limits<float>::infinity());
	w.float64(-std::numeric_limits<double>::infinity());
	w.string(" ");
	w.string("12345678");
	w.string("x");
	w.string("z");
	w.timestamp(-1); // 1999-12-31T23:59:59.999999
	w.date(-1);
	w.array(span<const std::uint8_t>());
	w.array(span<const std::int16_t>(sa, 1));
	const std::int32_t ia2[] = {0, -1, 2147483647};
	w.array(span<const std::int32_t>(ia2));
	w.array(span<const std::int64_t>(la));
	w.array(span<const float>(ra, 1));
	const double da2[] = {5e-324, -0.0};
	w.array(span<const double>(da2));
	const double pt2[] = {0, 90};
	w.geometry(pt2);
	const double ci2[] = {359.999, -89.5, 1e-5};
	w.geometry(ci2);
	const double po2[] = {0, 0, 1, 0, 1, 1, 0, 1};
	w.geometry(po2);
	w.float64(std::numeric_limits<double>::max());
	w.end_row();
	// row 3: empty strings and arrays
	w.begin_row();
	w.boolean(true);
	w.int16(0);
	w.int32(0);
	w.int64(0);
	w.float32(0);
	w.float64(0);
	w.null();
	w.string("");
	w.string("");
	w.string("");
	w.null();
	w.null();
	w.array(span<const std::uint8_t>());
	w.array(span<const std::int16_t>());
	w.null();
	w.array(span<const std::int64_t>());
	w.array(span<const float>());
	w.null();
	w.null();
	w.null();
	w.null();
	w.float64(1e-300);
	w.end_row();
}

inline std::string num(double v) {
	char buf[64];
	return std::string(buf, std::to_chars(buf, buf + 64, v).ptr);
}

// Collects every cell as a string: NULL, true/false, numbers (shortest form), text, [a,b].
struct CollectingConsumer : votable::VOTableConsumer {
	votable::TableSchema schema;
	std::vector<std::vector<std::string>> rows;
	std::vector<votable::TableInfo> trailing;
	std::uint64_t end_rows = 0;
	bool ended = false;
	std::size_t batches = 0;

	void on_schema(const votable::TableSchema& s) override { schema = s; }
	void on_rows(const votable::RowBatch& b) override {
		++batches;
		for (std::size_t r = 0; r < b.rows(); ++r) {
			std::vector<std::string> row;
			for (std::size_t c = 0; c < b.columns(); ++c)
				row.push_back(render(b, r, c));
			rows.push_back(std::move(row));
		}
	}
	void on_end(std::uint64_t n, const std::vector<votable::TableInfo>& t) override {
		end_rows = n;
		trailing = t;
		ended = true;
	}

	static std::string render(const votable::RowBatch& b, std::size_t r, std::size_t c) {
		using votable::ValueKind;
		if (b.is_null(r, c)) return "NULL";
		std::string s;
		switch (b.kind(c)) {
		case ValueKind::Bool:
			return b.get_bool(r, c) ? "true" : "false";
		case ValueKind::Int:
			return std::to_string(b.get_int(r, c));
		case ValueKind::Double:
			return num(b.get_double(r, c));
		case ValueKind::Text:
			return std::string(b.get_text(r, c));
		case ValueKind::BoolArray:
			for (auto v : b.get_bools(r, c))
				s += (s.empty() ? "" : ",") + std::string(v < 0 ? "?" : v ? "T" : "F");
			return "[" + s + "]";
		case ValueKind::IntArray:
			for (auto v : b.get_ints(r, c))
				s += (s.empty() ? "" : ",") + std::to_string(v);
			return "[" + s + "]";
		case ValueKind::DoubleArray:
			for (auto v : b.get_doubles(r, c))
				s += (s.empty() ? "" : ",") + num(v);
			return "[" + s + "]";
		}
		return "?";
	}
};

} // namespace meles::testing
