// meles/core/votable/row_batch.hpp — a batch of parsed VOTable rows with typed cells.
//
// Cells live in flat arrays reused from batch to batch (no allocation per cell); text and
// arrays are views into the batch's arenas, valid until the consumer returns.
// Thread-safety: read-only for consumers; filled by one reader.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meles::votable {

// What the cells of a column hold.  Integers of every width are int64, float and double are
// double (complex numbers: DoubleArray of re,im pairs), bit and boolean arrays are int8 with
// -1 for a null element, char and unicodeChar are UTF-8 text.
enum class ValueKind : std::uint8_t { Bool, Int, Double, Text, BoolArray, IntArray, DoubleArray };

class RowBatch {
public:
	std::size_t rows() const { return rows_; }
	std::size_t columns() const { return kinds_.size(); }
	// 1-based number of the batch's first row in the table.
	std::uint64_t first_row() const { return first_row_; }
	ValueKind kind(std::size_t col) const { return kinds_[col]; }

	bool is_null(std::size_t r, std::size_t c) const { return cell(r, c).null; }
	bool get_bool(std::size_t r, std::size_t c) const { return cell(r, c).i != 0; }
	std::int64_t get_int(std::size_t r, std::size_t c) const { return cell(r, c).i; }
	double get_double(std::size_t r, std::size_t c) const { return cell(r, c).d; }
	std::string_view get_text(std::size_t r, std::size_t c) const {
		const Cell& x = cell(r, c);
		return {text_.data() + x.off, x.len};
	}
	std::span<const std::int64_t> get_ints(std::size_t r, std::size_t c) const {
		const Cell& x = cell(r, c);
		return {ints_.data() + x.off, x.len};
	}
	std::span<const double> get_doubles(std::size_t r, std::size_t c) const {
		const Cell& x = cell(r, c);
		return {doubles_.data() + x.off, x.len};
	}
	std::span<const std::int8_t> get_bools(std::size_t r, std::size_t c) const {
		const Cell& x = cell(r, c);
		return {bools_.data() + x.off, x.len};
	}

private:
	friend class BatchBuilder;
	struct Cell {
		union {
			std::int64_t i;
			double d;
			std::uint64_t off;
		};
		std::uint32_t len;
		bool null;
	};
	const Cell& cell(std::size_t r, std::size_t c) const { return cells_[r * kinds_.size() + c]; }

	std::vector<ValueKind> kinds_;
	std::vector<Cell> cells_;
	std::string text_;
	std::vector<std::int64_t> ints_;
	std::vector<double> doubles_;
	std::vector<std::int8_t> bools_;
	std::size_t rows_ = 0;
	std::uint64_t first_row_ = 1;
};

} // namespace meles::votable
