// meles/core/wcs/image_wcs.hpp — where an image lies on the sky, from the FITS WCS of its header
// (WCSLIB: every projection it knows, TAN, SIN, ZEA, AIT, CAR, ..., with SIP and TPV distortions).
//
// This is what //siap#computePGS and //siap2#computePGS store for each image: its footprint
// polygon, centre, pixel scales, bounding box and the plain WCS values.  Only the two celestial
// axes count; other axes (spectral, Stokes) are held at their first pixel.  Galactic or ecliptic
// celestial axes are turned into equatorial ones, as SIAP wants ICRS positions.
// Thread-safety: reentrant (the header parser, which keeps state, is serialised inside).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::core::wcs {

struct ImageGeometry {
	int naxes = 0;              // NAXIS
	std::vector<int64_t> naxis; // NAXIS1..n
	double center_ra = 0;       // deg: the world position of the central pixel
	double center_dec = 0;      // deg
	// The centres of the four corner pixels (1,1), (1,n2), (n1,n2), (n1,1) as (ra, dec) in
	// degrees: astropy's calc_footprint, so a footprint is comparable with what it answers.
	std::array<std::array<double, 2>, 4> corners{};
	std::array<double, 2> pixel_scale{}; // deg/pix along the two celestial pixel axes at the centre
	double fov = 0;                      // deg: the longer diagonal between corner pixels
	// Bounding box (deg); ra_min > ra_max when the image straddles RA 0.
	double ra_min = 0, ra_max = 0, dec_min = 0, dec_max = 0;
	std::string projection;             // "TAN", "SIN", ... (the CTYPE's code)
	std::array<double, 2> ref_pixel{};  // CRPIX of the celestial axes
	std::array<double, 2> ref_values{}; // CRVAL of the celestial axes (deg)
	std::array<double, 4> cd{};         // CD matrix (PC x CDELT), row major, deg/pix
	std::optional<double> equinox;      // EQUINOX, when given
	std::string ref_frame;              // RADESYS as WCSLIB reads it ("ICRS", "FK5", ...)
};

// The geometry of an image whose header is `cards`: 80-character card images one after the other
// (as in a FITS file; an END card is optional).  Throws Error(Validation) saying why when the
// header has no usable celestial WCS (no NAXISn, no celestial axes, a projection WCSLIB refuses,
// corners that do not map to the sky).
ImageGeometry image_geometry(std::string_view cards);

} // namespace meles::core::wcs
