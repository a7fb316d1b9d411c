// meles/core/fits/fits_image_reader.hpp — the pixels of a FITS image, binned down for previews.
//
// The first HDU holding an image with data (NAXIS >= 2, both axes non-empty; the first plane of
// a cube) of a plain, gzip-compressed or tile-compressed file is read one row at a time through
// CFITSIO and averaged in square blocks of f × f pixels, f the smallest integer making both
// sides at most `max_size` (edge blocks average what they have); blank pixels (NaN, BLANK) are
// left out of the averages, a block with none left is NaN.  Memory: one input row and the
// binned grid, whatever the image's size (CFITSIO itself unpacks a .gz file in memory first).
// FITS stores the bottom row first; the grid is turned the way images are shown (top first).
// Throws Error(Io) for a file that is not FITS or is damaged, Error(NotFound) when no HDU
// holds an image.
// Thread-safety: reentrant.
#pragma once

#include "meles/core/image/preview.hpp"

#include <string>

namespace meles::core::fits {

image::GreyGrid read_binned_image(const std::string& path, int max_size);

} // namespace meles::core::fits
