// CFITSIO-backed implementation of FitsTableReader.  All CFITSIO use for reading tables
// lives here; callers see only the plain types of fits_table_reader.hpp.
#include "meles/core/fits/fits_table_reader.hpp"

#include "meles/core/common/error.hpp"

#include <fitsio.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace meles::core::fits {

namespace {

std::string cfitsio_message(int status) {
	char text[FLEN_STATUS] = {0};
	fits_get_errstatus(status, text);
	std::string out = text;
	// The error stack has the details (which keyword, which row); keep the first line.
	char detail[FLEN_ERRMSG] = {0};
	if (fits_read_errmsg(detail) && detail[0] && out.find(detail) == std::string::npos) {
		out += " (";
		out += detail;
		out += ")";
	}
	fits_clear_errmsg();
	return out;
}

bool is_integral_code(int code) {
	switch (code) {
	case TBYTE:
	case TSBYTE:
	case TSHORT:
	case TUSHORT:
	case TINT:
	case TUINT:
	case TLONG:
	case TULONG:
	case TLONGLONG:
	case TULONGLONG:
		return true;
	default:
		return false;
	}
}

} // namespace

struct FitsTableReader::Impl {
	fitsfile* fptr = nullptr;
	std::string path;
	int hdu = 1;
	bool ascii = false;
	int64_t nrows = 0;
	std::vector<TableColumn> columns;
	std::vector<char> bitbuf;
	std::vector<char*> strptrs;
	std::vector<char> nullbuf;

	~Impl() {
		if (fptr) {
			int status = 0;
			fits_close_file(fptr, &status);
		}
	}

	[[noreturn]] void fail(int status, const std::string& what) const {
		throw Error(ErrorKind::Io, concat(what, ": ", cfitsio_message(status)), SourcePos{path, 0, 0});
	}

	std::string read_string_key(const std::string& key) {
		char value[FLEN_VALUE] = {0};
		int status = 0;
		if (fits_read_key(fptr, TSTRING, key.c_str(), value, nullptr, &status)) {
			fits_clear_errmsg();
			return {};
		}
		return value;
	}

	bool read_double_key(const std::string& key, double& out) {
		int status = 0;
		if (fits_read_key(fptr, TDOUBLE, key.c_str(), &out, nullptr, &status)) {
			fits_clear_errmsg();
			return false;
		}
		return true;
	}

	bool has_key(const std::string& key) {
		char card[FLEN_CARD];
		int status = 0;
		if (fits_read_card(fptr, key.c_str(), card, &status)) {
			fits_clear_errmsg();
			return false;
		}
		return true;
	}

	void load_columns() {
		int status = 0;
		int ncols = 0;
		if (fits_get_num_cols(fptr, &ncols, &status)) fail(status, "cannot read the table's column count");
		LONGLONG rows = 0;
		if (fits_get_num_rowsll(fptr, &rows, &status)) fail(status, "cannot read the table's row count");
		nrows = rows;
		for (int c = 1; c <= ncols; ++c) {
			TableColumn col;
			std::string n = std::to_string(c);
			col.name = read_string_key("TTYPE" + n);
			if (col.name.empty()) col.name = "col" + n;
			col.tform = read_string_key("TFORM" + n);
			col.unit = read_string_key("TUNIT" + n);
			read_double_key("TSCAL" + n, col.tscal);
			read_double_key("TZERO" + n, col.tzero);
			col.has_tnull = has_key("TNULL" + n);
			int code = 0;
			LONGLONG repeat = 0, width = 0;
			if (fits_get_coltypell(fptr, c, &code, &repeat, &width, &status))
				fail(status, concat("cannot read the type of column ", col.name));
			if (code < 0) {
				col.variable_length = true;
				code = -code;
			}
			col.repeat = repeat;
			if (code == TSTRING) {
				col.type = CellType::String;
				if (!ascii && !col.variable_length && width > 0 && width < repeat)
					throw Error(ErrorKind::Validation,
					            concat("column ", col.name, " (TFORM ", col.tform,
					                   ") holds several strings per cell, which Meles cannot ingest"),
					            SourcePos{path, 0, 0});
				if (ascii) col.repeat = width;
			} else if (code == TLOGICAL) {
				col.type = CellType::Logical;
			} else if (code == TBIT) {
				col.type = CellType::Logical;
				col.is_bits = true;
			} else if (code == TCOMPLEX || code == TDBLCOMPLEX) {
				throw Error(ErrorKind::Validation,
				            concat("column ", col.name, " has complex type (TFORM ", col.tform,
				                   "), which Meles cannot ingest"),
				            SourcePos{path, 0, 0});
			} else if (is_integral_code(code)) {
				bool integral_zero = std::floor(col.tzero) == col.tzero && std::fabs(col.tzero) < 9.3e18;
				col.type = (col.tscal == 1.0 && integral_zero) ? CellType::Integer : CellType::Float;
			} else {
				col.type = CellType::Float;
			}
			if (col.variable_length) col.repeat = repeat; // declared maximum, may be 0
			std::string tdim = read_string_key("TDIM" + n);
			if (!tdim.empty()) {
				int naxis = 0;
				long naxes[16];
				int st = 0;
				if (fits_read_tdim(fptr, c, 16, &naxis, naxes, &st) == 0) {
					for (int i = 0; i < naxis; ++i)
						col.dims.push_back(naxes[i]);
				} else {
					fits_clear_errmsg();
				}
			}
			columns.push_back(std::move(col));
		}
	}

