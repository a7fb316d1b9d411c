#include "fits/fits_table_fixture.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <fitsio.h>

#include <cstdio>
#include <vector>

namespace meles::core::fits {

namespace {

void check(int status, const std::string& what) {
	if (status == 0) return;
	char text[FLEN_STATUS] = {0};
	fits_get_errstatus(status, text);
	fits_clear_errmsg();
	throw Error(ErrorKind::Io, concat("writing FITS fixture: ", what, ": ", text));
}

} // namespace

void write_fits_tables(const std::string& path, const std::vector<FixtureTable>& tables) {
	std::remove(path.c_str());
	fitsfile* f = nullptr;
	int status = 0;
	fits_create_diskfile(&f, path.c_str(), &status);
	check(status, "create " + path);
	long naxes[1] = {0};
	fits_create_img(f, 8, 0, naxes, &status);
	check(status, "primary HDU");
	for (const auto& t : tables) {
		std::vector<std::string> names, forms, units;
		for (auto& c : t.columns) {
			names.push_back(c.name);
			forms.push_back(c.tform);
			units.push_back(c.unit);
		}
		std::vector<char*> n, fo, u;
		for (size_t i = 0; i < names.size(); ++i) {
			n.push_back(names[i].data());
			fo.push_back(forms[i].data());
			u.push_back(units[i].data());
		}
		std::string ext = t.extname;
		fits_create_tbl(f, t.ascii ? ASCII_TBL : BINARY_TBL, t.rows, static_cast<int>(names.size()), n.data(),
		                fo.data(), u.data(), ext.empty() ? nullptr : ext.data(), &status);
		check(status, "create table");
		for (size_t ci = 0; ci < t.columns.size(); ++ci) {
			const auto& c = t.columns[ci];
			int colnum = static_cast<int>(ci) + 1;
			std::string k = std::to_string(colnum);
			if (c.tnull) {
				LONGLONG v = *c.tnull;
				fits_update_key(f, TLONGLONG, ("TNULL" + k).c_str(), &v, nullptr, &status);
				fits_set_btblnull(f, colnum, v, &status);
			}
			if (!c.ascii_tnull.empty()) {
				std::string v = c.ascii_tnull;
				fits_update_key(f, TSTRING, ("TNULL" + k).c_str(), v.data(), nullptr, &status);
				fits_set_atblnull(f, colnum, v.data(), &status);
			}
			if (c.tscal)
				fits_update_key(f, TDOUBLE, ("TSCAL" + k).c_str(), const_cast<double*>(&*c.tscal), nullptr,
				                &status);
			if (c.tzero)
				fits_update_key(f, TDOUBLE, ("TZERO" + k).c_str(), const_cast<double*>(&*c.tzero), nullptr,
				                &status);
			if (!c.tdim.empty()) {
				std::string v = c.tdim;
				fits_update_key(f, TSTRING, ("TDIM" + k).c_str(), v.data(), nullptr, &status);
			}
			check(status, "column keywords of " + c.name);
			// Values are given as stored: switch scaling off while writing them.
			fits_set_tscale(f, colnum, 1.0, 0.0, &status);
			check(status, "tscale");
			for (int64_t r = 0; r < t.rows; ++r) {
				bool is_null = false;
				for (auto nr : c.null_rows)
					is_null = is_null || nr == r;
				if (is_null) {
					fits_write_col_null(f, colnum, r + 1, 1, 1, &status);
				} else if (r < static_cast<int64_t>(c.strings.size())) {
					std::string s = c.strings[r];
					char* p = s.data();
					fits_write_col(f, TSTRING, colnum, r + 1, 1, 1, &p, &status);
				} else if (r < static_cast<int64_t>(c.logicals.size())) {
					const auto& cell = c.logicals[r];
					bool bits = c.tform.find('X') != std::string::npos;
					for (size_t e = 0; e < cell.size(); ++e) {
						if (cell[e] < 0) {
							fits_write_col_null(f, colnum, r + 1, e + 1, 1, &status);
						} else {
							char v = cell[e] ? 1 : 0;
							if (bits)
								fits_write_col_bit(f, colnum, r + 1, e + 1, 1, &v, &status);
							else
								fits_write_col(f, TLOGICAL, colnum, r + 1, e + 1, 1, &v, &status);
						}
					}
				} else if (r < static_cast<int64_t>(c.numbers.size())) {
					auto cell = c.numbers[r];
					if (!cell.empty())
						fits_write_col(f, TDOUBLE, colnum, r + 1, 1, static_cast<LONGLONG>(cell.size()),
						               cell.data(), &status);
				}
				check(status, "values of " + c.name + " row " + std::to_string(r + 1));
			}
		}
	}
	fits_close_file(f, &status);
	check(status, "close");
}

void write_fits_image(const std::string& path) {
	std::remove(path.c_str());
	fitsfile* f = nullptr;
	int status = 0;
	fits_create_diskfile(&f, path.c_str(), &status);
	long naxes[1] = {0};
	fits_create_img(f, 8, 0, naxes, &status);
	long ax[2] = {4, 4};
	fits_create_img(f, 16, 2, ax, &status);
	std::vector<short> px(16, 7);
	fits_write_img(f, TSHORT, 1, 16, px.data(), &status);
	fits_close_file(f, &status);
	check(status, "image fixture " + path);
}

void write_fits_image_file(const std::string& path, const FixtureImage& im) {
	std::remove(path.c_str());
	fitsfile* f = nullptr;
	int status = 0;
	fits_create_diskfile(&f, path.c_str(), &status);
	check(status, "create " + path);
	long ax[2] = {im.naxis1, im.naxis2};
	if (im.tile_compressed) {
		long none[1] = {0};
		fits_create_img(f, 8, 0, none, &status);
		fits_set_compression_type(f, RICE_1, &status);
	}
	fits_create_img(f, SHORT_IMG, 2, ax, &status);
	check(status, "image HDU");
	for (auto& [key, value] : im.cards) {
		std::string card = key.size() > 8 || key.find(' ') != std::string::npos
		                       ? concat("HIERARCH ", key, " = ", value)
		                       : concat(key, std::string(8 - key.size(), ' '), "= ", value);
		card.resize(80, ' ');
		fits_write_record(f, card.c_str(), &status);
		check(status, "card " + key);
	}
	if (!im.long_string_key.empty()) {
		fits_write_key_longstr(f, im.long_string_key.c_str(), im.long_string.c_str(), nullptr, &status);
		check(status, "long string");
	}
	std::vector<short> px(static_cast<size_t>(im.naxis1 * im.naxis2));
	for (size_t i = 0; i < px.size(); ++i)
		px[i] = static_cast<short>(i % 1000);
	fits_write_img(f, TSHORT, 1, static_cast<LONGLONG>(px.size()), px.data(), &status);
	check(status, "pixels");
	if (im.tile_compressed) fits_set_compression_type(f, NOCOMPRESS, &status);
	for (int e = 1; e <= im.extensions; ++e) {
		long small[2] = {2, 2};
		fits_create_img(f, SHORT_IMG, 2, small, &status);
		std::string name = concat("EXT", std::to_string(e));
		fits_update_key(f, TSTRING, "EXTNAME", name.data(), nullptr, &status);
		int n = e;
		fits_update_key(f, TINT, "HDUNUM", &n, nullptr, &status);
		short zeros[4] = {0, 0, 0, 0};
		fits_write_img(f, TSHORT, 1, 4, zeros, &status);
		check(status, "extension");
	}
	fits_close_file(f, &status);
	check(status, "image fixture " + path);
}

} // namespace meles::core::fits
