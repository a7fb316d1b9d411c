#include "meles/core/common/error.hpp"
#include "meles/core/image/preview.hpp"

#include <csetjmp>
#include <png.h>

namespace meles::image {

namespace {

void append(png_structp png, png_bytep data, png_size_t n) {
	static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}

void flush_nothing(png_structp) {}

// libpng's errors long-jump back (its own convention: no exception may cross its C frames);
// nothing with a destructor is made between the setjmp and the calls that may jump.
bool write_rows(png_structp png, png_infop info, const uint8_t* pixels, int width, int height) {
	if (setjmp(png_jmpbuf(png))) return false;
	png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
	             PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	             PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < height; ++y)
		png_write_row(png, pixels + static_cast<size_t>(y) * static_cast<size_t>(width));
	png_write_end(png, nullptr);
	return true;
}

} // namespace

std::string encode_png_grey(const std::vector<uint8_t>& pixels, int width, int height) {
	if (width <= 0 || height <= 0 ||
	    pixels.size() != static_cast<size_t>(width) * static_cast<size_t>(height))
		throw Error(ErrorKind::Internal, "encode_png_grey: pixel count does not match the size");
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
	if (!png) throw Error(ErrorKind::Internal, "cannot start a PNG encoder");
	png_infop info = png_create_info_struct(png);
	std::string out;
	bool ok = info && (png_set_write_fn(png, &out, append, flush_nothing), true) &&
	          write_rows(png, info, pixels.data(), width, height);
	png_destroy_write_struct(&png, &info);
	if (!ok) throw Error(ErrorKind::Internal, "PNG encoding failed");
	return out;
}

} // namespace meles::image