	void check_range(size_t col, int64_t row) const {
		if (col >= columns.size()) throw Error(ErrorKind::Internal, concat("FITS column index out of range"));
		if (row < 0 || row >= nrows)
			throw Error(ErrorKind::Internal, concat("FITS row ", std::to_string(row), " out of range"));
	}

	template <typename T>
	void read_numbers(int datatype, size_t col, int64_t row, int64_t n, T* out, uint8_t* nulls) {
		check_range(col, row);
		if (n <= 0) return;
		nullbuf.resize(static_cast<size_t>(n));
		int anynul = 0, status = 0;
		if (fits_read_colnull(fptr, datatype, static_cast<int>(col) + 1, row + 1, 1, n, out, nullbuf.data(),
		                      &anynul, &status))
			fail(status,
			     concat("cannot read column ", columns[col].name, " at row ", std::to_string(row + 1)));
		if (nulls) {
			for (int64_t i = 0; i < n; ++i)
				nulls[i] = nullbuf[i] ? 1 : 0;
		}
		if (anynul) {
			for (int64_t i = 0; i < n; ++i) {
				if (!nullbuf[i]) continue;
				if constexpr (std::is_floating_point_v<T>)
					out[i] = std::numeric_limits<double>::quiet_NaN();
				else
					out[i] = 0;
			}
		}
	}
};

FitsTableReader::FitsTableReader(const std::string& path, int hdu) : impl_(std::make_unique<Impl>()) {
	impl_->path = path;
	impl_->hdu = hdu;
	int status = 0;
	// open_diskfile: the name is a plain path, so brackets or "+" in it are never taken as
	// CFITSIO's extended file name syntax.
	if (fits_open_diskfile(&impl_->fptr, path.c_str(), READONLY, &status)) {
		impl_->fptr = nullptr;
		impl_->fail(status, "cannot open FITS file");
	}
	int nhdus = 0;
	if (fits_get_num_hdus(impl_->fptr, &nhdus, &status)) impl_->fail(status, "cannot count the HDUs");
	if (hdu < 0 || hdu >= nhdus)
		throw Error(ErrorKind::Validation,
		            concat("the file has no HDU ", std::to_string(hdu), " (it has ", std::to_string(nhdus),
		                   ", numbered from 0 = primary)"),
		            SourcePos{path, 0, 0});
	int hdutype = 0;
	if (fits_movabs_hdu(impl_->fptr, hdu + 1, &hdutype, &status))
		impl_->fail(status, concat("cannot move to HDU ", std::to_string(hdu)));
	if (hdutype == IMAGE_HDU)
		throw Error(
		    ErrorKind::Validation,
		    concat("HDU ", std::to_string(hdu), " is an image, not a table; set hdu= to the table's HDU"),
		    SourcePos{path, 0, 0});
	impl_->ascii = hdutype == ASCII_TBL;
	impl_->load_columns();
}

FitsTableReader::~FitsTableReader() = default;
FitsTableReader::FitsTableReader(FitsTableReader&&) noexcept = default;
FitsTableReader& FitsTableReader::operator=(FitsTableReader&&) noexcept = default;

const std::string& FitsTableReader::path() const {
	return impl_->path;
}
int FitsTableReader::hdu() const {
	return impl_->hdu;
}
bool FitsTableReader::is_ascii() const {
	return impl_->ascii;
}
int64_t FitsTableReader::rows() const {
	return impl_->nrows;
}
const std::vector<TableColumn>& FitsTableReader::columns() const {
	return impl_->columns;
}

