// meles/core/fits/fits_table_reader.hpp — reads binary and ASCII table HDUs of FITS files.
//
// The ingestion grammar (rd/ingest fitsTableGrammar) pulls column chunks from here; CFITSIO
// stays behind this interface (core/src/fits).  Cells come out as int64, double, bool or
// string elements after TSCAL/TZERO scaling, with a per-element null flag for TNULL,
// undefined logicals and NaN.
// Thread-safety: one reader per thread; distinct readers (even on the same file) are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace meles::core::fits {

// What the elements of a column decode to.
enum class CellType {
	Logical, // L (and X, one element per bit): 0 or 1
	Integer, // B, I, J, K, ASCII Iw, with integral TZERO and TSCAL = 1
	Float,   // E, D, ASCII Fw.d/Ew.d/Dw.d, and scaled integer columns
	String,  // A: one string per cell, trailing blanks removed
};

struct TableColumn {
	std::string name;  // TTYPEn as written (col<n> when missing)
	std::string tform; // TFORMn as written
	std::string unit;  // TUNITn, "" when absent
	CellType type = CellType::Float;
	// Elements per cell for fixed-size numeric and logical cells (1 = scalar).  For strings
	// the cell width in characters.  For variable-length columns the declared maximum (or 0).
	int64_t repeat = 1;
	bool variable_length = false; // P/Q array descriptors: element count varies per row
	bool is_bits = false;         // X column, delivered as Logical elements
	std::vector<int64_t> dims;    // TDIMn when given (informational; cells are flat)
	bool has_tnull = false;       // a TNULLn keyword exists
	double tscal = 1.0, tzero = 0.0;

	// True when each cell holds exactly one element (strings count as one element).
	bool scalar() const { return !variable_length && (type == CellType::String || repeat == 1); }
};

class FitsTableReader {
public:
	// Opens `path` and moves to HDU `hdu` (0 = primary, as in DaCHS's fitsTableGrammar).
	// Throws Error(Io) when the file cannot be read, Error(Validation) when the HDU is not
	// a table or a column has a type Meles cannot ingest (complex, arrays of strings).
	FitsTableReader(const std::string& path, int hdu);
	~FitsTableReader();
	FitsTableReader(FitsTableReader&&) noexcept;
	FitsTableReader& operator=(FitsTableReader&&) noexcept;
	FitsTableReader(const FitsTableReader&) = delete;
	FitsTableReader& operator=(const FitsTableReader&) = delete;

	const std::string& path() const;
	int hdu() const;
	bool is_ascii() const;
	std::string extname() const;
	int64_t rows() const;
	const std::vector<TableColumn>& columns() const;
	// Rows per read that CFITSIO's buffering handles best (at least 1).
	int64_t preferred_chunk_rows() const;

	// Reads `nelements` consecutive elements of column `col` (0-based) starting at the first
	// element of row `row` (0-based).  For fixed-size columns this may span rows
	// (nrows * repeat elements); for variable-length columns it reads within one row.
	// `nulls` (may be null) receives 1 for undefined elements (TNULL, undefined logical,
	// NaN in floating point data, empty ASCII-table fields) and 0 otherwise; undefined
	// floats are returned as NaN, undefined integers as 0.
	void read_integers(size_t col, int64_t row, int64_t nelements, int64_t* out, uint8_t* nulls);
	void read_floats(size_t col, int64_t row, int64_t nelements, double* out, uint8_t* nulls);
	void read_logicals(size_t col, int64_t row, int64_t nelements, uint8_t* out, uint8_t* nulls);
	// Reads the string cells of rows [row, row+nrows): cell i is written NUL-terminated to
	// out + i*(width+1) where width = columns()[col].repeat (for variable-length string
	// columns call with nrows = 1 and width = the row's length); lengths[i] gets its length.
	void read_strings(size_t col, int64_t row, int64_t nrows, int64_t width, char* out, uint32_t* lengths,
	                  uint8_t* nulls);
	// Element counts of a variable-length column for rows [row, row+nrows).
	void read_lengths(size_t col, int64_t row, int64_t nrows, int64_t* counts);

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace meles::core::fits
