#include "meles/core/fits/fits_image_reader.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <fitsio.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace meles::core::fits {

namespace {

std::string message(int status) {
	char text[FLEN_STATUS] = {};
	fits_get_errstatus(status, text);
	fits_clear_errmsg();
	return text;
}

class File {
public:
	explicit File(const std::string& path) {
		int status = 0;
		// A file name, never CFITSIO's extended syntax.
		if (fits_open_diskfile(&f_, path.c_str(), READONLY, &status)) {
			f_ = nullptr;
			throw Error(ErrorKind::Io, concat("cannot read as FITS: ", message(status)));
		}
	}
	~File() {
		int status = 0;
		if (f_) fits_close_file(f_, &status);
	}
	File(const File&) = delete;
	File& operator=(const File&) = delete;
	fitsfile* get() { return f_; }

private:
	fitsfile* f_ = nullptr;
};

} // namespace

image::GreyGrid read_binned_image(const std::string& path, int max_size) {
	if (max_size < 1) throw Error(ErrorKind::Validation, "the preview size must be at least 1 pixel");
	File file(path);
	fitsfile* f = file.get();
	int status = 0, hdus = 0;
	if (fits_get_num_hdus(f, &hdus, &status))
		throw Error(ErrorKind::Io, concat("cannot count the HDUs: ", message(status)));
	constexpr int kMaxDims = 9;
	long naxes[kMaxDims] = {};
	int naxis = 0;
	bool found = false;
	for (int i = 1; i <= hdus && !found; ++i) {
		int type = 0;
		if (fits_movabs_hdu(f, i, &type, &status))
			throw Error(ErrorKind::Io, concat("HDU ", std::to_string(i - 1), ": ", message(status)));
		if (type != IMAGE_HDU) continue;
		int bitpix = 0;
		if (fits_get_img_param(f, kMaxDims, &bitpix, &naxis, naxes, &status))
			throw Error(ErrorKind::Io, concat("HDU ", std::to_string(i - 1), ": ", message(status)));
		found = naxis >= 2 && naxes[0] > 0 && naxes[1] > 0;
	}
	if (!found) throw Error(ErrorKind::NotFound, "the file holds no image to make a preview of");
	long width = naxes[0], height = naxes[1];
	long factor = std::max<long>(1, (std::max(width, height) + max_size - 1) / max_size);
	image::GreyGrid grid;
	grid.width = static_cast<int>((width + factor - 1) / factor);
	grid.height = static_cast<int>((height + factor - 1) / factor);
	grid.values.assign(static_cast<size_t>(grid.width) * static_cast<size_t>(grid.height),
	                   std::numeric_limits<double>::quiet_NaN());
	std::vector<double> row(static_cast<size_t>(width));
	std::vector<double> sum(static_cast<size_t>(grid.width));
	std::vector<long> count(static_cast<size_t>(grid.width));
	double blank = std::numeric_limits<double>::quiet_NaN();
	long first[kMaxDims];
	std::fill(first, first + kMaxDims, 1L);
	for (long y = 0; y < height; ++y) {
		first[1] = y + 1;
		int anynul = 0;
		if (fits_read_pix(f, TDOUBLE, first, width, &blank, row.data(), &anynul, &status))
			throw Error(ErrorKind::Io,
			            concat("cannot read image row ", std::to_string(y + 1), ": ", message(status)));
		for (long x = 0; x < width; ++x) {
			double v = row[static_cast<size_t>(x)];
			if (!std::isfinite(v)) continue;
			auto bx = static_cast<size_t>(x / factor);
			sum[bx] += v;
			++count[bx];
		}
		if ((y + 1) % factor == 0 || y + 1 == height) {
			// FITS row 1 is the bottom of the picture.
			auto out_row = static_cast<size_t>(grid.height - 1 - y / factor);
			for (size_t bx = 0; bx < sum.size(); ++bx) {
				if (count[bx] > 0)
					grid.values[out_row * static_cast<size_t>(grid.width) + bx] =
					    sum[bx] / static_cast<double>(count[bx]);
				sum[bx] = 0;
				count[bx] = 0;
			}
		}
	}
	return grid;
}

} // namespace meles::core::fits