std::string FitsTableReader::extname() const {
	return impl_->read_string_key("EXTNAME");
}

int64_t FitsTableReader::preferred_chunk_rows() const {
	long n = 0;
	int status = 0;
	if (fits_get_rowsize(impl_->fptr, &n, &status) || n < 1) {
		fits_clear_errmsg();
		return 1000;
	}
	return n;
}

void FitsTableReader::read_integers(size_t col, int64_t row, int64_t n, int64_t* out, uint8_t* nulls) {
	static_assert(sizeof(LONGLONG) == sizeof(int64_t));
	impl_->read_numbers(TLONGLONG, col, row, n, reinterpret_cast<LONGLONG*>(out), nulls);
}

void FitsTableReader::read_floats(size_t col, int64_t row, int64_t n, double* out, uint8_t* nulls) {
	impl_->read_numbers(TDOUBLE, col, row, n, out, nulls);
}

void FitsTableReader::read_logicals(size_t col, int64_t row, int64_t n, uint8_t* out, uint8_t* nulls) {
	impl_->check_range(col, row);
	if (n <= 0) return;
	const TableColumn& c = impl_->columns[col];
	if (!c.is_bits) {
		impl_->read_numbers(TLOGICAL, col, row, n, reinterpret_cast<char*>(out), nulls);
		for (int64_t i = 0; i < n; ++i)
			out[i] = out[i] ? 1 : 0;
		return;
	}
	// Bits are read row by row: CFITSIO addresses them by (row, bit), not by element.
	int64_t per_row = c.repeat > 0 ? c.repeat : 1;
	impl_->bitbuf.resize(static_cast<size_t>(per_row));
	int64_t done = 0;
	int64_t r = row;
	while (done < n) {
		int64_t take = std::min(per_row, n - done);
		int status = 0;
		if (fits_read_col_bit(impl_->fptr, static_cast<int>(col) + 1, r + 1, 1, take, impl_->bitbuf.data(),
		                      &status))
			impl_->fail(status, concat("cannot read bit column ", c.name, " at row ", std::to_string(r + 1)));
		for (int64_t i = 0; i < take; ++i) {
			out[done + i] = impl_->bitbuf[i] ? 1 : 0;
			if (nulls) nulls[done + i] = 0;
		}
		done += take;
		++r;
	}
}

void FitsTableReader::read_strings(size_t col, int64_t row, int64_t nrows, int64_t width, char* out,
                                   uint32_t* lengths, uint8_t* nulls) {
	impl_->check_range(col, row);
	if (nrows <= 0) return;
	auto& ptrs = impl_->strptrs;
	ptrs.resize(static_cast<size_t>(nrows));
	for (int64_t i = 0; i < nrows; ++i) {
		ptrs[i] = out + i * (width + 1);
		ptrs[i][0] = 0;
	}
	impl_->nullbuf.resize(static_cast<size_t>(nrows));
	int anynul = 0, status = 0;
	if (fits_read_colnull_str(impl_->fptr, static_cast<int>(col) + 1, row + 1, 1, nrows, ptrs.data(),
	                          impl_->nullbuf.data(), &anynul, &status))
		impl_->fail(status, concat("cannot read string column ", impl_->columns[col].name, " at row ",
		                           std::to_string(row + 1)));
	for (int64_t i = 0; i < nrows; ++i) {
		ptrs[i][width] = 0;
		// FITS pads with blanks, and CFITSIO returns an all-blank cell as " ": trailing
		// blanks carry no meaning (astropy, and hence DaCHS, drop them too).
		size_t len = std::strlen(ptrs[i]);
		while (len && ptrs[i][len - 1] == ' ')
			--len;
		ptrs[i][len] = 0;
		lengths[i] = static_cast<uint32_t>(len);
		if (nulls) nulls[i] = impl_->nullbuf[i] ? 1 : 0;
	}
}

void FitsTableReader::read_lengths(size_t col, int64_t row, int64_t nrows, int64_t* counts) {
	impl_->check_range(col, row);
	if (nrows <= 0) return;
	std::vector<LONGLONG> len(static_cast<size_t>(nrows)), off(static_cast<size_t>(nrows));
	int status = 0;
	if (fits_read_descriptsll(impl_->fptr, static_cast<int>(col) + 1, row + 1, nrows, len.data(), off.data(),
	                          &status))
		impl_->fail(status, concat("cannot read the array descriptors of column ", impl_->columns[col].name));
	for (int64_t i = 0; i < nrows; ++i)
		counts[i] = len[i];
}

} // namespace meles::core::fits
