// text_rows.hpp — row encoding for the text formats (VOTable TABLEDATA, CSV, TSV, JSON).
//
// One template, parameterised by a dialect that says how cells, nulls, strings, booleans and
// special floats are spelled; every call formats straight into the output buffer.
// Thread-safety: none.
#pragma once

#include "formats/binary_rows.hpp"
#include "formats/byte_buffer.hpp"
#include "formats/column_plan.hpp"
#include "formats/text_values.hpp"

#include <cmath>
#include <span>
#include <vector>

namespace meles::formats {

// Appends s with XML escaping; drops characters XML 1.0 cannot carry.
void append_xml_text(ByteBuffer& out, std::string_view s);
// RFC 4180: quoted when it holds a comma, quote, CR or LF, or when it is empty (so that an
// empty string differs from a null).
void append_csv_field(ByteBuffer& out, std::string_view s);
// TSV: backslash escapes for backslash, tab, LF, CR.
void append_tsv_field(ByteBuffer& out, std::string_view s);
// JSON string literal with quotes.
void append_json_string(ByteBuffer& out, std::string_view s);

struct TabledataDialect {
	static constexpr std::string_view row_open = "<TR>", row_close = "</TR>\n", row_sep = "";
	static constexpr std::string_view cell_open = "<TD>", cell_close = "</TD>", cell_sep = "";
	static constexpr std::string_view null_cell = "<TD/>";
	static constexpr std::string_view arr_open = "", arr_sep = " ", arr_close = "";
	static constexpr std::string_view t = "T", f = "F";
	static constexpr std::string_view nan = "NaN", pinf = "+Inf", ninf = "-Inf";
	// An empty TD for a fixed-size array or a DALI shape upsets validators (votlint wants n
	// elements), so such nulls are written as NaNs or magic null elements.
	static constexpr bool fill_null_arrays = true;
	static void text(ByteBuffer& out, std::string_view s) { append_xml_text(out, s); }
};

struct CsvDialect {
	static constexpr std::string_view row_open = "", row_close = "\r\n", row_sep = "";
	static constexpr std::string_view cell_open = "", cell_close = "", cell_sep = ",";
	static constexpr std::string_view null_cell = "";
	static constexpr std::string_view arr_open = "", arr_sep = " ", arr_close = "";
	static constexpr std::string_view t = "true", f = "false";
	static constexpr std::string_view nan = "NaN", pinf = "Infinity", ninf = "-Infinity";
	static constexpr bool fill_null_arrays = false;
	static void text(ByteBuffer& out, std::string_view s) { append_csv_field(out, s); }
};

struct TsvDialect {
	static constexpr std::string_view row_open = "", row_close = "\n", row_sep = "";
	static constexpr std::string_view cell_open = "", cell_close = "", cell_sep = "\t";
	static constexpr std::string_view null_cell = "";
	static constexpr std::string_view arr_open = "", arr_sep = " ", arr_close = "";
	static constexpr std::string_view t = "true", f = "false";
	static constexpr std::string_view nan = "NaN", pinf = "Infinity", ninf = "-Infinity";
	static constexpr bool fill_null_arrays = false;
	static void text(ByteBuffer& out, std::string_view s) { append_tsv_field(out, s); }
};

struct JsonDialect {
	static constexpr std::string_view row_open = "[", row_close = "]", row_sep = ",\n";
	static constexpr std::string_view cell_open = "", cell_close = "", cell_sep = ",";
	static constexpr std::string_view null_cell = "null";
	static constexpr std::string_view arr_open = "[", arr_sep = ",", arr_close = "]";
	static constexpr std::string_view t = "true", f = "false";
	// JSON has no NaN or infinities.
	static constexpr std::string_view nan = "null", pinf = "null", ninf = "null";
	static constexpr bool fill_null_arrays = false;
	static void text(ByteBuffer& out, std::string_view s) { append_json_string(out, s); }
};

template <typename D> class TextRows {
public:
	TextRows(const std::vector<ColumnPlan>& cols, ByteBuffer& out) : cols_(cols), out_(out) {}

	void begin_row() {
		row_start_ = out_.size();
		if (rows_ > 0) out_.append(D::row_sep);
		out_.append(D::row_open);
		ci_ = 0;
	}
	void end_row() {
		if (ci_ != cols_.size()) throw_row_cells(ci_, cols_.size());
		out_.append(D::row_close);
		++rows_;
	}
	void drop_row() { out_.truncate(row_start_); }

	void null() {
		const ColumnPlan& c = col();
		if constexpr (D::fill_null_arrays) {
			std::size_t n = null_fill_count(c);
			if (n) {
				open();
				for (std::size_t i = 0; i < n; ++i) {
					if (i) out_.append(D::arr_sep);
					if (c.is_floating()) {
						out_.append(D::nan);
					} else {
						char* p = out_.ensure(kNumberRoom);
						out_.commit(static_cast<std::size_t>(format_int(p, c.null_value) - p));
					}
				}
				close();
				return;
			}
		}
		sep();
		out_.append(D::null_cell);
		++ci_;
	}
	void boolean(bool v) {
		const ColumnPlan& c = scalar_col("a boolean");
		if (c.elem != Elem::Bool && !c.is_integer()) throw_cell_kind(c, "a boolean");
		open();
		if (c.elem == Elem::Bool)
			out_.append(v ? D::t : D::f);
		else
			out_.put(v ? '1' : '0');
		close();
	}
	void int64(std::int64_t v) {
		const ColumnPlan& c = scalar_col("an integer");
		open();
		put_int(c, v);
		close();
	}
	void float64(double v) {
		const ColumnPlan& c = scalar_col("a floating-point");
		if (!c.is_floating()) throw_cell_kind(c, "a floating-point");
		open();
		if (c.elem == Elem::Float)
			put_float(static_cast<float>(v));
		else
			put_double(v);
		close();
	}
	void float32(float v) {
		const ColumnPlan& c = scalar_col("a floating-point");
		if (!c.is_floating()) throw_cell_kind(c, "a floating-point");
		open();
		put_float(v);
		close();
	}
	void string(std::string_view s) {
		const ColumnPlan& c = col();
		if (!c.is_text()) throw_cell_kind(c, "a string");
		open();
		D::text(out_, s);
		close();
	}
	void timestamp(std::int64_t us) {
		if (is_infinite_timestamp(us)) return null();
		char buf[kTimeRoom];
		string({buf, static_cast<std::size_t>(format_timestamp(buf, us) - buf)});
	}
	void date(std::int32_t d) {
		if (is_infinite_date(d)) return null();
		char buf[kTimeRoom];
		string({buf, static_cast<std::size_t>(format_date(buf, d) - buf)});
	}

	template <typename T> void array(std::span<const T> v) {
		const ColumnPlan& c = col();
		if (c.scalar || c.is_text() || c.elem == Elem::Bool) throw_cell_kind(c, "an array");
		if (c.variable ? v.size() % c.count != 0 : v.size() != c.count) throw_cell_count(c, v.size());
		if constexpr (std::is_floating_point_v<T>)
			if (c.is_integer()) throw_cell_kind(c, "a floating-point array");
		open();
		out_.append(D::arr_open);
		for (std::size_t i = 0; i < v.size(); ++i) {
			if (i) out_.append(D::arr_sep);
			if constexpr (std::is_floating_point_v<T>) {
				if (c.elem == Elem::Float)
					put_float(static_cast<float>(v[i]));
				else
					put_double(static_cast<double>(v[i]));
			} else {
				if (c.elem == Elem::Float)
					put_float(static_cast<float>(v[i]));
				else if (c.elem == Elem::Double)
					put_double(static_cast<double>(v[i]));
				else
					put_int(c, static_cast<std::int64_t>(v[i]));
			}
		}
		out_.append(D::arr_close);
		close();
	}

	std::uint64_t rows() const { return rows_; }

private:
	const ColumnPlan& col() const {
		if (ci_ >= cols_.size()) throw_row_cells(ci_ + 1, cols_.size());
		return cols_[ci_];
	}
	// Elements written for a null cell that cannot be an empty TD (0: write the empty cell).
	static std::size_t null_fill_count(const ColumnPlan& c) {
		if (c.scalar || !(c.is_floating() || c.has_null_value)) return 0;
		if (!c.variable) return c.count;
		return c.xtype == "polygon" && c.is_floating() ? 6 : 0;
	}
	const ColumnPlan& scalar_col(const char* what) const {
		const ColumnPlan& c = col();
		if (!c.scalar) throw_cell_kind(c, what);
		return c;
	}
	void sep() {
		if constexpr (!D::cell_sep.empty())
			if (ci_) out_.append(D::cell_sep);
	}
	void open() {
		sep();
		if constexpr (!D::cell_open.empty()) out_.append(D::cell_open);
	}
	void close() {
		if constexpr (!D::cell_close.empty()) out_.append(D::cell_close);
		++ci_;
	}
	void put_int(const ColumnPlan& c, std::int64_t v) {
		if (c.is_floating()) return put_double(static_cast<double>(v));
		if (c.is_text()) throw_cell_kind(c, "an integer");
		if (c.elem == Elem::Bool) return out_.append(v ? D::t : D::f);
		char* p = out_.ensure(kNumberRoom);
		out_.commit(static_cast<std::size_t>(format_int(p, v) - p));
	}
	void put_double(double v) {
		if (!std::isfinite(v)) return special(v);
		char* p = out_.ensure(kNumberRoom);
		out_.commit(static_cast<std::size_t>(format_double(p, v) - p));
	}
	void put_float(float v) {
		if (!std::isfinite(v)) return special(v);
		char* p = out_.ensure(kNumberRoom);
		out_.commit(static_cast<std::size_t>(format_float(p, v) - p));
	}
	void special(double v) { out_.append(std::isnan(v) ? D::nan : v > 0 ? D::pinf : D::ninf); }

	const std::vector<ColumnPlan>& cols_;
	ByteBuffer& out_;
	std::size_t ci_ = 0;
	std::size_t row_start_ = 0;
	std::uint64_t rows_ = 0;
};

} // namespace meles::formats
