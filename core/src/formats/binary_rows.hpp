// binary_rows.hpp — encodes rows in VOTable's BINARY or BINARY2 layout into a ByteBuffer.
//
// Used by the VOTable writer (which base64-encodes the buffer in large blocks) and by the FITS
// writer (which spools this layout to a file and converts it when the row count is known).
// Values are written big-endian with one store per element; BINARY2 rows start with a null
// bitmap that is patched in place as null() calls arrive.  Thread-safety: none.
#pragma once

#include "formats/byte_buffer.hpp"
#include "formats/column_plan.hpp"
#include "formats/text_values.hpp"
#include "formats/unicode.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/formats/table_writer.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace meles::formats {

inline void store_be16(char* p, std::uint16_t v) {
	v = __builtin_bswap16(v);
	std::memcpy(p, &v, 2);
}
inline void store_be32(char* p, std::uint32_t v) {
	v = __builtin_bswap32(v);
	std::memcpy(p, &v, 4);
}
inline void store_be64(char* p, std::uint64_t v) {
	v = __builtin_bswap64(v);
	std::memcpy(p, &v, 8);
}
inline std::uint16_t load_be16(const char* p) {
	std::uint16_t v;
	std::memcpy(&v, p, 2);
	return __builtin_bswap16(v);
}
inline std::uint32_t load_be32(const char* p) {
	std::uint32_t v;
	std::memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}
