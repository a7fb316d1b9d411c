// fits_table_fixture.hpp — writes small FITS tables for tests and demo fixtures.
//
// Tests must not include CFITSIO (it lives in core/src/fits only), so they describe the
// table here in plain types and this writes it.  Values are given *as stored* (before
// TSCAL/TZERO), so tests control exactly what a reader has to undo.
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace meles::core::fits {

struct FixtureColumn {
	FixtureColumn(std::string n, std::string form, std::string u = {})
	    : name(std::move(n)), tform(std::move(form)), unit(std::move(u)) {}
	std::string name;
	std::string tform; // e.g. "J", "3E", "10A", "1PJ(4)", ASCII "I8", "F10.4"
	std::string unit;
	std::optional<int64_t> tnull; // integer TNULLn (binary tables)
	std::string ascii_tnull;      // TNULLn string (ASCII tables)
	std::optional<double> tscal, tzero;
	std::string tdim; // TDIMn, e.g. "(2,3)"
	// One entry per row.  numbers: numeric cells (NaN allowed); logicals: 1 T, 0 F, -1
	// undefined (also used for X bit columns); strings: string cells.  A numeric or logical
	// cell listed in null_cells is written as undefined (TNULL / ASCII TNULL).
	std::vector<std::vector<double>> numbers;
	std::vector<std::vector<int>> logicals;
	std::vector<std::string> strings;
	std::vector<int64_t> null_rows; // 0-based rows written as undefined (uses TNULL)
};

struct FixtureTable {
	bool ascii = false;
	std::string extname;
	int64_t rows = 0;
	std::vector<FixtureColumn> columns;
};

// Writes an empty primary HDU followed by one table extension per entry (so the first
// table is HDU 1).  Overwrites `path`.  Throws Error(Io) on CFITSIO failures.
void write_fits_tables(const std::string& path, const std::vector<FixtureTable>& tables);

// Writes a file whose HDU 1 is a small image (for "not a table" errors).
void write_fits_image(const std::string& path);

// An image file as telescopes write them, for fitsProdGrammar tests and benchmarks.
struct FixtureImage {
	long naxis1 = 16, naxis2 = 16;
	// Header cards after the mandatory ones: key and value as FITS writes it ("'M31'",
	// "12.5", "T", "1.0D-3"); a key of 8+ characters or with blanks becomes HIERARCH.
	std::vector<std::pair<std::string, std::string>> cards;
	std::string long_string_key; // with long_string: a string longer than a card (CONTINUE)
	std::string long_string;
	bool tile_compressed = false; // as fpack writes: empty primary HDU, RICE-compressed image HDU 1
	int extensions = 0;           // further image HDUs (EXTNAME EXTn, a card HDUNUM = n)
};
void write_fits_image_file(const std::string& path, const FixtureImage& image);

} // namespace meles::core::fits