inline std::uint64_t load_be64(const char* p) {
	std::uint64_t v;
	std::memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

[[noreturn]] void throw_cell_kind(const ColumnPlan& c, const char* what);
[[noreturn]] void throw_cell_range(const ColumnPlan& c, std::int64_t v);
[[noreturn]] void throw_cell_count(const ColumnPlan& c, std::size_t got);
[[noreturn]] void throw_row_cells(std::size_t got, std::size_t want);

class BinaryRows {
public:
	BinaryRows(const std::vector<ColumnPlan>& cols, bool binary2, ByteBuffer& out)
	    : cols_(cols), binary2_(binary2), out_(out), bitmap_bytes_(binary2 ? (cols.size() + 7) / 8 : 0) {}

	// Per column, the largest element count written to a variable-length cell (strings: bytes
	// or UTF-16 units).  FITS needs it for its fixed-width string columns.
	// Also sums the bytes of variable-length numeric arrays (the FITS heap).
	void track_max_counts(std::vector<std::uint64_t>* max) {
		max_ = max;
		if (max_) max_->assign(cols_.size(), 0);
	}
	std::uint64_t variable_array_bytes() const { return var_bytes_; }

	void begin_row() {
		row_start_ = out_.size();
		if (bitmap_bytes_) out_.zeros(bitmap_bytes_);
		ci_ = 0;
	}
	void end_row() {
		if (ci_ != cols_.size()) throw_row_cells(ci_, cols_.size());
	}
	void drop_row() { out_.truncate(row_start_); }

	void null() {
		const ColumnPlan& c = col();
		if (binary2_) out_.data()[row_start_ + ci_ / 8] |= static_cast<char>(0x80u >> (ci_ % 8));
		if (c.variable) {
			store_be32(out_.ensure(4), 0);
			out_.commit(4);
		} else {
			std::size_t n = c.count;
			char* p = out_.ensure(n * c.width);
			for (std::size_t i = 0; i < n; ++i, p += c.width)
				null_element(c, p);
			out_.commit(n * c.width);
		}
		++ci_;
	}

	void boolean(bool v) {
		const ColumnPlan& c = scalar_col("a boolean");
		if (c.elem == Elem::Bool)
			out_.put(v ? 'T' : 'F');
		else
			put_int_elem(c, v ? 1 : 0);
		++ci_;
	}
	void int64(std::int64_t v) {
		put_int_elem(scalar_col("an integer"), v);
		++ci_;
	}
	void float64(double v) {
		const ColumnPlan& c = scalar_col("a floating-point");
		put_float_elem(c, v);
		++ci_;
	}
	void float32(float v) {
		const ColumnPlan& c = scalar_col("a floating-point");
		if (c.elem == Elem::Float) {
			store_be32(out_.ensure(4), std::bit_cast<std::uint32_t>(v));
			out_.commit(4);
		} else {
			put_float_elem(c, v);
		}
		++ci_;
	}

	void raw_be(RawType t, const char* bytes) {
		const ColumnPlan& c = scalar_col("a binary");
		Elem want = t == RawType::Int16     ? Elem::Short
		            : t == RawType::Int32   ? Elem::Int
		            : t == RawType::Int64   ? Elem::Long
		            : t == RawType::Float32 ? Elem::Float
		                                    : Elem::Double;
		if (c.elem == want) {
			out_.append(bytes, c.width);
			++ci_;
			return;
		}
		switch (t) {
		case RawType::Int16:
			int64(static_cast<std::int16_t>(load_be16(bytes)));
			break;
		case RawType::Int32:
			int64(static_cast<std::int32_t>(load_be32(bytes)));
			break;
		case RawType::Int64:
			int64(static_cast<std::int64_t>(load_be64(bytes)));
			break;
		case RawType::Float32:
			float32(std::bit_cast<float>(load_be32(bytes)));
			break;
		case RawType::Float64:
			float64(std::bit_cast<double>(load_be64(bytes)));
			break;
		}
	}

	void string(std::string_view s) {
		const ColumnPlan& c = col();
		if (c.elem == Elem::Char)
			put_chars(c, s);
		else if (c.elem == Elem::UnicodeChar)
			put_unicode(c, s);
		else
			throw_cell_kind(c, "a string");
		++ci_;
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
		if (c.scalar || c.is_text()) throw_cell_kind(c, "an array");
		std::size_t n = v.size();
		if (c.variable) {
			if (n % c.count) throw_cell_count(c, n);
			store_be32(out_.ensure(4), static_cast<std::uint32_t>(n / c.count));
			out_.commit(4);
			if (max_) {
				if (n > (*max_)[ci_]) (*max_)[ci_] = n;
				var_bytes_ += n * c.width;
			}
		} else if (n != c.count) {
			throw_cell_count(c, n);
		}
		if (c.elem == Elem::Bool) throw_cell_kind(c, "a numeric array");
		char* p = out_.ensure(n * c.width);
		for (std::size_t i = 0; i < n; ++i, p += c.width)
			store_elem(c, p, v[i]);
		out_.commit(n * c.width);
		++ci_;
	}

	std::size_t cell_index() const { return ci_; }

private:
	const ColumnPlan& col() const {
		if (ci_ >= cols_.size()) throw_row_cells(ci_ + 1, cols_.size());
		return cols_[ci_];
	}
	const ColumnPlan& scalar_col(const char* what) const {
		const ColumnPlan& c = col();
		if (!c.scalar) throw_cell_kind(c, what);
		return c;
	}

	void null_element(const ColumnPlan& c, char* p) {
		switch (c.elem) {
		case Elem::Float:
			store_be32(p, std::bit_cast<std::uint32_t>(std::numeric_limits<float>::quiet_NaN()));
			break;
		case Elem::Double:
			store_be64(p, std::bit_cast<std::uint64_t>(std::numeric_limits<double>::quiet_NaN()));
			break;
		case Elem::Bool:
			*p = binary2_ ? '\0' : '?';
			break;
		case Elem::Short:
			store_be16(p, binary2_ ? 0 : static_cast<std::uint16_t>(c.null_value));
			break;
		case Elem::Int:
			store_be32(p, binary2_ ? 0 : static_cast<std::uint32_t>(c.null_value));
			break;
		case Elem::Long:
			store_be64(p, binary2_ ? 0 : static_cast<std::uint64_t>(c.null_value));
			break;
		default:
			std::memset(p, 0, c.width);
		}
	}

	void put_int_elem(const ColumnPlan& c, std::int64_t v) {
		char* p = out_.ensure(8);
		switch (c.elem) {
		case Elem::Long:
			store_be64(p, static_cast<std::uint64_t>(v));
			break;
		case Elem::Int:
			if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
				throw_cell_range(c, v);
			store_be32(p, static_cast<std::uint32_t>(v));
			break;
		case Elem::Short:
			if (v < std::numeric_limits<std::int16_t>::min() || v > std::numeric_limits<std::int16_t>::max())
				throw_cell_range(c, v);
			store_be16(p, static_cast<std::uint16_t>(v));
			break;
		case Elem::UByte:
			if (v < 0 || v > 255) throw_cell_range(c, v);
			*p = static_cast<char>(v);
			break;
		case Elem::Double:
			store_be64(p, std::bit_cast<std::uint64_t>(static_cast<double>(v)));
			break;
		case Elem::Float:
			store_be32(p, std::bit_cast<std::uint32_t>(static_cast<float>(v)));
			break;
		case Elem::Bool:
			*p = v ? 'T' : 'F';
			break;
		default:
			throw_cell_kind(c, "an integer");
		}
		out_.commit(c.width);
	}

	void put_float_elem(const ColumnPlan& c, double v) {
		char* p = out_.ensure(8);
		if (c.elem == Elem::Double)
			store_be64(p, std::bit_cast<std::uint64_t>(v));
		else if (c.elem == Elem::Float)
			store_be32(p, std::bit_cast<std::uint32_t>(static_cast<float>(v)));
		else
			throw_cell_kind(c, "a floating-point");
		out_.commit(c.width);
	}

	template <typename T> void store_elem(const ColumnPlan& c, char* p, T v) {
		switch (c.elem) {
		case Elem::Double:
			store_be64(p, std::bit_cast<std::uint64_t>(static_cast<double>(v)));
			break;
		case Elem::Float:
			store_be32(p, std::bit_cast<std::uint32_t>(static_cast<float>(v)));
			break;
		case Elem::Long:
			if constexpr (std::is_floating_point_v<T>) throw_cell_kind(c, "a floating-point array");
			store_be64(p, static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
			break;
		case Elem::Int:
			if constexpr (std::is_floating_point_v<T>)
				throw_cell_kind(c, "a floating-point array");
			else if constexpr (sizeof(T) > 4)
				if (v < std::numeric_limits<std::int32_t>::min() ||
				    v > std::numeric_limits<std::int32_t>::max())
					throw_cell_range(c, v);
			store_be32(p, static_cast<std::uint32_t>(static_cast<std::int32_t>(v)));
			break;
		case Elem::Short:
			if constexpr (std::is_floating_point_v<T>)
				throw_cell_kind(c, "a floating-point array");
			else if constexpr (sizeof(T) > 2)
				if (v < std::numeric_limits<std::int16_t>::min() ||
				    v > std::numeric_limits<std::int16_t>::max())
					throw_cell_range(c, v);
			store_be16(p, static_cast<std::uint16_t>(static_cast<std::int16_t>(v)));
			break;
		case Elem::UByte:
			if constexpr (std::is_floating_point_v<T>)
				throw_cell_kind(c, "a floating-point array");
			else if constexpr (!std::is_same_v<T, std::uint8_t>)
				if (v < 0 || v > 255) throw_cell_range(c, v);
			*p = static_cast<char>(v);
			break;
		default:
			throw_cell_kind(c, "an array");
		}
	}

	void put_chars(const ColumnPlan& c, std::string_view s) {
		if (c.variable) {
			std::size_t steps = (s.size() + c.count - 1) / c.count;
			std::size_t bytes = steps * c.count;
			char* p = out_.ensure(4 + bytes);
			store_be32(p, static_cast<std::uint32_t>(steps));
			std::memcpy(p + 4, s.data(), s.size());
			std::memset(p + 4 + s.size(), 0, bytes - s.size());
			out_.commit(4 + bytes);
			if (max_ && bytes > (*max_)[ci_]) (*max_)[ci_] = bytes;
		} else {
			std::size_t n = c.count;
			char* p = out_.ensure(n);
			std::size_t k = s.size() < n ? s.size() : n;
			std::memcpy(p, s.data(), k);
			std::memset(p + k, 0, n - k);
			out_.commit(n);
		}
	}

	void put_unicode(const ColumnPlan& c, std::string_view s) {
		units_.clear();
		for (std::size_t i = 0; i < s.size();) {
			char32_t cp = next_code_point(s, i);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				units_.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
				units_.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
			} else {
				units_.push_back(static_cast<char16_t>(cp));
			}
		}
		std::size_t n;
		if (c.variable) {
			std::size_t steps = (units_.size() + c.count - 1) / c.count;
			n = steps * c.count;
			store_be32(out_.ensure(4), static_cast<std::uint32_t>(steps));
			out_.commit(4);
			if (max_ && n > (*max_)[ci_]) (*max_)[ci_] = n;
		} else {
			n = c.count;
		}
		char* p = out_.ensure(2 * n);
		for (std::size_t i = 0; i < n; ++i)
			store_be16(p + 2 * i, i < units_.size() ? units_[i] : 0);
		out_.commit(2 * n);
	}

	const std::vector<ColumnPlan>& cols_;
	bool binary2_;
	ByteBuffer& out_;
	std::size_t bitmap_bytes_;
	std::size_t row_start_ = 0;
	std::size_t ci_ = 0;
	std::vector<std::uint64_t>* max_ = nullptr;
	std::uint64_t var_bytes_ = 0;
	std::u16string units_;
};

} // namespace meles::formats
